"""Benchmark: each filter's CPU beside the ffmpeg CLI running the same FFmpeg filter on the same
input, in the same run, as ratios.

Audio (afftdn, agate, acompressor): CPU seconds per second of 48 kHz stereo audio, rigcast's
FilterChain in 1024-sample blocks as the mixer runs it, against ``ffmpeg -af`` over the same
samples (its decode-and-discard cost measured with ``anull`` and taken off).
Video (chromakey, colour correction, lut3d): CPU milliseconds per 1920x1080 frame, rigcast's
item filter graph on BGRA frames (BGRA back, as the compositor needs), against ``ffmpeg -vf``
on the same raw BGRA frames and back to BGRA (its ``null`` run taken off). For colour
correction the peer is ``eq`` (the CLI's way to the same brightness/contrast/saturation;
PyAV's FFmpeg has no eq, so rigcast uses lutrgb + colorchannelmixer).

    python bench/filters.py [--audio-seconds 60] [--frames 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import command_cpu_s, self_cpu_s  # noqa: E402
from rigcast.config.filterlist import Filter  # noqa: E402
from rigcast.config.kinds.audio_filters import Compressor, Gain, NoiseGate, NoiseSuppress  # noqa: E402
from rigcast.config.kinds.video_filters import ChromaKey, ColorCorrection, Lut  # noqa: E402
from rigcast.engine.audio.filters import FilterChain  # noqa: E402
from rigcast.engine.compose.item_filters import ItemFilters  # noqa: E402

RATE, BLOCK = 48000, 1024
W, H = 1920, 1080
FF = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-threads", "1", "-filter_threads", "1"]


def ffmpeg_spec(flt: Filter) -> str:
    return ",".join(f"{name}={args}" if isinstance(args, str) else
                    f"{name}=" + ":".join(f"{k}={v}" for k, v in args.items()) for name, args in flt.ffmpeg())


def audio(seconds: float, tmp: Path) -> list[tuple[str, float, float]]:
    rng = np.random.default_rng(3)
    n = int(seconds * RATE) // BLOCK * BLOCK
    t = np.arange(n) / RATE
    x = (0.3 * np.sin(2 * np.pi * 220 * t) * (1 + np.sin(2 * np.pi * 0.5 * t)) / 2
         + 0.02 * rng.standard_normal(n)).astype(np.float32)
    stereo = np.stack([x, x], axis=1)
    raw = tmp / "audio.f32"
    stereo.tofile(raw)
    src = [*FF, "-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", str(raw)]
    base = command_cpu_s([*src, "-af", "anull", "-f", "null", "-"])
    rows = []
    for flt in (Filter("gain", Gain(db=0.0)), Filter("noise_suppress", NoiseSuppress()),
                Filter("noise_gate", NoiseGate()), Filter("compressor", Compressor())):
        chain = FilterChain((flt,), RATE, BLOCK, measure=False)
        c0 = self_cpu_s()
        level = 0.0
        for i in range(0, n, BLOCK):
            level = max(level, float(np.abs(chain.process(stereo[i:i + BLOCK].copy())).max()))
        ours = (self_cpu_s() - c0) / seconds
        assert level > 0.01, f"{flt.kind}: silence came out"
        peer = max(command_cpu_s([*src, "-af", ffmpeg_spec(flt), "-f", "null", "-"]) - base, 1e-9) / seconds
        rows.append((flt.ffmpeg()[0][0], ours * 1000, peer * 1000))
    return rows


def video(frames: int, tmp: Path) -> list[tuple[str, float, float]]:
    y, x = np.mgrid[0:H, 0:W]
    rng = np.random.default_rng(4)
    img = np.zeros((H, W, 4), np.uint8)
    img[..., 1] = 200  # a green screen, with a gradient "person" in front and some noise
    person = (x - W / 2) ** 2 / 300 ** 2 + (y - H / 2) ** 2 / 450 ** 2 < 1
    img[person, 0], img[person, 1], img[person, 2] = (x[person] % 256), 90, (y[person] % 256)
    img[..., :3] = np.clip(img[..., :3].astype(int) + rng.integers(-8, 9, (H, W, 3)), 0, 255)
    img[..., 3] = 255
    raw = tmp / "frames.bgra"
    with raw.open("wb") as fh:
        for _ in range(frames):
            fh.write(img.tobytes())
    cube = tmp / "warm.cube"
    n = 17
    steps = [i / (n - 1) for i in range(n)]
    cube.write_text(f"LUT_3D_SIZE {n}\n" + "".join(f"{min(1, r * 1.05):.5f} {g:.5f} {b * 0.95:.5f}\n"
                                                    for b in steps for g in steps for r in steps))
    src = [*FF, "-f", "rawvideo", "-pix_fmt", "bgra", "-s", f"{W}x{H}", "-i", str(raw)]
    base = command_cpu_s([*src, "-vf", "null,format=bgra", "-f", "null", "-"])
    cc = ColorCorrection(brightness=0.05, contrast=1.1, saturation=1.2)
    rows = []
    for label, flt, peer_vf in (
            ("chromakey", Filter("chroma_key", ChromaKey()), None),
            ("colour correction / eq", Filter("color_correction", cc),
             f"eq=brightness={cc.brightness}:contrast={cc.contrast}:saturation={cc.saturation}"),
            ("lut3d", Filter("lut", Lut(file=str(cube))), None)):
        graph = ItemFilters((flt,), W, H)
        graph.apply(img)  # the graph's first frame configures its conversions: not timed, as in use
        c0 = self_cpu_s()
        for _ in range(frames):
            out = graph.apply(img)
        ours = (self_cpu_s() - c0) / frames
        assert out.shape == (H, W, 4)
        vf = (peer_vf or ffmpeg_spec(flt)) + ",format=bgra"
        peer = max(command_cpu_s([*src, "-vf", vf, "-f", "null", "-"]) - base, 1e-9) / frames
        rows.append((label, ours * 1000, peer * 1000))
    return rows


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--audio-seconds", type=float, default=60)
    ap.add_argument("--frames", type=int, default=60)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        au = audio(a.audio_seconds, tmp)
        vi = video(a.frames, tmp)
    print(f"{'audio filter':26}{'rigcast ms CPU/s':>18}{'ffmpeg CLI':>14}{'ratio':>8}{'net ratio':>11}")
    chain_cost = au[0][1]
    for name, ours, peer in au:
        ratio = f"{ours / peer:>8.2f}" if peer >= 0.1 else "     n/a"  # under the CLI's run-to-run noise
        net = f"{(ours - chain_cost) / peer:>11.2f}" if peer >= 0.1 and name != "volume" else " " * 11
        label = "volume 0 dB (chain cost)" if name == "volume" else name
        print(f"{label:26}{ours:>18.2f}{peer:>14.2f}{ratio}{net}")
    print(f"\n{'video filter (1080p BGRA)':26}{'rigcast ms/frame':>18}{'ffmpeg CLI':>14}{'ratio':>8}")
    for name, ours, peer in vi:
        print(f"{name:26}{ours:>18.2f}{peer:>14.2f}{ours / peer:>8.2f}")
    print("\nCPU time (user + sys), one thread each side; the CLI's input-only run taken off its figure.")
    print("rigcast's audio figures include its per-block cost (a frame in, a FIFO out, 47 blocks a second):")
    print("the volume 0 dB row is that cost alone; net ratio takes it off. n/a: under the CLI's noise.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
