"""The capture worker process: one per source, pacing itself on the canvas clock.

It grabs half a frame *before* each canvas tick, so the encoder, which reads at the tick,
always finds a fresh frame: phase-locked through the shared monotonic clock rather than by
signalling each other, which would cost a round trip per frame.
"""

from __future__ import annotations

import logging
import os
import signal
from multiprocessing.synchronize import Event
from typing import Any

from config.model import SourceConfig
from engine.capture.base import source_kind
from engine.clock import now_ns, sleep_until_ns, tick_at, tick_ns
from engine.errors import RigcastError
from engine.framering import FrameRing, SourceState
from engine.logsetup import setup_logging

log = logging.getLogger("rigcast.capture")


def run_capture_worker(cfg: SourceConfig, ring_name: str, fps: int, t0_ns: int, stop: Event,
                       parent_pid: int, log_level: int, events: Any = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when we stop
    setup_logging(log_level, f"capture:{cfg.name}", events)
    ring = FrameRing.attach(ring_name)
    try:
        source = source_kind(cfg.kind).open(cfg, ring)
    except RigcastError as e:
        log.error("%s", e)
        ring.set_state(SourceState.ERROR)
        ring.close()
        return
    half = 500_000_000 // fps
    n = tick_at(t0_ns, now_ns(), fps) + 1
    try:
        while not stop.is_set():
            sleep_until_ns(tick_ns(t0_ns, n, fps) - half)
            t = now_ns()
            try:
                source.grab(ring, t)
            except Exception as e:  # a source must never take the stream down
                log.error("%s: capture failed: %s", cfg.name, e)
                ring.set_state(SourceState.ERROR)
                stop.wait(1.0)
            ring.add_capture_time(now_ns() - t)
            n = max(n + 1, tick_at(t0_ns, now_ns() + half, fps) + 1)
            if os.getppid() != parent_pid:
                log.warning("supervisor is gone; stopping capture")
                break
    finally:
        source.close()
        ring.close()
