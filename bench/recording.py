"""Benchmark: what a recording's durability costs — rigcast's RecordOutput writing the same
H.264 + AAC packets in real time with its 1 s fsync cadence and 250 ms clusters, the same
without fsync, and the ffmpeg CLI remuxing them (``-c copy``, ``-flush_packets 1``, its
default 5 s clusters) at its natural pace, in the same run.

Prints CPU ms per second of recording for each, the ratios, and the fsync calls' count and
wall time (the writer thread waits there; the canvas clock never does). Fails when a run
wrote fewer packets than it was given or no fsync happened.

    python bench/recording.py [--seconds 20] [--format mkv|mp4]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import command_cpu_s  # noqa: E402
from rigcast.config.model import OutputConfig  # noqa: E402
from rigcast.engine.output import record  # noqa: E402
from rigcast.engine.output.packets import AUDIO, VIDEO, EncodedPacket, StreamTemplates  # noqa: E402


def thread_cpu_s() -> float:
    return time.thread_time()


def source(d: Path, seconds: int) -> Path:
    src = d / "src.mkv"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s=1280x720:r=30:d={seconds}",
                    "-f", "lavfi", "-i", f"sine=f=440:r=48000:d={seconds}", "-c:v", "libx264", "-preset", "veryfast",
                    "-b:v", "3000k", "-g", "60", "-bf", "0", "-c:a", "aac", "-b:a", "160k", str(src)], check=True)
    return src


def run_rigcast(src: Path, out: Path, sync: bool) -> tuple[float, int, int, float, float]:
    """CPU ms per recorded second of the writer thread; packets in, syncs, fsync ms total, max."""
    record.SYNC_EVERY_S = 1.0 if sync else float("inf")
    with av.open(str(src)) as inp:
        v, a = inp.streams.video[0], inp.streams.audio[0]
        packets = [EncodedPacket.from_av(VIDEO if p.stream is v else AUDIO, p)
                   for p in inp.demux() if p.size]
        cfg = OutputConfig("record", "record", path=str(out))
        o = record.RecordOutput(cfg, StreamTemplates(v, a))
        cpu: list[float] = []
        longest = [0.0]
        orig_sync = o._sync

        def timed_sync() -> None:
            t = time.perf_counter()
            orig_sync()
            longest[0] = max(longest[0], time.perf_counter() - t)

        o._sync = timed_sync  # type: ignore[method-assign]
        orig_run = o.run

        def run() -> None:
            t = thread_cpu_s()
            orig_run()
            cpu.append(thread_cpu_s() - t)

        o.run = run  # type: ignore[method-assign]
        o.start()
        t0 = time.monotonic()
        for p in packets:  # in real time, as the encoder hands them out
            delay = p.dts_s - (time.monotonic() - t0)
            if delay > 0:
                time.sleep(delay)
            o.put(p)
        seconds = time.monotonic() - t0
        o.stop()
        o.join()
    with av.open(str(out)) as check:
        got = sum(1 for p in check.demux() if p.size)
    if got < len(packets) - 2:
        raise SystemExit(f"FAILED: the recording holds {got} of {len(packets)} packets")
    if sync and o.syncs < seconds - 2:
        raise SystemExit(f"FAILED: {o.syncs} fsyncs in {seconds:.0f} s: the cadence is not running")
    return cpu[0] / seconds * 1000, len(packets), o.syncs, o.sync_ns / 1e6, longest[0] * 1000


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--format", choices=("mkv", "mp4"), default="mkv")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(dir=Path.home()) as tmp:  # a real disk, not a tmpfs
        d = Path(tmp)
        src = source(d, a.seconds)
        synced = run_rigcast(src, d / f"synced.{a.format}", True)
        unsynced = run_rigcast(src, d / f"unsynced.{a.format}", False)
        peer = command_cpu_s(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c", "copy", "-flush_packets", "1",
                              str(d / f"ffmpeg.{a.format}")]) / a.seconds * 1000
    print(f"{a.seconds} s of 1280x720 H.264 3 Mb/s + AAC to .{a.format}; CPU ms per second recorded")
    print(f"{'rigcast, fsync every 1 s':30}{synced[0]:8.2f}   {synced[2]} fsyncs, {synced[3]:.1f} ms waited in all, "
          f"longest {synced[4]:.1f} ms")
    print(f"{'rigcast, no fsync':30}{unsynced[0]:8.2f}")
    print(f"{'ffmpeg CLI -c copy':30}{peer:8.2f}   (not paced: the same work, all at once)")
    print(f"fsync / no fsync: {synced[0] / unsynced[0]:.2f}   rigcast / ffmpeg: {synced[0] / peer:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
