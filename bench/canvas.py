"""Benchmark: what a second, vertical canvas costs, rigcast beside the ffmpeg CLI, one run.

The same X11 window (videotestsrc's moving ball in ximagesink, 1280x720 at 60 fps, capped by the
source) streamed to nginx-rtmp at 30 fps with libx264 veryfast 3000 kbps, 20 s each:
- rigcast with the main canvas only (1280x720), then with a [[canvases]] vertical canvas
  (720x1280, the window fitted into it) streaming beside it;
- the ffmpeg CLI doing the same: x11grab to one 1280x720 stream, then ``split`` into the same
  two encodes (the second scaled and padded to 720x1280).
CPU % of one core of each whole process tree, steady state, and what the second canvas adds
to each, as a ratio. Every stream nginx received is decoded; the run fails loudly if one is
under 27 fps.

    python bench/canvas.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipewire import SOURCE  # noqa: E402
from bench.w1 import Result, measure  # noqa: E402
from tests.harness import NginxRtmp, XServer, decode, start_part, stop_process, window_geometry  # noqa: E402

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-b:v", "3000k", "-maxrate", "3000k", "-bufsize", "3000k",
        "-g", "60", "-bf", "0", "-pix_fmt", "yuv420p"]


def rigcast_config(tmp: Path, nginx: NginxRtmp, vertical: bool) -> Path:
    cfg = tmp / f"canvas-{vertical}.toml"
    text = ('[video]\nsize = "1280x720"\nfps = 30\nencoder = "libx264"\n\n[[sources]]\nname = "game"\nkind = "window"\n'
            'match = "gst-launch-1.0"\n\n[[scenes]]\nname = "Main"\nitems = [ { source = "game" } ]\n\n'
            f'[[outputs]]\nname = "main"\nkind = "rtmp"\nurl = "{nginx.url("rc-main-" + str(vertical))}"\n')
    if vertical:
        text += ('\n[[canvases]]\nname = "vertical"\nsize = "720x1280"\n\n[[scenes]]\nname = "V"\ncanvas = "vertical"\n'
                 'items = [ { source = "game" } ]\n\n'
                 f'[[outputs]]\nname = "vert"\nkind = "rtmp"\ncanvas = "vertical"\nurl = "{nginx.url("rc-vert")}"\n')
    cfg.write_text(text)
    return cfg


def check(nginx: NginxRtmp, keys: list[str], r: Result) -> Result:
    for key in keys:
        rec = nginx.recordings(key)
        if not rec:
            raise SystemExit(f"{r.name}: nginx received nothing for {key}; last line: {r.note}")
        d = decode(rec[-1])
        fps = (len(d.times) - 1) / (d.times[-1] - d.times[0])
        if fps < 27:
            raise SystemExit(f"{r.name}: {key} decoded at {fps:.1f} fps: not the state measured")
        r.fps, r.frames = fps, len(d.times)
    return r


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="rigcast-bench-canvas-"))
    nginx = NginxRtmp(tmp / "nginx")
    nginx.start()
    x = XServer.start(1920, 1080)
    secs = str(int(a.seconds))
    res: dict[str, Result] = {}
    try:
        shown, _ = start_part(["gst-launch-1.0", "-q", *SOURCE, "!", "videoconvert", "!", "ximagesink"],
                              "ximagesink's window", lambda: window_geometry(x, "gst-launch-1.0"), env=x.env())
        try:
            env = x.env(RIGCAST_STATE_DIR=str(tmp / "state"))
            geo = window_geometry(x, "gst-launch-1.0")
            assert geo is not None
            gx, gy, gw, gh = geo
            grab = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "x11grab", "-draw_mouse", "0", "-framerate",
                    "30", "-video_size", f"{gw}x{gh}", "-i", f"{x.display}+{gx},{gy}"]
            vert = "scale=720:405:flags=bilinear,pad=720:1280:0:437"
            for name, cmd, keys in (
                ("ffmpeg 1", [*grab, *X264, "-t", secs, "-f", "flv", nginx.url("ff-main-1")], ["ff-main-1"]),
                ("ffmpeg 2", [*grab, "-filter_complex", f"[0:v]split=2[a][b];[b]{vert}[v]", "-map", "[a]", *X264,
                              "-t", secs, "-f", "flv", nginx.url("ff-main-2"), "-map", "[v]", *X264, "-t", secs,
                              "-f", "flv", nginx.url("ff-vert")], ["ff-main-2", "ff-vert"]),
                ("rigcast 1", [sys.executable, "-m", "rigcast.engine", "stream", "--config",
                               str(rigcast_config(tmp, nginx, False)), "--duration", secs], ["rc-main-False"]),
                ("rigcast 2", [sys.executable, "-m", "rigcast.engine", "stream", "--config",
                               str(rigcast_config(tmp, nginx, True)), "--duration", secs], ["rc-main-True", "rc-vert"]),
            ):
                res[name] = check(nginx, keys, measure(name, cmd, env, a.seconds))
        finally:
            stop_process(shown)
    finally:
        nginx.stop()
        x.stop()
    print(f"\nA 1280x720 window at 30 fps, libx264 veryfast 3000 kbps, + a 720x1280 canvas ({a.seconds:g} s each, "
          f"{os.cpu_count()} cores)")
    print(f"{'':12}{'CPU% steady':>13}{'peak PSS MB':>13}")
    for r in res.values():
        print(f"{r.name:12}{r.cpu_steady:13.1f}{r.peak_pss_mb:13.1f}")
    rc_extra = res["rigcast 2"].cpu_steady - res["rigcast 1"].cpu_steady
    ff_extra = res["ffmpeg 2"].cpu_steady - res["ffmpeg 1"].cpu_steady
    print(f"second canvas adds: rigcast {rc_extra:.1f}% of a core, ffmpeg {ff_extra:.1f}% "
          f"(rigcast / ffmpeg {rc_extra / ff_extra:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
