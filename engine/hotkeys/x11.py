"""Hotkeys on X11: the combos grabbed on the root window with XGrabKey (python-xlib).

Each combo is grabbed four times, with and without Caps Lock and Num Lock, or it would only
fire with both off. The X server answers a combo another client holds with BadAccess, and
can't say which client: that is one warning naming the combo. Events are read in a thread of
its own from the listener's own connection, so the engine's loop never blocks on X.
"""

from __future__ import annotations

import sys

assert sys.platform.startswith("linux"), "rigcast.engine.hotkeys.x11 is Linux-only (X11)"

import logging
import select
import threading
from typing import Any

from rigcast.config.hotkeys import Hotkey
from rigcast.engine.hotkeys import Pressed, Warn

log = logging.getLogger("rigcast.hotkeys")

# X keysym names for the keys config/hotkeys.py names differently.
_KEYSYMS = {"return": "Return", "escape": "Escape", "backspace": "BackSpace", "insert": "Insert",
            "delete": "Delete", "home": "Home", "end": "End", "pageup": "Prior", "pagedown": "Next", "up": "Up",
            "down": "Down", "left": "Left", "right": "Right", "pause": "Pause", "print": "Print",
            "scrolllock": "Scroll_Lock", "tab": "Tab"}


class X11Hotkeys:
    def __init__(self, hotkeys: tuple[Hotkey, ...], pressed: Pressed, warn: Warn) -> None:
        from Xlib import XK, X, display, error

        self.X, self.error = X, error
        try:
            self.d = display.Display()
        except Exception as e:  # no DISPLAY, or the X server refuses us
            raise RuntimeError(f"global hotkeys need the game's X display: {e}") from None
        self.root = self.d.screen().root
        self.pressed, self.warn = pressed, warn
        self.mods = {"ctrl": X.ControlMask, "shift": X.ShiftMask, "alt": X.Mod1Mask, "super": X.Mod4Mask}
        self.ignored = (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask)  # Caps Lock, Num Lock
        self.by_key: dict[tuple[int, int], Hotkey] = {}
        for h in hotkeys:
            name = _KEYSYMS.get(h.combo.key, h.combo.key.upper() if h.combo.key.startswith(("f", "kp_")) and
                                len(h.combo.key) > 1 else h.combo.key)
            if h.combo.key.startswith("kp_"):
                name = "KP_" + h.combo.key[3:]
            keycode = self.d.keysym_to_keycode(XK.string_to_keysym(name))
            if not keycode:
                warn(f"hotkey {h.combo}: this keyboard has no such key; it is not set")
                continue
            mask = 0
            for m in h.combo.mods:
                mask |= self.mods[m]
            self.by_key[(keycode, mask)] = h
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hotkeys-x11", daemon=True)

    def start(self) -> None:
        for (keycode, mask), h in list(self.by_key.items()):
            catch = self.error.CatchError(self.error.BadAccess)
            for extra in self.ignored:
                self.root.grab_key(keycode, mask | extra, True, self.X.GrabModeAsync, self.X.GrabModeAsync,
                                   onerror=catch)
            self.d.sync()
            if catch.get_error():
                self.warn(f"hotkey {h.combo} is already taken by another program on this display; it is not set")
                for extra in self.ignored:
                    self.root.ungrab_key(keycode, mask | extra)
                del self.by_key[(keycode, mask)]
        self.d.sync()
        if self.by_key:
            log.info("hotkeys: %s", ", ".join(f"{h.combo} = {h.action}" for h in self.by_key.values()))
        self._thread.start()

    def _run(self) -> None:
        fd = self.d.fileno()
        want = ~(self.X.LockMask | self.X.Mod2Mask)
        while not self._stop.is_set():
            if not self.d.pending_events():
                select.select([fd], [], [], 0.2)
                continue
            ev: Any = self.d.next_event()
            if ev.type == self.X.KeyPress:
                h = self.by_key.get((ev.detail, ev.state & want & 0xFF))
                if h is not None:
                    self.pressed(h)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(2)
        try:
            self.d.close()
        except Exception:
            pass
