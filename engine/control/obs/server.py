"""The obs-websocket sessions: handshake, encoding, subscriptions; requests are answered in
engine/control/obs/requests.py and its area modules.

Only a translator: each OBS request becomes a command on the engine's bus and each bus state
event the OBS events a client subscribed to. The handshake is the spec's: Hello (with an
authentication challenge when a password is set), Identify, Identified; a wrong password
closes with 4009, an unknown request gets status 204 and the socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from rigcast.config.kinds import Cap, Role, names
from rigcast.engine.commands.scenes import SetMeterRate
from rigcast.engine.control.bus import CommandBus
from rigcast.engine.control.changes import changes
from rigcast.engine.control.obs import (  # noqa: F401  (they register)
    canvases,
    filters,
    general,
    hotkeys,
    inputs,
    media,
    outputs,
    replay,
    scenes,
    screenshots,
    studio,
    transitions,
    unsupported,
)
from rigcast.engine.control.obs.auth import FailureBrake
from rigcast.engine.control.obs.codec import Codec, DecodeError, choose
from rigcast.engine.control.obs.events import obs_events, transition_ended, volume_meters
from rigcast.engine.control.obs.protocol import (
    ALREADY_IDENTIFIED,
    AUTH_FAILED,
    HELLO,
    IDENTIFIED,
    IDENTIFY,
    INVALID_DATA_VALUE,
    MAX_BATCH,
    MAX_MESSAGE,
    MESSAGE_DECODE_ERROR,
    MISSING_DATA_FIELD,
    NOT_IDENTIFIED,
    OBS_WS_VERSION,
    REIDENTIFY,
    REQUEST,
    REQUEST_BATCH,
    REQUEST_BATCH_RESPONSE,
    REQUEST_RESPONSE,
    RPC_VERSION,
    SUB_ALL,
    SUB_TRANSITIONS,
    SUB_VOLUME_METERS,
    UNKNOWN_OP,
    UNSUPPORTED_RPC,
    auth_string,
)
from rigcast.engine.control.obs.requests import Ctx, answer, answer_batch
from rigcast.engine.control.outbox import Outbox
from rigcast.engine.vocab.reports import BusEvent, Meter, StateChanged, VideoStats
from rigcast.engine.vocab.snapshot import Snapshot

METER_HZ, FAST_METER_HZ = 15, 20  # InputVolumeMeters is every 50 ms: 20 meter frames a second

log = logging.getLogger("rigcast.obsws")


class ObsWebsocketServer:
    def __init__(self, bus: CommandBus, state: Callable[[], Snapshot], stats: Callable[[], VideoStats | None],
                 password: str | None) -> None:
        self.bus, self.state, self.password = bus, state, password or None
        self.ctx = Ctx(bus, state, stats)
        self.brake = FailureBrake()
        self.port = 0
        self.server: Server | None = None
        self._metered: set[int] = set()  # sessions subscribed to InputVolumeMeters

    async def _meters_for(self, session: int, wanted: bool) -> None:
        """Meters at 20 Hz while any session takes InputVolumeMeters, else back to 15."""
        before = bool(self._metered)
        (self._metered.add if wanted else self._metered.discard)(session)
        if bool(self._metered) != before:
            try:
                await self.bus.run(SetMeterRate(FAST_METER_HZ if self._metered else METER_HZ))
            except Exception as e:  # the video process gone: the meters stop anyway
                log.debug("meter rate: %s", e)

    async def serve(self, host: str, port: int) -> int:
        # JSON or MessagePack, as the client asks (engine/control/obs/codec.py); JSON without a
        # subprotocol for clients that ask for none (obsws-python), as OBS does.
        def select(_conn: Any, offered: Any) -> Any:
            return choose(offered)

        self.server = await serve(self._handle, host, port, select_subprotocol=select,
                                  max_size=MAX_MESSAGE, compression=None)
        self.port = int(next(iter(self.server.sockets)).getsockname()[1])
        return self.port

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 3)

    # -- a session ---------------------------------------------------------------------------
    async def _handle(self, ws: ServerConnection) -> None:
        hello: dict[str, Any] = {"obsWebSocketVersion": OBS_WS_VERSION, "rpcVersion": RPC_VERSION}
        address = str(ws.remote_address[0]) if ws.remote_address else "?"
        salt, challenge = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        if self.password:
            hello["authentication"] = {"challenge": challenge, "salt": salt}
        codec = Codec(ws.subprotocol)
        await ws.send(codec.encode({"op": HELLO, "d": hello}))
        subs = 0
        identified = False
        last: Snapshot | None = None  # the state this session last heard about

        def translate(ev: BusEvent) -> list[str | bytes]:
            nonlocal last
            if not identified:
                return []
            if isinstance(ev, Meter):
                return [codec.encode(volume_meters(ev))] if subs & SUB_VOLUME_METERS else []
            if not isinstance(ev, StateChanged):
                return []
            seen, last = last, ev.state
            found = changes(seen, last)
            if subs & SUB_TRANSITIONS and any(what == "scene" for what, _ in found):
                t = last.transition
                delay = t.duration_ms / 1000 if t.kind in names(Role.TRANSITION, Cap.BLENDS) else 0.0
                ended = codec.encode(transition_ended(last))
                asyncio.get_running_loop().call_later(delay, outbox.send, ended)
            return [codec.encode(m) for m in obs_events(found, subs, last)]

        outbox = Outbox(self.bus, ws, translate)
        session = id(ws)
        try:
            async for raw in ws:
                try:
                    msg = codec.decode(raw)
                    op, d = msg["op"], msg.get("d", {})
                    if not isinstance(d, dict):
                        raise KeyError("d")
                except (DecodeError, KeyError):
                    await ws.close(MESSAGE_DECODE_ERROR, "the message is not a valid obs-websocket message")
                    return
                if op == IDENTIFY:
                    if identified:
                        await ws.close(ALREADY_IDENTIFIED, "already identified")
                        return
                    if d.get("rpcVersion") != RPC_VERSION:
                        await ws.close(UNSUPPORTED_RPC, f"rpcVersion {RPC_VERSION} only")
                        return
                    if self.password is not None:
                        given = d.get("authentication")
                        expected = auth_string(self.password, salt, challenge)
                        wait = self.brake.delay(address)
                        if wait:
                            await asyncio.sleep(wait)  # guessing from one address gets slower and slower
                        if not isinstance(given, str) or not hmac.compare_digest(given.encode(), expected.encode()):
                            self.brake.failed(address)
                            log.warning("obs-websocket: failed login from %s", address)
                            await ws.close(AUTH_FAILED, "Authentication failed.")
                            return
                        self.brake.succeeded(address)
                    subs = int(d.get("eventSubscriptions", SUB_ALL)) if isinstance(d.get("eventSubscriptions", 0), int) else SUB_ALL
                    last = self.state()
                    await ws.send(codec.encode({"op": IDENTIFIED, "d": {"negotiatedRpcVersion": RPC_VERSION}}))
                    identified = True  # events only after Identified, as the spec orders them
                    await self._meters_for(session, bool(subs & SUB_VOLUME_METERS))
                elif not identified:
                    await ws.close(NOT_IDENTIFIED, "identify first")
                    return
                elif op == REIDENTIFY:  # new event subscriptions for a live session
                    given = d.get("eventSubscriptions", subs)
                    subs = given if isinstance(given, int) and not isinstance(given, bool) else subs
                    await self._meters_for(session, bool(subs & SUB_VOLUME_METERS))
                    await ws.send(codec.encode({"op": IDENTIFIED, "d": {"negotiatedRpcVersion": RPC_VERSION}}))
                elif op == REQUEST:
                    await ws.send(codec.encode({"op": REQUEST_RESPONSE, "d": await answer(self.ctx, d)}))
                elif op == REQUEST_BATCH:
                    if not isinstance(d.get("requests"), list):
                        await ws.close(MISSING_DATA_FIELD, "a request batch needs its `requests`")
                        return
                    if len(d["requests"]) > MAX_BATCH:
                        await ws.close(INVALID_DATA_VALUE, f"a request batch holds at most {MAX_BATCH} requests")
                        return
                    await ws.send(codec.encode({"op": REQUEST_BATCH_RESPONSE, "d": await answer_batch(self.ctx, d)}))
                else:
                    await ws.close(UNKNOWN_OP, f"unknown op {op}")
                    return
        except ConnectionClosed:
            pass
        finally:
            outbox.close()
            if session in self._metered:
                await self._meters_for(session, False)
