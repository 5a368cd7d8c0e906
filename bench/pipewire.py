"""Benchmark: what a PipeWire node costs rigcast beside an X11 window of the same pictures.

The same content both ways, in one run: GStreamer's videotestsrc (a moving ball, 1280x720 at
60 fps, capped by the source itself) published as a PipeWire Video/Source node named
"gamescope" (as gamescope publishes its output), and the same videotestsrc shown in an X11
window by ximagesink on Xvfb. rigcast streams each to nginx-rtmp at 1280x720 @ 30 (libx264
veryfast, 3000 kbps); the CPU % of one core is rigcast's whole process tree (the producers are
not counted), steady state. Each stream nginx received is decoded: the run fails loudly if one
did not arrive at (nearly) full frame rate, or if rigcast did not capture what it was asked to.

    python bench/pipewire.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.w1 import Result, measure  # noqa: E402
from tests.harness import NginxRtmp, XServer, decode, start_part, stop_process, window_geometry  # noqa: E402
from tests.pipewire_parts import PipeWire  # noqa: E402

SOURCE = ["videotestsrc", "pattern=ball", "is-live=true", "!", "video/x-raw,width=1280,height=720,framerate=60/1"]


def run(name: str, args: list[str], env: dict[str, str], nginx: NginxRtmp, seconds: float,
        encoder: str = "libx264") -> Result:
    """rigcast streaming to nginx under ``measure``, its stream decoded and checked."""
    cmd = [sys.executable, "-m", "rigcast.engine", "stream", *args, "--size", "1280x720", "--fps", "30",
           "--encoder", encoder, "--preset", "veryfast", "--bitrate", "3000", "--url", nginx.url(name),
           "--duration", str(int(seconds))]
    r = measure(name, cmd, env, seconds)
    rec = nginx.recordings(name)
    if not rec:
        raise SystemExit(f"{name}: nginx received nothing; rigcast said: {r.note}")
    d = decode(rec[-1])
    r.frames = len(d.times)
    r.fps = (len(d.times) - 1) / (d.times[-1] - d.times[0])
    m = re.search(r"stopped after (\d+) frames \(repeated (\d+)", r.note)
    if r.fps < 27 or m is None or int(m.group(2)) > int(m.group(1)) // 20:
        # Repeated frames are ticks the source had nothing new for: not a capture at the rate asked.
        raise SystemExit(f"{name}: not the state measured: {r.fps:.1f} fps decoded, rigcast's last line: {r.note}")
    return r


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rigcast-bench-pw-"))
    nginx = NginxRtmp(tmp / "nginx")
    nginx.start()
    pw = PipeWire(tmp / "pw")
    x = None
    results: list[Result] = []
    try:
        pw.start()
        producer = pw.produce("gamescope", "1280x720", "ball")
        try:
            results.append(run("pipewire", ["--pipewire-node", "gamescope"],
                               pw.env(RIGCAST_STATE_DIR=str(tmp / "state")), nginx, a.seconds))
        finally:
            stop_process(producer)
        x = XServer.start(1920, 1080)
        shown, _ = start_part(["gst-launch-1.0", "-q", *SOURCE, "!", "videoconvert", "!", "ximagesink"],
                              "ximagesink's window", lambda: window_geometry(x, "gst-launch-1.0"), env=x.env())
        try:
            results.append(run("x11", ["--window", "gst-launch-1.0"], x.env(RIGCAST_STATE_DIR=str(tmp / "state")),
                               nginx, a.seconds))
        finally:
            stop_process(shown)
    finally:
        pw.stop()
        nginx.stop()
        if x is not None:
            x.stop()
    print(f"\n1280x720@60 source -> 1280x720@30 libx264 to nginx-rtmp ({a.seconds:g} s each, {os.cpu_count()} cores)")
    print(f"{'':10}{'CPU% steady':>13}{'CPU% total':>12}{'peak PSS MB':>13}{'fps':>7}{'frames':>8}")
    for r in results:
        print(f"{r.name:10}{r.cpu_steady:13.1f}{r.cpu_total:12.1f}{r.peak_pss_mb:13.1f}{r.fps:7.2f}{r.frames:8d}")
    p, x11 = results
    print(f"{'pw / x11':10}{p.cpu_steady / x11.cpu_steady:13.2f}{p.cpu_total / x11.cpu_total:12.2f}"
          f"{p.peak_pss_mb / x11.peak_pss_mb:13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
