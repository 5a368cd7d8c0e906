"""Clients of the control protocol: a blocking one for ``rigcast ctl`` and scripts, an asyncio
one for the TUI (replies matched to requests by id, events handed to a callback).

Both speak in the engine's own types: a command goes as its dataclass (``run(SwitchScene(2))``)
and its answer comes back as the class the command names (engine/vocab/results.py); events
arrive as the bus's event classes (engine/vocab/reports.py), read back from JSON by
engine/vocab/wire.py. ``call``/``request`` stay for tools that speak JSON by name.

Both find the engine the same way: its Unix socket in the runtime dir, or — where there is
none (Windows, or an engine reached over TCP) — the endpoint and token it wrote to
``control.json`` in the runtime dir. An engine on another box is reached through ``ssh``
instead (engine/control/sshlink.py): the same messages, over the ssh process's pipes.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from rigcast.engine import paths
from rigcast.engine.control import protocol
from rigcast.engine.control.bus import BusError, Cmd, given
from rigcast.engine.control.sshlink import AsyncSshLink, SshClosed, SshRoute, SyncSshLink
from rigcast.engine.errors import RigcastError
from rigcast.engine.vocab.reports import BusEvent, event_from_wire
from rigcast.engine.vocab.results import Subscribed
from rigcast.engine.vocab.wire import WireError, value

R = TypeVar("R")
log = logging.getLogger("rigcast.client")


class EngineNotRunning(RigcastError):
    pass


@dataclass(frozen=True)
class Endpoint:
    unix_path: Path | None = None
    tcp: str | None = None  # host:port
    token: str | None = None
    ssh: SshRoute | None = None  # a rig on another box: its bridge, through ssh

    @property
    def uri(self) -> str:
        return f"ws://{self.tcp}/" if self.tcp else "ws://localhost/"

    def connect_kwargs(self) -> dict[str, Any]:
        kw: dict[str, Any] = {"max_size": protocol.MAX_FRAME, "compression": None}
        if self.token:
            kw["additional_headers"] = {"Authorization": f"Bearer {self.token}"}
        return kw

    def describe(self) -> str:
        if self.ssh is not None:
            return self.ssh.describe()
        return str(self.unix_path) if self.unix_path else f"tcp {self.tcp}"


# The engine a process talks to when a call names none: ``rigcast ctl --host`` sets it.
_chosen: ContextVar[Endpoint | None] = ContextVar("rigcast_endpoint", default=None)


@contextlib.contextmanager
def using(endpoint: Endpoint) -> Iterator[None]:
    """Calls inside go to ``endpoint`` unless they name another."""
    token = _chosen.set(endpoint)
    try:
        yield
    finally:
        _chosen.reset(token)


def find_endpoint() -> Endpoint:
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    sock = paths.socket_path()
    if sys.platform != "win32" and sock.exists():
        return Endpoint(unix_path=sock)
    info = paths.token_path()
    if info.exists():
        with contextlib.suppress(OSError, ValueError, KeyError):
            d = json.loads(info.read_text())
            return Endpoint(tcp=d["tcp"], token=d.get("token") or os.environ.get(d.get("token_env", ""), ""))
    raise EngineNotRunning(f"no rigcast engine is running (no control socket at {sock}); "
                           "start one with `rigcast up` or `rigcast`")


def _raise_for(reply: dict[str, Any]) -> Any:
    if reply.get("ok"):
        return reply.get("data")
    err = reply.get("error") or {}
    raise BusError(str(err.get("code", "error")), str(err.get("message", "request failed")))


def open_sync(ep: Endpoint, open_timeout: float = 5) -> Any:
    """A blocking connection to ``ep`` (websockets' sync one, or the SSH link of the same
    shape); EngineNotRunning, with why, when nothing answers there."""
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect, unix_connect

    try:
        if ep.ssh is not None:
            return SyncSshLink(ep.ssh)  # raises SshClosed only when ssh can't be run
        if ep.unix_path is not None:
            return unix_connect(str(ep.unix_path), ep.uri, open_timeout=open_timeout, **ep.connect_kwargs())
        return connect(ep.uri, open_timeout=open_timeout, proxy=None, **ep.connect_kwargs())
    except SshClosed as e:
        raise EngineNotRunning(str(e)) from None
    except (OSError, WebSocketException, TimeoutError) as e:
        raise EngineNotRunning(f"cannot reach the rigcast engine at {ep.describe()} ({e}); "
                               "is it running? start one with `rigcast up`") from None


def call(cmd: str, args: dict[str, Any] | None = None, timeout: float = 30.0,
         endpoint: Endpoint | None = None) -> Any:
    """One request, one reply; raises :class:`BusError` for an error reply."""
    with open_sync(endpoint or find_endpoint()) as ws:
        try:
            ws.recv(timeout=timeout)  # hello
            ws.send(protocol.request(1, cmd, args))
            while True:
                msg = json.loads(ws.recv(timeout=timeout))
                if msg.get("type") == "reply" and msg.get("id") == 1:
                    return _raise_for(msg)
        except SshClosed as e:  # ssh's line, or the rig's: "Host key verification failed."
            raise EngineNotRunning(str(e)) from None


def run(cmd: Cmd[R], timeout: float = 30.0, endpoint: Endpoint | None = None) -> R:
    """A typed command, its typed answer; raises :class:`BusError` for an error reply."""
    return answer_of(cmd, call(cmd.NAME, given(cmd), timeout, endpoint))


def answer_of(cmd: Cmd[R], data: Any) -> R:
    """A reply's ``data`` as the class ``cmd`` answers with."""
    return cast(R, value(type(cmd).RESULT, data))


EventCallback = Callable[[BusEvent], None]
WireCallback = Callable[[str, dict[str, Any]], None]


class AsyncControlClient:
    """One connection, many requests in flight; events go to ``on_event`` as they arrive, as
    the engine's own types (``on_wire``: as the JSON that came, for tools checking the wire)."""

    def __init__(self, on_event: EventCallback | None = None, endpoint: Endpoint | None = None,
                 on_wire: WireCallback | None = None) -> None:
        self.endpoint = endpoint
        self.on_event = on_event
        self.on_wire = on_wire
        self.hello: dict[str, Any] = {}
        self._ws: Any = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.closed = asyncio.Event()

    async def connect(self) -> None:
        from websockets.asyncio.client import connect, unix_connect

        ep = self.endpoint or find_endpoint()
        try:
            if ep.ssh is not None:
                self._ws = await AsyncSshLink.open(ep.ssh)
            elif ep.unix_path is not None:
                self._ws = await unix_connect(str(ep.unix_path), ep.uri, open_timeout=5, **ep.connect_kwargs())
            else:
                self._ws = await connect(ep.uri, open_timeout=5, proxy=None, **ep.connect_kwargs())
            self.hello = json.loads(await self._ws.recv())
        except EngineNotRunning:
            raise
        except SshClosed as e:  # ssh's own line says why: "Host key verification failed."
            if self._ws is not None:
                await self._ws.close()
            raise EngineNotRunning(str(e)) from None
        except Exception as e:  # refused, timed out, not a websocket: all mean "no engine there"
            raise EngineNotRunning(f"cannot reach the rigcast engine at {ep.describe()} ({e})") from None
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self._ws:
                msg = json.loads(raw)
                if msg.get("type") == "reply":
                    fut = self._pending.pop(msg.get("id"), None)
                    if fut is not None and not fut.done():
                        fut.set_result(msg)
                elif msg.get("type") == "event":
                    self._event(str(msg.get("event")), msg.get("data") or {})
        except Exception:
            pass
        finally:
            self.closed.set()
            for fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(EngineNotRunning("the engine closed the connection"))
            self._pending.clear()

    def _event(self, name: str, data: dict[str, Any]) -> None:
        if self.on_wire is not None:
            self.on_wire(name, data)
        if self.on_event is None:
            return
        try:
            ev = event_from_wire(name, data)
        except (WireError, ValueError, KeyError) as e:  # an engine of another version: skip, don't stop
            log.warning("control: a %s event this client can't read (%s)", name, e)
            return
        self.on_event(ev)

    async def run(self, cmd: Cmd[R], timeout: float = 30.0) -> R:
        """A typed command, its typed answer."""
        return answer_of(cmd, await self.request(cmd.NAME, given(cmd), timeout))

    async def subscribe(self, events: Iterable[str], meter_hz: float | None = None) -> Subscribed:
        """Hear these events from now on (meters at most ``meter_hz`` a second, each summing the
        frames between); the answer holds the state now, the recent log and chat."""
        args: dict[str, Any] = {"events": list(events)}
        if meter_hz is not None:
            args["meter_hz"] = meter_hz
        return Subscribed.from_wire(await self.request("subscribe", args))

    async def unsubscribe(self, events: Iterable[str]) -> Subscribed:
        """Stop hearing these events; the answer holds the events still heard."""
        return Subscribed.from_wire(await self.request("unsubscribe", {"events": list(events)}))

    async def request(self, cmd: str, args: dict[str, Any] | None = None, timeout: float = 30.0) -> Any:
        if self._ws is None or self.closed.is_set():
            raise EngineNotRunning("not connected to the engine")
        rid = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        await self._ws.send(protocol.request(rid, cmd, args))
        return _raise_for(await asyncio.wait_for(fut, timeout))

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(BaseException):
                await self._reader
