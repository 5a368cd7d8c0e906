"""The engine as a background service: ``rigcast up``, ``rigcast down``, ``rigcast engine``.

``up`` starts ``rigcast engine`` in a new session (no controlling terminal, so closing the SSH
session sends it no SIGHUP — and it ignores SIGHUP anyway), its output appended to the log file
in the state dir, and returns once the engine answers on its control socket with its encoder
open, or prints the engine's own error line if it could not start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

from rigcast.config.model import RigcastConfig
from rigcast.engine import paths
from rigcast.engine.control.bus import BusError
from rigcast.engine.control.client import EngineNotRunning, call
from rigcast.engine.errors import RigcastError
from rigcast.engine.paths import windowless_python
from rigcast.engine.proc import engine_command, pid_alive
from rigcast.engine.servers import write_private

log = logging.getLogger("rigcast.daemon")

START_TIMEOUT_S = 60


def running_engine() -> dict[str, Any] | None:
    """The running engine's state, or None when there is none."""
    try:
        return dict(call("status", timeout=5))
    except (EngineNotRunning, BusError, TimeoutError):
        return None


def _already_running(state: dict[str, Any]) -> RigcastError:
    return RigcastError(f"an engine is already running (pid {state['engine']['pid']}); "
                        "attach with `rigcast`, drive it with `rigcast ctl`, or stop it with `rigcast down`")


def run_engine(cfg: RigcastConfig, live: list[str], log_level: int, duration: float | None = None) -> int:
    from rigcast.engine.runtime import Engine

    state = running_engine()
    if state is not None:
        raise _already_running(state)
    while True:
        engine = Engine(cfg, live, log_level, out=None, control=True)
        rc = asyncio.run(engine.run(duration))
        if engine.next_cfg is None or rc != 0:
            return rc
        # config.switch: the same process goes on with the other file, idle (clients reconnect)
        log.info("starting again on %s", engine.next_cfg.path)
        cfg, live = engine.next_cfg, []


def up(engine_argv: list[str], env_names: Iterable[str] = ()) -> int:
    """Start the engine in the background; ``env_names``: the variables its config names
    (carried to a Task Scheduler engine, which does not inherit this environment)."""
    state = running_engine()
    if state is not None:
        raise _already_running(state)
    from rigcast.engine.winlaunch import from_ssh

    if sys.platform == "win32" and from_ssh(os.environ):
        return _up_in_desktop_session(engine_argv, env_names)
    log_file = paths.log_path()
    with open(log_file, "ab") as f:
        start = f.tell()
        f.write(f"--- rigcast engine starting {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        f.flush()
        from rigcast.engine.cli import ARGS_ON_STDIN

        cmd = [*engine_command(windowless_python()), ARGS_ON_STDIN]
        if sys.platform == "win32":
            from rigcast.engine.winlaunch import start_detached

            proc, warning = start_detached(lambda flags: subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=f, stderr=f, close_fds=True, creationflags=flags))
            if warning:
                print(warning, file=sys.stderr)
        else:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=f, stderr=f, close_fds=True,
                                    start_new_session=True)
    assert proc.stdin is not None
    with proc.stdin:  # the arguments, stream keys and all, on a pipe: never on a command line
        try:
            proc.stdin.write(json.dumps(engine_argv).encode())
        except BrokenPipeError:
            pass
    return _wait_ready(proc, log_file, start)


def _wait_ready(proc: subprocess.Popen[bytes] | None, log_file: Any, start: int,
                unread_args: Any = None) -> int:
    """Until the engine answers with its encoder open, or has exited (a child: polled; a task's
    engine: its exit line in the log), or ``START_TIMEOUT_S`` have passed."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        code = proc.poll() if proc is not None else _task_exit(log_file, start)
        if code is not None:
            print(_last_error(log_file, start) or f"rigcast: the engine exited ({code}); see {log_file}",
                  file=sys.stderr)
            return 1
        state = running_engine()
        if state is not None and state["engine"]["encoder"]:
            live = "live" if state["streaming"] else "recording" if state["recording"] else "idle"
            print(f"rigcast: engine up (pid {state['engine']['pid']}), {live}; {state['engine']['encoder']}")
            print(f"rigcast: `rigcast` attaches the control room, `rigcast ctl stream start` goes live, "
                  f"`rigcast down` stops it; log: {log_file}")
            return 0
        time.sleep(0.2)
    if unread_args is not None and os.path.exists(unread_args):  # the task never ran: nobody at the console
        from rigcast.engine.winlaunch import NOBODY_LOGGED_ON

        os.unlink(unread_args)
        print(NOBODY_LOGGED_ON, file=sys.stderr)
        return 1
    print(f"rigcast: the engine did not become ready in {START_TIMEOUT_S} s; see {log_file}", file=sys.stderr)
    return 1


def _task_exit(log_file: Any, start: int) -> int | None:
    from rigcast.engine.winlaunch import exit_code

    return exit_code(_log_lines(log_file, start))


def _up_in_desktop_session(engine_argv: list[str], env_names: Iterable[str]) -> int:
    """Over SSH on Windows: start the engine in the user's console session (engine/winlaunch.py),
    with this shell's directory and the environment variables the engine reads."""
    from rigcast.engine.winlaunch import args_payload, carried_env, decode_console, task_commands, task_xml

    log_file = paths.log_path()
    start = log_file.stat().st_size if log_file.exists() else 0
    state = paths.state_dir()  # the user's own (%LOCALAPPDATA%)
    args_file = state / "engine-args.json"  # read and deleted by the engine
    cwd = os.getcwd()
    write_private(args_file, json.dumps(args_payload(engine_argv, carried_env(os.environ, env_names), cwd)))
    user = (os.environ.get("USERDOMAIN", "") + "\\" + os.environ.get("USERNAME", "")).lstrip("\\")
    xml_file = state / "engine-task.xml"
    xml_file.write_text(task_xml(windowless_python(), str(args_file), user, cwd), encoding="utf-16")
    codepage = _oem_codepage()
    try:
        for cmd in task_commands(str(xml_file)):
            r = subprocess.run(cmd, capture_output=True)
            if r.returncode != 0:
                args_file.unlink(missing_ok=True)
                out = decode_console(r.stderr or r.stdout, codepage).strip().splitlines()
                raise RigcastError(f"Task Scheduler refused to start the engine: {(out or ['no reason given'])[-1]}")
    finally:
        xml_file.unlink(missing_ok=True)
    return _wait_ready(None, log_file, start, args_file)


def _oem_codepage() -> int:
    """The console's OEM code page, which console programs such as ``schtasks`` write in."""
    if sys.platform == "win32":
        import ctypes

        return int(ctypes.windll.kernel32.GetOEMCP())
    return 65001


def _log_lines(log_file: Any, start: int) -> list[str]:
    try:
        with open(log_file, "rb") as f:
            f.seek(start)
            return f.read().decode(errors="replace").splitlines()
    except OSError:
        return []


def _last_error(log_file: Any, start: int) -> str | None:
    errors = [ln for ln in _log_lines(log_file, start) if ln.startswith("rigcast:")]
    return errors[-1] if errors else None


def down(timeout: float = 45) -> int:
    state = running_engine()
    if state is None:
        print("rigcast: no engine is running; nothing to stop")
        return 0
    pid = int(state["engine"]["pid"])
    call("engine.stop")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            print(f"rigcast: engine stopped (pid {pid})")
            return 0
        time.sleep(0.2)
    print(f"rigcast: the engine (pid {pid}) did not stop in {timeout:g} s; see {paths.log_path()}", file=sys.stderr)
    return 1
