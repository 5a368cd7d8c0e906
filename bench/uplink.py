"""Benchmark: a squeezed uplink, rigcast beside the ffmpeg CLI, and what a second encode costs.

1. The squeeze (tests/shaped_link.py): nginx-rtmp in a network namespace behind ``tc tbf``; a clip
   of moving noise (it fills any bitrate) streamed at 3000 kbps; after ``--before`` s the link is
   shaped to 1500 kbit/s for ``--squeeze`` s, then lifted. One continuous player (tests/player.py)
   times what arrives. For rigcast (adaptive, the default): the worst extra delay at the player,
   the time from the squeeze to the bitrate falling (status polled every 0.2 s), and from the
   lift to the full 3000 kbps again. For the ffmpeg CLI pushing the same clip with the same
   x264 settings through the same link: its worst extra delay (it has no adaptation: the delay
   grows for as long as the squeeze lasts). Both runs check that the player read all along.
2. The second encode: rigcast streaming 1280x720 @ 30 to nginx-rtmp on loopback, alone and then
   with a second output of its own 640x360 800 kbps encode; CPU % of one core over the whole
   process tree, steady state, and the difference. Each stream nginx received is decoded: the
   run fails loudly if one did not arrive at (nearly) full frame rate.

Root is needed (network namespaces).

    python bench/uplink.py [--before 10] [--squeeze 30] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.w1 import measure  # noqa: E402
from tests.harness import NginxRtmp, XServer, decode, sample_picture, show_image, wait_for  # noqa: E402
from tests.player import Player  # noqa: E402
from tests.shaped_link import ShapedLink  # noqa: E402

BITRATE, LINK = 3000, 1500


def _clip(tmp: Path) -> Path:
    path = tmp / "noise.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=640x360:rate=30,noise=alls=30:allf=t", "-t", "8", "-c:v", "libx264", "-preset",
                    "ultrafast", "-crf", "20", "-g", "30", str(path)], check=True)
    return path


def _status(env: dict[str, str]) -> dict[str, Any]:
    r = subprocess.run([sys.executable, "-m", "rigcast.engine", "ctl", "status", "--json"], env=env, capture_output=True,
                       text=True, timeout=20)
    if r.returncode != 0:
        raise SystemExit(f"rigcast ctl status failed: {r.stderr.strip()}")
    return dict(next(o for o in json.loads(r.stdout)["outputs"] if o["name"] == "stream"))


def squeeze_rigcast(tmp: Path, clip: Path, a: argparse.Namespace) -> dict[str, float]:
    with ShapedLink() as link:
        nginx = NginxRtmp(tmp / "nginx-rc", host=link.host, launcher=link.inside([]))
        nginx.start()
        url = nginx.url("rc")
        cfg = tmp / "uplink.toml"
        cfg.write_text(f'[video]\nsize = "640x360"\nfps = 30\nbitrate = {BITRATE}\n\n[[sources]]\nname = "game"\n'
                       f'kind = "media"\npath = "{clip}"\n\n[[outputs]]\nname = "stream"\nkind = "rtmp"\nurl = "{url}"\n')
        env = dict(os.environ, RIGCAST_RUNTIME_DIR=str(tmp / "run"), RIGCAST_STATE_DIR=str(tmp / "state"))
        r = subprocess.run([sys.executable, "-m", "rigcast.engine", "up", "--config", str(cfg), "--live"], env=env,
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            raise SystemExit(f"rigcast up failed: {r.stderr.strip()}")
        try:
            wait_for(lambda: _status(env)["state"] == "live", 30, what="rigcast live")
            player = Player(url).start()
            wait_for(lambda: len(player.arrivals) > 60, 20, what="the player reading rigcast")
            time.sleep(a.before)
            squeezed = time.monotonic()
            link.shape(LINK)
            fell = None
            while time.monotonic() < squeezed + a.squeeze:
                if fell is None and _status(env)["bitrate_kbps"] < BITRATE:
                    fell = time.monotonic() - squeezed
                time.sleep(0.2)
            lifted = time.monotonic()
            link.lift()
            back = None
            while time.monotonic() < lifted + 120 and back is None:
                if _status(env)["bitrate_kbps"] >= BITRATE:
                    back = time.monotonic() - lifted
                time.sleep(0.2)
            final = _status(env)
            player.stop()
            if player.ended is not None or final["reconnects"]:
                raise SystemExit(f"rigcast's stream broke during the squeeze: {player.ended}, {final}")
            base = player.baseline(squeezed - min(a.before, 8), squeezed)
            return {"worst_delay_s": player.extra_delay(base, squeezed, lifted + 5),
                    "fell_after_s": fell if fell is not None else float("nan"),
                    "back_after_s": back if back is not None else float("nan"),
                    "dropped": float(final["dropped"]),
                    "player_kbps": player.kbps(lifted - a.squeeze / 2, lifted)}
        finally:
            subprocess.run([sys.executable, "-m", "rigcast.engine", "down"], env=env, capture_output=True, timeout=60)
            nginx.stop()


def squeeze_ffmpeg(tmp: Path, clip: Path, a: argparse.Namespace) -> dict[str, float]:
    with ShapedLink() as link:
        nginx = NginxRtmp(tmp / "nginx-ff", host=link.host, launcher=link.inside([]))
        nginx.start()
        url = nginx.url("ff")
        ff = subprocess.Popen(
            ["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", str(clip),
             "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-map", "0:v", "-map", "1:a",
             "-c:v", "libx264", "-preset", "veryfast", "-b:v", f"{BITRATE}k", "-maxrate", f"{BITRATE}k",
             "-bufsize", f"{BITRATE}k", "-x264-params", "nal-hrd=cbr:force-cfr=1", "-g", "60", "-bf", "0",
             "-c:a", "aac", "-b:a", "160k", "-f", "flv", url], stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda: nginx.publishing("ff"), 30, what="the ffmpeg CLI publishing")
            player = Player(url).start()
            wait_for(lambda: len(player.arrivals) > 60, 20, what="the player reading ffmpeg")
            time.sleep(a.before)
            squeezed = time.monotonic()
            link.shape(LINK)
            time.sleep(a.squeeze)
            lifted = time.monotonic()
            link.lift()
            time.sleep(5)
            player.stop()
            if ff.poll() is not None:
                raise SystemExit("the ffmpeg CLI stopped during the squeeze")
            base = player.baseline(squeezed - min(a.before, 8), squeezed)
            return {"worst_delay_s": player.extra_delay(base, squeezed, lifted + 5),
                    "player_kbps": player.kbps(lifted - a.squeeze / 2, lifted)}
        finally:
            ff.terminate()
            ff.wait(15)
            nginx.stop()


def second_encode(tmp: Path, seconds: float) -> tuple[float, float]:
    x = XServer.start(1920, 1080)
    app = show_image(x, sample_picture(1600, 900), "bench-scene", (0, 0), tmp)
    nginx = NginxRtmp(tmp / "nginx-enc")
    nginx.start()
    try:
        figures = []
        for n, extra in ((1, ""), (2, f'\n[[outputs]]\nname = "second"\nkind = "rtmp"\nurl = "{nginx.url("second")}"\n'
                                      'video = { size = "640x360", bitrate = 800 }\n')):
            cfg = tmp / f"enc{n}.toml"
            cfg.write_text(f'[video]\nsize = "1280x720"\nfps = 30\nbitrate = 3000\n\n[[sources]]\nname = "game"\n'
                           f'kind = "window"\nmatch = "bench-scene"\n\n[[outputs]]\nname = "main"\nkind = "rtmp"\n'
                           f'url = "{nginx.url(f"main{n}")}"\n{extra}')
            env = x.env(RIGCAST_RUNTIME_DIR=str(tmp / f"run{n}"), RIGCAST_STATE_DIR=str(tmp / f"state{n}"))
            res = measure(f"rigcast, {n} encode(s)", [sys.executable, "-m", "rigcast.engine", "stream", "--config", str(cfg),
                                                      "--duration", str(int(seconds))], env, seconds)
            figures.append(res.cpu_steady)
        for key in ("main1", "main2", "second"):
            rec = nginx.recordings(key)
            if not rec:
                raise SystemExit(f"nginx received nothing on {key}")
            d = decode(rec[-1])
            fps = (len(d.times) - 1) / (d.times[-1] - d.times[0]) if len(d.times) > 1 else 0
            if fps < 27:
                raise SystemExit(f"{key}: only {fps:.1f} fps arrived; the figures mean nothing")
        return figures[0], figures[1]
    finally:
        nginx.stop()
        app.close()
        x.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", type=float, default=10)
    ap.add_argument("--squeeze", type=float, default=30)
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench/uplink.py makes a network namespace: run it as root")
    tmp = Path(tempfile.mkdtemp(prefix="rigcast-bench-uplink-"))
    clip = _clip(tmp)
    rc = squeeze_rigcast(tmp, clip, a)
    ff = squeeze_ffmpeg(tmp, clip, a)
    one, two = second_encode(tmp, a.seconds)
    print(f"\n{BITRATE} kbps stream, link shaped to {LINK} kbit/s for {a.squeeze:.0f} s, then lifted")
    print(f"{'':34}{'rigcast':>10}{'ffmpeg CLI':>12}{'ratio':>8}")
    print(f"{'worst extra delay at the player':34}{rc['worst_delay_s']:>9.2f}s{ff['worst_delay_s']:>11.2f}s"
          f"{rc['worst_delay_s'] / ff['worst_delay_s']:>8.2f}")
    print(f"{'reaching the player, squeezed':34}{rc['player_kbps']:>6.0f}kbps{ff['player_kbps']:>8.0f}kbps")
    print(f"rigcast: bitrate fell {rc['fell_after_s']:.1f} s after the squeeze, back at {BITRATE} kbps "
          f"{rc['back_after_s']:.1f} s after the lift, {rc['dropped']:.0f} video frames dropped")
    print("\nsecond encode (640x360 800 kbps beside 1280x720 3000 kbps), CPU % of one core, steady:")
    print(f"  one encode {one:.1f}   two encodes {two:.1f}   the second costs {two - one:.1f} points "
          f"({two / one:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
