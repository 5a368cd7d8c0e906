"""What a window source does while its window comes and goes, on every platform.

A game restarts, crashes, is minimised: the stream must go on. While the window is gone the
source publishes a placeholder once (the canvas keeps encoding it) and looks for the window
again once a second; while it is minimised/unmapped the last frame is held. X11 and Windows
window sources differ only in how they find and read a window, so this part is shared.
"""

from __future__ import annotations

import logging
import time
from contextlib import AbstractContextManager, nullcontext

from rigcast.config.model import Size, SourceConfig
from rigcast.engine.capture.placeholder import publish_placeholder
from rigcast.engine.framering import FrameRing, SourceState

log = logging.getLogger("rigcast.capture.window")

SEARCH_INTERVAL_S = 1.0


class WindowPresence:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        self.cfg, self.ring = cfg, ring
        self.state = SourceState.STARTING
        self.next_search = 0.0
        self.placeholder_shown = False
        self.last_size = Size(ring.max_width, ring.max_height)

    def set_state(self, state: SourceState, message: str) -> None:
        if state != self.state:
            log.info("%s: %s", self.cfg.name, message)
        self.state = state
        self.ring.set_state(state)

    def found(self, width: int, height: int) -> None:
        self.placeholder_shown = False
        self.last_size = Size(width, height)

    def lost(self, why: str, state: SourceState = SourceState.NOT_FOUND) -> None:
        """The window is gone (``not_found``), or its capture stopped under it (``lost``)."""
        self.next_search = time.monotonic() + SEARCH_INTERVAL_S
        self.set_state(state, f"{self.cfg.describe()} {why}; showing a placeholder, "
                              f"looking again every {SEARCH_INTERVAL_S:g} s")

    def search_due(self) -> bool:
        if time.monotonic() < self.next_search:
            return False
        self.next_search = time.monotonic() + SEARCH_INTERVAL_S
        return True

    def show_placeholder(self, pts_ns: int, lock: AbstractContextManager[object] | None = None) -> None:
        if not self.placeholder_shown:
            with lock or nullcontext():
                publish_placeholder(self.ring, self.last_size.width, self.last_size.height, pts_ns)
            self.placeholder_shown = True
