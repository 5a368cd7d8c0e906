"""Several rigs from one control room, over SSH: a real OpenSSH server on loopback (Debian's
openssh-server, one sshd per "box"), two engines in two runtime dirs, the room in tmux."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import (
    EngineHome,
    NginxRtmp,
    XServer,
    decode,
    looks_like,
    rigcast_command,
    wait_for,
)
from tests.sshd import SSHD, Sshd, client_key, ssh_config_for
from tests.test_tui import Tmux

RED, BLUE, GREEN, WHITE = (255, 0, 0), (0, 0, 255), (0, 160, 0), (255, 255, 255)


def rig_config(nginx: NginxRtmp, key: str, first: str, second: str) -> str:
    return f"""[video]
size = "320x180"
fps = 15
bitrate = 300
[[sources]]
name = "one"
kind = "color"
color = "{first}"
[[sources]]
name = "two"
kind = "color"
color = "{second}"
[[scenes]]
name = "A"
items = [ {{ source = "one" }} ]
[[scenes]]
name = "B"
items = [ {{ source = "two" }} ]
[[outputs]]
name = "push"
kind = "rtmp"
url = "{nginx.url(key)}"
"""


@pytest.fixture
def rigs(xserver: XServer, nginx: NginxRtmp, tmp_path: Path) -> Iterator[tuple[list[EngineHome], list[Sshd], dict[str, str]]]:
    """Two "boxes": an engine each, live to nginx, and an sshd each in front of it; the client's
    ssh config names them rig1 and rig2, with a known_hosts holding their keys."""
    if not Path(SSHD).exists():
        pytest.fail("OpenSSH's server is missing; run `bash .ci/run` (it installs openssh-server)", pytrace=False)
    key = client_key(tmp_path)
    bindir = str(Path(rigcast_command()[0]).parent)
    homes, servers = [], []
    for i, colours in ((1, ("#ff0000", "#0000ff")), (2, ("#00a000", "#ffffff"))):
        h = EngineHome(xserver, tmp_path / f"rig{i}")
        h.root.mkdir()
        cfg = h.root / "rigcast.toml"
        cfg.write_text(rig_config(nginx, f"rig{i}", *colours))
        h.up("--config", str(cfg), "--live")
        homes.append(h)
        servers.append(Sshd(tmp_path / f"sshd{i}", key, {
            "RIGCAST_RUNTIME_DIR": str(h.run_dir), "RIGCAST_STATE_DIR": str(h.state_dir),
            "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin"}))
    ssh_config = ssh_config_for(tmp_path, key, {"rig1": servers[0], "rig2": servers[1]})
    with ssh_config.open("a") as f:  # a box whose host key this client has never seen
        f.write(f"Host stranger\n  HostName 127.0.0.1\n  Port {servers[0].port}\n  IdentityFile {key}\n"
                f"  UserKnownHostsFile {tmp_path / 'empty_known_hosts'}\n  GlobalKnownHostsFile /dev/null\n")
    env = {"RIGCAST_SSH_COMMAND": f"ssh -F {ssh_config}"}
    try:
        for s in servers:
            s.start()
        wait_for(lambda: nginx.publishing("rig1") and nginx.publishing("rig2"), 30, what="both rigs live")
        yield homes, servers, env
    finally:
        for s in servers:
            s.stop()
        for h in homes:
            h.down()


def last_picture(nginx: NginxRtmp, key: str) -> object:
    return decode(nginx.recordings(key)[-1], keep_every=5).frames[-1]


def shows(nginx: NginxRtmp, key: str, rgb: tuple[int, int, int]) -> bool:
    return looks_like(last_picture(nginx, key), rgb)  # type: ignore[arg-type]


@pytest.mark.installed
def test_one_room_drives_two_rigs_over_ssh_and_outlives_one_rig_lost(
        rigs: tuple[list[EngineHome], list[Sshd], dict[str, str]], nginx: NginxRtmp, tmp_path: Path) -> None:
    (h1, h2), (s1, _s2), ssh_env = rigs
    # The room runs in a terminal on the "laptop": no engine of its own (its runtime dir is empty).
    laptop = EngineHome(h1.x, tmp_path / "laptop")
    laptop.root.mkdir()
    tmux = Tmux(f"rigcast-rigs-{os.getpid()}", laptop.env(TERM="xterm-256color", **ssh_env))
    cmd = f"exec {shlex.join(rigcast_command())} tui --host rig1 --host rig2"
    r = tmux.run("new-session", "-d", "-s", "room", "-x", "80", "-y", "24", cmd)
    assert r.returncode == 0, r.stderr
    try:
        def bar() -> str:
            return tmux.screen("room").splitlines()[0] if tmux.screen("room") else ""

        wait_for(lambda: "rig1 live" in bar() and "rig2 live" in bar(), 60,
                 what=f"the rig bar to show both rigs live (screen:\n{tmux.screen('room')})")
        assert "Rig" in tmux.screen("room"), "n (next rig) is in the footer with two rigs"

        tmux.run("send-keys", "-t", "room", "2")  # rig1 is shown: its scene B (blue)
        wait_for(lambda: h1.status()["program_scene"] == "B", 20, what="2 to switch rig1's scene")
        assert h2.status()["program_scene"] == "A", "the rig not shown is untouched"
        wait_for(lambda: shows(nginx, "rig1", BLUE), 20, what="nginx to receive rig1's blue scene")
        assert shows(nginx, "rig2", GREEN), "rig2's stream still shows its first scene"

        tmux.run("send-keys", "-t", "room", "n")  # show rig2; keys now act on it
        wait_for(lambda: "Program: " in tmux.screen("room") or "rig2" in tmux.screen("room"), 10, what="rig2 shown")
        time.sleep(1)
        tmux.run("send-keys", "-t", "room", "2")
        wait_for(lambda: h2.status()["program_scene"] == "B", 20, what="2 to switch rig2's scene")
        assert h1.status()["program_scene"] == "B"
        wait_for(lambda: shows(nginx, "rig2", WHITE), 20, what="nginx to receive rig2's white scene")

        # rig1's box drops off the network: its listener stops (no redial can succeed) and the
        # session's own sshd is killed (killing only the listener would leave the session up).
        assert s1.sessions(), "the room's session to rig1 is served by its own sshd process"
        s1.stop(sessions_too=True)
        wait_for(lambda: "rig1 unreachable" in bar(), 30, what=f"rig1 to show unreachable ({bar()})")
        assert "rig2 live" in bar(), bar()
        time.sleep(3)
        assert nginx.publishing("rig1"), "rig1's engine never noticed: it is still streaming"
        assert "rig2 live" in bar(), "the other rig went on"

        s1.start()  # the box is back: the room redials by itself (backoff up to 30 s)
        wait_for(lambda: "rig1 live" in bar(), 90, what=f"the room to reattach to rig1 ({bar()})")
        tmux.run("send-keys", "-t", "room", "n")  # rig1 again, and its keys work again
        time.sleep(1)
        tmux.run("send-keys", "-t", "room", "1")
        wait_for(lambda: h1.status()["program_scene"] == "A", 20, what="1 to switch rig1 back after the redial")
        assert h2.status()["program_scene"] == "B"
    finally:
        tmux.run("kill-server")


@pytest.mark.installed
def test_ctl_reaches_rigs_over_ssh_and_refuses_an_unknown_host_key(
        rigs: tuple[list[EngineHome], list[Sshd], dict[str, str]], tmp_path: Path) -> None:
    (h1, h2), _servers, ssh_env = rigs
    laptop = EngineHome(h1.x, tmp_path / "laptop")
    laptop.root.mkdir()
    laptop.extra_env = ssh_env

    r = laptop.rigcast("ctl", "--host", "rig2", "scene", "B")
    assert r.returncode == 0 and "program scene B" in r.stdout, r.stdout + r.stderr
    assert h2.status()["program_scene"] == "B" and h1.status()["program_scene"] == "A"

    r = laptop.rigcast("ctl", "--host", "rig1", "--host", "rig2", "status")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith("rig1  live") and "scene A" in lines[0], r.stdout
    assert lines[1].startswith("rig2  live") and "scene B" in lines[1], r.stdout

    # [[rigs]] in the laptop's config: `--all` is this box's engine (rig1's runtime dir here)
    # and every rig, the remote command given in full.
    cfg_dir = tmp_path / "laptop-config"
    cfg_dir.mkdir()
    (cfg_dir / "rigcast.toml").write_text(
        f'[[rigs]]\nname = "den"\nhost = "rig2"\ncommand = "{shlex.join(rigcast_command())}"\n'
        f'[[rigs]]\nname = "attic"\nhost = "stranger"\n')
    run_all = subprocess.run([*rigcast_command(), "ctl", "--all", "status"], capture_output=True, text=True,
                                 timeout=90, env=dict(h1.env(RIGCAST_CONFIG_DIR=str(cfg_dir)), **ssh_env))
    lines = run_all.stdout.splitlines()
    assert len(lines) == 3, run_all.stdout + run_all.stderr
    assert lines[0].startswith("local  live") and "scene A" in lines[0], run_all.stdout
    assert lines[1].startswith("den    live") and "scene B" in lines[1], run_all.stdout
    # BatchMode: an unknown host key is refused with ssh's own line, never accepted or asked.
    assert lines[2].startswith("attic  unreachable") and "Host key verification failed." in lines[2], run_all.stdout
    assert run_all.returncode == 1, "one rig unreachable: the exit status says so"

    r = laptop.rigcast("ctl", "--host", "stranger", "status")
    assert r.returncode == 1 and "Host key verification failed." in r.stderr, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "empty_known_hosts").exists() or not (tmp_path / "empty_known_hosts").read_text(), \
        "the unknown key was not written to known_hosts"
