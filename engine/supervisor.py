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

from config.model import AUDIO_KINDS, RigcastConfig, Size
from engine.audio.capture import run_audio_worker
from engine.audio.ring import AudioRing
from engine.capture.base import SourceProbe, drawn_by_compositor, source_kind
from engine.capture.worker import run_capture_worker
from engine.clock import now_ns
from engine.errors import RigcastError
from engine.framering import FrameRing
from engine.spec import PipelineSpec

log = logging.getLogger("rigcast.supervisor")

DEFAULT_CANVAS = Size(1280, 720)  # when no source is captured and no --size is given


def _video_main(spec: PipelineSpec, stop: Any, events: Any, commands: Any) -> None:
    """The video process's entry point; PyAV is imported there, not here."""
    from engine.pipeline import run_pipeline

    run_pipeline(spec, stop, events, commands)


def canvas_size(cfg: RigcastConfig, source_size: Size) -> Size:
    return (cfg.video.size or source_size).even()


class Workers:
    """A capture process per captured source and the video process, joined by frame rings."""

    def __init__(self, cfg: RigcastConfig, start_outputs: list[str], log_level: int) -> None:
        if not cfg.sources:
            raise RigcastError("no source configured; pass --window TITLE or --display N")
        scenes = cfg.effective_scenes()
        used = [s for s in cfg.sources if s.kind not in AUDIO_KINDS
                and any(it.source == s.name for sc in scenes for it in sc.items)]
        # Only captured sources are probed here: drawn ones (image, text) would pull PyAV and
        # Pillow into this process, which never touches pixels.
        self.captured = [s for s in used if not drawn_by_compositor(source_kind(s.kind))]
        self.probes: dict[str, SourceProbe] = {s.name: source_kind(s.kind).probe(s) for s in self.captured}
        first = scenes[0].items[0].source if scenes and scenes[0].items else None
        lead = self.probes.get(first or "") or next(iter(self.probes.values()), None)
        self.source = cfg.source(first or "") or used[0] if used else cfg.sources[0]
        self.probe = lead
        self.canvas = canvas_size(cfg, lead.size if lead else DEFAULT_CANVAS)
        self.rings = {name: FrameRing.create(p.max_size.width, p.max_size.height) for name, p in self.probes.items()}
        self.audio_sources = [s for s in cfg.sources if s.kind in AUDIO_KINDS]
        self.audio_shm = {s.name: AudioRing.allocate(cfg.audio.sample_rate) for s in self.audio_sources}
        ctx = mp.get_context("spawn")
        if sys.platform == "win32":  # workers of a console-less engine must not open consoles
            from engine.daemon import windowless_python

            ctx.set_executable(windowless_python())
        self.stop_event = ctx.Event()
        self.events: Any = ctx.Queue(maxsize=256)  # video/capture → engine: stats, meters, logs, acks
        self.commands: Any = ctx.Queue()  # engine → video process
        t0 = now_ns()
        spec = PipelineSpec(cfg.video, cfg.audio, self.canvas, cfg.outputs,
                            {n: r.name for n, r in self.rings.items()}, used,
                            {n: shm.name for n, shm in self.audio_shm.items()}, self.audio_sources,
                            scenes, cfg.transition,
                            scenes[0].name, t0, os.getpid(), log_level, start_outputs)
        self.captures = [ctx.Process(target=run_capture_worker, name=f"rigcast-capture-{src.name}",
                                     args=(src, self.rings[src.name].name, cfg.video.fps, t0, self.stop_event,
                                           os.getpid(), log_level, self.events))
                         for src in self.captured]
        self.captures += [ctx.Process(target=run_audio_worker, name=f"rigcast-audio-{src.name}",
                                      args=(src, self.audio_shm[src.name].name, self.stop_event, os.getpid(),
                                            log_level, self.events))
                          for src in self.audio_sources]
        self.video = ctx.Process(target=_video_main, name="rigcast-video",
                                 args=(spec, self.stop_event, self.events, self.commands))

    def announce(self, cfg: RigcastConfig, out: TextIO = sys.stdout) -> None:
        from config.secrets import mask_url

        for name, p in self.probes.items():
            print(f"rigcast: {p.description} {p.size} -> canvas {self.canvas} @ {cfg.video.fps} fps", file=out,
                  flush=True)
        for o in cfg.outputs:
            print(f"rigcast: {o.name} -> {mask_url(o.url) if o.url else 'recording to ' + str(o.path)}",
                  file=out, flush=True)

    def start(self) -> None:
        for c in self.captures:
            c.start()
        self.video.start()

    def signal_stop(self) -> None:
        self.stop_event.set()

    def join(self) -> None:
        """Blocking: wait for every worker (the video process finalises outputs first)."""
        self.stop_event.set()
        self.video.join(timeout=20)
        if self.video.is_alive():
            self.video.terminate()
        for c in self.captures:
            c.join(timeout=5)
            if c.is_alive():
                c.terminate()
        for ring in self.rings.values():
            ring.close()
        for shm in self.audio_shm.values():
            shm.close()
            try:
                shm.unlink()
            except FileNotFoundError:
                pass


def run_stream(cfg: RigcastConfig, duration: float | None = None, out: TextIO = sys.stdout,
               log_level: int = logging.INFO) -> int:
    """``rigcast stream``: the engine in the foreground, every configured output running."""
    import asyncio

    from engine.runtime import Engine

    engine = Engine(cfg, start_outputs=[o.name for o in cfg.outputs], log_level=log_level, out=out)
    return asyncio.run(engine.run(duration))
