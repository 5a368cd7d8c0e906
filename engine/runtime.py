"""The running engine: its workers, its lifetime, and the state it reports.

Everything that changes what the engine does — go live, record, switch scene, mute, stop —
is a command on the :class:`~engine.control.bus.CommandBus` (registered by
:mod:`rigcast.engine.commands`); the foreground ``rigcast stream``, the daemon's control socket, the
user's API link and obs-websocket are all just ways of reaching it. What the video process
renders and mixes (program scene, items, text, volume, mute) is the video process's: the
engine shows the :class:`~engine.vocab.RenderedState` it last reported and keeps no copy.
The engine itself owns only which outputs it was asked to run.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import logging
import os
import signal
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, TextIO

from rigcast.config.kinds import Cap
from rigcast.config.model import OutputConfig, RigcastConfig, SourceConfig
from rigcast.engine import paths, winconsole
from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import BusError, CommandBus
from rigcast.engine.control.chat import RateLimit
from rigcast.engine.events import EventPump
from rigcast.engine.outcome import Outcomes
from rigcast.engine.supervisor import Workers
from rigcast.engine.switcher import Switcher
from rigcast.engine.vocab import (
    EngineState,
    LinkState,
    RenderedSource,
    RenderedState,
    SourceState,
    VideoCommand,
)
from rigcast.engine.vocab.reports import (
    Ack,
    ChatMessage,
    LogLine,
    MediaStatus,
    OutputStatus,
    Report,
    StateChanged,
    VideoStats,
)
from rigcast.engine.vocab.results import Status

if TYPE_CHECKING:
    from rigcast.engine.control.link import LinkHello

from rigcast.engine.clock import now_ns
from rigcast.engine.vocab.snapshot import (
    CanvasRow,
    EngineRow,
    IdleOutput,
    LinkRow,
    MediaRow,
    ObsWebsocketRow,
    Snapshot,
    SourceRow,
    TransitionRow,
    scene_rows,
)
from rigcast.engine.vocab.states import MediaState
from rigcast.engine.vocab.video import MediaControl

log = logging.getLogger("rigcast.engine")

VERSION = "0.1.0"
LOG_HISTORY = 200
CHAT_HISTORY = 50
VIDEO_ANSWER_S = 30


class _BusLogHandler(logging.Handler):
    """The engine process's own log lines, as ``log`` events (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(logging.INFO)
        self.engine = engine

    def emit(self, record: logging.LogRecord) -> None:
        from rigcast.config.secrets import mask_text

        self.engine.deliver(LogLine(record.created, record.levelname, "engine", record.name,
                                    mask_text(record.getMessage())))


class Engine:
    def __init__(self, cfg: RigcastConfig, start_outputs: list[str], log_level: int = logging.INFO,
                 out: TextIO | None = None, control: bool = False) -> None:
        self.cfg = cfg
        from rigcast.engine import stream_service

        for name, url in stream_service.load().items():  # a server/key set over obs-websocket
            i = next((i for i, o in enumerate(cfg.outputs) if o.name == name and o.has(Cap.STREAM)), None)
            if i is not None:
                cfg.outputs[i] = cfg.outputs[i].replace(url=url)
        self._outputs_at_start = {o.name: o for o in cfg.outputs}  # what the video process was given
        self.out = out  # foreground: status lines go here; a daemon only logs
        self.control = control
        from rigcast.engine.commands import TABLE

        self.bus = CommandBus(self._as_host(), TABLE)
        self.link: Any = None
        if cfg.link.url is not None:
            from rigcast.config.kinds import Role, first
            from rigcast.engine.control.link import Link

            self.link = Link(cfg.link, self.bus, self._hello, self.publish_state)
            if not any(o.has(Cap.STREAM) for o in cfg.outputs):  # where to: the API says
                cfg.outputs.append(OutputConfig("stream", first(Role.OUTPUT, Cap.NEEDS_INGEST).name))
                if not control:  # `rigcast stream` runs every output: this one too, once the API answers
                    start_outputs = [*start_outputs, "stream"]
        # Outputs whose URL the API hands out start once the engine is up (they need the link).
        self.deferred = [n for n in start_outputs if self.needs_ingest(n)]
        start_outputs = [n for n in start_outputs if n not in self.deferred]
        self.workers = Workers(cfg, start_outputs, log_level)
        self.active: set[str] = set(start_outputs)
        self.since: dict[str, float] = {n: time.time() for n in start_outputs}
        # What the video process renders and mixes, as it last reported (ready, every ack); until
        # then what it starts with.
        scenes = cfg.effective_scenes()
        main = [sc for sc in scenes if not sc.canvas]
        self.rendered = RenderedState.of(main[0].name if main else "", scenes, {
            s.name: RenderedSource(bool(getattr(s.settings, "muted", False)), getattr(s.settings, "volume_db", None),
                                   getattr(s.settings, "text", None) if s.has(Cap.TEXT) else None)
            for s in cfg.sources}, cfg.transition, programs=tuple(
            (c.name, next(sc.name for sc in scenes if sc.canvas == c.name)) for c in cfg.canvases))
        self.started_at = time.time()
        self.screenshots = 0  # answered: the thumbnails' requests show here (bench/tui_cpu.py checks them)
        self.engine_state = EngineState.STARTING
        self.chat: collections.deque[ChatMessage] = collections.deque(maxlen=CHAT_HISTORY)
        self.chat_rate = RateLimit()
        self.has_chat_overlay = any(s.has(Cap.CHAT) for s in cfg.sources)
        self.stats: VideoStats | None = None  # the video process's, as it last reported
        self.switcher = Switcher(cfg.switch, cfg.switcher.hold_s, self.program,
                                 lambda: {s.name: str(s.state) for s in self.stats.sources} if self.stats else {},
                                 self.video_command, self.publish_state) if cfg.switch else None
        self.outcomes = Outcomes()
        self.encoder_note = ""
        self.logs: collections.deque[LogLine] = collections.deque(maxlen=LOG_HISTORY)
        self.rc = 0
        self._acks: dict[int, asyncio.Future[Ack]] = {}
        self._ack_ids = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self.stop = asyncio.Event()
        self.finished = threading.Event()  # the workers joined: recordings closed (a console close waits on it)
        self.final = asyncio.Event()
        self.ready = asyncio.Event()
        self.pump = EventPump(self)
        self.obsws: Any = None
        self.next_cfg: RigcastConfig | None = None  # config.switch: start again on this once stopped
        self.media: dict[str, MediaStatus] = {}  # each media source's playback, as its worker last said

    # -- state -----------------------------------------------------------------------------
    def source_settings(self, src: SourceConfig) -> dict[str, Any]:
        """A source's settings as the config writes them, with what the video process holds
        now (a text's text, an audio source's volume and mute)."""
        from rigcast.config import fields

        table = fields.write(src.settings)
        r = self.rendered.sources.get(src.name)
        if r is not None:
            if r.text is not None:
                table["text"] = r.text
            if r.volume_db is not None:
                table["volume_db"] = r.volume_db
            if src.has(Cap.SOUND):
                table["muted"] = r.muted
        return table

    # -- what command handlers may change (engine/commands/host.py) -------------------------
    def _as_host(self) -> Host:
        """Itself, as the narrow view handlers get: mypy checks here that the engine has it all."""
        return self

    @property
    def ingest(self) -> Any:
        return self.link

    def replace_source(self, new: SourceConfig) -> None:
        i = next(i for i, s in enumerate(self.cfg.sources) if s.name == new.name)
        self.cfg.sources[i] = new

    def replace_output(self, new: OutputConfig) -> None:
        i = next(i for i, o in enumerate(self.cfg.outputs) if o.name == new.name)
        self.cfg.outputs[i] = new

    def reconfigure(self, src: SourceConfig) -> bool:
        return self.workers.reconfigure(src)

    async def media_control(self, source: str, cmd: MediaControl) -> MediaStatus | None:
        if not self.workers.control(source, cmd):
            return None
        for _ in range(150):  # the worker answers at its next tick
            now = self.media.get(source)
            if now is not None and now.seq >= cmd.seq:
                return now
            await asyncio.sleep(0.02)
        return None

    def switch_config(self, new: RigcastConfig) -> None:
        self.next_cfg = new
        asyncio.get_running_loop().call_soon(self.request_stop, f"switching to {new.path}")

    def media_reported(self, status: MediaStatus) -> None:
        self.media[status.source] = status
        self.publish_state()

    def screenshot_taken(self) -> None:
        self.screenshots += 1

    def post_chat(self, msg: ChatMessage) -> None:
        self.chat.append(msg)
        self.bus.publish(msg)

    def set_running(self, names: list[str], on: bool) -> None:
        for n in names:
            if on:
                self.active.add(n)
                self.since[n] = time.time()
            else:
                self.active.discard(n)
                self.since.pop(n, None)

    def changed_settings(self, name: str) -> dict[str, Any]:
        """An output's settings that differ from those the video process started with."""
        import dataclasses

        now, first = self.output(name), self._outputs_at_start.get(name)
        if first is None:
            return {}
        return {f.name: getattr(now.settings, f.name) for f in dataclasses.fields(now.settings)
                if getattr(now.settings, f.name) != getattr(first.settings, f.name)}

    def output(self, name: str) -> OutputConfig:
        return next(o for o in self.cfg.outputs if o.name == name)

    def names(self, cap: Cap) -> list[str]:
        return [o.name for o in self.cfg.outputs if o.has(cap)]

    def live(self, cap: Cap) -> bool:
        return any(n in self.active for n in self.names(cap))

    def _uptime(self, cap: Cap) -> float | None:
        starts = [self.since[n] for n in self.names(cap) if n in self.active and n in self.since]
        return round(time.time() - min(starts), 1) if starts else None

    def needs_ingest(self, name: str) -> bool:
        return any(o.name == name and o.has(Cap.NEEDS_INGEST) and not o.url for o in self.cfg.outputs)

    def program(self) -> str:
        return self.rendered.program

    def switched_by_hand(self) -> None:
        """A client switched the main canvas's scene: automatic switching holds off."""
        if self.switcher is not None:
            self.switcher.manual()

    def _media_row(self, source: str) -> MediaRow | None:
        m = self.media.get(source)
        if m is None:
            return None
        return MediaRow(MediaState(m.state), m.cursor_at(now_ns()), m.duration_ms, m.action, m.seq)

    def state(self) -> Snapshot:
        """The whole state, typed; JSON only where it leaves through a socket (``wire()``)."""
        states = {s.name: s.state for s in self.stats.sources} if self.stats else {}
        sizes = {s.name: s.size for s in self.stats.sources if s.size} if self.stats else {}
        shown = {it.source for sc in self.rendered.scenes for it in sc.items} | {
            s.name for s in self.cfg.sources if s.has(Cap.AUDIO)}  # media: shown in a scene
        sources = []
        for s in self.cfg.sources:
            if s.name not in shown:
                continue
            r = self.rendered.sources.get(s.name, RenderedSource())
            pid = self.workers.pid_of(s.name)
            size = sizes.get(s.name)
            sources.append(SourceRow(
                s.name, s.kind, s.describe(), SourceState(states.get(s.name, SourceState.STARTING)), r.muted,
                self.source_settings(s), (size[0], size[1]) if size else None,
                (pid, self.workers.restarts.get(s.name, 0)) if pid is not None else None,
                s.has(Cap.SOUND), r.volume_db if s.has(Cap.SOUND) else None, self._media_row(s.name)))
        outputs: tuple[OutputStatus | IdleOutput, ...] = (
            tuple(self.stats.outputs) if self.stats and self.stats.outputs
            else tuple(IdleOutput(o.name, o.kind, o.describe(), o.has(Cap.STREAM), o.has(Cap.REPLAY))
                       for o in self.cfg.outputs))
        return Snapshot(
            engine=EngineRow(os.getpid(), VERSION, round(time.time() - self.started_at, 1), self.engine_state,
                             self.encoder_note, str(self.workers.canvas), self.cfg.video.fps, self.screenshots),
            streaming=self.live(Cap.STREAM),
            recording=self.live(Cap.RECORD),
            stream_uptime_s=self._uptime(Cap.STREAM),
            record_uptime_s=self._uptime(Cap.RECORD),
            record_paused=self.live(Cap.RECORD) and self.rendered.paused,
            replay_buffer=self.live(Cap.REPLAY),
            scenes=scene_rows(self.rendered),
            program_scene=self.program(),
            studio_mode=self.rendered.preview is not None,
            preview_scene=self.rendered.preview,
            transition=TransitionRow(*self.rendered.transition),
            sources=tuple(sources),
            outputs=outputs,
            link=self.link.status() if self.link is not None else LinkRow(),
            obs_websocket=self._obs_status(),
            canvases=tuple(CanvasRow(c.name, str(c.size), c.fps or self.cfg.video.fps, self.rendered.program_of(c.name))
                           for c in self.cfg.canvases),
        )

    def _obs_status(self) -> ObsWebsocketRow:
        """Where obs-websocket listens and how it authenticates: never the password itself."""
        obs = self.cfg.obs_websocket
        if not obs.enabled or self.obsws is None:
            return ObsWebsocketRow()
        auth = ("off" if self.obsws.password is None
                else "environment" if os.environ.get(obs.password_env) else "generated")
        return ObsWebsocketRow(True, obs.bind, self.obsws.port, auth, obs.password_env)

    def status(self) -> Status:
        """``status``'s answer: the snapshot and the video process's last stats."""
        return Status(self.state(), self.stats)

    def _hello(self) -> LinkHello:
        from rigcast.engine.control.link import COMMANDS, EVENTS, LinkHello, engine_id

        return LinkHello(engine_id(paths.state_dir()), VERSION, tuple(COMMANDS), tuple(EVENTS), self.has_chat_overlay,
                         any(self.needs_ingest(o.name) for o in self.cfg.outputs), self.state())

    def publish_state(self) -> None:
        self.bus.publish(StateChanged(self.state()))

    # -- the video process -----------------------------------------------------------------
    async def video_command(self, cmd: VideoCommand) -> bytes | None:
        """Ask the video process to carry ``cmd`` out; its answer carries the state it now has
        (and what the command made: a screenshot's bytes)."""
        if not self.workers.video.is_alive():
            raise BusError("engine_down", "the video process is not running")
        self._ack_ids += 1
        ack_id = self._ack_ids
        fut: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = fut
        self.workers.commands.put((ack_id, cmd))
        try:
            ack = await asyncio.wait_for(fut, VIDEO_ANSWER_S)
        except TimeoutError:
            raise BusError("timeout", f"the video process did not answer {type(cmd).__name__} "
                                      f"in {VIDEO_ANSWER_S} s") from None
        finally:
            self._acks.pop(ack_id, None)
        if not ack.ok:
            raise BusError("failed", str(ack.error))
        return ack.result

    def acked(self, msg: Ack) -> None:
        fut = self._acks.get(msg.id)
        if fut is not None and not fut.done():
            fut.set_result(msg)

    def deliver(self, msg: Report) -> None:
        """Any thread: hand a worker's message to the engine's loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self.pump.on_message, msg)
            except RuntimeError:
                pass

    def say(self, line: str) -> None:
        if self.out is not None:
            print(f"rigcast: {line}", file=self.out, flush=True)
        else:
            log.info("%s", line)

    def request_stop(self, why: str) -> None:
        if not self.stop.is_set():
            self.say(f"stopping ({why})")
            self.stop.set()

    # -- lifetime --------------------------------------------------------------------------
    def _install_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        stops = [signal.SIGINT, signal.SIGTERM]
        if hasattr(signal, "SIGHUP"):
            if self.control:
                signal.signal(signal.SIGHUP, signal.SIG_IGN)  # a daemon outlives its terminal
            else:
                stops.append(signal.SIGHUP)
        for s in stops:
            try:
                loop.add_signal_handler(s, self.request_stop, signal.Signals(s).name)
            except (NotImplementedError, RuntimeError):  # Windows: no loop signal handlers
                signal.signal(s, lambda n, _f: loop.call_soon_threadsafe(self.request_stop, signal.Signals(n).name))
        # Windows: Ctrl+Break and the console closing (engine/winconsole.py); the close waits
        # until the workers are joined, so the recording is finalised before Windows ends us.
        winconsole.install(functools.partial(
            winconsole.handle, stop=lambda: loop.call_soon_threadsafe(self.request_stop, "console: Ctrl+C, Ctrl+Break or closed"),
            wait_done=self.finished.wait))

    async def _watch(self, duration: float | None) -> None:
        deadline: float | None = None
        while not self.stop.is_set():
            if self.ready.is_set() and duration is not None and deadline is None:
                deadline = time.monotonic() + duration
            if deadline is not None and time.monotonic() >= deadline:
                self.stop.set()
                return
            if not self.workers.video.is_alive() and not self.stop.is_set():
                print("rigcast: the video process died unexpectedly; see the log above", file=sys.stderr, flush=True)
                self.rc = 1
                self.stop.set()
                return
            if self.workers.revive():
                self.publish_state()
            try:
                await asyncio.wait_for(self.stop.wait(), 0.2)
            except TimeoutError:
                pass

    async def run(self, duration: float | None = None) -> int:
        from rigcast.engine import servers

        loop = self._loop = asyncio.get_running_loop()
        self._install_signals(loop)
        handler = _BusLogHandler(self)
        logging.getLogger().addHandler(handler)
        logging.getLogger("websockets").setLevel(logging.WARNING)  # a line per TUI attach is noise
        if self.out is not None:
            self.workers.announce(self.cfg, self.out)
        self.pump.start()
        server = None
        try:
            self.workers.start()
            if self.control:
                server = await servers.serve_control(self)
            if self.link is not None:
                self.link.start()
            hotkeys = self._start_hotkeys(loop)
            if self.switcher is not None:
                asyncio.create_task(self.switcher.run(self.stop))
            if self.deferred:
                asyncio.create_task(self._start_deferred())
            self.engine_state = EngineState.RUNNING
            await self._watch(duration)
        finally:
            self.engine_state = EngineState.STOPPING
            self.publish_state()  # clients hear the engine is going (obs-websocket's ExitStarted)
            self.workers.signal_stop()
            try:
                await asyncio.wait_for(self.final.wait(), 20)
            except TimeoutError:
                pass
            await loop.run_in_executor(None, self.workers.join)
            self.finished.set()
            self.pump.stop()
            if hotkeys is not None:
                hotkeys.stop()
            logging.getLogger().removeHandler(handler)
            if self.link is not None:
                await self.link.close()
            if self.obsws is not None:
                await self.obsws.close()
            if server is not None:
                await server.close()
                servers.remove_runtime_files()
        return self.rc

    def _start_hotkeys(self, loop: asyncio.AbstractEventLoop) -> Any:
        """[hotkeys] grabbed on the game's display (engine/hotkeys/); a press runs its action
        on the bus like any client's command. None when there are none, or none can be had."""
        if not self.cfg.hotkeys:
            return None
        from rigcast.config.hotkeys import Hotkey
        from rigcast.engine.hotkeys import listener

        async def run(h: Hotkey) -> None:
            try:
                await self.bus.execute(h.command, dict(h.args))
                log.info("hotkey %s: %s", h.combo, h.action)
            except BusError as e:
                log.warning("hotkey %s (%s): %s", h.combo, h.action, e.message)

        def pressed(h: Hotkey) -> None:
            loop.call_soon_threadsafe(lambda: asyncio.ensure_future(run(h)))

        try:
            keys = listener(self.cfg.hotkeys, pressed, log.warning)
            keys.start()
        except RuntimeError as e:
            log.warning("%s; no hotkeys", e)
            return None
        return keys

    async def _start_deferred(self) -> None:
        """``--live`` with a stream whose URL comes from the API: go live once the link is up."""
        await self.ready.wait()
        for _ in range(300):
            if self.link.state == LinkState.CONNECTED or self.stop.is_set():
                break
            await asyncio.sleep(0.1)
        try:
            await self.bus.execute("stream.start")
        except BusError as e:
            log.error("could not go live: %s", e.message)


def run_stream(cfg: RigcastConfig, duration: float | None = None, out: TextIO = sys.stdout,
               log_level: int = logging.INFO) -> int:
    """``rigcast stream``: the engine in the foreground, every configured output running."""
    engine = Engine(cfg, start_outputs=[o.name for o in cfg.outputs], log_level=log_level, out=out)
    rc = asyncio.run(engine.run(duration))
    if rc:
        return rc  # the engine's own error line said why
    failed = engine.outcomes.failures(cfg.outputs)
    for line in failed:
        print(f"rigcast: {line}", file=sys.stderr, flush=True)
    return 1 if failed else 0
