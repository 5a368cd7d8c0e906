"""Global hotkeys on the game box: each press runs its action as a command of the bus.

One listener per platform behind one shape (``Listener``): X11's grabs the combos on the root
window (XGrabKey, python-xlib), Windows's registers them (RegisterHotKey, ctypes) in the
interactive session where the engine runs. A combo another program already holds is one
warning line naming it, not a crash; the others still work.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Protocol

from rigcast.config.hotkeys import Hotkey

Pressed = Callable[[Hotkey], None]
Warn = Callable[[str], None]


class Listener(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def listener(hotkeys: tuple[Hotkey, ...], pressed: Pressed, warn: Warn) -> Listener:
    """The platform's listener (not started); RuntimeError with one line when it can't be had."""
    if sys.platform == "win32":
        from rigcast.engine.hotkeys.win32 import Win32Hotkeys

        return Win32Hotkeys(hotkeys, pressed, warn)
    else:
        from rigcast.engine.hotkeys.x11 import X11Hotkeys

        return X11Hotkeys(hotkeys, pressed, warn)
