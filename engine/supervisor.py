"""The supervisor: sizes the canvas, owns the shared memory, starts and stops the workers.

Processes are started with ``spawn`` (the only method Windows has, and on Linux it keeps
workers free of whatever the supervisor imported). The supervisor never imports PyAV and
never touches a frame; it relays the video process's stats once a second. Workers ignore
SIGINT — a Ctrl-C reaches the whole process group — so that only the supervisor decides when
to stop, and the video process always gets to finalise recordings.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from config.model import RigcastConfig, Size
from config.secrets import mask_url
from engine.capture.base import source_kind
from engine.capture.worker import run_capture_worker
from engine.clock import now_ns
from engine.errors import RigcastError
from engine.framering import FrameRing
from engine.spec import PipelineSpec
from engine.status import status_line

log = logging.getLogger("rigcast.supervisor")

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM) + ((signal.SIGHUP,) if hasattr(signal, "SIGHUP") else ())


def _video_main(spec: PipelineSpec, stop: Any, stats_q: Any) -> None:
    """The video process's entry point; PyAV is imported there, not here."""
    from engine.pipeline import run_pipeline

    run_pipeline(spec, stop, stats_q)


def canvas_size(cfg: RigcastConfig, source_size: Size) -> Size:
    return (cfg.video.size or source_size).even()


def run_stream(cfg: RigcastConfig, duration: float | None = None, out: TextIO = sys.stdout,
               log_level: int = logging.INFO, on_stats: Callable[[dict[str, Any]], None] | None = None) -> int:
    if not cfg.sources:
        raise RigcastError("no source configured; pass --window TITLE or --display N")
    src = cfg.sources[0]
    if len(cfg.sources) > 1:
        log.warning("%d sources configured; this version streams the first (%s)", len(cfg.sources), src.name)
    probe = source_kind(src.kind).probe(src)
    canvas = canvas_size(cfg, probe.size)
    print(f"rigcast: {probe.description} {probe.size} -> canvas {canvas} @ {cfg.video.fps} fps", file=out, flush=True)
    for o in cfg.outputs:
        print(f"rigcast: {o.name} -> {mask_url(o.url) if o.url else 'recording to ' + str(o.path)}", file=out, flush=True)

    ring = FrameRing.create(probe.max_size.width, probe.max_size.height)
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    stats_q: Any = ctx.Queue(maxsize=64)
    t0 = now_ns()
    spec = PipelineSpec(cfg.video, cfg.audio, canvas, cfg.outputs, ring.name, src.name, t0, os.getpid(), log_level)
    capture = ctx.Process(target=run_capture_worker, name=f"rigcast-capture-{src.name}",
                          args=(src, ring.name, cfg.video.fps, t0, stop, os.getpid(), log_level))
    video = ctx.Process(target=_video_main, name="rigcast-video", args=(spec, stop, stats_q))

    stop_requested: list[str] = []

    def on_signal(signum: int, _frame: Any) -> None:
        stop_requested.append(signal.Signals(signum).name)

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    rc = 0
    try:
        capture.start()
        video.start()
        deadline: float | None = None
        while True:
            if stop_requested:
                print(f"rigcast: stopping ({stop_requested[0]})", file=out, flush=True)
                break
            if deadline is not None and time.monotonic() >= deadline:
                break
            try:
                msg = stats_q.get(timeout=0.2)
            except queue.Empty:
                msg = None
            if msg is not None:
                if msg["type"] == "fatal":
                    print(f"rigcast: {msg['error']}", file=sys.stderr, flush=True)
                    rc = 1
                    break
                if msg["type"] == "ready":
                    print(f"rigcast: {msg['encoder']}; streaming (Ctrl-C stops)", file=out, flush=True)
                    if duration is not None:
                        deadline = time.monotonic() + duration
                elif msg["type"] == "stats":
                    print(status_line(msg), file=out, flush=True)
                    if on_stats is not None:
                        on_stats(msg)
            if not video.is_alive():
                print("rigcast: the video process died unexpectedly; see the log above", file=sys.stderr, flush=True)
                rc = 1
                break
    finally:
        stop.set()
        _drain_final(stats_q, video, out)
        video.join(timeout=20)
        if video.is_alive():
            video.terminate()
        capture.join(timeout=5)
        if capture.is_alive():
            capture.terminate()
        ring.close()
        for s, h in previous.items():
            signal.signal(s, h)
    return rc


def _drain_final(stats_q: Any, video: Any, out: TextIO) -> None:
    """Wait for the video process's last report (outputs finalised) while it shuts down."""
    end = time.monotonic() + 20
    while time.monotonic() < end:
        try:
            msg = stats_q.get(timeout=0.2)
        except queue.Empty:
            if not video.is_alive():
                return
            continue
        if msg.get("type") == "final":
            print(status_line(msg), file=out, flush=True)
            print(f"rigcast: stopped after {msg['frames']} frames "
                  f"(repeated {msg['repeated']}, skipped {msg['skipped']}, lagged {msg['lagged']})", file=out, flush=True)
            return
