"""X11 window capture: the game's client area, even when covered, through Composite + MIT-SHM.

How (the same route OBS's xcomposite source takes):
- ``XCompositeRedirectWindow(Automatic)`` on the *client* window makes the server keep its
  contents in an off-screen pixmap, whatever covers it, while still drawing it on screen;
- ``XCompositeNameWindowPixmap`` gives that pixmap an id, which MIT-SHM reads into the frame
  ring (see :mod:`rigcast.engine.capture.xcb_shm`). The pixmap is the client area only: no WM frame.
- The pixmap is tied to the window's size: on ConfigureNotify with a new size we name a new one;
  on DestroyNotify the source publishes a placeholder and looks for the window once a second.
"""

from __future__ import annotations

import sys

assert sys.platform.startswith("linux"), "rigcast.engine.capture.x11 is Linux-only (X11)"

import logging
from typing import Any

from rigcast.config.model import Size, SourceConfig
from rigcast.engine.capture.base import SourceProbe
from rigcast.engine.capture.matching import WindowInfo, pick_window
from rigcast.engine.capture.presence import WindowPresence
from rigcast.engine.capture.x11_windows import list_windows, open_display, window_info
from rigcast.engine.capture.xcb_shm import (
    BAD_DRAWABLE,
    BAD_MATCH,
    BAD_PIXMAP,
    BAD_WINDOW,
    XcbError,
    XcbShmReader,
)
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing, SourceState

log = logging.getLogger("rigcast.capture.window")


def find_window(d: Any, cfg: SourceConfig) -> WindowInfo | None:
    return pick_window(list_windows(d), cfg)


class X11WindowSource:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        self.cfg = cfg
        self.ring = ring
        self.d = open_display()
        self.reader = XcbShmReader(self.d.get_display_name(), ring)
        self.composite = self.d.has_extension("Composite")
        if not self.composite:
            log.warning("X server has no Composite extension: only the visible part of the window is captured")
        self.win: Any = None
        self.pixmap: Any = None
        self.width = self.height = 0
        self.presence = WindowPresence(cfg, ring)
        info = find_window(self.d, cfg)
        if info is not None:
            self._attach(info)
        else:
            self._lost("not found at start")

    # -- window lifecycle ----------------------------------------------------------------------
    def _attach(self, info: WindowInfo) -> None:
        from Xlib import X

        self.win = self.d.create_resource_object("window", info.id)
        self.win.change_attributes(event_mask=X.StructureNotifyMask)
        if self.composite:
            self.win.composite_redirect_window(0)  # CompositeRedirectAutomatic
        self.width, self.height = info.width, info.height
        self.presence.found(info.width, info.height)
        if info.visible:
            self._name_pixmap()
            self._set_state(SourceState.LIVE, f'capturing window 0x{info.id:x} "{info.label}" {info.width}x{info.height}')
        else:
            self._set_state(SourceState.HIDDEN, f"window 0x{info.id:x} is not mapped (minimised?)")

    def _name_pixmap(self) -> None:
        self._free_pixmap()
        if self.composite:
            self.pixmap = self.win.composite_name_window_pixmap()
        self.d.sync()

    def _free_pixmap(self) -> None:
        if self.pixmap is not None:
            try:
                self.pixmap.free()
            except Exception:
                pass
            self.pixmap = None

    def _lost(self, why: str) -> None:
        self._free_pixmap()
        self.win = None
        self.presence.lost(why)

    def _set_state(self, state: SourceState, message: str) -> None:
        self.presence.set_state(state, message)

    def _drain_events(self) -> None:
        from Xlib import X

        while self.d.pending_events():
            ev = self.d.next_event()
            if self.win is None or getattr(ev, "window", None) is None or ev.window.id != self.win.id:
                continue
            if ev.type == X.DestroyNotify:
                self._lost("was closed")
                return
            if ev.type == X.UnmapNotify:
                self._set_state(SourceState.HIDDEN, "window was unmapped (minimised?); holding its last frame")
            elif ev.type == X.MapNotify:
                self._name_pixmap()
                self._set_state(SourceState.LIVE, "window is mapped again")
            elif ev.type == X.ConfigureNotify and (ev.width, ev.height) != (self.width, self.height):
                log.info("%s: window resized %dx%d -> %dx%d", self.cfg.name, self.width, self.height, ev.width, ev.height)
                self.width, self.height = ev.width, ev.height
                if self.presence.state == SourceState.LIVE:
                    self._name_pixmap()

    # -- per frame -----------------------------------------------------------------------------
    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        self._drain_events()
        if self.win is None:
            if self.presence.search_due():
                info = find_window(self.d, self.cfg)
                if info is not None:
                    self._attach(info)
            if self.win is None:
                self.presence.show_placeholder(pts_ns)
                return
        if self.presence.state != SourceState.LIVE:
            return  # hidden: the encoder repeats the last frame
        w, h = min(self.width, ring.max_width), min(self.height, ring.max_height)
        drawable = self.pixmap.id if self.pixmap is not None else self.win.id
        slot = ring.begin_write()
        try:
            self.reader.get_image(drawable, 0, 0, w, h, slot)
        except XcbError as e:
            ring.abort(slot)
            if e.code in (BAD_DRAWABLE, BAD_MATCH, BAD_PIXMAP, BAD_WINDOW):
                # Gone, or resized under us before we saw the event: decide on fresh facts.
                info = window_info(self.d, self.win.id)
                if info is None:
                    self._lost("was closed")
                else:
                    self.width, self.height = info.width, info.height
                    self._name_pixmap()
                return
            raise
        ring.commit(slot, w, h, w * 4, pts_ns)
        self.presence.last_size = Size(w, h)

    def close(self) -> None:
        self._free_pixmap()
        self.reader.close()
        try:
            self.d.close()
        except Exception:
            pass


class X11WindowKind:
    def probe(self, cfg: SourceConfig) -> SourceProbe:
        d = open_display()
        try:
            info = find_window(d, cfg)
            if info is None:
                names = ", ".join(f'"{w.label}"' for w in list_windows(d)[:8]) or "none"
                raise RigcastError(f"no {cfg.describe()} on display {d.get_display_name()} "
                                   f"(windows: {names}); {cfg.info.hint}")
            screen = d.screen()
            max_size = Size(max(screen.width_in_pixels, info.width), max(screen.height_in_pixels, info.height))
            return SourceProbe(Size(info.width, info.height), max_size, f'window "{info.label}"')
        finally:
            d.close()

    def open(self, cfg: SourceConfig, ring: FrameRing) -> X11WindowSource:
        return X11WindowSource(cfg, ring)


