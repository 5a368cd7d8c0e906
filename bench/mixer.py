"""Benchmark: the audio mixer's CPU per second of audio — two stereo sources read from their
shared-memory rings on the video clock, volume applied, summed, metered — against the ffmpeg
CLI mixing the same two signals (amix + volume) in the same run.

    python bench/mixer.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import command_cpu_s, self_cpu_s  # noqa: E402
from rigcast.config.model import SourceConfig  # noqa: E402
from rigcast.engine.audio.mixer import AudioInput, Mixer  # noqa: E402
from rigcast.engine.audio.ring import AudioRing  # noqa: E402

RATE, FRAME = 48000, 1024


def signals(seconds: float) -> list[np.ndarray]:
    t = np.arange(int(RATE * seconds)) / RATE
    a = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    b = (0.3 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    return [np.stack([a, a], axis=1), np.stack([b, b], axis=1)]


def run_rigcast(sigs: list[np.ndarray]) -> float:
    shms = [AudioRing.allocate(RATE) for _ in sigs]
    rings = [AudioRing.attach(s.name) for s in shms]
    inputs = [AudioInput(SourceConfig(name=f"s{i}", kind="mic"), r, volume_db=-6.0) for i, r in enumerate(rings)]
    mixer = Mixer(inputs, RATE, 0)
    n = len(sigs[0])
    spent, s = 0.0, 0
    block = 4800  # what the capture workers would have written by then: 100 ms ahead of the mix
    written = 0
    while s + FRAME <= n - block:
        while written < s + FRAME + block:
            for r, sig in zip(rings, sigs):
                r.write(sig[written:written + 480], 0)
            written += 480
        t = self_cpu_s()
        mixer.mix(s, FRAME)
        spent += self_cpu_s() - t
        s += FRAME
    mixer.meters()
    for r in rings:
        r.close()
    for shm in shms:
        shm.close()
        shm.unlink()
    return spent / (s / RATE) * 1000


def run_ffmpeg(files: list[Path], seconds: float) -> float:
    cmd = ["ffmpeg", "-v", "error", "-nostdin", "-threads", "1"]
    for f in files:
        cmd += ["-f", "f32le", "-ar", str(RATE), "-ac", "2", "-i", str(f)]
    cmd += ["-filter_complex", "[0]volume=-6dB[a];[1]volume=-6dB[b];[a][b]amix=inputs=2:normalize=0",
            "-f", "f32le", "-y", "/dev/null"]
    return command_cpu_s(cmd) / seconds * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    sigs = signals(a.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, sig in enumerate(sigs):
            f = Path(tmp) / f"s{i}.f32"
            sig.tofile(f)
            files.append(f)
        ours = run_rigcast(sigs)
        theirs = run_ffmpeg(files, a.seconds)
    print(f"2 stereo sources, 48 kHz float, volume + sum (+ meters for rigcast), {a.seconds:g} s of audio")
    print(f"{'rigcast mixer':24}{ours:8.2f} ms CPU per second of audio ({ours / 10:.2f}% of a core)")
    print(f"{'ffmpeg CLI amix':24}{theirs:8.2f} ms CPU per second of audio (includes reading its input files)")
    print(f"rigcast / ffmpeg: {ours / theirs:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
