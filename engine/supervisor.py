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

from rigcast.config.kinds import Cap
from rigcast.config.model import RigcastConfig, Size, SourceConfig
from rigcast.engine.audio.capture import run_audio_worker
from rigcast.engine.audio.ring import AudioRing
from rigcast.engine.capture.base import SourceProbe, source_kind
from rigcast.engine.capture.worker import run_capture_worker
from rigcast.engine.clock import now_ns
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing
from rigcast.engine.proc import has_console, worker_executable
from rigcast.engine.spec import PipelineSpec
from rigcast.engine.vocab import SourceState
from rigcast.engine.vocab.video import MediaControl

log = logging.getLogger("rigcast.supervisor")

DEFAULT_CANVAS = Size(1280, 720)  # when no source is captured and no --size is given


def _video_main(spec: PipelineSpec, stop: Any, events: Any, commands: Any) -> None:
    """The video process's entry point; PyAV is imported there, not here."""
    from rigcast.engine.pipeline import run_pipeline

    run_pipeline(spec, stop, events, commands)


def canvas_size(cfg: RigcastConfig, source_size: Size) -> Size:
    return (cfg.video.size or source_size).even()


def probe_source(cfg: SourceConfig, canvas: Size | None) -> SourceProbe:
    """What a captured source says of its size before it starts. A probe that raises anything
    but rigcast's own error (a plugin's bug) costs that source, not the engine: its ring gets
    the canvas's size and shows ``error``, and its worker still tries to open it."""
    try:
        return source_kind(cfg).probe(cfg)
    except RigcastError:
        raise
    except Exception as e:
        log.error("%s: could not be probed (%s: %s); it shows error, the rest goes on", cfg.name, type(e).__name__, e)
        size = (canvas or DEFAULT_CANVAS).even()
        return SourceProbe(size, size, "error", failed=True)


class Workers:
    """A capture process per captured source and the video process, joined by frame rings."""

    def __init__(self, cfg: RigcastConfig, start_outputs: list[str], log_level: int) -> None:
        if not cfg.sources:
            raise RigcastError("no source configured; pass --window TITLE or --display N")
        scenes = cfg.effective_scenes()
        used = [s for s in cfg.sources if not s.has(Cap.AUDIO)
                and any(it.source == s.name for sc in scenes for it in sc.items)]
        # Only captured sources are probed here: drawn ones (image, text) would pull PyAV and
        # Pillow into this process, which never touches pixels.
        self.captured = [s for s in used if s.has(Cap.CAPTURED)]
        self.probes: dict[str, SourceProbe] = {s.name: probe_source(s, cfg.video.size) for s in self.captured}
        main = [sc for sc in scenes if not sc.canvas]  # the main canvas's: its size may come from its first source
        first = main[0].items[0].source if main and main[0].items else None
        lead = self.probes.get(first or "") or next(iter(self.probes.values()), None)
        self.source = cfg.source(first or "") or used[0] if used else cfg.sources[0]
        self.probe = lead
        self.canvas = canvas_size(cfg, lead.size if lead else DEFAULT_CANVAS)
        self.rings = {name: FrameRing.create(p.max_size.width, p.max_size.height) for name, p in self.probes.items()}
        for name, p in self.probes.items():
            if p.failed:
                self.rings[name].set_state(SourceState.ERROR)
        # Every source with sound gets a sample ring the mixer reads: a device's from its audio
        # worker, a media file's from the same worker that decodes its pictures.
        self.audio_sources = [s for s in cfg.sources if s.has(Cap.SOUND) and (s.has(Cap.AUDIO) or s in used)]
        self.audio_shm = {s.name: AudioRing.allocate(cfg.audio.sample_rate) for s in self.audio_sources}
        ctx = mp.get_context("spawn")
        worker = worker_executable(sys.platform, sys.executable, has_console(),
                                   getattr(sys, "_base_executable", sys.executable))
        if worker is not None:  # workers of a console-less engine must not open consoles (engine/proc.py)
            os.environ.update(worker.env)  # spawned children inherit it (multiprocessing passes env=None then)
            ctx.set_executable(worker.executable)
        self.stop_event = ctx.Event()
        self.events: Any = ctx.Queue(maxsize=256)  # video/capture → engine: stats, meters, logs, acks
        self.commands: Any = ctx.Queue()  # engine → video process
        # A source that takes actions while it runs (a media file: play, pause, seek) reads them
        # from a queue of its own in its worker (engine/capture/base.py ControlledSource).
        self.controls: dict[str, Any] = {s.name: ctx.Queue() for s in self.captured if s.info.extra.get("plays_file")}
        t0 = now_ns()
        spec = PipelineSpec(cfg.video, cfg.audio, self.canvas, cfg.outputs,
                            {n: r.name for n, r in self.rings.items()}, used,
                            {n: shm.name for n, shm in self.audio_shm.items()}, self.audio_sources,
                            scenes, cfg.transition,
                            main[0].name, t0, os.getpid(), log_level, start_outputs, cfg.canvases)
        self._ctx = ctx
        # How each worker is started, so one that dies (killed, crashed) is started again the same way.
        self._recipes: list[tuple[str, Any, tuple[Any, ...]]] = [
            (src.name, run_capture_worker, (src, self.rings[src.name].name, cfg.video.fps, t0, self.stop_event,
                                            os.getpid(), log_level, self.events,
                                            self.audio_shm[src.name].name if src.name in self.audio_shm else None,
                                            self.controls.get(src.name)))
            for src in self.captured]
        self._recipes += [(src.name, run_audio_worker, (src, self.audio_shm[src.name].name, self.stop_event,
                                                        os.getpid(), log_level, self.events))
                          for src in self.audio_sources if src.has(Cap.AUDIO)]
        self.captures = [self._process(i) for i in range(len(self._recipes))]
        self.restarts: dict[str, int] = {}
        self.video = ctx.Process(target=_video_main, name="rigcast-video",
                                 args=(spec, self.stop_event, self.events, self.commands))

    def announce(self, cfg: RigcastConfig, out: TextIO = sys.stdout) -> None:

        for name, p in self.probes.items():
            print(f"rigcast: {p.description} {p.size} -> canvas {self.canvas} @ {cfg.video.fps} fps", file=out,
                  flush=True)
        for o in cfg.outputs:
            print(f"rigcast: {o.name} -> {o.describe() if o.has(Cap.STREAM) else 'recording to ' + o.describe()}",
                  file=out, flush=True)

    def pid_of(self, source: str) -> int | None:
        """The pid of the process capturing ``source`` (for `ctl status`, and to find it)."""
        for (name, _t, _a), proc in zip(self._recipes, self.captures, strict=True):
            if name == source:
                return proc.pid
        return None

    def _process(self, i: int) -> Any:
        name, target, args = self._recipes[i]
        kind = "capture" if target is run_capture_worker else "audio"
        return self._ctx.Process(target=target, name=f"rigcast-{kind}-{name}", args=args)

    def start(self) -> None:
        for c in self.captures:
            c.start()
        self.video.start()

    def revive(self) -> list[str]:
        """Start again every capture worker that died while the engine runs (SIGKILLed, crashed):
        its source shows as ``lost`` with a placeholder until the new worker has it again.
        Returns the names of the sources restarted."""
        if self.stop_event.is_set():
            return []
        revived = []
        for i, c in enumerate(self.captures):
            if c.exitcode is None or c.exitcode == 0:  # running, not started yet, or ended on its own
                continue
            name = self._recipes[i][0]
            ring = self.rings.get(name)
            if ring is not None:
                ring.set_state(SourceState.LOST)
            self.restarts[name] = self.restarts.get(name, 0) + 1
            log.error("%s: its capture process died (exit code %s); starting it again (restart %d)",
                        name, c.exitcode, self.restarts[name])
            self.captures[i] = self._process(i)
            self.captures[i].start()
            revived.append(name)
        return revived

    def reconfigure(self, src: SourceConfig) -> bool:
        """A captured or audio source's worker started again with new settings (a window
        matched another way, another media file or device); False if no worker runs it."""
        for i, (name, target, args) in enumerate(self._recipes):
            if name != src.name:
                continue
            self._recipes[i] = (name, target, (src, *args[1:]))
            old = self.captures[i]
            if old.is_alive():
                old.terminate()
                old.join(5)
            ring = self.rings.get(name)
            if ring is not None:
                ring.set_state(SourceState.STARTING)
            self.captures[i] = self._process(i)
            self.captures[i].start()
            return True
        return False

    def control(self, source: str, cmd: MediaControl) -> bool:
        """An action for a source's worker (a media file's); False if no worker takes them."""
        q = self.controls.get(source)
        if q is None:
            return False
        q.put(cmd)
        return True

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
