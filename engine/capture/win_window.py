"""Windows window capture: Windows Graphics Capture first, GDI PrintWindow as the fallback.

The same ``window`` kind, protocol and behaviour as the X11 source: found by title / regex /
class / PID / executable, a placeholder while it is gone (looked for every second), the last
frame held while it is minimised (Windows stops drawing minimised windows; WGC then delivers
nothing and PrintWindow returns black). The method is chosen like OBS's "Automatic": WGC
(the ``windows-capture`` package, Rust over the WinRT API: per window, works while covered,
sees DirectX/Vulkan/OpenGL games) and, if it cannot start here, GDI — with the reason logged.

WGC hands frames over on its own thread; they are copied once, straight into the frame ring,
under a lock shared with the capture loop (which only writes placeholders).
"""

from __future__ import annotations

import sys

assert sys.platform == "win32", "rigcast.engine.capture.win_window is Windows-only"

import logging  # noqa: E402
import threading  # noqa: E402
from typing import Any  # noqa: E402

from rigcast.config.model import Size, SourceConfig  # noqa: E402
from rigcast.engine.capture import methods, win32_api  # noqa: E402
from rigcast.engine.capture.base import SourceProbe  # noqa: E402
from rigcast.engine.capture.dpi import Rect, even_size, monitor_of, to_physical  # noqa: E402
from rigcast.engine.capture.matching import WindowInfo, pick_window  # noqa: E402
from rigcast.engine.capture.presence import WindowPresence  # noqa: E402
from rigcast.engine.clock import now_ns  # noqa: E402
from rigcast.engine.errors import RigcastError  # noqa: E402
from rigcast.engine.fallback import NoneAvailable, Unavailable, describe, first_available  # noqa: E402
from rigcast.engine.framering import FrameRing, SourceState  # noqa: E402

log = logging.getLogger("rigcast.capture.window")

FIRST_FRAME_S = 2.0  # WGC that starts but never delivers (a refused session) counts as failed
MIN_UPDATE_MS = 16  # WGC delivers on change, at most ~60 times a second


def _copy_into(ring: FrameRing, lock: threading.Lock, pixels: Any) -> None:
    with lock:
        ring.write_array(pixels, now_ns())


class _Wgc:
    """A Windows Graphics Capture session on one window.

    windows-capture raises a plain ``Exception`` for every WinRT error, at construction *and*
    at start, so both count as "WGC can't here" and GDI is tried. Its frames are of the whole
    window; the client area is cut out of each (what the canvas was sized for). A session that
    ends by itself — the item closed, an error in the frame callback, which ends it silently —
    is reported through ``stopped()``, and the source goes looking for the window again."""

    def __init__(self, hwnd: int, ring: FrameRing, lock: threading.Lock) -> None:
        build = win32_api.windows_build()
        methods.check_wgc(build)
        try:
            from windows_capture import WindowsCapture
        except ImportError as e:
            raise Unavailable(f"the windows-capture package is missing ({e}); pip install windows-capture") from None
        self.first = threading.Event()
        self.closed = threading.Event()
        self.failure: str | None = None
        self.control: Any = None

        def on_frame_arrived(frame: Any, control: Any) -> None:
            try:
                px = frame.frame_buffer
                crop = win32_api.client_in_frame(hwnd, px.shape[1], px.shape[0])
                if crop is not None:
                    px = px[crop.top:crop.bottom, crop.left:crop.right]
                _copy_into(ring, lock, px)
                self.first.set()
            except Exception as e:  # an exception here would end the session without a word
                self.failure = f"{type(e).__name__}: {e}"
                control.stop()

        def on_closed() -> None:
            self.closed.set()

        try:
            cap = WindowsCapture(cursor_capture=methods.wgc_cursor_option(build),
                                 draw_border=False if methods.wgc_border_optional(build) else None,
                                 minimum_update_interval=methods.wgc_update_interval(build, MIN_UPDATE_MS),
                                 window_hwnd=hwnd)
            cap.event(on_frame_arrived)
            cap.event(on_closed)
            self.control = cap.start_free_threaded()
        except Exception as e:  # the WinRT layer refused: an unsupported window, a locked session
            raise Unavailable(f"Windows Graphics Capture refused this window: {e}") from None
        if not self.first.wait(FIRST_FRAME_S) and not win32_api.is_minimised(hwnd):
            self.close()
            raise Unavailable(f"no frame from Windows Graphics Capture in {FIRST_FRAME_S:g} s"
                              + (f" ({self.failure})" if self.failure else ""))

    def stopped(self) -> str | None:
        """Why the session ended by itself, or None while it runs."""
        if self.failure is not None:
            return f"Windows Graphics Capture failed ({self.failure})"
        if self.closed.is_set():
            return "Windows Graphics Capture closed the session"
        try:
            if self.control is not None and self.control.is_finished():
                return "Windows Graphics Capture stopped"
        except Exception as e:
            return f"Windows Graphics Capture stopped ({e})"
        return None

    def grab(self) -> None:
        """Frames arrive on WGC's thread; nothing to do per tick."""

    def close(self) -> None:
        try:
            if self.control is not None:
                self.control.stop()
        except Exception:  # already stopped with its window
            pass


class _Gdi:
    def __init__(self, hwnd: int, ring: FrameRing, lock: threading.Lock) -> None:
        self.grabber = win32_api.GdiWindowGrabber(hwnd)
        self.ring, self.lock = ring, lock
        if self.grabber.grab() is None:
            self.grabber.close()
            raise Unavailable("PrintWindow failed for this window")

    def stopped(self) -> str | None:
        return None  # PrintWindow is asked each tick: it can't stop behind our back

    def grab(self) -> None:
        view = self.grabber.grab()
        if view is not None:
            view[..., 3] = 255  # GDI leaves alpha undefined; the DIB is ours to write
            _copy_into(self.ring, self.lock, view)

    def close(self) -> None:
        self.grabber.close()


_OPENERS: dict[str, Any] = {"wgc": _Wgc, "gdi": _Gdi}


class WinWindowSource:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        self.awareness = win32_api.set_dpi_awareness()
        self.cfg, self.ring = cfg, ring
        self.lock = threading.Lock()
        self.method: Any = None
        self.hwnd: int | None = None
        self.presence = WindowPresence(cfg, ring)
        info = pick_window(win32_api.list_windows(), cfg)
        if info is not None:
            self._attach(info)
        else:
            self._lost("not found at start")

    def _attach(self, info: WindowInfo) -> None:
        try:
            name, self.method, reasons = first_available(
                methods.order("window", self.cfg.settings.method), lambda m: _OPENERS[m](info.id, self.ring, self.lock))
        except NoneAvailable as e:
            raise RigcastError(f'{self.cfg.name}: cannot capture window "{info.label}": {e}') from None
        self.hwnd = info.id
        self.presence.found(info.width, info.height)
        mons = win32_api.monitors()
        scale = monitor_of(Rect(info.x, info.y, info.width, info.height), mons).scale if mons else 1.0
        self.presence.set_state(SourceState.LIVE, f'{describe("capture method", name, reasons)}; window "{info.label}" '
                                                  f"{info.width}x{info.height} on a {scale:.0%} monitor "
                                                  f"(DPI awareness: {self.awareness})")

    def _lost(self, why: str, state: SourceState = SourceState.NOT_FOUND) -> None:
        if self.method is not None:
            self.method.close()
            self.method = None
        self.hwnd = None
        self.presence.lost(why, state)

    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        if self.hwnd is not None and not win32_api.is_window(self.hwnd):
            self._lost("was closed")
        if self.hwnd is None:
            if self.presence.search_due():
                info = pick_window(win32_api.list_windows(), self.cfg)
                if info is not None:
                    self._attach(info)
            if self.hwnd is None:
                self.presence.show_placeholder(pts_ns, self.lock)
                return
        if win32_api.is_minimised(self.hwnd):
            self.presence.set_state(SourceState.HIDDEN, "window minimised; holding its last frame")
            return
        why = self.method.stopped()
        if why is not None:  # never hold the last frame while saying live
            log.warning("%s: %s; looking for the window again", self.cfg.name, why)
            self._lost(why, SourceState.LOST)
            self.presence.show_placeholder(pts_ns, self.lock)
            return
        self.presence.set_state(SourceState.LIVE, "window restored")
        self.method.grab()

    def close(self) -> None:
        if self.method is not None:
            self.method.close()


class WinWindowKind:
    def probe(self, cfg: SourceConfig) -> SourceProbe:
        awareness = win32_api.set_dpi_awareness()
        windows = win32_api.list_windows()
        info = pick_window(windows, cfg)
        if info is None:
            names = ", ".join(f'"{w.label}"' for w in windows[:8]) or "none"
            raise RigcastError(f"no {cfg.describe()} (windows: {names}); {cfg.info.hint}")
        w, h = info.width, info.height
        if not awareness.startswith("per-monitor"):
            # An older Windows that won't make us per-monitor aware reports logical sizes, but WGC
            # still delivers physical pixels: size the canvas and ring for those.
            r = to_physical(Rect(0, 0, w, h), win32_api.window_dpi(info.id))
            w, h = r.width, r.height
        mons = win32_api.monitors()  # the window may move to the largest monitor: the ring holds that
        widest = max((m.rect.width for m in mons), default=w)
        tallest = max((m.rect.height for m in mons), default=h)
        return SourceProbe(Size(*even_size(w, h)), Size(max(widest, w), max(tallest, h)), f'window "{info.label}"')

    def open(self, cfg: SourceConfig, ring: FrameRing) -> WinWindowSource:
        return WinWindowSource(cfg, ring)


