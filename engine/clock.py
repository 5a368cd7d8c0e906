"""The one clock every process stamps frames and audio with.

``time.monotonic_ns`` is CLOCK_MONOTONIC on Linux (and QueryPerformanceCounter on Windows):
system-wide, so a capture worker and the encoder agree on "now" without any handshake. The
supervisor picks ``t0`` once and hands it to every process; tick ``n`` of the canvas happens at
``t0 + n / fps``.
"""

from __future__ import annotations

import time

now_ns = time.monotonic_ns


def sleep_until_ns(deadline_ns: int) -> None:
    delay = (deadline_ns - now_ns()) / 1e9
    if delay > 0:
        time.sleep(delay)


def tick_ns(t0_ns: int, tick: int, fps: int) -> int:
    return t0_ns + (tick * 1_000_000_000) // fps


def tick_at(t0_ns: int, t_ns: int, fps: int) -> int:
    """The index of the last tick at or before ``t_ns``."""
    return ((t_ns - t0_ns) * fps) // 1_000_000_000
