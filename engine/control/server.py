"""The engine's control endpoint: the command bus, spoken as JSON over a websocket.

A Unix socket in the runtime dir (mode 0600: only this user can drive the engine) is always
served where the platform has them; a loopback TCP port with a bearer token is optional (and
the only endpoint on Windows). Each connection is read in order — replies come back in the
order requests were sent — and hears only the events it subscribed to. Events go out through
a bounded queue per client: a client that can't keep up loses stats and meter frames, the
engine never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve, unix_serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as HttpRequest
from websockets.http11 import Response

from rigcast.engine.control import protocol
from rigcast.engine.control.bus import EVENTS, BusError, CommandBus
from rigcast.engine.control.meterrate import MeterThrottle
from rigcast.engine.control.outbox import Outbox
from rigcast.engine.vocab.reports import BusEvent, Meter
from rigcast.engine.vocab.results import Subscribed
from rigcast.engine.vocab.wire import to_wire

log = logging.getLogger("rigcast.control")


@dataclass
class Listening:
    """What one connection hears: the events it subscribed to, meters at the rate it asked."""

    events: set[str] = field(default_factory=set)
    meters: MeterThrottle | None = None  # None: every meter frame

    def frames(self, ev: BusEvent) -> list[str]:
        if ev.EVENT not in self.events:
            return []
        if isinstance(ev, Meter) and self.meters is not None:
            summed = self.meters.add(ev, time.monotonic())
            return [protocol.event(ev.EVENT, summed.wire())] if summed is not None else []
        return [protocol.event(ev.EVENT, ev.wire())]


class ControlServer:
    def __init__(self, bus: CommandBus, engine_info: Callable[[], dict[str, Any]],
                 snapshot: Callable[[], Subscribed]) -> None:
        self.bus = bus
        self.engine_info = engine_info
        self.snapshot = snapshot  # state + recent log lines, sent to a client as it subscribes
        self.servers: list[Server] = []
        self.token: str | None = None
        self.clients = 0

    async def serve_unix(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()  # a stale socket of an engine that died; the pid file said it's gone
        old = os.umask(0o177)  # created 0600, never briefly open to others
        try:
            server = await unix_serve(self._handle, str(path), max_size=protocol.MAX_FRAME,
                                      compression=None)
        finally:
            os.umask(old)
        os.chmod(path, 0o600)
        self.servers.append(server)

    async def serve_tcp(self, port: int, token: str) -> int:
        self.token = token
        server = await serve(self._handle, "127.0.0.1", port, max_size=protocol.MAX_FRAME, compression=None,
                             process_request=self._check_token)
        self.servers.append(server)
        return int(next(iter(server.sockets)).getsockname()[1])

    def _check_token(self, connection: ServerConnection, request: HttpRequest) -> Response | None:
        given = request.headers.get("Authorization", "")
        if self.token is not None and hmac.compare_digest(given.encode(), f"Bearer {self.token}".encode()):
            return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "a valid token is required (Authorization: Bearer ...)\n")

    async def close(self) -> None:
        for s in self.servers:
            s.close()
        for s in self.servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(s.wait_closed(), 3)

    async def _handle(self, ws: ServerConnection) -> None:
        self.clients += 1
        subscribed = Listening()
        outbox = Outbox(self.bus, ws, subscribed.frames)
        try:
            await ws.send(protocol.hello(self.engine_info()))
            async for raw in ws:
                await ws.send(await self._answer(raw, subscribed))
        except ConnectionClosed:
            pass
        finally:
            outbox.close()
            self.clients -= 1

    async def _answer(self, raw: str | bytes, subscribed: Listening) -> str:
        rid: str | int | None = None
        try:
            req = protocol.parse_request(raw)
            rid = req.id
            if req.cmd == "subscribe":
                return protocol.reply_ok(rid, self._subscribe(req.args, subscribed, True).wire())
            if req.cmd == "unsubscribe":
                return protocol.reply_ok(rid, self._subscribe(req.args, subscribed, False).wire())
            return protocol.reply_ok(rid, to_wire(await self.bus.execute(req.cmd, req.args)))
        except protocol.RequestError as e:
            return protocol.reply_error(e.rid, e.code, e.message)
        except BusError as e:
            return protocol.reply_error(rid, e.code, e.message)
        except Exception as e:  # a bug in a handler is this request's error, not the engine's end
            log.exception("control request failed")
            return protocol.reply_error(rid, "internal", f"{type(e).__name__}: {e}")

    def _subscribe(self, args: dict[str, Any], listening: Listening, on: bool) -> Subscribed:
        events = args.get("events", list(EVENTS))
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            raise BusError("bad_args", '"events" must be a list of event names')
        unknown = [e for e in events if e not in EVENTS]
        if unknown:
            raise BusError("bad_args", f'unknown event "{unknown[0]}"; events are {", ".join(EVENTS)}')
        hz = args.get("meter_hz")
        if on and hz is not None:
            if isinstance(hz, bool) or not isinstance(hz, (int, float)) or not 1 <= hz <= 60:
                raise BusError("bad_args", '"meter_hz" must be a number from 1 to 60 (meter frames a second)')
            listening.meters = MeterThrottle(hz)
        if on:
            listening.events.update(events)
            return dataclasses.replace(self.snapshot(), events=tuple(sorted(listening.events)))
        listening.events.difference_update(events)
        return Subscribed(tuple(sorted(listening.events)))
