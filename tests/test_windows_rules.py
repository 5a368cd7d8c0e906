"""The Windows layer's rules, one test each, run anywhere (issue 2/5: the 15 defects found by
reading rigcast against the wheels Windows users install). Windows itself can't run here: each
OS call these rules feed is checked against the real wheel's source and CPython's, and the
hosted-runner workflow (.github/workflows/windows.yml) runs the same tests there."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.harness import EngineHome, rigcast_command, stop_process, wait_for


# 1 -------------------------------------------------------------------------------------------
def test_wgc_update_interval_only_where_windows_has_it() -> None:
    """windows-capture 2.0.1 refuses a session that sets ``minimum_update_interval`` where
    GraphicsCaptureSession.MinUpdateInterval is missing (before build 26100)."""
    from rigcast.engine.capture.methods import wgc_update_interval

    for build in (18362, 19045, 22000, 22621, 22631):  # 10 1903, 10 22H2, 11 21H2/22H2/23H2
        assert wgc_update_interval(build, 16) is None, build
    assert wgc_update_interval(26100, 16) == 16 and wgc_update_interval(26200, 16) == 16  # 24H2, 25H2


# 2, 3, 4: what travels to a Task Scheduler engine, and how `up` learns it ended ----------------
def test_the_args_file_carries_the_variables_the_engine_reads_and_the_callers_directory(tmp_path: Path) -> None:
    from rigcast.config.loader import load_config
    from rigcast.engine.winlaunch import args_payload, carried_env, env_names, read_args_payload

    cfg = tmp_path / "rigcast.toml"
    cfg.write_text('[obs_websocket]\npassword_env = "OBS_PW"\n\n'
                   '[[outputs]]\nname = "srt"\nkind = "srt"\nurl = "srt://127.0.0.1:9000"\npassphrase_env = "SRT_PASS"\n\n'
                   '[[outputs]]\nname = "whip"\nkind = "whip"\nurl = "http://127.0.0.1:1985/rtc/v1/whip/"\n'
                   'token_env = "WHIP_TOKEN"\n')
    environ = {"SRT_PASS": "0123456789abc", "WHIP_TOKEN": "t", "OBS_PW": "p", "RIGCAST_URL": "rtmp://h/app/key",
               "RIGCAST_STATE_DIR": r"D:\rig\state", "PATH": r"C:\Windows", "TEMP": r"C:\Temp", "SSH_CONNECTION": "x"}
    with mock.patch.dict(os.environ, environ):  # the config checks that the variables it names are set
        names = env_names(load_config(str(cfg)))
    assert {"OBS_PW", "SRT_PASS", "WHIP_TOKEN"} <= names
    env = carried_env(environ, names)
    assert env == {k: environ[k] for k in ("SRT_PASS", "WHIP_TOKEN", "OBS_PW", "RIGCAST_URL", "RIGCAST_STATE_DIR")}
    payload = json.loads(json.dumps(args_payload(["engine", "--config", "x.toml"], env, r"D:\games\rig")))
    assert read_args_payload(payload) == (["engine", "--config", "x.toml"], env, r"D:\games\rig")
    assert read_args_payload(["engine"]) == (["engine"], {}, None)  # an older rigcast's file


def test_an_engine_from_the_args_file_takes_on_its_env_and_directory_then_logs_its_exit(
        home: EngineHome, tmp_path: Path) -> None:
    """What the task runs, for real: a relative --config found in the caller's directory (not
    the task's System32), RIGCAST_URL from the carried environment, and on ``down`` its exit
    code as the log's last line, which `up` waits on."""
    work = tmp_path / "work"
    work.mkdir()
    (work / "rel.toml").write_text('[video]\nsize = "320x180"\n[[sources]]\nname = "bg"\nkind = "color"\n'
                                   'color = "#102030"\n')
    args = home.state_dir / "engine-args.json"
    home.state_dir.mkdir(parents=True, exist_ok=True)
    url = "rtmp://127.0.0.1:1/live/carried"
    args.write_text(json.dumps({"argv": ["engine", "--config", "rel.toml"], "env": {"RIGCAST_URL": url},
                                "cwd": str(work)}))
    env = {k: v for k, v in home.env().items() if k != "RIGCAST_URL"}
    proc = subprocess.Popen([*rigcast_command(), "--args-file", str(args)], env=env, cwd="/",
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    threading.Thread(target=proc.wait, daemon=True).start()  # reaped at once: `down` waits for the pid to go
    try:
        wait_for(lambda: home.pid() is not None and home.status()["engine"]["encoder"], 60,
                 what="the engine started from the args file to answer")
        assert not args.exists(), "read and deleted"
        st = home.status()
        assert st["engine"]["canvas"] == "320x180", "rel.toml, found in the caller's directory"
        assert any(o["kind"] == "rtmp" for o in st["outputs"]), st["outputs"]  # from the carried RIGCAST_URL
        assert home.rigcast("down").returncode == 0
        proc.wait(timeout=60)
    finally:
        stop_process(proc)
    assert home.log().rstrip().splitlines()[-1] == "--- rigcast engine exited with code 0"


def test_up_reports_a_task_engines_own_error_as_soon_as_it_exits(home: EngineHome, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    """A scheduled task's engine is no child of ``up``: its exit line in the log is what ends
    the wait, with the engine's own error, not a 60 s timeout."""
    from rigcast.engine import daemon
    from rigcast.engine.winlaunch import EXITED

    for k, v in home.env().items():
        if k.startswith("RIGCAST_"):
            monkeypatch.setenv(k, v)
    log = tmp_path / "engine.log"
    log.write_text("an earlier run\n--- rigcast engine exited with code 0\n")
    start = log.stat().st_size
    with open(log, "a") as f:
        f.write("rigcast: sources[0].kind: unknown kind 'windwo'; use one of ...\n")
        f.write(f"{EXITED}2\n")
    t0 = time.monotonic()
    assert daemon._wait_ready(None, log, start, tmp_path / "gone.json") == 1
    assert time.monotonic() - t0 < daemon.START_TIMEOUT_S / 2  # it did not wait the timeout out
    assert capsys.readouterr().err.strip() == "rigcast: sources[0].kind: unknown kind 'windwo'; use one of ..."


# 5: schtasks' output ---------------------------------------------------------------------------
def test_schtasks_output_is_read_in_the_oem_code_page() -> None:
    from rigcast.engine.winlaunch import decode_console

    german = "FEHLER: Zugriff verweigert für Benutzer \"BOX\\Jörg\". É".encode("cp850")
    with pytest.raises(UnicodeDecodeError):
        german.decode("utf-8")  # what strict decoding in another page does: the bytes below are no UTF-8
    assert decode_console(german, 850) == "FEHLER: Zugriff verweigert für Benutzer \"BOX\\Jörg\". É"
    assert decode_console("ОШИБКА: отказано в доступе.".encode("cp866"), 866) == "ОШИБКА: отказано в доступе."
    assert decode_console(b"\x81\xff", 932) == decode_console(b"\x81\xff", 932)  # never raises, even on a bad byte
    assert decode_console(b"ok \xe9", 99999) == "ok \ufffd"  # a code page without a codec: replaced


# 6 + 3: the task itself --------------------------------------------------------------------------
def test_the_task_runs_on_battery_without_a_time_limit_in_the_callers_directory() -> None:
    import xml.etree.ElementTree as ET

    from rigcast.engine.winlaunch import TASK_NS, task_xml

    xml = task_xml(r"C:\Users\Jörg & Co\venv\Scripts\pythonw.exe", r"C:\Users\me\AppData\Local\rigcast\a.json",
                   r"BOX\Jörg", r"D:\Видео\rig <1>")
    root = ET.fromstring(xml.encode("utf-16"))  # as the file is written: UTF-16, as its declaration says
    ns = {"t": TASK_NS}

    def text(path: str) -> str | None:
        node = root.find(path, ns)
        assert node is not None, path
        return node.text

    assert text("t:Principals/t:Principal/t:UserId") == r"BOX\Jörg"
    assert text("t:Principals/t:Principal/t:LogonType") == "InteractiveToken"  # was /IT
    assert text("t:Principals/t:Principal/t:RunLevel") == "LeastPrivilege"  # was /RL LIMITED
    assert text("t:Settings/t:DisallowStartIfOnBatteries") == "false"
    assert text("t:Settings/t:StopIfGoingOnBatteries") == "false"
    assert text("t:Settings/t:ExecutionTimeLimit") == "PT0S"  # flags gave PT72H
    assert 4 <= int(text("t:Settings/t:Priority") or 7) <= 6  # normal; flags gave 7, below normal
    assert text("t:Actions/t:Exec/t:Command") == r"C:\Users\Jörg & Co\venv\Scripts\pythonw.exe"
    assert text("t:Actions/t:Exec/t:Arguments") == (
        r"-P -X utf8 -m rigcast.engine --args-file C:\Users\me\AppData\Local\rigcast\a.json")
    assert text("t:Actions/t:Exec/t:WorkingDirectory") == r"D:\Видео\rig <1>"
    assert root.find("t:Triggers", ns) is None  # run on demand only


# 7: text output --------------------------------------------------------------------------------
def test_output_to_a_pipe_is_utf8_and_a_terminal_never_raises() -> None:
    import io

    from rigcast.engine.textout import utf8_stream

    text = "output   main: live → rtmp://… 🎮 ゲーム D:\\Видео\n"
    pipe = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")  # what Windows gives a pipe: ANSI, strict
    with pytest.raises(UnicodeEncodeError):
        pipe.write(text)
        pipe.flush()
    pipe = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    utf8_stream(pipe)
    pipe.write(text)
    pipe.flush()
    assert pipe.buffer.getvalue().decode("utf-8") == text  # type: ignore[attr-defined]

    class Tty(io.TextIOWrapper):
        def isatty(self) -> bool:
            return True

    tty = Tty(io.BytesIO(), encoding="cp437")
    utf8_stream(tty)
    tty.write(text)
    tty.flush()
    assert tty.buffer.getvalue().decode("cp437").startswith("output   main: live ? rtmp://")  # type: ignore[attr-defined]


def test_the_console_command_prints_utf8_into_a_pipe_whatever_pythons_stdio_encoding(tmp_path: Path) -> None:
    """``rigcast`` as started by its console script (no ``-X utf8``), its stdout a pipe in an
    ANSI code page: a window title rigcast can't encode there is printed in UTF-8."""
    import sys

    code = ("import sys; from rigcast.engine.cli import main; "
            "sys.exit(main(['ctl', 'nosuchcommand-→-🎮']))")
    r = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, cwd=tmp_path,
                       env=dict(os.environ, PYTHONIOENCODING="cp1252", PYTHONUTF8="0",
                                RIGCAST_RUNTIME_DIR=str(tmp_path), RIGCAST_STATE_DIR=str(tmp_path)))
    err = r.stderr.decode("utf-8")  # strict: it must be UTF-8
    assert "→-🎮" in err and "Traceback" not in err, err


# 9: SRT without srt.dll --------------------------------------------------------------------------
def test_libsrt_is_looked_for_beside_rigcast_exe_then_on_path_by_full_path() -> None:
    from rigcast.engine.output.srt_lib import candidates

    scripts = r"C:\Users\me\pipx\venvs\rigcast\Scripts"
    got = candidates("win32", scripts, r'C:\Windows\system32;;"C:\Program Files\srt\bin";C:\tools', None)
    assert got == [scripts + r"\srt.dll", scripts + r"\libsrt.dll",
                   r"C:\Windows\system32\srt.dll", r"C:\Windows\system32\libsrt.dll",
                   r"C:\Program Files\srt\bin\srt.dll", r"C:\Program Files\srt\bin\libsrt.dll",
                   r"C:\tools\srt.dll", r"C:\tools\libsrt.dll", "srt.dll", "libsrt.dll"]
    assert candidates("linux", "/usr/bin", "/usr/bin", "libsrt.so.1.5")[-1] == "libsrt.so.1.5"


def test_srt_unavailable_is_one_line_and_stops_the_output_without_retrying() -> None:
    from rigcast.config.model import OutputConfig
    from rigcast.engine.output import srt_lib
    from rigcast.engine.output.errors import SessionEnd
    from rigcast.engine.vocab.states import OutputState
    from tests.test_output_contract import _Raising

    e = srt_lib._unavailable("win32", r"C:\venv\Scripts")
    assert str(e) == (r"SRT is unavailable: libsrt is not installed (looked for srt.dll or libsrt.dll in "
                      r"C:\venv\Scripts, on PATH and in the system folders); put srt.dll (vcpkg install "
                      r"srt:x64-windows, or an SRT Windows build) beside rigcast.exe or in a folder on PATH")
    assert e.END is SessionEnd.UNAVAILABLE and "\n" not in str(e)

    out = _Raising(OutputConfig("live", "rtmp", url="rtmp://127.0.0.1/live/k"), None)
    out.exc = e
    calls = []
    session = out.session

    def counted() -> SessionEnd:
        calls.append(1)
        return session()

    out.session = counted  # type: ignore[method-assign]
    t = threading.Thread(target=out.run, daemon=True)
    t.start()
    t.join(30)
    assert not t.is_alive(), "the loop ended by itself: nothing to retry"
    assert calls == [1] and out.state is OutputState.ERROR and out.error == str(e)


# 14: an early close on Windows -------------------------------------------------------------------
def test_a_windows_connection_abort_counts_as_the_server_closing() -> None:
    import errno

    from rigcast.engine.output.rtmp_client import closed_by_peer

    assert closed_by_peer(ConnectionAbortedError(10053, "An established connection was aborted"))  # WSAECONNABORTED
    assert closed_by_peer(ConnectionResetError(errno.ECONNRESET, "reset")) and closed_by_peer(BrokenPipeError())
    assert not closed_by_peer(TimeoutError()) and not closed_by_peer(OSError(errno.ENETUNREACH, "unreachable"))


# 11: a job that refuses breakaway ----------------------------------------------------------------
def test_a_refused_breakaway_starts_the_engine_inside_the_job_and_says_so() -> None:
    from rigcast.engine.winlaunch import CREATE_BREAKAWAY_FROM_JOB, DETACHED_PROCESS, NO_BREAKAWAY, start_detached

    tried: list[int] = []

    def refusing(flags: int) -> str:  # CreateProcess in a job without JOB_OBJECT_LIMIT_BREAKAWAY_OK
        tried.append(flags)
        if flags & CREATE_BREAKAWAY_FROM_JOB:
            e = PermissionError(13, "Access is denied")
            e.winerror = 5  # type: ignore[attr-defined]  (what Windows' OSError carries)
            raise e
        return "engine"

    assert start_detached(refusing) == ("engine", NO_BREAKAWAY)
    assert tried[0] & CREATE_BREAKAWAY_FROM_JOB and not tried[1] & CREATE_BREAKAWAY_FROM_JOB
    assert tried[1] & DETACHED_PROCESS
    assert "closing this terminal ends the engine" in NO_BREAKAWAY

    assert start_detached(lambda flags: flags) == (tried[0], None)  # allowed: out of the job, no word

    def missing(flags: int) -> str:
        raise FileNotFoundError(2, "pythonw.exe not found")

    with pytest.raises(FileNotFoundError):
        start_detached(missing)  # another failure is not retried


# 12: WHIP's loop -------------------------------------------------------------------------------
def test_whip_runs_aiortc_on_a_selector_loop_on_windows() -> None:
    import asyncio

    from rigcast.engine.output.whip import event_loop

    loop = event_loop("win32")
    try:
        assert isinstance(loop, asyncio.SelectorEventLoop)  # not Windows' default Proactor loop
        assert type(loop).__name__ != "ProactorEventLoop"
    finally:
        loop.close()


# 15: secrets files on Windows ------------------------------------------------------------------
def test_secret_files_get_an_owner_only_dacl_for_the_users_sid_before_anything_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import stat
    import types

    from rigcast.engine import private_files
    from rigcast.engine.private_files import open_private, owner_only_sddl

    sid = "S-1-5-21-3623811015-3361044348-30300820-1013"
    assert owner_only_sddl(sid) == f"D:P(A;;FA;;;{sid})"  # protected: nothing inherited; one entry, the user
    for bad in ("Everyone", "S-1-5-21-1)(A;;FA;;;WD", ""):
        with pytest.raises(ValueError):
            owner_only_sddl(bad)

    secret = tmp_path / "control.json"
    with open_private(secret) as f:  # here: 0600, as on every POSIX system
        f.write('{"token": "ключ"}')
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.read_text(encoding="utf-8") == '{"token": "ключ"}'

    seen: list[tuple[str, int]] = []  # Windows' call, with the file's size when it was made
    monkeypatch.setattr(private_files, "sys", types.SimpleNamespace(platform="win32"))
    monkeypatch.setattr(private_files, "restrict_to_owner", lambda p: seen.append((p, os.path.getsize(p))))
    args = tmp_path / "engine-args.json"
    with open_private(args) as f:
        f.write('{"argv": ["--url", "rtmp://h/app/KEY"]}')
    assert seen == [(str(args), 0)], "the DACL is set while the file is still empty"
    with open_private(tmp_path / "crash.log", "a") as f:
        f.write("x")
    assert seen[-1] == (str(tmp_path / "crash.log"), 0)


def test_every_secret_writer_goes_through_the_private_opener() -> None:
    """The token, the obs password, the args file and the crash log: no bare os.open(..., 0o600)
    left, which would be a no-op on Windows."""
    import re

    root = Path(__file__).resolve().parent.parent / "engine"
    for py in root.rglob("*.py"):
        text = py.read_text(encoding="utf-8")
        if py.name != "private_files.py":
            assert not re.search(r"os\.open\([^)]*0o600", text), py


# 13: Ctrl+Break and a closed console -----------------------------------------------------------
def test_console_events_stop_the_engine_and_a_close_waits_for_the_recording() -> None:
    from rigcast.engine.winconsole import (
        CLOSE_GRACE_S,
        CTRL_BREAK_EVENT,
        CTRL_C_EVENT,
        CTRL_CLOSE_EVENT,
        CTRL_LOGOFF_EVENT,
        CTRL_SHUTDOWN_EVENT,
        handle,
    )

    def run(ctrl: int, keys_stop: bool = True) -> tuple[bool, list[str]]:
        did: list[str] = []
        handled = handle(ctrl, stop=lambda: did.append("stop"), wait_done=lambda s: did.append(f"wait {s}"),
                         keys_stop=keys_stop)
        return handled, did

    # the engine: a key asks for the stop and returns (the process stops by itself)
    assert run(CTRL_C_EVENT) == (True, ["stop"]) and run(CTRL_BREAK_EVENT) == (True, ["stop"])
    # the console closing, a logoff, a shutdown: stop, then hold Windows off until done (< its ~5 s)
    for ctrl in (CTRL_CLOSE_EVENT, CTRL_LOGOFF_EVENT, CTRL_SHUTDOWN_EVENT):
        assert run(ctrl) == (True, ["stop", f"wait {CLOSE_GRACE_S}"])
    assert CLOSE_GRACE_S < 5
    # the video process: keys are the engine's to act on; a close still stops and waits
    assert run(CTRL_BREAK_EVENT, keys_stop=False) == (True, [])
    assert run(CTRL_CLOSE_EVENT, keys_stop=False) == (True, ["stop", f"wait {CLOSE_GRACE_S}"])
    assert run(99) == (False, [])  # not ours: the next handler


def test_workers_ignore_ctrl_c_and_ctrl_break() -> None:
    import signal
    import types
    from unittest import mock

    from rigcast.engine import winconsole

    fake = types.SimpleNamespace(SIGINT=signal.SIGINT, SIGBREAK=21, SIG_IGN=signal.SIG_IGN, calls=[])
    fake.signal = lambda sig, h: fake.calls.append((sig, h))  # type: ignore[attr-defined]
    with mock.patch.object(winconsole, "signal", fake):
        winconsole.ignore_keys()
    assert fake.calls == [(signal.SIGINT, signal.SIG_IGN), (21, signal.SIG_IGN)]  # 21: Windows' SIGBREAK
    for module in ("capture/worker.py", "audio/capture.py", "pipeline.py"):
        text = (Path(__file__).resolve().parent.parent / "engine" / module).read_text(encoding="utf-8")
        assert "ignore_keys()" in text and "signal.SIGINT, signal.SIG_IGN" not in text, module
