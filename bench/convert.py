"""Benchmark: the CPU cost of getting a captured 1080p BGRA frame into each encoder's input.

x264 takes yuv420p (swscale converts), QSV nv12 (swscale converts), NVENC now takes the BGRA
itself (the GPU converts; the CPU only copies the frame out of the ring). The peer is the
ffmpeg CLI converting the same raw BGRA frames to yuv420p (one swscale thread, as rigcast
uses at 1080p), in the same run; ratios are CPU seconds per frame, rigcast / ffmpeg.

    python bench/convert.py [--frames 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import command_cpu_s, self_cpu_s  # noqa: E402
from rigcast.engine.encode.convert import Converter  # noqa: E402
from rigcast.engine.framering import FrameRing  # noqa: E402

W, H = 1920, 1080


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--frames", type=int, default=300)
    n = p.parse_args().frames
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (H, W, 4), dtype=np.uint8)
    frame[..., 3] = 255
    ring = FrameRing.create(W, H)
    try:
        results = {}
        for fmt, who in (("yuv420p", "libx264"), ("nv12", "h264_qsv"), ("bgra", "h264_nvenc (GPU converts)")):
            conv = Converter(W, H, fmt, "bilinear")
            t0 = self_cpu_s()
            for i in range(n):
                ring.write_array(frame, i)
                ref = ring.acquire_latest()
                assert ref is not None
                conv.convert(ring, ref)
                ring.release()
            results[f"{fmt:<8} for {who}"] = (self_cpu_s() - t0) / n
        # The ring write (the capture side's copy) is in every row; take it out to compare
        # only the conversion with ffmpeg's.
        t0 = self_cpu_s()
        for i in range(n):
            ring.write_array(frame, i)
        write = (self_cpu_s() - t0) / n
    finally:
        ring.close()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "frames.bgra"
        with raw.open("wb") as f:
            for _ in range(n):
                f.write(frame.tobytes())
        peer = command_cpu_s(["ffmpeg", "-v", "error", "-f", "rawvideo", "-pix_fmt", "bgra", "-s", f"{W}x{H}",
                              "-i", str(raw), "-vf", "scale=flags=bilinear:threads=1", "-pix_fmt", "yuv420p",
                              "-threads", "1", "-f", "null", "-"]) / n
    print(f"1080p BGRA -> encoder input, CPU ms per frame ({n} frames; ring write of {write * 1e3:.2f} ms removed)")
    print(f"  ffmpeg CLI bgra->yuv420p (swscale):   {peer * 1e3:6.2f} ms")
    for name, t in results.items():
        ms = (t - write) * 1e3
        print(f"  rigcast {name:<38} {ms:6.2f} ms  ({ms / (peer * 1e3):.2f}x ffmpeg)")


if __name__ == "__main__":
    main()
