"""Is a process alive, is my parent still there, and what do workers run as — per OS, here.

Why one module: the POSIX answers don't carry over. On Windows ``os.kill(pid, 0)`` is no
existence check (signal 0 is ``CTRL_C_EVENT``: it interrupts a console process group) and
``os.getppid()`` keeps returning the dead parent's pid, so a worker never notices it was
orphaned. There, liveness is ``OpenProcess`` + ``GetExitCodeProcess``, and a worker watches its
parent through a handle opened at start (a pid can be reused, a handle can't).

Workers are spawned by multiprocessing. In a venv, a Windows ``python.exe``/``pythonw.exe`` is a
launcher that starts the base interpreter as its child; multiprocessing knows and launches the
base interpreter itself (with ``__PYVENV_LAUNCHER__``) — but only when the executable is
``sys.executable``. ``set_executable(pythonw)`` from a console engine bypasses that, and
``terminate()`` then kills the launcher while the worker lives on. The detached engine already
runs under ``pythonw.exe``, so its workers need no override at all.
"""

from __future__ import annotations

import functools
import ntpath
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

STILL_ACTIVE = 259
_SYNCHRONIZE = 0x00100000
_QUERY_LIMITED_INFORMATION = 0x1000
_WAIT_OBJECT_0 = 0


@functools.cache
def _kernel32():  # type: ignore[no-untyped-def]
    """kernel32 with the prototypes used here (a HANDLE is pointer-sized: never ctypes' int)."""
    import ctypes
    from ctypes import wintypes

    k = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
    k.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
    k.OpenProcess.restype = wintypes.HANDLE
    k.GetExitCodeProcess.argtypes = [wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD)]
    k.WaitForSingleObject.argtypes = [wintypes.HANDLE, wintypes.DWORD]
    k.WaitForSingleObject.restype = wintypes.DWORD
    k.CloseHandle.argtypes = [wintypes.HANDLE]
    return k


def pid_alive(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        kernel32 = _kernel32()
        handle = kernel32.OpenProcess(_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: it exists, it isn't ours
        try:
            code = wintypes.DWORD()
            return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ParentWatch:
    """Made in a worker at start: ``gone()`` once the process that spawned it has exited."""

    def __init__(self, parent_pid: int) -> None:
        self.parent_pid = parent_pid
        self._handle: int | None = None
        if sys.platform == "win32":
            self._handle = _kernel32().OpenProcess(_SYNCHRONIZE, False, parent_pid) or None

    def gone(self) -> bool:
        if sys.platform == "win32":
            if self._handle is None:  # it had already exited when we looked
                return True
            return int(_kernel32().WaitForSingleObject(self._handle, 0)) == _WAIT_OBJECT_0
        return os.getppid() != self.parent_pid


#: How every interpreter rigcast starts runs: ``-P`` keeps the caller's working directory off
#: ``sys.path`` (a ``config/`` folder there must never stand in for rigcast's modules; ``-I``
#: would also drop user-site installs, where plugins live), ``-X utf8`` makes its text UTF-8
#: whatever the console's code page. multiprocessing passes both on to spawned workers.
INTERPRETER_FLAGS = ("-P", "-X", "utf8")


def engine_command(python: str) -> list[str]:
    """The command line that runs the engine module under ``python``."""
    return [python, *INTERPRETER_FLAGS, "-m", "rigcast.engine"]


@dataclass(frozen=True)
class WorkerInterpreter:
    """What multiprocessing spawns workers with, and the variables they need to find their venv."""

    executable: str
    env: dict[str, str]


def worker_executable(platform: str, executable: str, has_console: bool, base_executable: str | None = None,
                      exists: Callable[[str], bool] = os.path.isfile) -> WorkerInterpreter | None:
    """What multiprocessing should spawn workers with; None for its default (``executable``,
    through its own venv handling). Pure, so the Windows rule is tested anywhere.

    Only a console Python without a console (a service) needs another interpreter: its workers
    would each open a window. It gets ``pythonw.exe`` — but in a venv not the venv's own, which
    is a launcher stub: multiprocessing bypasses that stub only for ``sys.executable``
    (Lib/multiprocessing/popen_spawn_win32.py, bpo-35797), and otherwise duplicates its Event
    and Queue handles into the stub, not into the worker the stub starts. So the base
    interpreter's ``pythonw.exe``, told which venv it runs for through ``__PYVENV_LAUNCHER__``,
    as the stub itself and multiprocessing do. A ``pythonw.exe`` that isn't there: the default."""
    if platform != "win32" or has_console:
        return None  # a console Python's workers share its console: no window pops up
    if ntpath.basename(executable).lower() == "pythonw.exe":
        return None  # already windowless: the default keeps multiprocessing's venv fix
    base = base_executable or executable
    windowless = base[:len(base) - len(ntpath.basename(base))] + "pythonw.exe"  # beside it, its separators kept
    if not exists(windowless):
        return None
    in_venv = ntpath.normcase(base) != ntpath.normcase(executable)
    return WorkerInterpreter(windowless, {"__PYVENV_LAUNCHER__": executable} if in_venv else {})


def has_console() -> bool:
    if sys.platform != "win32":
        return True
    import ctypes

    return bool(ctypes.windll.kernel32.GetConsoleWindow())


def resident_bytes() -> int:
    """This process's resident memory (its working set on Windows); 0 where unknown."""
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        class Counters(ctypes.Structure):  # PROCESS_MEMORY_COUNTERS
            _fields_ = [("cb", wintypes.DWORD), ("PageFaultCount", wintypes.DWORD),
                        ("PeakWorkingSetSize", ctypes.c_size_t), ("WorkingSetSize", ctypes.c_size_t),
                        ("QuotaPeakPagedPoolUsage", ctypes.c_size_t), ("QuotaPagedPoolUsage", ctypes.c_size_t),
                        ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t), ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                        ("PagefileUsage", ctypes.c_size_t), ("PeakPagefileUsage", ctypes.c_size_t)]

        k = _kernel32()
        k.GetCurrentProcess.restype = wintypes.HANDLE
        k.K32GetProcessMemoryInfo.argtypes = [wintypes.HANDLE, ctypes.POINTER(Counters), wintypes.DWORD]
        c = Counters()
        c.cb = ctypes.sizeof(Counters)
        if not k.K32GetProcessMemoryInfo(k.GetCurrentProcess(), ctypes.byref(c), c.cb):
            return 0
        return int(c.WorkingSetSize)
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
