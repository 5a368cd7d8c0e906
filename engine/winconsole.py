"""Ctrl+C, Ctrl+Break and a closed console window on Windows: the stream stops cleanly and the
recording is finalised, in the engine and in the video process that muxes it.

Python's SIGBREAK covers Ctrl+Break only. When the console window is closed (or the user logs
off, or Windows shuts down) every process attached to it gets CTRL_CLOSE_EVENT (LOGOFF,
SHUTDOWN) on a thread of its own, and Windows ends the process as soon as the handler returns,
or after about 5 s. So the handler, installed with ``SetConsoleCtrlHandler`` (kernel32, through
ctypes), asks for the stop and then *waits* for it to be done, within that grace. Ctrl+C and
Ctrl+Break only ask: the process goes on to stop by itself.

Workers (capture, audio) ignore both keys: the supervisor decides when they stop (the key goes
to the whole console process group). The mapping is pure, so it is tested anywhere.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import Any

CTRL_C_EVENT, CTRL_BREAK_EVENT, CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT = 0, 1, 2, 5, 6
KEYS = (CTRL_C_EVENT, CTRL_BREAK_EVENT)
ENDINGS = (CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT)
CLOSE_GRACE_S = 4.5  # Windows ends the process ~5 s after a close event, whatever the handler does

_installed: list[Any] = []  # the ctypes callbacks: kept alive as long as the process


def handle(ctrl: int, stop: Callable[[], object], wait_done: Callable[[float], object], keys_stop: bool = True) -> bool:
    """What a console control event does: True when handled here (no other handler runs).

    A key (Ctrl+C, Ctrl+Break) asks for the stop when ``keys_stop`` (the engine), and is
    ignored otherwise (the video process: the engine decides). The console closing, a logoff or
    a shutdown ask for the stop and block until it is done or the grace is over: returning
    sooner lets Windows end the process with a recording half written."""
    if ctrl in KEYS:
        if keys_stop:
            stop()
        return True
    if ctrl in ENDINGS:
        stop()
        wait_done(CLOSE_GRACE_S)
        return True
    return False


def install(handler: Callable[[int], bool]) -> bool:
    """Register ``handler`` with SetConsoleCtrlHandler; False where there is no such call."""
    if sys.platform != "win32":
        return False
    import ctypes
    from ctypes import wintypes

    routine = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.DWORD)(lambda ctrl: bool(handler(int(ctrl))))
    kernel = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel.SetConsoleCtrlHandler.argtypes = [ctypes.c_void_p, wintypes.BOOL]
    if not kernel.SetConsoleCtrlHandler(ctypes.cast(routine, ctypes.c_void_p), True):
        return False
    _installed.append(routine)
    return True


def ignore_keys() -> None:
    """In a worker: Ctrl+C and Ctrl+Break (sent to the whole console group) are not for it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGBREAK"):
        signal.signal(signal.SIGBREAK, signal.SIG_IGN)
