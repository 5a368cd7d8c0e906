"""Benchmark: the compositor's cost per frame on a 1920x1080 canvas — a full-screen captured
window and two overlays (a 400x200 logo with alpha at 80% opacity, a 600x120 text banner) —
converted to the encoder's yuv420p, against the ffmpeg CLI doing the same composition
(overlay filters + conversion) on the same frames, in the same run.

Both are given the same 1080p BGRA frames and measured by CPU time (user+sys) per frame;
ffmpeg's figure includes reading its raw input from the page cache (~8 MB a frame), rigcast's
reads the frame in place from shared memory, as the capture worker leaves it. rigcast's figure also shows its fast path (the window alone, straight
from shared memory) for scale.

    python bench/compositor.py [--frames 300]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import command_cpu_s, self_cpu_s  # noqa: E402
from rigcast.config.model import SceneConfig, SceneItem, SourceConfig, TransitionConfig  # noqa: E402
from rigcast.engine.capture.still import ImageKind, TextKind  # noqa: E402
from rigcast.engine.compose.compositor import Compositor, RingLayer  # noqa: E402
from rigcast.engine.encode.convert import Converter  # noqa: E402
from rigcast.engine.framering import FrameRing  # noqa: E402

W, H = 1920, 1080


def make_frames(n: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    base = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    base[..., 3] = 255
    return np.stack([np.roll(base, i * 8, axis=1) for i in range(n)])


def run_rigcast(frames: np.ndarray, logo: Path, text_cfg: SourceConfig, overlays: bool,
                zoom: float | None = None) -> float:
    ring = FrameRing.create(W, H)
    conv = Converter(W, H, "yuv420p", "bilinear")
    logo_cfg = SourceConfig(name="logo", kind="image", path=str(logo))
    stills = {"logo": ImageKind().still(logo_cfg, None), "banner": TextKind().still(text_cfg, None)}
    items = [SceneItem("game")]
    if zoom is not None:  # the window scaled, its centre on the canvas's centre
        items = [SceneItem("game", scale=zoom, x=round(W / 2 * (1 - zoom)), y=round(H / 2 * (1 - zoom)))]
    if overlays:
        items += [SceneItem("logo", x=1480, y=40, opacity=0.8), SceneItem("banner", x=100, y=900)]
    comp = Compositor(W, H, conv, [SceneConfig("s", items)], "s", {"game": RingLayer(ring)}, stills,
                      {"logo": logo_cfg, "banner": text_cfg}, TransitionConfig("cut", 0))
    total = 0.0
    for i, f in enumerate(frames):
        slot = ring.begin_write()
        ring.slot_pixels(slot, W, H)[:] = f
        ring.commit(slot, W, H, W * 4, i)
        t = self_cpu_s()
        comp.frame(i * 33_000_000)
        total += self_cpu_s() - t
    comp.close()
    ring.close()
    return total / len(frames) * 1000


def run_ffmpeg(raw: Path, n: int, logo: Path, banner: Path) -> float:
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-threads", "1", "-filter_threads", "1",
           "-f", "rawvideo", "-pix_fmt", "bgra", "-s", f"{W}x{H}", "-i", str(raw),
           "-i", str(logo), "-i", str(banner),
           "-filter_complex",
           # Each overlay decoded once and held (loop filter), as rigcast holds its stills.
           "[1]format=bgra,colorchannelmixer=aa=0.8,loop=loop=-1:size=1[l];[2]loop=loop=-1:size=1[b];"
           "[0][l]overlay=1480:40:shortest=1[a];[a][b]overlay=100:900:shortest=1,format=yuv420p",
           "-frames:v", str(n), "-f", "null", "-"]
    return command_cpu_s(cmd) / n * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=300)
    a = ap.parse_args()
    n = a.frames
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        logo = d / "logo.png"
        subprocess.run(["convert", "-size", "400x200", "gradient:#ff000000-#00ff00ff", f"PNG32:{logo}"], check=True)
        text_cfg = SourceConfig(name="banner", kind="text", text="rigcast: compositor benchmark", font_size=72,
                                color="#ffffffff", outline_width=3)
        banner = d / "banner.png"
        rgba = TextKind.render(text_cfg, text_cfg.settings.text)[..., [2, 1, 0, 3]]
        import av

        with av.open(str(banner), "w", format="image2") as c:
            s = c.add_stream("png", rate=1)
            s.width, s.height, s.pix_fmt = rgba.shape[1], rgba.shape[0], "rgba"
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgba), format="rgba")):
                c.mux(p)
            for p in s.encode(None):
                c.mux(p)
        frames = make_frames(min(n, 60))
        frames = np.concatenate([frames] * (n // len(frames) + 1))[:n]
        raw = d / "frames.bgra"
        frames.tofile(raw)
        ours = run_rigcast(frames, logo, text_cfg, overlays=True)
        direct = run_rigcast(frames, logo, text_cfg, overlays=False)
        theirs = run_ffmpeg(raw, n, logo, banner)
        at_1 = run_rigcast(frames, logo, text_cfg, overlays=True, zoom=1.0)
        at_16 = run_rigcast(frames, logo, text_cfg, overlays=True, zoom=16.0)
    print(f"1920x1080 canvas, window + 2 overlays -> yuv420p, {n} frames, CPU ms per frame (one thread)")
    print(f"{'rigcast compositor':28}{ours:8.2f}")
    print(f"{'rigcast, window alone':28}{direct:8.2f}   (the no-canvas fast path: conversion only)")
    print(f"{'  composition itself':28}{ours - direct:8.2f}   (target <= 4 ms)")
    print(f"{'ffmpeg CLI overlay x2':28}{theirs:8.2f}")
    print(f"rigcast / ffmpeg: {ours / theirs:.2f}")
    print(f"{'window item at scale 1':28}{at_1:8.2f}   (composed, not the fast path)")
    print(f"{'window item at scale 16':28}{at_16:8.2f}   (only its visible part is scaled)")
    print(f"scale 16 / scale 1: {at_16 / at_1:.2f}   (target <= 2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
