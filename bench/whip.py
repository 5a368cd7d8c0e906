"""Benchmark: what a WHIP output costs beside the RTMP output on the same encode.

A 1920x1080 X screen with a still picture is captured to 1280x720 @ 30, libx264 veryfast CBR
3000 kbps in constrained baseline (the aiortc endpoint takes only that, and the encode is
shared), AAC 160k. Runs, each ``--seconds`` long, CPU % of one core over rigcast's process tree
(steady state, after 4 s):

1. rigcast pushing RTMP to nginx-rtmp;
2. rigcast pushing the same encode to nginx-rtmp and over WHIP to an aiortc endpoint
   (tests/whip_endpoint.py, its own process, not counted): the WHIP output's packetising,
   SRTP and the second (Opus) audio encode are what the difference costs.

What arrived is checked: nginx's recording is decoded and the endpoint's decoded frame count
read; the run fails loudly if either is short of (nearly) full frame rate. There is no CLI peer
for a WHIP push here (Debian's ffmpeg has no WHIP muxer; PyAV's fails at DTLS).

    python bench/whip.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.w1 import measure  # noqa: E402
from tests.harness import NginxRtmp, XServer, decode, free_port, sample_picture, show_image  # noqa: E402
from tests.test_whip import Endpoint, host_address  # noqa: E402


def _fps(path: Path, what: str) -> float:
    d = decode(path)
    if len(d.times) < 30:
        raise SystemExit(f"{what}: only {len(d.times)} frames arrived; the figures mean nothing")
    return (len(d.times) - 1) / (d.times[-1] - d.times[0])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rigcast-bench-whip-"))
    x = XServer.start(1920, 1080)
    apps = [show_image(x, sample_picture(1600, 900), "bench-scene", (0, 0), tmp)]
    nginx = NginxRtmp(tmp / "nginx")
    nginx.start()
    env = x.env(RIGCAST_RUNTIME_DIR=str(tmp / "run"), RIGCAST_STATE_DIR=str(tmp / "state"))
    cfg = tmp / "bench.toml"
    cfg.write_text('[video]\nprofile = "baseline"\n')
    secs = str(int(a.seconds))
    rig = [sys.executable, "-m", "rigcast.engine", "stream", "--config", str(cfg), "--display", "1", "--size", "1280x720",
           "--fps", "30", "--encoder", "libx264", "--preset", "veryfast", "--bitrate", "3000", "--duration", secs]
    rows: list[tuple[str, float, float]] = []
    host = host_address()
    ep: Endpoint | None = None
    try:
        r = measure("rtmp", [*rig, "--url", nginx.url("a")], env, a.seconds)
        rows.append(("rigcast: RTMP", r.cpu_steady, _fps(nginx.recordings("a")[-1], "RTMP")))

        port = free_port()
        ep = Endpoint(host, port, tmp / "ep")
        r = measure("rtmp+whip", [*rig, "--url", nginx.url("b"), "--url", f"http://{host}:{port}/whip/?stream=b"],
                    env, a.seconds)
        stats = json.loads((tmp / "ep" / "stats.json").read_text())
        times = stats["frame_times"]
        if stats["frames"] < 30 or len(times) < 2:
            raise SystemExit(f"WHIP: only {stats['frames']} frames arrived; the figures mean nothing")
        whip_fps = (len(times) - 1) / (times[-1] - times[0])
        rows.append(("rigcast: RTMP + WHIP", r.cpu_steady, _fps(nginx.recordings("b")[-1], "RTMP + WHIP (RTMP side)")))
        rows.append(("  (WHIP side, decoded)", float("nan"), whip_fps))
    finally:
        if ep is not None:
            ep.stop()
        nginx.stop()
        for app in apps:
            app.close()
        x.stop()

    print(f"\nWHIP ({a.seconds:g} s each, {os.cpu_count()} cores; CPU % of one core, steady, rigcast's process tree)")
    print(f"{'':26}{'CPU %':>8}{'fps':>8}")
    for name, cpu, fps in rows:
        print(f"{name:26}{cpu:8.1f}{fps:8.2f}")
    rtmp, both = rows[0][1], rows[1][1]
    print(f"one WHIP output beside RTMP on the same encode: +{both - rtmp:.1f} points ({both / rtmp:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
