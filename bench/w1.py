"""Benchmark W1: full 1920x1080 X11 screen → 1280x720 @ 30, libx264 veryfast, CBR 3000 kbps,
keyint 250, no B-frames, AAC 160k silence, to a local RTMP server — rigcast and the ffmpeg CLI
doing the same job in the same run, 20 s each.

Prints, for each: CPU % of one core (user+sys of the whole process tree, whole run and steady
state after start-up), peak RSS and peak PSS of the tree (PSS counts shared memory once, which
is fair to a multi-process tool), delivered fps (decoded from what nginx-rtmp recorded), and
the rigcast/ffmpeg ratios. Both use the bilinear scaler (rigcast's default; ffmpeg's is bicubic).

    python bench/w1.py [--seconds 20] [--content static|motion]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness import (  # noqa: E402
    NginxRtmp,
    XServer,
    decode,
    process_tree,
    sample_picture,
    show_image,
    start_glxgears,
)

CLK = os.sysconf("SC_CLK_TCK")


tree = process_tree


def sample(pids: list[int]) -> tuple[float, int, int]:
    """(cpu seconds, rss kB, pss kB) summed over pids."""
    cpu, rss, pss = 0.0, 0, 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cpu += (int(fields[11]) + int(fields[12])) / CLK
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except (OSError, IndexError):
            pass
    return cpu, rss, pss


@dataclass
class Result:
    name: str
    cpu_total: float
    cpu_steady: float
    peak_rss_mb: float
    peak_pss_mb: float
    fps: float
    frames: int
    note: str


def measure(name: str, cmd: list[str], env: dict[str, str], seconds: float) -> Result:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak_rss = peak_pss = 0
    steady_start: tuple[float, float] | None = None
    last: tuple[float, float] = (0.0, t0)
    while proc.poll() is None:
        cpu, rss, pss = sample(tree(proc.pid))
        now = time.monotonic()
        peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
        if steady_start is None and now - t0 >= 4:
            steady_start = (cpu, now)
        if now - t0 < seconds + 1:
            last = (cpu, now)
        time.sleep(0.25)
    out = proc.stdout.read() if proc.stdout else ""
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    steady = 0.0
    if steady_start is not None and last[1] > steady_start[1]:
        steady = (last[0] - steady_start[0]) / (last[1] - steady_start[1]) * 100
    tail = [line for line in out.replace("\r", "\n").splitlines() if line.strip()][-1:] or [""]
    return Result(name, cpu_total / wall * 100, steady, peak_rss / 1024, peak_pss / 1024, 0.0, 0, tail[0][:160])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--content", choices=("static", "motion"), default="static")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rigcast-bench-"))
    x = XServer.start(1920, 1080)
    apps = [show_image(x, sample_picture(1600, 900), "bench-scene", (0, 0), tmp)]
    if a.content == "motion":
        apps.append(start_glxgears(x, "640x480+600+300"))
    nginx = NginxRtmp(tmp / "nginx")
    nginx.start()
    env = x.env()
    secs = str(int(a.seconds))
    try:
        ff = [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-stats",
            "-f", "x11grab", "-draw_mouse", "0", "-framerate", "30", "-video_size", "1920x1080", "-i", x.display,
            "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo",
            "-vf", "scale=1280:720:flags=bilinear", "-pix_fmt", "yuv420p",
            "-c:v", "libx264", "-preset", "veryfast", "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "3000k",
            "-g", "250", "-bf", "0", "-x264-params", "nal-hrd=cbr:force-cfr=1",
            "-c:a", "aac", "-b:a", "160k", "-t", secs, "-f", "flv", nginx.url("ffmpeg"),
        ]
        rc = [
            sys.executable, "-m", "rigcast.engine", "stream", "--display", "1", "--size", "1280x720", "--fps", "30",
            "--encoder", "libx264", "--preset", "veryfast", "--bitrate", "3000", "--keyint", str(250 / 30),
            "--url", nginx.url("rigcast"), "--duration", secs,
        ]
        results = []
        for name, cmd, key in (("ffmpeg", ff, "ffmpeg"), ("rigcast", rc, "rigcast")):
            results.append(measure(name, cmd, env, a.seconds))
            rec = nginx.recordings(key)
            d = decode(rec[-1])
            r = results[-1]
            r.frames = len(d.times)
            r.fps = (len(d.times) - 1) / (d.times[-1] - d.times[0])
    finally:
        nginx.stop()
        for app in apps:
            app.close()
        x.stop()

    print(f"\nW1 ({a.content} content, {a.seconds:g} s each, {os.cpu_count()} cores)")
    print(f"{'':10}{'CPU% total':>12}{'CPU% steady':>13}{'peak RSS MB':>13}{'peak PSS MB':>13}{'fps':>7}{'frames':>8}")
    for r in results:
        print(f"{r.name:10}{r.cpu_total:12.1f}{r.cpu_steady:13.1f}{r.peak_rss_mb:13.1f}{r.peak_pss_mb:13.1f}"
              f"{r.fps:7.2f}{r.frames:8d}")
    f, g = results
    print(f"{'ratio':10}{g.cpu_total / f.cpu_total:12.2f}{g.cpu_steady / max(f.cpu_steady, 0.1):13.2f}"
          f"{g.peak_rss_mb / f.peak_rss_mb:13.2f}{g.peak_pss_mb / f.peak_pss_mb:13.2f}{g.fps / f.fps:7.2f}")
    print(f"\nffmpeg:  {f.note}\nrigcast: {g.note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
