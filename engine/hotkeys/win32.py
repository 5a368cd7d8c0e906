"""Hotkeys on Windows: the combos registered with RegisterHotKey (user32, ctypes).

RegisterHotKey delivers WM_HOTKEY to the thread that registered the combo, so registering and
the message loop are one thread of their own; stopping posts WM_QUIT to it. It works only in the
interactive session, which is where the engine runs on Windows (engine/winlaunch.py). A combo
another program holds fails with ERROR_HOTKEY_ALREADY_REGISTERED: one warning naming it.
"""

from __future__ import annotations

import ctypes
import logging
import sys
import threading
from ctypes import wintypes

from rigcast.config.hotkeys import Hotkey
from rigcast.engine.hotkeys import Pressed, Warn

log = logging.getLogger("rigcast.hotkeys")

MOD_ALT, MOD_CONTROL, MOD_SHIFT, MOD_WIN, MOD_NOREPEAT = 0x1, 0x2, 0x4, 0x8, 0x4000
WM_HOTKEY, WM_QUIT = 0x0312, 0x0012
ERROR_HOTKEY_ALREADY_REGISTERED = 1409
MODS = {"alt": MOD_ALT, "ctrl": MOD_CONTROL, "shift": MOD_SHIFT, "super": MOD_WIN}
_NAMED_VK = {"space": 0x20, "tab": 0x09, "return": 0x0D, "escape": 0x1B, "backspace": 0x08, "insert": 0x2D,
             "delete": 0x2E, "home": 0x24, "end": 0x23, "pageup": 0x21, "pagedown": 0x22, "up": 0x26,
             "down": 0x28, "left": 0x25, "right": 0x27, "pause": 0x13, "print": 0x2C, "scrolllock": 0x91,
             "minus": 0xBD, "equal": 0xBB, "comma": 0xBC, "period": 0xBE, "slash": 0xBF, "semicolon": 0xBA,
             "apostrophe": 0xDE, "grave": 0xC0, "bracketleft": 0xDB, "bracketright": 0xDD, "backslash": 0xDC}


def virtual_key(key: str) -> int:
    """The Windows virtual-key code of a key as config/hotkeys.py names it."""
    if len(key) == 1 and key.isalnum():
        return ord(key.upper())  # VK_0..VK_9 and VK_A..VK_Z are their ASCII codes
    if key.startswith("kp_"):
        return 0x60 + int(key[3:])  # VK_NUMPAD0..9
    if key.startswith("f") and key[1:].isdigit():
        return 0x70 + int(key[1:]) - 1  # VK_F1..VK_F24
    return _NAMED_VK[key]


def modifiers(hotkey: Hotkey) -> int:
    mask = MOD_NOREPEAT  # held down, a key fires once
    for m in hotkey.combo.mods:
        mask |= MODS[m]
    return mask


class Win32Hotkeys:
    def __init__(self, hotkeys: tuple[Hotkey, ...], pressed: Pressed, warn: Warn) -> None:
        self.hotkeys, self.pressed, self.warn = hotkeys, pressed, warn
        self._thread = threading.Thread(target=self._run, name="hotkeys-win32", daemon=True)
        self._thread_id = 0
        self._ready = threading.Event()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(5)

    def _run(self) -> None:
        if sys.platform != "win32":
            return
        user32 = ctypes.WinDLL("user32", use_last_error=True)
        user32.RegisterHotKey.argtypes = [wintypes.HWND, ctypes.c_int, wintypes.UINT, wintypes.UINT]
        user32.RegisterHotKey.restype = wintypes.BOOL
        user32.UnregisterHotKey.argtypes = [wintypes.HWND, ctypes.c_int]
        user32.GetMessageW.argtypes = [ctypes.POINTER(wintypes.MSG), wintypes.HWND, wintypes.UINT, wintypes.UINT]
        user32.GetMessageW.restype = wintypes.BOOL
        self._thread_id = ctypes.WinDLL("kernel32").GetCurrentThreadId()
        by_id: dict[int, Hotkey] = {}
        for i, h in enumerate(self.hotkeys, start=1):
            if user32.RegisterHotKey(None, i, modifiers(h), virtual_key(h.combo.key)):
                by_id[i] = h
            elif ctypes.get_last_error() == ERROR_HOTKEY_ALREADY_REGISTERED:
                self.warn(f"hotkey {h.combo} is already taken by another program; it is not set")
            else:
                self.warn(f"hotkey {h.combo} could not be set (Windows error {ctypes.get_last_error()})")
        if by_id:
            log.info("hotkeys: %s", ", ".join(f"{h.combo} = {h.action}" for h in by_id.values()))
        self._ready.set()
        msg = wintypes.MSG()
        try:
            while user32.GetMessageW(ctypes.byref(msg), None, 0, 0) > 0:
                if msg.message == WM_HOTKEY and msg.wParam in by_id:
                    self.pressed(by_id[msg.wParam])
        finally:
            for i in by_id:
                user32.UnregisterHotKey(None, i)

    def stop(self) -> None:
        if sys.platform == "win32" and self._thread_id:
            user32 = ctypes.WinDLL("user32")
            user32.PostThreadMessageW(self._thread_id, WM_QUIT, 0, 0)
        if self._thread.is_alive():
            self._thread.join(2)
