"""The ticker source's implementation: it runs in a capture worker process of its own, which
rigcast starts for every source whose record has ``Cap.CAPTURED``. The worker calls ``grab()``
half a frame before each canvas tick; what it raises shows the source as ``error`` (one log
line) and is tried again each second, and the rest of the scene goes on."""

from __future__ import annotations

from typing import Any

from rigcast.engine.capture.base import SourceProbe
from rigcast.engine.framering import FrameRing, SourceState

BACKGROUND = (64, 32, 16, 255)  # BGRA: dark blue
BAR = (255, 255, 255, 255)
BAR_WIDTH = 16


class Ticker:
    """One open ticker: ``grab`` writes a frame into the ring, with no copy beyond the paint."""

    def __init__(self, cfg: Any) -> None:
        self.size = cfg.settings.size
        self.step = cfg.settings.step
        self.frames = 0

    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        w, h = self.size.width, self.size.height
        slot = ring.begin_write()  # a free slot of the shared ring, painted in place
        px = ring.slot_pixels(slot, w, h)
        px[:] = BACKGROUND
        x = (self.frames * self.step) % max(1, w - BAR_WIDTH)
        px[:, x:x + BAR_WIDTH] = BAR
        ring.commit(slot, w, h, w * 4, pts_ns)  # published: the compositor reads it at the tick
        self.frames += 1

    def close(self) -> None:
        pass


class TickerKind:
    def probe(self, cfg: Any) -> SourceProbe:
        """Asked before the worker starts: the ring is sized for ``max_size``."""
        return SourceProbe(size=cfg.settings.size, max_size=cfg.settings.size,
                           description=f"ticker {cfg.settings.size.width}x{cfg.settings.size.height}")

    def open(self, cfg: Any, ring: FrameRing) -> Ticker:
        """In the worker: what it needs, then the state the room shows (``live``; a source that
        waits for something, as a window capture waits for its window, says so instead)."""
        ticker = Ticker(cfg)
        ring.set_state(SourceState.LIVE)
        return ticker
