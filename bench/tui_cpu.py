"""Benchmark: what the control room costs while attached to a live stream, and what an idle
engine costs (sources running, nothing encoded) next to a live one.

A real engine streams glxgears and desktop audio (a tone with tremolo playing into a private
PulseAudio, so the meters move all the time) to nginx-rtmp; the TUI runs in a tmux pane (a real terminal,
as over SSH: TERM=xterm-256color and no COLORTERM, which ssh does not pass on, so 256 colours) and is measured by its process's user+sys CPU time over the run. There is no
ffmpeg equivalent of the TUI; the engine's own figures are printed beside it for scale.

    python bench/tui_cpu.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rig import rig  # noqa: E402
from bench.w1 import sample, tree  # noqa: E402
from tests.harness import wait_for  # noqa: E402


def cpu_percent(pids: list[int], seconds: float) -> float:
    c0 = sample(pids)[0]
    t0 = time.monotonic()
    time.sleep(seconds)
    return 100 * (sample(pids)[0] - c0) / (time.monotonic() - t0)


def shots(root: Path) -> int:
    """Screenshots the engine has answered so far (its debug log line per request is not kept,
    so the bus's own count, from the status JSON, is used)."""
    import json

    r = subprocess.run([sys.executable, "-m", "rigcast.engine", "ctl", "status", "--json"], capture_output=True, text=True,
                       env=os.environ | {"RIGCAST_RUNTIME_DIR": str(root / "run"), "RIGCAST_STATE_DIR": str(root / "state")})
    return int(json.loads(r.stdout).get("engine", {}).get("screenshots", 0))


def rig2_dirs(root: Path) -> dict[str, str]:
    return {"RIGCAST_RUNTIME_DIR": str(root / "rig2" / "run"), "RIGCAST_STATE_DIR": str(root / "rig2" / "state")}


def two_rigs(root: Path, env: dict[str, str], rig_cmd: list[str], nginx: Any, sock: str,
             seconds: float) -> tuple[float, float]:
    """The room with a second rig attached over SSH (an engine behind a loopback sshd, live),
    this box's rig shown: the room's CPU, and with its ssh client's."""
    from tests.sshd import Sshd, client_key, ssh_config_for

    (root / "rig2").mkdir()
    cfg = root / "rig2" / "rigcast.toml"
    cfg.write_text('[video]\nsize = "640x360"\nfps = 30\n[[sources]]\nname = "bg"\nkind = "color"\ncolor = "#204080"\n')
    subprocess.run([*rig_cmd, "up", "--config", str(cfg), "--url", nginx.url("bench2"), "--live"],
                   env=env | rig2_dirs(root), check=True, capture_output=True)
    wait_for(lambda: nginx.publishing("bench2"), 30, what="the second rig live")
    key = client_key(root)
    sshd = Sshd(root / "sshd", key, rig2_dirs(root) | {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"})
    sshd.start()
    try:
        ssh_cfg = ssh_config_for(root, key, {"den": sshd})
        (root / "laptop-config").mkdir()
        (root / "laptop-config" / "rigcast.toml").write_text(
            f'[[rigs]]\nname = "den"\nhost = "den"\ncommand = "{sys.executable} -m rigcast.engine"\n')
        env2 = env | {"RIGCAST_CONFIG_DIR": str(root / "laptop-config"), "RIGCAST_SSH_COMMAND": f"ssh -F {ssh_cfg}"}
        subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "b2", "-x", "120", "-y", "36",
                        f"exec {sys.executable} -m rigcast.engine tui"], env=env2, check=True)

        def bar() -> str:
            return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-t", "b2"], env=env2,
                                  capture_output=True, text=True).stdout.partition("\n")[0]

        wait_for(lambda: "local live" in bar() and "den live" in bar(), 60, what="the rig bar with both rigs live")
        pid = int(subprocess.run(["tmux", "-L", sock, "display-message", "-p", "-t", "b2", "#{pane_pid}"],
                                 env=env2, capture_output=True, text=True).stdout)
        time.sleep(3)
        with_ssh = tree(pid)
        assert len(with_ssh) > 1, "no ssh client under the room: the second rig is not attached"
        c0, t0 = sample(with_ssh)[0], time.monotonic()
        alone = cpu_percent([pid], seconds)
        both = 100 * (sample(with_ssh)[0] - c0) / (time.monotonic() - t0)
        assert "den live" in bar(), f"the second rig dropped during the run: {bar()}"
        return alone, both
    finally:
        sshd.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=30)
    a = ap.parse_args()
    with rig() as r:
        root, nginx, pulse = r.root, r.nginx, r.pulse
        env = r.env(TERM="xterm-256color")
        cfg = root / "rigcast.toml"
        cfg.write_text('[video]\nsize = "1280x720"\n[[sources]]\nname = "game"\nkind = "window"\nmatch = "glxgears"\n'
                       '[[sources]]\nname = "desk"\nkind = "desktop_audio"\n')
        rig_cmd = [sys.executable, "-m", "rigcast.engine"]
        sock = f"rigcast-bench-{os.getpid()}"
        try:
            subprocess.run([*rig_cmd, "up", "--config", str(cfg), "--url", nginx.url("bench")],
                           env=env, check=True, capture_output=True)
            # Tremolo: the level moves all the time, so every meter frame repaints.
            tone = pulse.play_tone(440, a.seconds * 2 + 30, 0.5, ("tremolo", "3", "90"))
            engine_pid = int((root / "run" / "engine.pid").read_text())
            time.sleep(3)
            idle = cpu_percent(tree(engine_pid), a.seconds / 2)
            res = subprocess.run([*rig_cmd, "ctl", "stream", "start"], env=env, capture_output=True, text=True)
            assert res.returncode == 0, res.stderr
            wait_for(lambda: nginx.publishing("bench"), 15, what="live")
            subprocess.run(["tmux", "-L", sock, "new-session", "-d", "-s", "b", "-x", "120", "-y", "36",
                            f"exec {sys.executable} -m rigcast.engine tui"], env=env, check=True)
            tui_pid = int(subprocess.run(["tmux", "-L", sock, "display-message", "-p", "-t", "b", "#{pane_pid}"],
                                         env=env, capture_output=True, text=True).stdout)
            time.sleep(5)  # attach, first full paint
            pids = tree(engine_pid)
            c0, t0 = sample(pids)[0], time.monotonic()
            tui = cpu_percent([tui_pid], a.seconds)
            live = 100 * (sample(pids)[0] - c0) / (time.monotonic() - t0)
            rss = sample([tui_pid])[1]
            asked = shots(root)
            assert asked >= a.seconds, f"the thumbnail was asked for {asked} times in {a.seconds:.0f} s: not shown?"
            # The same, with the thumbnail hidden (h): nothing asked of the video process.
            subprocess.run(["tmux", "-L", sock, "send-keys", "-t", "b", "h"], env=env, check=True)
            time.sleep(2)
            before = shots(root)
            c0, t0 = sample(pids)[0], time.monotonic()
            tui_off = cpu_percent([tui_pid], a.seconds)
            live_off = 100 * (sample(pids)[0] - c0) / (time.monotonic() - t0)
            assert shots(root) == before, "h did not stop the thumbnail"
            subprocess.run(["tmux", "-L", sock, "kill-session", "-t", "b"], env=env, check=True)
            two, two_ssh = two_rigs(root, env, rig_cmd, nginx, sock, a.seconds)
        finally:
            subprocess.run(["tmux", "-L", sock, "kill-server"], capture_output=True)
            tone.kill()
            subprocess.run([*rig_cmd, "down"], env=env, capture_output=True)
            subprocess.run([*rig_cmd, "down"], env=env | rig2_dirs(root), capture_output=True)
    print(f"{'':24}{'CPU % of one core':>20}")
    print(f"{'TUI attached, live':24}{tui:>20.2f}   (target <= 2; RSS {rss / 1024:.0f} MB; thumbnail on)")
    print(f"{'TUI, thumbnail hidden':24}{tui_off:>20.2f}   (target <= 2)")
    print(f"{'thumbnail: TUI extra':24}{tui - tui_off:>20.2f}   (2 pictures a second, half-blocks)")
    print(f"{'thumbnail: engine extra':24}{live - live_off:>20.2f}   (the downscale; engine noise is +-1)")
    print(f"{'engine live (1280x720)':24}{live:>20.1f}")
    print(f"{'engine idle':24}{idle:>20.1f}   ({idle / live:.2f}x of live)" if live else "")
    print(f"{'TUI, two rigs':24}{two:>20.2f}   ({two / tui:.2f}x of one rig; this box's shown, thumbnail on)")
    print(f"{'  its ssh client':24}{two_ssh - two:>20.2f}   (the second rig's pipe)")
    print(f"TUI / engine live: {tui / live:.3f}" if live else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
