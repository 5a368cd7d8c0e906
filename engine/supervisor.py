"""The worker processes: sizes the canvas, owns the shared memory, starts and stops workers.

Processes are started with ``spawn`` (the only method Windows has, and on Linux it keeps
workers free of whatever the supervisor imported). The supervisor never imports PyAV and
never touches a frame. Workers ignore SIGINT — a Ctrl-C reaches the whole process group — so
that only the engine decides when to stop, and the video process always gets to finalise
recordings.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import sys
from typing import Any, TextIO

from config.model import RigcastConfig, Size
from engine.capture.base import SourceProbe, source_kind
from engine.capture.worker import run_capture_worker
from engine.clock import now_ns
from engine.errors import RigcastError
from engine.framering import FrameRing
from engine.spec import PipelineSpec

log = logging.getLogger("rigcast.supervisor")


def _video_main(spec: PipelineSpec, stop: Any, events: Any, commands: Any) -> None:
    """The video process's entry point; PyAV is imported there, not here."""
    from engine.pipeline import run_pipeline

    run_pipeline(spec, stop, events, commands)


def canvas_size(cfg: RigcastConfig, source_size: Size) -> Size:
    return (cfg.video.size or source_size).even()


class Workers:
    """One capture process for the source and the video process, joined by a frame ring."""

    def __init__(self, cfg: RigcastConfig, start_outputs: list[str], log_level: int) -> None:
        if not cfg.sources:
            raise RigcastError("no source configured; pass --window TITLE or --display N")
        self.source = src = cfg.sources[0]
        if len(cfg.sources) > 1:
            log.warning("%d sources configured; this version streams the first (%s)", len(cfg.sources), src.name)
        self.probe: SourceProbe = source_kind(src.kind).probe(src)
        self.canvas = canvas_size(cfg, self.probe.size)
        self.ring = FrameRing.create(self.probe.max_size.width, self.probe.max_size.height)
        ctx = mp.get_context("spawn")
        self.stop_event = ctx.Event()
        self.events: Any = ctx.Queue(maxsize=256)  # video/capture → engine: stats, meters, logs, acks
        self.commands: Any = ctx.Queue()  # engine → video process
        t0 = now_ns()
        spec = PipelineSpec(cfg.video, cfg.audio, self.canvas, cfg.outputs, self.ring.name, src.name, t0,
                            os.getpid(), log_level, start_outputs)
        self.capture = ctx.Process(target=run_capture_worker, name=f"rigcast-capture-{src.name}",
                                   args=(src, self.ring.name, cfg.video.fps, t0, self.stop_event, os.getpid(),
                                         log_level, self.events))
        self.video = ctx.Process(target=_video_main, name="rigcast-video",
                                 args=(spec, self.stop_event, self.events, self.commands))

    def announce(self, cfg: RigcastConfig, out: TextIO = sys.stdout) -> None:
        from config.secrets import mask_url

        print(f"rigcast: {self.probe.description} {self.probe.size} -> canvas {self.canvas} @ {cfg.video.fps} fps",
              file=out, flush=True)
        for o in cfg.outputs:
            print(f"rigcast: {o.name} -> {mask_url(o.url) if o.url else 'recording to ' + str(o.path)}",
                  file=out, flush=True)

    def start(self) -> None:
        self.capture.start()
        self.video.start()

    def signal_stop(self) -> None:
        self.stop_event.set()

    def join(self) -> None:
        """Blocking: wait for both workers (the video process finalises outputs first)."""
        self.stop_event.set()
        self.video.join(timeout=20)
        if self.video.is_alive():
            self.video.terminate()
        self.capture.join(timeout=5)
        if self.capture.is_alive():
            self.capture.terminate()
        self.ring.close()


def run_stream(cfg: RigcastConfig, duration: float | None = None, out: TextIO = sys.stdout,
               log_level: int = logging.INFO) -> int:
    """``rigcast stream``: the engine in the foreground, every configured output running."""
    import asyncio

    from engine.runtime import Engine

    engine = Engine(cfg, start_outputs=[o.name for o in cfg.outputs], log_level=log_level, out=out)
    return asyncio.run(engine.run(duration))
