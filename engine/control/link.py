"""The link: the engine dials out to the user's own API and becomes its client.

The engine sits behind NAT on a gaming box; the user's backend is the stable address. So the
engine connects out (``websockets`` client, ``Authorization: Bearer`` token, system CAs), says
``hello`` with its state, then takes commands and chat from the API and sends results and
events back. Every command is a command of the one bus, like the TUI's; chat becomes the
``chat.post`` command. The engine also asks the API for things: where to publish (``ingest``).

It never holds up the stream: the link runs on the engine's event loop beside everything else,
events reach it through a bounded :class:`~engine.control.outbox.Outbox` (a stalled API loses
stats, not frames), and it reconnects by itself with exponential backoff and jitter. websocket
pings every 4 s with a 4 s deadline (and a 2 s close) notice a dead peer (a frozen API, a dropped
NAT mapping) within ~10 s. docs/link-protocol.md is the prose and the JSON Schemas of these messages.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import random
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rigcast.config.model import LinkConfig, is_loopback_host
from rigcast.config.secrets import mask_text, mask_url, remember_secret
from rigcast.engine.control.bus import BusError, CommandBus
from rigcast.engine.control.changes import changes
from rigcast.engine.control.outbox import Outbox
from rigcast.engine.control.protocol import dumps
from rigcast.engine.errors import RigcastError
from rigcast.engine.untrusted import from_outside
from rigcast.engine.vocab import LinkState
from rigcast.engine.vocab.reports import BusEvent, LogLine, StateChanged, VideoStats
from rigcast.engine.vocab.snapshot import LinkRow, Snapshot
from rigcast.engine.vocab.wire import to_wire

log = logging.getLogger("rigcast.link")

PROTOCOL = 1
MAX_MESSAGE = 64 * 1024  # larger messages get an error reply
MAX_FRAME = 4 * 1024 * 1024  # larger frames close the connection (and it is dialled again)
PING_INTERVAL_S = 4.0
PING_TIMEOUT_S = 4.0
REQUEST_TIMEOUT_S = 10.0
MAX_QUEUED = 4096  # commands and chat waiting their turn; more get a "busy" error
RESULT_CACHE = 4096  # command ids remembered, so a command resent after a reconnect runs once
FIRST_DELAY_S = 1.0

# link command → (bus command, arguments the link requires beyond the bus's own checks)
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "get_state": ("status", ()),
    "switch_scene": ("scene.switch", ()),
    "start_stream": ("stream.start", ()),
    "stop_stream": ("stream.stop", ()),
    "start_record": ("record.start", ()),
    "stop_record": ("record.stop", ()),
    "set_mute": ("source.mute", ()),
    "set_volume": ("source.volume", ()),
    "set_text": ("text.set", ()),
    "set_item_visible": ("scene.item.set", ("visible",)),
    "start_replay": ("replay.start", ()),
    "stop_replay": ("replay.stop", ()),
    "save_replay": ("replay.save", ()),
    "add_chapter": ("record.chapter", ()),
    "split_record": ("record.split", ()),
    "list_filters": ("source.filters", ()),
    "set_filter": ("source.filter.set", ()),
    "set_studio_mode": ("studio.set", ()),
    "set_preview_scene": ("scene.preview", ()),
    "transition": ("studio.transition", ()),
    "media": ("media.action", ()),
    "caption": ("stream.caption", ()),
    "set_tracks": ("source.set", ("source", "settings")),
}
EVENTS = ("stream_state", "scene_changed", "stats", "error")


def read_token(cfg: LinkConfig) -> str:
    """The bearer token, from its file or its environment variable; a clear error otherwise."""
    if cfg.token_file:
        path = Path(cfg.token_file).expanduser()
        try:
            if sys.platform != "win32" and path.stat().st_mode & 0o077:
                log.warning("link: token_file %s can be read by other users; chmod 600 it", path)
            token = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise RigcastError(f"link: cannot read token_file {cfg.token_file}: {e.strerror}") from None
        if not token:
            raise RigcastError(f"link: token_file {cfg.token_file} is empty; put the API token in it")
    else:
        token = os.environ.get(cfg.token_env, "").strip()
        if not token:
            raise RigcastError(f"link: environment variable {cfg.token_env} is not set; export it with your "
                               "API token (or set token_file in [link])")
    remember_secret(token)
    return token


def engine_id(state_dir: Path) -> str:
    """A stable id for this engine (kept in its state dir), so the API can tell boxes apart."""
    p = state_dir / "engine-id"
    with contextlib.suppress(OSError):
        if (known := p.read_text().strip()):
            return known
    new = os.urandom(8).hex()
    with contextlib.suppress(OSError):
        p.write_text(new + "\n")
    return new


def _error(code: str, message: str, mid: Any = None) -> str:
    msg: dict[str, Any] = {"type": "error", "error": {"code": code, "message": message}}
    if mid is not None:
        msg["id"] = mid
    return dumps(msg)


@dataclass(frozen=True)
class LinkHello:
    """What the engine tells your API at each connect: who it is, what it can do, its state."""

    engine_id: str
    version: str
    commands: tuple[str, ...]
    events: tuple[str, ...]
    chat: bool  # a chat overlay is configured: chat messages are shown
    ingest: bool  # an output asks your API where to push
    state: Snapshot

    def wire(self) -> dict[str, Any]:
        return {"engine": {"id": self.engine_id, "version": self.version,
                           "capabilities": {"commands": list(self.commands), "events": list(self.events),
                                            "chat": self.chat, "ingest": self.ingest}},
                "state": self.state.wire()}


class Link:
    def __init__(self, cfg: LinkConfig, bus: CommandBus, hello: Callable[[], LinkHello],
                 changed: Callable[[], None]) -> None:
        assert cfg.url is not None
        self.cfg = cfg
        self.url = cfg.url
        self.token = read_token(cfg)
        self.bus = bus
        self.hello = hello  # at each connect
        self.changed = changed  # the engine republishes its state (the link's is part of it)
        self.state: LinkState = LinkState.CONNECTING
        self.since = time.time()
        self.error: str | None = None
        self.connects = 0
        self.ws: Any = None
        self._results: collections.OrderedDict[str, str] = collections.OrderedDict()
        self._pending: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._request_ids = 0
        self._last: Snapshot | None = None  # the state your API last heard
        self._task: asyncio.Task[None] | None = None

    # -- what the engine shows -------------------------------------------------------------
    def status(self) -> LinkRow:
        return LinkRow(self.state, mask_url(self.url), round(self.since, 1), self.error, self.connects)

    def _set(self, state: LinkState, error: str | None = None) -> None:
        if state != self.state or error != self.error:
            self.state, self.error, self.since = state, error, time.time()
            self.changed()

    # -- lifetime ----------------------------------------------------------------------------
    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="link")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    def _ssl(self) -> ssl.SSLContext | None:
        if urlsplit(self.url).scheme != "wss":
            return None
        ctx = ssl.create_default_context()  # the system's CAs
        if self.cfg.ca_file:
            ctx.load_verify_locations(str(Path(self.cfg.ca_file).expanduser()))
        return ctx

    async def _run(self) -> None:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidHandshake, InvalidStatus, WebSocketException

        host = urlsplit(self.url).hostname or ""
        loopback = is_loopback_host(host)  # a literal loopback address: no proxy in between
        delay = FIRST_DELAY_S
        while True:
            self._set(LinkState.CONNECTING, self.error)
            try:
                async with connect(self.url, additional_headers={"Authorization": f"Bearer {self.token}"},
                                   ssl=self._ssl(), proxy=None if loopback else True, compression=None,
                                   open_timeout=10, close_timeout=2, ping_interval=PING_INTERVAL_S, ping_timeout=PING_TIMEOUT_S,
                                   max_size=MAX_FRAME, user_agent_header=None) as ws:
                    self.connects += 1
                    delay = FIRST_DELAY_S
                    self.ws = ws
                    self._set(LinkState.CONNECTED)
                    log.info("link: connected to %s", mask_url(self.url))
                    why = await self._session(ws)
            except asyncio.CancelledError:
                raise
            except InvalidStatus as e:
                code = e.response.status_code
                why = f"the API answered HTTP {code}" + (
                    f"; check the token in {self.cfg.token_file or self.cfg.token_env}" if code in (401, 403) else "")
            except (OSError, TimeoutError, InvalidHandshake, WebSocketException, ssl.SSLError) as e:
                why = mask_text(str(e) or type(e).__name__)
            finally:
                self.ws = None
                for fut in self._pending.values():
                    if not fut.done():
                        fut.set_exception(BusError("link_down", "the link to your API dropped"))
                self._pending.clear()
            wait = random.uniform(delay / 2, delay)  # jitter: a fleet of engines doesn't dial in step
            if why != self.error or self.state == LinkState.CONNECTED:
                log.warning("link: %s; trying again in %.1f s", why, wait)
            self._set(LinkState.DISCONNECTED, why)
            await asyncio.sleep(wait)
            delay = min(delay * 2, self.cfg.reconnect_max_s)

    async def _session(self, ws: Any) -> str:
        from websockets.exceptions import ConnectionClosed

        self._last = None
        commands: asyncio.Queue[dict[str, Any]] = asyncio.Queue(MAX_QUEUED)
        worker = asyncio.create_task(self._work(ws, commands))
        outbox = Outbox(self.bus, ws, self._events)
        try:
            hello = self.hello()
            self._last = hello.state
            await ws.send(dumps({"type": "hello", "protocol": PROTOCOL} | hello.wire()))
            async for raw in ws:
                reply = self._read(raw, commands)
                if reply is not None:
                    await ws.send(reply)
            rcvd = ws.close_rcvd
            return (f"the API closed the link ({rcvd.code} {from_outside(rcvd.reason, 120)})".strip() if rcvd
                    else "the link closed")
        except ConnectionClosed as e:
            if e.rcvd is None and e.sent is not None and e.sent.code == 1011:
                return "no answer to pings: the API or the network is gone"
            return f"the link dropped ({e.rcvd.code if e.rcvd else 'no close frame'})"
        finally:
            outbox.close()
            worker.cancel()

    # -- API → engine ------------------------------------------------------------------------
    def _read(self, raw: str | bytes, commands: asyncio.Queue[dict[str, Any]]) -> str | None:
        """Sort one message: results of our own requests resolve at once (a command may be
        waiting on one), commands and chat queue up to run in order. Returns an error reply."""
        if len(raw) > MAX_MESSAGE:
            return _error("too_large", f"message of {len(raw)} bytes; the limit is {MAX_MESSAGE}")
        try:
            msg = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            return _error("bad_json", f"not JSON: {e}")
        if not isinstance(msg, dict):
            return _error("bad_message", "a message must be a JSON object")
        kind, mid = msg.get("type"), msg.get("id")
        if not isinstance(mid, (str, type(None))) or (isinstance(mid, str) and not 0 < len(mid) <= 128):
            return _error("bad_message", '"id" must be a string of 1 to 128 characters')
        if kind == "result":
            fut = self._pending.pop(mid or "", None)
            if fut is None:
                return _error("unknown_request", f"no request {mid!r} is waiting for a result", mid)
            if not fut.done():
                fut.set_result(msg)
            return None
        if kind in ("command", "chat"):
            if kind == "command" and mid is None:
                return _error("bad_message", 'a command needs an "id" (a string)')
            try:
                commands.put_nowait(msg)
            except asyncio.QueueFull:
                return _error("busy", f"{MAX_QUEUED} messages are already waiting; send fewer at once", mid)
            return None
        return _error("unknown_type", f'unknown message type {kind!r}; expected "command", "chat" or "result"', mid)

    async def _work(self, ws: Any, commands: asyncio.Queue[dict[str, Any]]) -> None:
        from websockets.exceptions import ConnectionClosed

        while True:
            msg = await commands.get()
            reply = await (self._command(msg) if msg["type"] == "command" else self._chat(msg))
            if reply is not None:
                try:
                    await ws.send(reply)
                except ConnectionClosed:
                    return  # the result is cached: a resent command id gets it on the next link

    async def _command(self, msg: dict[str, Any]) -> str:
        mid = str(msg["id"])
        if mid in self._results:  # resent after a reconnect, or a retry: answered, not run again
            self._results.move_to_end(mid)
            return self._results[mid]
        reply = dumps({"type": "result", "id": mid} | await self._execute(msg))
        self._results[mid] = reply
        while len(self._results) > RESULT_CACHE:
            self._results.popitem(last=False)
        return reply

    async def _execute(self, msg: dict[str, Any]) -> dict[str, Any]:
        name, args = msg.get("command"), msg.get("args", {})
        if not isinstance(name, str) or name not in COMMANDS:
            return {"ok": False, "error": {"code": "unknown_command", "message":
                    f"unknown command {name!r}; commands: {', '.join(COMMANDS)}"}}
        if not isinstance(args, dict):
            return {"ok": False, "error": {"code": "bad_args", "message": '"args" must be an object'}}
        bus_name, required = COMMANDS[name]
        try:
            for key in required:
                if key not in args:
                    raise BusError("bad_args", f'{name}: missing argument "{key}"')
            data = await self.bus.execute(bus_name, args)
        except BusError as e:
            return {"ok": False, "error": {"code": e.code, "message": mask_text(e.message)}}
        except Exception as e:  # a bug in a handler is this command's error, not the link's end
            log.exception("link command failed")
            return {"ok": False, "error": {"code": "internal", "message": mask_text(f"{type(e).__name__}: {e}")}}
        return {"ok": True, "data": to_wire(data)}

    async def _chat(self, msg: dict[str, Any]) -> str | None:
        mid = msg.get("id")
        if isinstance(mid, str):
            key = "chat:" + mid
            if key in self._results:
                return None  # the same message again: shown once
            self._results[key] = ""
        args: dict[str, Any] = {k: msg[k] for k in ("id", "platform", "user", "text", "color") if k in msg}
        try:
            await self.bus.execute("chat.post", args)
        except BusError as e:
            return _error(e.code, e.message, mid)
        return None

    # -- engine → API ----------------------------------------------------------------------
    async def request(self, what: str, args: dict[str, Any], timeout: float = REQUEST_TIMEOUT_S) -> dict[str, Any]:
        """Ask the API something and wait for its result's ``data``; BusError if it can't say."""
        ws = self.ws
        if ws is None:
            raise BusError("link_down", f"the link to your API is {self.state}"
                                        + (f" ({self.error})" if self.error else ""))
        self._request_ids += 1
        rid = f"e{self._request_ids}"
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        try:
            await ws.send(json.dumps({"type": "request", "id": rid, "request": what, "args": args}))
            msg = await asyncio.wait_for(fut, timeout)
        except TimeoutError:
            raise BusError("link_timeout", f"your API did not answer the {what} request in {timeout:.0f} s") from None
        except Exception as e:
            if isinstance(e, BusError):
                raise
            raise BusError("link_down", f"the link dropped during the {what} request") from None
        finally:
            self._pending.pop(rid, None)
        if msg.get("ok") is not True:
            err: dict[str, Any] = msg["error"] if isinstance(msg.get("error"), dict) else {}
            raise BusError(str(err.get("code") or "refused"),
                           f"your API refused the {what} request: {mask_text(str(err.get('message') or 'no reason'))}")
        data = msg.get("data")
        return data if isinstance(data, dict) else {}

    def _events(self, ev: BusEvent) -> list[str]:
        out: list[dict[str, Any]] = []
        if isinstance(ev, StateChanged):
            last, self._last = self._last, ev.state
            found = {what: d for what, d in changes(last, ev.state)}
            if "streaming" in found or "recording" in found:
                out.append({"event": "stream_state", "streaming": ev.state.streaming,
                            "recording": ev.state.recording, "outputs": ev.state.wire()["outputs"]})
            if "scene" in found:
                out.append({"event": "scene_changed", "scene": found["scene"]["scene"]})
        elif isinstance(ev, VideoStats):
            stats = ev.wire()
            out.append({"event": "stats", "stats": {k: stats[k] for k in (
                "fps", "frames", "repeated", "skipped", "lagged", "encode_ms", "outputs", "sources", "audio")}})
        elif isinstance(ev, LogLine) and ev.level in ("ERROR", "CRITICAL") and ev.logger != log.name:
            out.append({"event": "error", "message": ev.msg, "process": ev.process})
        return [dumps({"type": "event"} | e) for e in out]
