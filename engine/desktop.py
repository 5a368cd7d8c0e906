"""What the game box's desktop says, for automatic scene switching: the focused window and how
long nobody has touched the keyboard or mouse.

X11: ``_NET_ACTIVE_WINDOW`` (every EWMH window manager keeps it) for the window, its
``_NET_WM_NAME`` and ``WM_CLASS``; the MIT-SCREEN-SAVER extension's idle time for input, both
through python-xlib on one connection kept open. Windows: GetForegroundWindow and
GetLastInputInfo. Where neither can be asked (Wayland without Xwayland, no display) the answer
is None and a rule that needs it never holds; the switcher says so once.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Focused:
    title: str
    wm_class: str


class Desktop:
    def __init__(self) -> None:
        self._display: Any = None
        self._failed = False

    def _x(self) -> Any:
        if sys.platform != "win32":
            if self._display is None and not self._failed:
                try:
                    from Xlib import display

                    self._display = display.Display()
                except Exception:  # no X server (Wayland, headless): the rules that need it don't hold
                    self._failed = True
        return self._display

    @property
    def available(self) -> bool:
        """Whether the desktop can be asked at all (Windows, or an X server reached)."""
        return sys.platform == "win32" or self._x() is not None

    def focused(self) -> Focused | None:
        if sys.platform == "win32":
            from rigcast.engine.capture.win32_api import foreground_window

            w = foreground_window()
            return Focused(w.title, w.wm_class) if w is not None else None
        d = self._x()
        if d is None:
            return None
        try:
            root = d.screen().root
            active = root.get_full_property(d.intern_atom("_NET_ACTIVE_WINDOW"), 0)
            if active is None or not active.value or not active.value[0]:
                return None
            w = d.create_resource_object("window", int(active.value[0]))
            name = w.get_full_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"))
            title = name.value.decode("utf-8", "replace") if name is not None else (w.get_wm_name() or "")
            cls = w.get_wm_class()
            return Focused(str(title), " ".join(cls) if cls else "")
        except Exception:  # the window went away between two calls
            return None

    def idle_s(self) -> float | None:
        if sys.platform == "win32":
            from rigcast.engine.capture.win32_api import idle_seconds

            return idle_seconds()
        d = self._x()
        if d is None or not d.has_extension("MIT-SCREEN-SAVER"):
            return None
        try:
            return float(d.screen().root.screensaver_query_info().idle) / 1000
        except Exception:
            return None

    def close(self) -> None:
        if self._display is not None:
            self._display.close()
            self._display = None
