"""A user's working directory never stands in for rigcast's own modules.

rigcast installs one import package, ``rigcast``; every interpreter it starts (the engine
``rigcast up`` detaches, the workers that engine spawns) runs with ``-P``, so the current
directory is not on ``sys.path``. Here the directory rigcast is started from holds packages
named after rigcast's folders (``config``, ``engine``, ``tui``), after rigcast itself and after
a library it loads in a worker (``av``), each of which raises on import: the whole daemon life
cycle must still work, and the stream must reach nginx.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import pytest

from tests.harness import EngineHome, NginxRtmp, XApp, alive, decode, wait_for

SHADOWS = ("config", "engine", "tui", "rigcast", "av")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        out += [int(k) for k in kids]
    return out


def _python_command_lines(pid: int) -> list[list[str]]:
    """The command lines of ``pid`` and every Python process below it."""
    lines, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            argv = Path(f"/proc/{p}/cmdline").read_bytes().decode().split("\0")[:-1]
            todo += _children(p)
        except (FileNotFoundError, ProcessLookupError):
            continue
        if argv and "python" in os.path.basename(argv[0]):
            lines.append(argv)
    return lines


def _frames_received(nginx: NginxRtmp, key: str) -> int:
    try:
        return len(decode(nginx.recordings(key)[-1]).times)
    except (IndexError, av.error.FFmpegError):  # nothing yet, or not even a header yet
        return 0


@pytest.mark.installed
def test_rigcast_started_beside_packages_named_like_its_own_works(
        home: EngineHome, nginx: NginxRtmp, gears: XApp) -> None:
    for name in SHADOWS:
        (home.root / name).mkdir(parents=True, exist_ok=True)
        (home.root / name / "__init__.py").write_text(
            f"raise ImportError('the folder {name}/ in the working directory was imported')\n")

    pid = home.up("--window", "glxgears", "--url", nginx.url("shadowed"), "--live")
    try:
        wait_for(lambda: nginx.publishing("shadowed"), 30, what="the stream to go live on nginx")
        status = home.rigcast("ctl", "status")
        assert status.returncode == 0, status.stderr
        assert "live" in status.stdout, status.stdout
        procs = _python_command_lines(pid)
        assert len(procs) >= 3, f"the engine and its workers: {procs}"
        assert all("-P" in argv for argv in procs), procs
        wait_for(lambda: _frames_received(nginx, "shadowed") > 60, 30, what="two seconds of video at nginx")
    finally:
        down = home.rigcast("down", timeout=60)
    assert down.returncode == 0, down.stderr
    wait_for(lambda: not alive(pid), 30, what="the engine to stop")
    d = decode(nginx.recordings("shadowed")[-1])
    assert d.video_codec == "h264" and d.audio_codec == "aac"
    assert "was imported" not in home.log()
