"""CPU time as the benchmarks count it: user + sys, of this process or of a peer command."""

from __future__ import annotations

import resource
import subprocess


def self_cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def command_cpu_s(cmd: list[str]) -> float:
    """Run a peer (the ffmpeg CLI) to completion; the CPU seconds it used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
