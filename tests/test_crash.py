"""An error nobody caught ends in one line naming it and the crash log, and a non-zero exit.

The control room is run from a copy of the package that lacks its stylesheet — the defect a
`pip install` once had — inside tmux, as a user over SSH runs it: before, Textual printed a
full traceback with locals and the process exited 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.harness import EngineHome, copy_tracked, run_rigcast, wait_for


def test_a_control_room_crash_is_one_line_with_the_log_path_and_exit_1(home: EngineHome, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    copy_tracked(tree)
    # Laid out as the wheel installs it (rigcast/engine, rigcast/tui, ...), first on the path.
    pkg = tmp_path / "pkg" / "rigcast"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for folder in ("engine", "tui", "config"):
        (tree / folder).rename(pkg / folder)
    (pkg / "tui" / "app.tcss").unlink()
    sock = f"rigcast-crash-{tmp_path.name}"
    env = home.env(TERM="xterm-256color", PYTHONPATH=str(pkg.parent))
    cmd = f"cd {tmp_path} && {sys.executable} -m rigcast.engine tui; echo EXIT=$?; sleep 60"
    try:
        r = subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "c", "-x", "120", "-y", "40", cmd],
                           env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr

        def screen() -> str:
            return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-J", "-t", "c"], env=env,
                                  capture_output=True, text=True).stdout

        wait_for(lambda: "EXIT=" in screen(), 60, what="the control room to end")
        text = screen()
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], env=env, capture_output=True)
    crash_log = home.state_dir / "crash.log"
    assert "EXIT=1" in text, text
    assert "Traceback" not in text and "locals" not in text, text
    lines = [line for line in text.splitlines() if "internal error" in line]
    assert len(lines) == 1, text
    assert "StylesheetError" in lines[0] and str(crash_log) in lines[0], lines[0]
    log = crash_log.read_text()
    assert "Traceback" in log and "app.tcss" in log, log
    assert crash_log.stat().st_mode & 0o077 == 0, "the crash log is the user's only"


def test_a_runtime_dir_someone_else_made_is_refused_in_one_line(home: EngineHome, tmp_path: Path) -> None:
    """/tmp/rigcast-UID made first by another local user (here: nobody) must not be used."""
    theirs = tmp_path / "rigcast-0"
    theirs.mkdir(mode=0o777)
    os.chown(theirs, 65534, 65534)
    env = home.env() | {"RIGCAST_RUNTIME_DIR": str(theirs)}
    r = run_rigcast(["up", "--url", "rtmp://127.0.0.1:1/live/k"], env, tmp_path)
    assert r.returncode != 0, r.stdout
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(theirs) in lines[0] and "nobody" in lines[0], r.stderr
    assert not any(theirs.iterdir()), "nothing written into it"


def test_a_state_dir_that_is_a_file_is_one_line_and_non_zero(home: EngineHome, tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("")
    env = home.env() | {"RIGCAST_STATE_DIR": str(blocked)}
    r = run_rigcast(["up", "--url", "rtmp://127.0.0.1:1/live/k"], env, tmp_path)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(blocked) in lines[0] and "not a directory" in lines[0], r.stderr
