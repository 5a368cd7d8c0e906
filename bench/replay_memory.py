"""Benchmark: the replay buffer's memory at 30 s of 6000 kbps.

A real engine encodes a noise clip (it takes every bit of 6000 kbps, so the buffer holds what a
busy game would) with a 30 s replay buffer running and nothing else live. Printed: what the
buffer says it holds (its own byte count, and the seconds from its oldest keyframe), what 30 s
at 6000 kbps is on paper, and what the engine's process tree grew by (PSS) between the buffer's
5th second and its full 30 s, as a ratio to the bytes it took on in that time: the cost of
keeping packets as Python objects. The peer is the payload itself: the ffmpeg CLI has no replay
buffer (OBS keeps the same packets in memory).

    python bench/replay_memory.py [--seconds 30] [--kbps 6000]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.w1 import sample, tree  # noqa: E402
from tests.harness import XServer, wait_for  # noqa: E402


def held(env: dict[str, str]) -> tuple[float, float, float]:
    """(seconds, MB held by the buffer, its kbps now) from the engine's status."""
    r = subprocess.run([sys.executable, "-m", "rigcast.engine", "ctl", "status", "--json"], env=env, capture_output=True,
                       text=True, check=True)
    row = next(o for o in json.loads(r.stdout)["outputs"] if o.get("replay"))
    m = re.search(r"holding ([\d.]+) s, ([\d.]+) MB", row.get("note") or "")
    if m is None:
        return 0.0, 0.0, 0.0  # not started yet
    return float(m.group(1)), float(m.group(2)), float(row.get("kbps") or 0)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=30)
    ap.add_argument("--kbps", type=int, default=6000)
    a = ap.parse_args()
    x = XServer.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            clip = root / "noise.mkv"
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                            "nullsrc=s=640x360:r=30,geq=lum='random(1)*255':cb=128:cr=128", "-t", "4",
                            "-c:v", "libx264", "-preset", "ultrafast", "-crf", "16", str(clip)], check=True)
            cfg = root / "replay.toml"
            cfg.write_text(f'[video]\nsize = "1280x720"\nbitrate = {a.kbps}\n\n'
                           f'[[sources]]\nname = "noise"\nkind = "media"\npath = "{clip}"\n\n'
                           f'[replay]\nseconds = {a.seconds}\nmax_mb = 512\npath = "{root}"\n')
            env = x.env(RIGCAST_RUNTIME_DIR=str(root / "run"), RIGCAST_STATE_DIR=str(root / "state"))
            run = [sys.executable, "-m", "rigcast.engine"]
            subprocess.run([*run, "up", "--config", str(cfg)], env=env, check=True, capture_output=True)
            try:
                engine_pid = int((root / "run" / "engine.pid").read_text())
                subprocess.run([*run, "ctl", "replay", "start"], env=env, check=True, capture_output=True)
                wait_for(lambda: held(env)[0] >= 5, 30, what="the buffer's first 5 s")
                s0, mb0, _ = held(env)
                pss0 = sample(tree(engine_pid))[2]
                time.sleep(a.seconds - s0 + 4)  # full, and one keyframe interval past it
                s1, mb1, kbps = held(env)
                assert mb1 > 0, "the replay buffer is not holding anything"
                pss1 = sample(tree(engine_pid))[2]
                pss_peak = pss1
            finally:
                subprocess.run([*run, "down"], env=env, capture_output=True)
    finally:
        x.stop()
    paper = a.seconds * a.kbps / 8 / 1024
    grew = (pss1 - pss0) / 1024
    print(f"replay buffer, {a.seconds} s at {a.kbps} kbps (video) + AAC, 1280x720 noise")
    print(f"{'held by the buffer':32}{mb1:>8.1f} MB over {s1:.1f} s (encode at {kbps:.0f} kbps)")
    print(f"{'30 s at the bitrate, on paper':32}{paper:>8.1f} MB")
    print(f"{'held / on paper':32}{mb1 / paper:>8.2f}")
    print(f"{'engine PSS grew (5 s -> full)':32}{grew:>8.1f} MB while the buffer took on {mb1 - mb0:.1f} MB")
    print(f"{'PSS growth / bytes taken on':32}{grew / (mb1 - mb0):>8.2f}   (1.00: no overhead per packet)")
    print(f"{'engine PSS, buffer full':32}{pss_peak / 1024:>8.1f} MB")
    assert s1 >= a.seconds - 0.5, f"the buffer held only {s1:.1f} s"
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
