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
    engine = Engine(cfg, live, log_level, out=None, control=True)
    return asyncio.run(engine.run(duration))


def _detach_kwargs() -> dict[str, Any]:
    if sys.platform == "win32":
        from rigcast.engine.winlaunch import detached_flags

        return {"creationflags": detached_flags()}
    return {"start_new_session": True}


def up(engine_argv: list[str]) -> int:
    state = running_engine()
    if state is not None:
        raise _already_running(state)
    from rigcast.engine.winlaunch import from_ssh

    if sys.platform == "win32" and from_ssh(os.environ):
        return _up_in_desktop_session(engine_argv)
    log_file = paths.log_path()
    with open(log_file, "ab") as f:
        start = f.tell()
        f.write(f"--- rigcast engine starting {time.strftime('%Y-%m-%d %H:%M:%S')}\n".encode())
        f.flush()
        from rigcast.engine.cli import ARGS_ON_STDIN

        proc = subprocess.Popen([*engine_command(windowless_python()), ARGS_ON_STDIN], stdin=subprocess.PIPE,
                                stdout=f, stderr=f, close_fds=True, **_detach_kwargs())
    assert proc.stdin is not None
    with proc.stdin:  # the arguments, stream keys and all, on a pipe: never on a command line
        try:
            proc.stdin.write(json.dumps(engine_argv).encode())
        except BrokenPipeError:
            pass
    return _wait_ready(proc, log_file, start)


def _wait_ready(proc: subprocess.Popen[bytes] | None, log_file: Any, start: int,
                unread_args: Any = None) -> int:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            print(_last_error(log_file, start) or f"rigcast: the engine exited ({proc.returncode}); see {log_file}",
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


def _up_in_desktop_session(engine_argv: list[str]) -> int:
    """Over SSH on Windows: start the engine in the user's console session (engine/winlaunch.py)."""
    from rigcast.engine.winlaunch import task_commands

    log_file = paths.log_path()
    start = log_file.stat().st_size if log_file.exists() else 0
    args_file = paths.state_dir() / "engine-args.json"  # the user's own (%LOCALAPPDATA%); read and deleted
    write_private(args_file, json.dumps(engine_argv))
    user = os.environ.get("USERDOMAIN", "") + "\\" + os.environ.get("USERNAME", "")
    for cmd in task_commands(windowless_python(), str(args_file), user.lstrip("\\")):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            args_file.unlink(missing_ok=True)
            why = ((r.stderr or r.stdout).strip().splitlines() or ["no reason given"])[-1]
            raise RigcastError(f"Task Scheduler refused to start the engine: {why}")
    return _wait_ready(None, log_file, start, args_file)


def _last_error(log_file: Any, start: int) -> str | None:
    try:
        with open(log_file, "rb") as f:
            f.seek(start)
            lines = f.read().decode(errors="replace").splitlines()
    except OSError:
        return None
    errors = [ln for ln in lines if ln.startswith("rigcast:")]
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
