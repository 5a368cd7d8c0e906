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
  readable by others, like any process's. A task starts with the task's environment and in
  %windir%\\System32, not the caller's: so the file also carries the variables the engine reads
  (every ``RIGCAST_*`` and each ``*_env`` the config names) and the caller's directory, which
  the engine takes on before it reads its arguments. When nobody is logged on at the console,
  the task cannot run: ``up`` says so (the README too).
- The task is defined from XML (``schtasks /Create /XML``), not ``schtasks`` flags, which
  can't say what an engine needs: a task made by flags does not start on battery and is killed
  when the plug is pulled (an unfinished recording), is stopped after 72 hours, runs at below
  normal priority (7) and starts in System32. The XML says: interactive token, least
  privilege, both battery rules off, no time limit, normal priority, the caller's directory.
- ``schtasks`` writes in the console's OEM code page, not the ANSI one Python decodes pipes with.
- From a desktop terminal, the engine is started directly, detached and with
  ``CREATE_BREAKAWAY_FROM_JOB`` (a terminal's job object would otherwise take it down with the
  terminal). ``CREATE_NO_WINDOW`` is not added: Windows ignores it with ``DETACHED_PROCESS``;
  the engine runs under ``pythonw.exe``, which opens no console anyway.

Everything here but the calls in daemon.py is pure, and unit-tested on Linux.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar
from xml.sax.saxutils import escape

from rigcast.config.model import _Configured
from rigcast.engine.proc import engine_command

DETACHED_PROCESS = 0x00000008
CREATE_NEW_PROCESS_GROUP = 0x00000200
CREATE_BREAKAWAY_FROM_JOB = 0x01000000
T = TypeVar("T")
TASK_NAME = "rigcast engine"
ARGS_FILE_FLAG = "--args-file"


def from_ssh(env: Mapping[str, str]) -> bool:
    """Run by the OpenSSH server (it sets these for every session's commands)."""
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_CLIENT"))


def detached_flags() -> int:
    return DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP | CREATE_BREAKAWAY_FROM_JOB


ERROR_ACCESS_DENIED = 5
NO_BREAKAWAY = ("rigcast: this terminal's job object does not allow breakaway, so the engine was started "
                "inside it: closing this terminal ends the engine (and its stream); start it from a "
                "terminal of its own, or over SSH, to keep it running")


def start_detached(popen: Callable[[int], T]) -> tuple[T, str | None]:
    """``popen(creationflags)`` detached and out of the caller's job; if the job refuses
    breakaway (CreateProcess: access denied, a job without JOB_OBJECT_LIMIT_BREAKAWAY_OK),
    again inside the job, with the line saying what that means."""
    try:
        return popen(detached_flags()), None
    except OSError as e:
        if getattr(e, "winerror", None) != ERROR_ACCESS_DENIED:
            raise
    return popen(detached_flags() & ~CREATE_BREAKAWAY_FROM_JOB), NO_BREAKAWAY


def task_commands(xml_file: str) -> list[list[str]]:
    """``schtasks`` calls that (re)define the engine's task from its XML and run it now."""
    return [["schtasks", "/Create", "/F", "/TN", TASK_NAME, "/XML", xml_file],
            ["schtasks", "/Run", "/TN", TASK_NAME]]


TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
NORMAL_PRIORITY = 5  # Task Scheduler's 4-6 are normal; a task made by flags gets 7, below normal


def task_xml(pythonw: str, args_file: str, user: str, workdir: str) -> str:
    """The engine's task as Task Scheduler XML (the schema of ``schtasks /Create /XML``, in the
    element order Windows itself exports). No trigger: it runs when ``/Run`` asks."""
    arguments = subprocess_line([*engine_command(pythonw)[1:], ARGS_FILE_FLAG, args_file])

    def e(text: str) -> str:
        return escape(text, {'"': "&quot;"})

    return f"""<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="{TASK_NS}">
  <RegistrationInfo>
    <Description>The rigcast engine, started by `rigcast up` over SSH in this desktop session.</Description>
  </RegistrationInfo>
  <Principals>
    <Principal id="Author">
      <UserId>{e(user)}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <AllowHardTerminate>true</AllowHardTerminate>
    <StartWhenAvailable>false</StartWhenAvailable>
    <RunOnlyIfNetworkAvailable>false</RunOnlyIfNetworkAvailable>
    <IdleSettings>
      <StopOnIdleEnd>false</StopOnIdleEnd>
      <RestartOnIdle>false</RestartOnIdle>
    </IdleSettings>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>false</Hidden>
    <RunOnlyIfIdle>false</RunOnlyIfIdle>
    <WakeToRun>false</WakeToRun>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <Priority>{NORMAL_PRIORITY}</Priority>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{e(pythonw)}</Command>
      <Arguments>{e(arguments)}</Arguments>
      <WorkingDirectory>{e(workdir)}</WorkingDirectory>
    </Exec>
  </Actions>
</Task>
"""


def env_names(config: Any) -> set[str]:
    """The environment variables a config names (``token_env``, ``password_env``,
    ``passphrase_env``, ...: any field ending in ``_env``, whatever kind it belongs to)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if dataclasses.is_dataclass(node) and not isinstance(node, type):
            for f in dataclasses.fields(node):
                value = getattr(node, f.name)
                if f.name.endswith("_env") and isinstance(value, str) and value:
                    names.add(value)
                else:
                    walk(value)
        elif isinstance(node, _Configured):  # a source's or an output's kind settings
            walk(node.settings)
        elif isinstance(node, (list, tuple)):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)

    walk(config)
    return names


def carried_env(environ: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """What the engine reads from the environment, as the caller has it: every ``RIGCAST_*``
    (the URL, the directories, the theme) and the variables the config names. Nothing else: the
    desktop session's own PATH, TEMP and profile stay the task's."""
    wanted = set(names)
    return {k: v for k, v in environ.items() if k.upper().startswith("RIGCAST_") or k in wanted}


def args_payload(argv: list[str], env: Mapping[str, str], cwd: str) -> dict[str, Any]:
    """The private args file's content: the engine's arguments, environment and directory."""
    return {"argv": list(argv), "env": dict(env), "cwd": cwd}


def read_args_payload(data: Any) -> tuple[list[str], dict[str, str], str | None]:
    """The args file read back (a bare list: the arguments alone, as older versions wrote)."""
    if isinstance(data, list):
        return [str(x) for x in data], {}, None
    return [str(x) for x in data["argv"]], {str(k): str(v) for k, v in data.get("env", {}).items()}, data.get("cwd")


EXITED = "--- rigcast engine exited with code "  # the task's engine, last in the log: `up` has no handle on it


def exit_code(log_lines: Iterable[str]) -> int | None:
    """The exit code a task-started engine wrote on leaving, or None while it runs (``up``
    waits on this: a scheduled task's process is no child of ``up`` to poll)."""
    for line in log_lines:
        if line.startswith(EXITED):
            try:
                return int(line[len(EXITED):].strip())
            except ValueError:
                return 1
    return None


def decode_console(data: bytes, codepage: int) -> str:
    """A console program's output (``schtasks``) in the console's OEM code page (cp437, cp850,
    cp866, ...), whatever it holds: a byte that page lacks is replaced, never an exception."""
    try:
        return data.decode(f"cp{codepage}", errors="replace")
    except LookupError:  # a code page Python has no codec for
        return data.decode("utf-8", errors="replace")


def subprocess_line(args: list[str]) -> str:
    """One Windows command line from ``args`` (the quoting CreateProcess undoes)."""
    import subprocess

    return subprocess.list2cmdline(args)


NOBODY_LOGGED_ON = ("rigcast: the engine could not start in your desktop session: over SSH it runs "
                    "there through Task Scheduler, which needs you logged on at the console "
                    "(or automatic sign-in); log on at the machine, then run `rigcast up` again")
