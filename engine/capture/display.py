"""X11 display (monitor) capture.

Monitors are numbered as mss numbers them (1 = first monitor, 0 = all monitors as one), the
same numbering on Linux and Windows. The pixels come through MIT-SHM straight into the frame
ring like the window source; if the server refuses MIT-SHM (a remote display), mss's XGetImage
path is used and its frame copied into the ring, which costs a copy but still works.
"""

from __future__ import annotations

import sys

assert sys.platform.startswith("linux"), "rigcast.engine.capture.display is Linux-only (X11)"

import logging
from typing import Any

from rigcast.config.model import Size, SourceConfig
from rigcast.engine.capture.base import SourceProbe
from rigcast.engine.capture.x11_windows import open_display, resolve_display
from rigcast.engine.capture.xcb_shm import XcbError, XcbShmReader
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing, SourceState

log = logging.getLogger("rigcast.capture.display")


def _monitor(index: int) -> dict[str, int]:
    import mss

    with mss.mss(display=resolve_display()) as sct:
        monitors = sct.monitors
    if not 0 <= index < len(monitors):
        raise RigcastError(f"display {index} does not exist; this X server has monitors 1-{len(monitors) - 1} "
                           f"(0 = all of them)")
    return dict(monitors[index])


class X11DisplaySource:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        self.cfg = cfg
        self.mon = _monitor(cfg.settings.display)
        self.width = min(self.mon["width"], ring.max_width)
        self.height = min(self.mon["height"], ring.max_height)
        self.mss: Any = None
        d = open_display()
        self.root = d.screen().root.id
        d.close()
        try:
            self.reader: XcbShmReader | None = XcbShmReader(resolve_display(), ring)
        except XcbError as e:
            log.warning("%s: MIT-SHM unavailable (%s); falling back to mss (one extra copy a frame)", cfg.name, e)
            import mss

            self.reader = None
            self.mss = mss.mss(display=resolve_display())
        ring.set_state(SourceState.LIVE)
        log.info("%s: capturing display %d (%dx%d at %d,%d)", cfg.name, cfg.settings.display,
                 self.width, self.height, self.mon["left"], self.mon["top"])

    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        if self.reader is None:
            import numpy as np

            shot = self.mss.grab(self.mon)
            ring.write_array(np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4), pts_ns)
            return
        slot = ring.begin_write()
        try:
            self.reader.get_image(self.root, self.mon["left"], self.mon["top"], self.width, self.height, slot)
        except XcbError:
            ring.abort(slot)
            raise
        ring.commit(slot, self.width, self.height, self.width * 4, pts_ns)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.close()
        if self.mss is not None:
            self.mss.close()


class X11DisplayKind:
    def probe(self, cfg: SourceConfig) -> SourceProbe:
        mon = _monitor(cfg.settings.display)
        size = Size(mon["width"], mon["height"])
        return SourceProbe(size, size, f"display {cfg.settings.display}")

    def open(self, cfg: SourceConfig, ring: FrameRing) -> X11DisplaySource:
        return X11DisplaySource(cfg, ring)


