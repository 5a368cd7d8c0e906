"""The running engine: its workers, its state, and the commands that change that state.

Everything that changes what the engine does — go live, record, switch scene, mute, stop —
is a command on the :class:`~engine.control.bus.CommandBus` registered here; the foreground
``rigcast stream``, the daemon's control socket, and later the user's API link are all just
ways of reaching it. The engine's own loop is asyncio; the worker processes report through one
multiprocessing queue that a small thread hands over to the loop.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import os
import queue
import secrets
import signal
import sys
import threading
import time
from typing import Any, TextIO

from config.model import AUDIO_KINDS, OutputConfig, RigcastConfig
from config.secrets import mask_url
from engine import paths
from engine.control.bus import BusError, CommandBus, Param
from engine.control.chat import RateLimit, make_message
from engine.status import status_line
from engine.supervisor import Workers

log = logging.getLogger("rigcast.engine")

VERSION = "0.1.0"
STREAM_KINDS = ("rtmp",)
RECORD_KINDS = ("record",)
LOG_HISTORY = 200
CHAT_HISTORY = 50


class _BusLogHandler(logging.Handler):
    """The engine process's own log lines, as ``log`` events (thread-safe)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(logging.INFO)
        self.engine = engine

    def emit(self, record: logging.LogRecord) -> None:
        from config.secrets import mask_text

        msg = {"type": "log", "t": record.created, "level": record.levelname, "process": "engine",
               "logger": record.name, "msg": mask_text(record.getMessage())}
        self.engine.deliver(msg)


class Engine:
    def __init__(self, cfg: RigcastConfig, start_outputs: list[str], log_level: int = logging.INFO,
                 out: TextIO | None = None, control: bool = False) -> None:
        self.cfg = cfg
        self.out = out  # foreground: status lines go here; a daemon only logs
        self.control = control
        self.bus = CommandBus()
        self.link: Any = None
        if cfg.link.url is not None:
            from engine.control.link import Link

            self.link = Link(cfg.link, self.bus, self._hello, self._publish_state)
            if not any(o.kind in STREAM_KINDS for o in cfg.outputs):
                cfg.outputs.append(OutputConfig(name="stream", kind="rtmp"))  # where to: the API says
                if not control:  # `rigcast stream` runs every output: this one too, once the API answers
                    start_outputs = [*start_outputs, "stream"]
        # Outputs whose URL the API hands out start once the engine is up (they need the link).
        self.deferred = [n for n in start_outputs if self._needs_ingest(n)]
        start_outputs = [n for n in start_outputs if n not in self.deferred]
        self.workers = Workers(cfg, start_outputs, log_level)
        kinds = {o.name: o.kind for o in cfg.outputs}
        self.active: set[str] = set(start_outputs)
        self.since: dict[str, float] = {n: time.time() for n in start_outputs}
        self.kinds = kinds
        # The engine's copy of the scenes: what state events show and what is saved back.
        self.scenes = cfg.effective_scenes()
        self.program = self.scenes[0].name
        self.muted: set[str] = {s.name for s in cfg.sources if s.muted}
        self.started_at = time.time()
        self.chat: collections.deque[dict[str, Any]] = collections.deque(maxlen=CHAT_HISTORY)
        self.chat_rate = RateLimit()
        self.has_chat_overlay = any(s.kind == "chat" for s in cfg.sources)
        self.stats: dict[str, Any] = {}
        self.encoder_note = ""
        self.logs: collections.deque[dict[str, Any]] = collections.deque(maxlen=LOG_HISTORY)
        self.rc = 0
        self._acks: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ack_ids = 0
        self._last_shape: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop = asyncio.Event()
        self._final = asyncio.Event()
        self._ready = asyncio.Event()
        self._reader_done = threading.Event()
        self.obsws: Any = None
        self._register()

    # -- state -----------------------------------------------------------------------------
    def names(self, kinds: tuple[str, ...]) -> list[str]:
        return [o.name for o in self.cfg.outputs if o.kind in kinds]

    def _live(self, kinds: tuple[str, ...]) -> bool:
        return any(n in self.active for n in self.names(kinds))

    def _uptime(self, kinds: tuple[str, ...]) -> float | None:
        starts = [self.since[n] for n in self.names(kinds) if n in self.active and n in self.since]
        return round(time.time() - min(starts), 1) if starts else None

    def state(self) -> dict[str, Any]:
        states = {s["name"]: s["state"] for s in self.stats.get("sources", [])}
        shown = {it.source for sc in self.scenes for it in sc.items} | {
            s.name for s in self.cfg.sources if s.kind in AUDIO_KINDS}
        return {
            "engine": {"pid": os.getpid(), "version": VERSION, "uptime_s": round(time.time() - self.started_at, 1),
                       "encoder": self.encoder_note, "canvas": str(self.workers.canvas), "fps": self.cfg.video.fps},
            "streaming": self._live(STREAM_KINDS),
            "recording": self._live(RECORD_KINDS),
            "stream_uptime_s": self._uptime(STREAM_KINDS),
            "record_uptime_s": self._uptime(RECORD_KINDS),
            "scenes": [{"index": i + 1, "name": s.name,
                        "items": [{"source": it.source, "visible": it.visible, "x": it.x, "y": it.y,
                                   "scale": it.scale, "opacity": it.opacity} for it in s.items]}
                       for i, s in enumerate(self.scenes)],
            "program_scene": self.program,
            "sources": [{"name": s.name, "kind": s.kind, "description": s.describe(),
                         "state": states.get(s.name, "starting"), "muted": s.name in self.muted,
                         **({"volume_db": s.volume_db} if s.kind in AUDIO_KINDS else {})}
                        for s in self.cfg.sources if s.name in shown],
            "outputs": self.stats.get("outputs") or [self._idle_output(o) for o in self.cfg.outputs],
            "link": self.link.status() if self.link is not None else {"state": "off"},
        }

    def _hello(self) -> dict[str, Any]:
        from engine.control.link import COMMANDS, EVENTS, engine_id

        return {"engine": {"id": engine_id(paths.state_dir()), "version": VERSION,
                           "capabilities": {"commands": list(COMMANDS), "events": list(EVENTS),
                                            "chat": self.has_chat_overlay,
                                            "ingest": any(self._needs_ingest(o.name) for o in self.cfg.outputs)}},
                "state": self.state()}

    def _needs_ingest(self, name: str) -> bool:
        return any(o.name == name and o.kind in STREAM_KINDS and not o.url for o in self.cfg.outputs)

    @staticmethod
    def _idle_output(o: OutputConfig) -> dict[str, Any]:
        target = mask_url(o.url) if o.url else "URL from your API at start" if o.kind == "rtmp" else str(o.path)
        return {"name": o.name, "kind": o.kind, "target": target, "state": "off"}

    def _publish_state(self) -> None:
        self.bus.publish("state", self.state())

    # -- commands --------------------------------------------------------------------------
    def _register(self) -> None:
        b = self.bus
        b.register("status", self._cmd_status, summary="the engine's whole state and its latest stats")
        for what, kinds in (("stream", STREAM_KINDS), ("record", RECORD_KINDS)):
            for verb in ("start", "stop", "toggle"):
                b.register(f"{what}.{verb}", self._outputs_cmd(verb, what, kinds),
                           summary=f"{verb} {'streaming' if what == 'stream' else 'recording'}",
                           prepare=self._ingest if what == "stream" and verb != "stop" else None)
        b.register("scene.switch", self._cmd_scene, {"scene": Param((str, int))},
                   summary="switch the program scene, by name or 1-based index")
        b.register("scene.item.set", self._cmd_item,
                   {"scene": Param((str,)), "source": Param((str,)), "visible": Param((bool,), False),
                    "x": Param((int,), False), "y": Param((int,), False), "scale": Param((float,), False),
                    "opacity": Param((float,), False)},
                   summary="show/hide or move a scene item live (saved to the config file)")
        b.register("text.set", self._cmd_text, {"source": Param((str,)), "text": Param((str,))},
                   summary="change a text source's text")
        b.register("source.mute", self._cmd_mute, {"source": Param((str,)), "muted": Param((bool,), False)},
                   summary="mute or unmute a source's audio (toggles without 'muted')")
        b.register("source.volume", self._cmd_volume, {"source": Param((str,)), "volume_db": Param((float,))},
                   summary="set an audio source's volume in dB (-100 to +30)")
        b.register("chat.post", self._cmd_chat,
                   {"user": Param((str,)), "text": Param((str,)), "id": Param((str,), False),
                    "platform": Param((str,), False), "color": Param((str,), False)},
                   summary="show a chat message (TUI chat pane, chat overlay sources); cleaned and rate limited")
        b.register("engine.stop", self._cmd_engine_stop, summary="stop the engine (recordings finalised)")

    async def _cmd_status(self, _args: dict[str, Any]) -> dict[str, Any]:
        return self.state() | {"stats": self.stats}

    def _outputs_cmd(self, verb: str, what: str, kinds: tuple[str, ...]) -> Any:
        async def handler(_args: dict[str, Any]) -> dict[str, Any]:
            names = self.names(kinds)
            if not names:
                hint = ("add --url rtmp://... or an [[outputs]] table with kind = \"rtmp\""
                        if what == "stream" else "add --record FILE")
                raise BusError("no_output", f"no {what} output configured; {hint}")
            on = verb == "start" or (verb == "toggle" and not self._live(kinds))
            todo = [n for n in names if (n not in self.active) == on]
            if todo:
                urls = _args.get("_prepared") or {}
                missing = [n for n in todo if on and self._needs_ingest(n) and n not in urls]
                if missing:
                    raise BusError("no_ingest", f"output {missing[0]} has no URL and your API gave none")
                await self._video_command("start" if on else "stop", todo, **({"urls": urls} if on else {}))
                for n in todo:
                    if on:
                        self.active.add(n)
                        self.since[n] = time.time()
                    else:
                        self.active.discard(n)
                        self.since.pop(n, None)
                log.info("%s %s", what, "started" if on else "stopped")
                self._publish_state()
            return {"streaming" if what == "stream" else "recording": on}

        return handler

    async def _ingest(self, _args: dict[str, Any]) -> dict[str, str]:
        """Push URLs from the user's API for stream outputs configured without one (a fresh
        one at every start: the backend may hand out one-time keys, as SRS on_publish allows)."""
        from config.loader import ConfigError, validate_push_url

        want = [n for n in self.names(STREAM_KINDS) if self._needs_ingest(n) and n not in self.active]
        if not want:
            return {}
        if self.link is None:
            raise BusError("no_ingest", "a stream output has no URL and there is no [link] to ask for one")
        urls: dict[str, str] = {}
        for name in want:
            data = await self.link.request("ingest", {"output": name})
            url = data.get("url")
            if not isinstance(url, str):
                raise BusError("bad_ingest", 'your API answered the ingest request without a "url" string')
            try:
                urls[name] = validate_push_url(url, "the ingest URL from your API")
            except ConfigError as e:
                raise BusError("bad_ingest", str(e)) from None
            log.info("%s: the API says publish to %s", name, mask_url(url))
        return urls

    def _scene(self, want: str | int) -> Any:
        if isinstance(want, int):
            if not 1 <= want <= len(self.scenes):
                raise BusError("unknown_scene", f"no scene {want}; scenes are numbered 1 to {len(self.scenes)}")
            return self.scenes[want - 1]
        for s in self.scenes:
            if s.name == want:
                return s
        raise BusError("unknown_scene", f'no scene named "{want}"; scenes: ' + ", ".join(s.name for s in self.scenes))

    async def _cmd_scene(self, args: dict[str, Any]) -> dict[str, Any]:
        scene = self._scene(args["scene"])
        if scene.name != self.program:
            await self._video_command("scene", [], scene=scene.name)
            self.program = scene.name
            log.info("scene: %s", self.program)
            self._publish_state()
        return {"program_scene": self.program}

    async def _cmd_item(self, args: dict[str, Any]) -> dict[str, Any]:
        scene = self._scene(args["scene"])
        items = [it for it in scene.items if it.source == args["source"]]
        if not items:
            raise BusError("unknown_item", f'scene "{scene.name}" shows no source "{args["source"]}"; it shows '
                                           + ", ".join(it.source for it in scene.items))
        changes: dict[str, Any] = {k: args[k] for k in ("visible", "x", "y", "scale", "opacity") if k in args}
        if "scale" in changes:
            changes["scale"] = float(changes["scale"])
            if not 0 < changes["scale"] <= 16:
                raise BusError("bad_args", "scene.item.set: scale must be above 0 and at most 16")
        if "opacity" in changes:
            changes["opacity"] = float(changes["opacity"])
            if not 0 <= changes["opacity"] <= 1:
                raise BusError("bad_args", "scene.item.set: opacity must be from 0 to 1")
        await self._video_command("item", [], scene=scene.name, source=args["source"], changes=changes)
        for key, value in changes.items():
            setattr(items[0], key, value)
        saved = False
        if self.cfg.path and self.cfg.scenes:
            from config.save import save_item_changes

            try:
                saved = save_item_changes(self.cfg.path, scene.name, args["source"], changes)
            except (OSError, ValueError) as e:
                log.warning("could not save the change to %s: %s", self.cfg.path, e)
        self._publish_state()
        return {"scene": scene.name, "source": args["source"], "changes": changes, "saved": saved}

    async def _cmd_text(self, args: dict[str, Any]) -> dict[str, Any]:
        src = self.cfg.source(args["source"])
        if src is None or src.kind != "text":
            raise BusError("unknown_source", f'no text source named "{args["source"]}"')
        if len(args["text"]) > 4096:
            raise BusError("bad_args", "text.set: text longer than 4096 characters")
        await self._video_command("text", [], source=src.name, text=args["text"])
        src.text = args["text"]
        return {"source": src.name, "text": src.text}

    async def _cmd_mute(self, args: dict[str, Any]) -> dict[str, Any]:
        name = args["source"]
        if name not in [s.name for s in self.cfg.sources]:
            raise BusError("unknown_source", f'no source named "{name}"')
        muted = args.get("muted", name not in self.muted)
        await self._video_command("mute", [], source=name, muted=muted)
        (self.muted.add if muted else self.muted.discard)(name)
        self._publish_state()
        return {"source": name, "muted": muted}

    async def _cmd_volume(self, args: dict[str, Any]) -> dict[str, Any]:
        src = self.cfg.source(args["source"])
        if src is None or src.kind not in AUDIO_KINDS:
            raise BusError("unknown_source", f'no audio source named "{args["source"]}"')
        db = float(args["volume_db"])
        if not -100 <= db <= 30:
            raise BusError("bad_args", "source.volume: volume_db must be from -100 to 30")
        await self._video_command("volume", [], source=src.name, volume_db=db)
        src.volume_db = db
        self._publish_state()
        return {"source": src.name, "volume_db": db}

    async def _cmd_chat(self, args: dict[str, Any]) -> dict[str, Any]:
        if not self.chat_rate.allow():  # first: a flood costs a counter, not a cleaning pass each
            raise BusError("rate_limited", f"more than {self.chat_rate.rate:g} chat messages a second; "
                                           f"{self.chat_rate.dropped} dropped so far")
        try:
            msg = make_message(args)
        except ValueError as e:
            raise BusError("bad_args", str(e)) from None
        data = msg.as_dict()
        self.chat.append(data)
        self.bus.publish("chat", data)
        if self.has_chat_overlay:
            await self._video_command("chat", [], message=data)
        return {"id": msg.id, "shown": True}

    async def _cmd_engine_stop(self, _args: dict[str, Any]) -> dict[str, Any]:
        asyncio.get_running_loop().call_soon(self.request_stop, "asked to over the control protocol")
        return {"stopping": True}

    async def _video_command(self, op: str, outputs: list[str], **extra: Any) -> None:
        if not self.workers.video.is_alive():
            raise BusError("engine_down", "the video process is not running")
        self._ack_ids += 1
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[self._ack_ids] = fut
        self.workers.commands.put({"id": self._ack_ids, "op": op, "outputs": outputs, **extra})
        try:
            ack = await asyncio.wait_for(fut, 30)
        except TimeoutError:
            raise BusError("timeout", f"the video process did not answer {op} in 30 s") from None
        finally:
            self._acks.pop(self._ack_ids, None)
        if not ack["ok"]:
            raise BusError("failed", str(ack["error"]))

    # -- events from the workers -----------------------------------------------------------
    def deliver(self, msg: dict[str, Any]) -> None:
        """Any thread: hand a worker's message to the engine's loop."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(self._on_message, msg)
            except RuntimeError:
                pass

    def _read_events(self) -> None:
        while not self._reader_done.is_set():
            try:
                msg = self.workers.events.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            self.deliver(msg)

    def _on_message(self, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        if kind == "meter":
            self.bus.publish("meter", {"master": msg["master"], "sources": msg.get("sources", {})})
        elif kind == "stats":
            self.stats = msg
            if self.out is not None:
                print(status_line(msg), file=self.out, flush=True)
            self.bus.publish("stats", msg)
            shape = (msg["source"].get("state"), tuple((o["name"], o["state"]) for o in msg.get("outputs", [])))
            if shape != self._last_shape:
                self._last_shape = shape
                self._publish_state()
        elif kind == "log":
            self.logs.append(msg)
            self.bus.publish("log", msg)
        elif kind == "ack":
            fut = self._acks.get(msg.get("id", -1))
            if fut is not None and not fut.done():
                fut.set_result(msg)
        elif kind == "ready":
            self.encoder_note = msg["encoder"]
            doing = ("live" if self.control else "streaming (Ctrl-C stops)") if self.active else "idle"
            self._say(f"{msg['encoder']}; {doing}")
            self._ready.set()
        elif kind == "fatal":
            print(f"rigcast: {msg['error']}", file=sys.stderr, flush=True)
            self.rc = 1
            self._stop.set()
        elif kind == "final":
            self.stats = msg
            if self.out is not None:
                print(status_line(msg), file=self.out, flush=True)
            self._say(f"stopped after {msg['frames']} frames "
                      f"(repeated {msg['repeated']}, skipped {msg['skipped']}, lagged {msg['lagged']})")
            self._final.set()

    def _say(self, line: str) -> None:
        if self.out is not None:
            print(f"rigcast: {line}", file=self.out, flush=True)
        else:
            log.info("%s", line)

    def request_stop(self, why: str) -> None:
        if not self._stop.is_set():
            self._say(f"stopping ({why})")
            self._stop.set()

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

    async def _watch(self, duration: float | None) -> None:
        deadline: float | None = None
        while not self._stop.is_set():
            if self._ready.is_set() and duration is not None and deadline is None:
                deadline = time.monotonic() + duration
            if deadline is not None and time.monotonic() >= deadline:
                self._stop.set()
                return
            if not self.workers.video.is_alive() and not self._stop.is_set():
                print("rigcast: the video process died unexpectedly; see the log above", file=sys.stderr, flush=True)
                self.rc = 1
                self._stop.set()
                return
            try:
                await asyncio.wait_for(self._stop.wait(), 0.2)
            except TimeoutError:
                pass

    async def run(self, duration: float | None = None) -> int:
        loop = self._loop = asyncio.get_running_loop()
        self._install_signals(loop)
        handler = _BusLogHandler(self)
        logging.getLogger().addHandler(handler)
        logging.getLogger("websockets").setLevel(logging.WARNING)  # a line per TUI attach is noise
        if self.out is not None:
            self.workers.announce(self.cfg, self.out)
        reader = threading.Thread(target=self._read_events, name="events", daemon=True)
        reader.start()
        server = None
        try:
            self.workers.start()
            if self.control:
                server = await self._serve_control()
            if self.link is not None:
                self.link.start()
            if self.deferred:
                asyncio.create_task(self._start_deferred())
            await self._watch(duration)
        finally:
            self.workers.signal_stop()
            try:
                await asyncio.wait_for(self._final.wait(), 20)
            except TimeoutError:
                pass
            await loop.run_in_executor(None, self.workers.join)
            self._reader_done.set()
            logging.getLogger().removeHandler(handler)
            if self.link is not None:
                await self.link.close()
            if self.obsws is not None:
                await self.obsws.close()
            if server is not None:
                await server.close()
                self._remove_runtime_files()
        return self.rc

    async def _start_deferred(self) -> None:
        """``--live`` with a stream whose URL comes from the API: go live once the link is up."""
        await self._ready.wait()
        for _ in range(300):
            if self.link.state == "connected" or self._stop.is_set():
                break
            await asyncio.sleep(0.1)
        try:
            await self.bus.execute("stream.start")
        except BusError as e:
            log.error("could not go live: %s", e.message)

    async def _serve_control(self) -> Any:
        from engine.control.server import ControlServer

        server = ControlServer(self.bus, lambda: {"version": VERSION, "pid": os.getpid()},
                               lambda: {"state": self.state(), "log": list(self.logs), "chat": list(self.chat)})
        if sys.platform != "win32":
            await server.serve_unix(paths.socket_path())
        port = self.cfg.control.tcp_port
        if port or sys.platform == "win32":
            token = os.environ.get(self.cfg.control.token_env) or secrets.token_urlsafe(24)
            bound = await server.serve_tcp(port, token)
            _write_private(paths.token_path(), json.dumps({"tcp": f"127.0.0.1:{bound}", "token": token}))
        _write_private(paths.pid_path(), f"{os.getpid()}\n")
        obs = self.cfg.obs_websocket
        if obs.enabled:
            from engine.control.obsws import ObsWebsocketServer

            self.obsws = ObsWebsocketServer(self.bus, lambda: self.state() | {"stats": self.stats},
                                            os.environ.get(obs.password_env))
            port = await self.obsws.serve(obs.bind, obs.port)
            log.info("obs-websocket v5 server on %s:%d (%s)", obs.bind, port,
                     "password required" if os.environ.get(obs.password_env) else "no password")
        return server

    def _remove_runtime_files(self) -> None:
        for p in (paths.socket_path(), paths.pid_path(), paths.token_path()):
            try:
                if p == paths.pid_path() and p.read_text().strip() != str(os.getpid()):
                    continue
                p.unlink()
            except OSError:
                pass


def _write_private(path: Any, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
