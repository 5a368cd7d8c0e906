"""Benchmark: what the system-FFmpeg route's pipe costs, beside PyAV's own libx264, one run.

The same X11 window (videotestsrc's moving ball in ximagesink, 1280x720 at 60 fps, capped by the
source) streamed by rigcast to nginx-rtmp at 1280x720 @ 30, libx264 veryfast, 3000 kbps, a
keyframe every second (the system route's GOP), 20 s each: once with PyAV's libx264 in the
video process, once with ``--encoder system:libx264``, where the frames cross a pipe to an
``ffmpeg`` child and its packets come back as NUT. CPU % of one core of rigcast's whole process
tree (the child included), steady state; each stream nginx received is decoded and the run fails
loudly if one is under 27 fps or rigcast repeated frames.

    python bench/system_ffmpeg.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipewire import SOURCE, run  # noqa: E402
from bench.w1 import Result  # noqa: E402
from tests.harness import NginxRtmp, XServer, start_part, stop_process, window_geometry  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rigcast-bench-sys-"))
    nginx = NginxRtmp(tmp / "nginx")
    nginx.start()
    x = XServer.start(1920, 1080)
    results: list[Result] = []
    try:
        shown, _ = start_part(["gst-launch-1.0", "-q", *SOURCE, "!", "videoconvert", "!", "ximagesink"],
                              "ximagesink's window", lambda: window_geometry(x, "gst-launch-1.0"), env=x.env())
        try:
            env = x.env(RIGCAST_STATE_DIR=str(tmp / "state"))
            for name, encoder in (("pyav", "libx264"), ("system", "system:libx264")):
                results.append(run(name, ["--window", "gst-launch-1.0", "--keyint", "1"], env, nginx, a.seconds,
                                   encoder=encoder))
        finally:
            stop_process(shown)
    finally:
        nginx.stop()
        x.stop()
    print(f"\n1280x720@30 libx264 veryfast 3000 kbps, keyint 1 s, to nginx-rtmp ({a.seconds:g} s each, "
          f"{os.cpu_count()} cores)")
    print(f"{'':10}{'CPU% steady':>13}{'CPU% total':>12}{'peak PSS MB':>13}{'fps':>7}{'frames':>8}")
    for r in results:
        print(f"{r.name:10}{r.cpu_steady:13.1f}{r.cpu_total:12.1f}{r.peak_pss_mb:13.1f}{r.fps:7.2f}{r.frames:8d}")
    p, s = results
    print(f"{'sys / pyav':10}{s.cpu_steady / p.cpu_steady:13.2f}{s.cpu_total / p.cpu_total:12.2f}"
          f"{s.peak_pss_mb / p.peak_pss_mb:13.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
