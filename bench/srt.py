"""Benchmark: what an SRT output costs beside the RTMP output on the same encode, and rigcast's
SRT push next to the ffmpeg CLI doing the same job.

A 1920x1080 X screen with a still picture is captured to 1280x720 @ 30, libx264 veryfast CBR
3000 kbps, AAC 160k. Runs, each ``--seconds`` long, CPU % of one core over the whole process
tree (steady state, after 4 s):

1. rigcast pushing RTMP to nginx-rtmp;
2. rigcast pushing the same encode to nginx-rtmp and over SRT to an ffmpeg SRT listener;
3. rigcast pushing SRT only, and the ffmpeg CLI (x11grab, the same encoder settings, MPEG-TS
   over SRT) pushing to a listener of its own: the ratio.

Each listener's file is decoded afterwards: the run fails loudly if the stream did not arrive
at (nearly) full frame rate.

    python bench/srt.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.w1 import measure  # noqa: E402
from tests.harness import NginxRtmp, XServer, decode, free_port, sample_picture, show_image  # noqa: E402


def _listener(port: int, out: Path) -> subprocess.Popen[bytes]:
    p = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i",
                          f"srt://127.0.0.1:{port}?mode=listener&latency=120000", "-c", "copy", "-f", "mpegts",
                          str(out)], stdin=subprocess.DEVNULL)
    time.sleep(0.5)
    return p


def _fps(path: Path, what: str) -> float:
    d = decode(path)
    if len(d.times) < 30:
        raise SystemExit(f"{what}: only {len(d.times)} frames arrived; the figures mean nothing")
    return (len(d.times) - 1) / (d.times[-1] - d.times[0])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rigcast-bench-srt-"))
    x = XServer.start(1920, 1080)
    apps = [show_image(x, sample_picture(1600, 900), "bench-scene", (0, 0), tmp)]
    nginx = NginxRtmp(tmp / "nginx")
    nginx.start()
    env = x.env(RIGCAST_RUNTIME_DIR=str(tmp / "run"), RIGCAST_STATE_DIR=str(tmp / "state"))
    secs = str(int(a.seconds))
    rig = [sys.executable, "-m", "rigcast.engine", "stream", "--display", "1", "--size", "1280x720", "--fps", "30",
           "--encoder", "libx264", "--preset", "veryfast", "--bitrate", "3000", "--duration", secs]
    rows: list[tuple[str, float, float]] = []
    try:
        r = measure("rtmp", [*rig, "--url", nginx.url("a")], env, a.seconds)
        rows.append(("rigcast: RTMP", r.cpu_steady, _fps(nginx.recordings("a")[-1], "RTMP")))

        port = free_port()
        lis = _listener(port, tmp / "both.ts")
        r = measure("rtmp+srt", [*rig, "--url", nginx.url("b"), "--url", f"srt://127.0.0.1:{port}"], env, a.seconds)
        lis.wait(30)
        rows.append(("rigcast: RTMP + SRT", r.cpu_steady, _fps(tmp / "both.ts", "RTMP + SRT (SRT side)")))

        port = free_port()
        lis = _listener(port, tmp / "srt.ts")
        r = measure("srt", [*rig, "--url", f"srt://127.0.0.1:{port}"], env, a.seconds)
        lis.wait(30)
        rows.append(("rigcast: SRT", r.cpu_steady, _fps(tmp / "srt.ts", "rigcast SRT")))

        port = free_port()
        lis = _listener(port, tmp / "ffmpeg.ts")
        ff = ["ffmpeg", "-hide_banner", "-loglevel", "error",
              "-f", "x11grab", "-draw_mouse", "0", "-framerate", "30", "-video_size", "1920x1080", "-i", x.display,
              "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
              "-vf", "scale=1280:720:flags=bilinear", "-pix_fmt", "yuv420p",
              "-c:v", "libx264", "-preset", "veryfast", "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "3000k",
              "-g", "60", "-bf", "0", "-x264-params", "nal-hrd=cbr:force-cfr=1",
              "-c:a", "aac", "-b:a", "160k", "-t", secs, "-f", "mpegts", f"srt://127.0.0.1:{port}?latency=120000"]
        r = measure("ffmpeg srt", ff, env, a.seconds)
        lis.wait(30)
        rows.append(("ffmpeg CLI: SRT", r.cpu_steady, _fps(tmp / "ffmpeg.ts", "ffmpeg SRT")))
    finally:
        nginx.stop()
        for app in apps:
            app.close()
        x.stop()

    print(f"\nSRT ({a.seconds:g} s each, {os.cpu_count()} cores; CPU % of one core, steady, whole process tree)")
    print(f"{'':24}{'CPU %':>8}{'fps':>8}")
    for name, cpu, fps in rows:
        print(f"{name:24}{cpu:8.1f}{fps:8.2f}")
    rtmp, both, srt, ff_srt = (row[1] for row in rows)
    print(f"one SRT output beside RTMP on the same encode: +{both - rtmp:.1f} points ({both / rtmp:.2f}x)")
    print(f"rigcast SRT / ffmpeg CLI SRT: {srt / ff_srt:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
