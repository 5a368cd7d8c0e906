"""How ``rigcast up`` starts the background engine on Windows, so it can capture and outlives SSH.

Why not just a detached process, as on Linux:

- Win32-OpenSSH runs commands in a non-interactive session (not the user's desktop): Windows
  Graphics Capture, DXGI duplication and GDI see nothing of the game there. And it ends the
  session's job object when the SSH connection closes, killing everything started in it.
- So, from SSH, the engine is started in the user's interactive (console) session through a
  Task Scheduler task that runs only while that user is logged on (``/IT``): the desktop and
  the game are there, and the task is not part of the SSH session's job. Its arguments, stream
  keys included, go through a file only the user can read (the state dir, under
  %LOCALAPPDATA%), which the engine reads and deletes at once — a task's command line is
  readable by others, like any process's. When nobody is logged on at the console, the task
  cannot run: ``up`` says so (the README too).
- From a desktop terminal, the engine is started directly, detached and with
  ``CREATE_BREAKAWAY_FROM_JOB`` (a terminal's job object would otherwise take it down with the
  terminal). ``CREATE_NO_WINDOW`` is not added: Windows ignores it with ``DETACHED_PROCESS``;
  the engine runs under ``pythonw.exe``, which opens no console anyway.

Everything here but the calls in daemon.py is pure, and unit-tested on Linux.
"""

from __future__ import annotations

from collections.abc import Mapping

from rigcast.engine.proc import engine_command

DETACHED_PROCESS = 0x00000008
CREATE_NEW_PROCESS_GROUP = 0x00000200
CREATE_BREAKAWAY_FROM_JOB = 0x01000000
TASK_NAME = "rigcast engine"
ARGS_FILE_FLAG = "--args-file"


def from_ssh(env: Mapping[str, str]) -> bool:
    """Run by the OpenSSH server (it sets these for every session's commands)."""
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_CLIENT"))


def detached_flags() -> int:
    return DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_BREAKAWAY_FROM_JOB


def task_commands(pythonw: str, args_file: str, user: str) -> list[list[str]]:
    """``schtasks`` calls that (re)define the engine's task for ``user`` and run it now."""
    run = subprocess_line([*engine_command(pythonw), ARGS_FILE_FLAG, args_file])
    return [
        ["schtasks", "/Create", "/F", "/TN", TASK_NAME, "/TR", run, "/SC", "ONCE", "/ST", "00:00",
         "/IT", "/RU", user, "/RL", "LIMITED"],
        ["schtasks", "/Run", "/TN", TASK_NAME],
    ]


def subprocess_line(args: list[str]) -> str:
    """One Windows command line from ``args`` (the quoting CreateProcess undoes)."""
    import subprocess

    return subprocess.list2cmdline(args)


NOBODY_LOGGED_ON = ("rigcast: the engine could not start in your desktop session: over SSH it runs "
                    "there through Task Scheduler, which needs you logged on at the console "
                    "(or automatic sign-in); log on at the machine, then run `rigcast up` again")
