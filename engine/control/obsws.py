"""An obs-websocket v5 server: OBS remote tools (Stream Deck, Companion, Streamer.bot,
obsws-python scripts) drive rigcast unchanged.

Only a translator: each OBS request becomes a command on the engine's bus and each bus state
event the OBS events a client subscribed to. The handshake is the spec's: Hello (with an
authentication challenge when a password is set), Identify, Identified; a wrong password
closes with 4009, an unknown request gets status 204 and the socket stays open.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from engine.control.bus import BusError, CommandBus
from engine.control.changes import Change, changes
from engine.control.obs_codec import Codec, DecodeError, choose
from engine.control.obs_auth import FailureBrake
from engine.control.outbox import Outbox
from engine.vocab.reports import BusEvent, StateChanged

log = logging.getLogger("rigcast.obsws")

OBS_WS_VERSION = "5.5.0"
RPC_VERSION = 1
# WebSocketOpCode
HELLO, IDENTIFY, IDENTIFIED, REIDENTIFY, EVENT, REQUEST, REQUEST_RESPONSE = 0, 1, 2, 3, 5, 6, 7
REQUEST_BATCH, REQUEST_BATCH_RESPONSE = 8, 9
# RequestBatchExecutionType
SERIAL_REALTIME, SERIAL_FRAME, PARALLEL = 0, 1, 2
MAX_SLEEP_MS, MAX_SLEEP_FRAMES = 50_000, 10_000
# WebSocketCloseCode
MESSAGE_DECODE_ERROR, MISSING_DATA_FIELD, UNKNOWN_OP, NOT_IDENTIFIED = 4002, 4003, 4006, 4007
ALREADY_IDENTIFIED, AUTH_FAILED, UNSUPPORTED_RPC = 4008, 4009, 4010
# RequestStatus
SUCCESS, MISSING_REQUEST_TYPE, UNKNOWN_REQUEST_TYPE, GENERIC_ERROR = 100, 203, 204, 205
UNSUPPORTED_BATCH_TYPE = 206
MISSING_FIELD, INVALID_FIELD_TYPE, OUT_OF_RANGE = 300, 401, 402
OUTPUT_RUNNING, OUTPUT_NOT_RUNNING, NOT_FOUND = 500, 501, 600
# EventSubscription bits
SUB_SCENES, SUB_INPUTS, SUB_OUTPUTS, SUB_SCENE_ITEMS = 1 << 2, 1 << 3, 1 << 6, 1 << 7
SUB_ALL = (1 << 11) - 1
MAX_MESSAGE = 64 * 1024


class RequestFailed(Exception):
    def __init__(self, code: int, comment: str) -> None:
        super().__init__(comment)
        self.code, self.comment = code, comment


def auth_string(password: str, salt: str, challenge: str) -> str:
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()


def _timecode(seconds: float | None) -> str:
    ms = int((seconds or 0) * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _field(data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in data:
        raise RequestFailed(MISSING_FIELD, f"Your request is missing the field `{name}`.")
    value = data[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise RequestFailed(INVALID_FIELD_TYPE, f"The field value of `{name}` is of the wrong type.")
    return value


_EVENTS = {"scene": (SUB_SCENES, "CurrentProgramSceneChanged"), "streaming": (SUB_OUTPUTS, "StreamStateChanged"),
           "recording": (SUB_OUTPUTS, "RecordStateChanged"), "mute": (SUB_INPUTS, "InputMuteStateChanged")}


def _events(found: list[Change], subs: int) -> list[dict[str, Any]]:
    """Engine state changes as the OBS events a session subscribed to."""
    out = []
    for what, d in found:
        bit, name = _EVENTS[what]
        if not subs & bit:
            continue
        if what == "scene":
            data: dict[str, Any] = {"sceneName": d["scene"]}
        elif what == "mute":
            data = {"inputName": d["source"], "inputMuted": d["muted"]}
        else:
            data = {"outputActive": d["active"],
                    "outputState": "OBS_WEBSOCKET_OUTPUT_STARTED" if d["active"] else "OBS_WEBSOCKET_OUTPUT_STOPPED"}
        out.append({"op": EVENT, "d": {"eventType": name, "eventIntent": bit, "eventData": data}})
    return out


class ObsWebsocketServer:
    def __init__(self, bus: CommandBus, state: Callable[[], dict[str, Any]], password: str | None) -> None:
        self.bus, self.state, self.password = bus, state, password or None
        self.brake = FailureBrake()
        self.port = 0
        self.server: Server | None = None

    async def serve(self, host: str, port: int) -> int:
        # JSON or MessagePack, as the client asks (engine/control/obs_codec.py); JSON without a
        # subprotocol for clients that ask for none (obsws-python), as OBS does.
        def select(_conn: Any, offered: Any) -> Any:
            return choose(offered)

        self.server = await serve(self._handle, host, port, select_subprotocol=select,
                                  max_size=4 * MAX_MESSAGE, compression=None)
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
        last: dict[str, Any] = {}  # the state this session last heard about

        def translate(ev: BusEvent) -> list[str | bytes]:
            nonlocal last
            if not identified or not isinstance(ev, StateChanged):
                return []
            seen, last = last, ev.state
            return [codec.encode(m) for m in _events(changes(seen, last), subs)]

        outbox = Outbox(self.bus, ws, translate)
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
                    identified = True
                    last = self.state()
                    await ws.send(codec.encode({"op": IDENTIFIED, "d": {"negotiatedRpcVersion": RPC_VERSION}}))
                elif not identified:
                    await ws.close(NOT_IDENTIFIED, "identify first")
                    return
                elif op == REIDENTIFY:  # new event subscriptions for a live session
                    given = d.get("eventSubscriptions", subs)
                    subs = given if isinstance(given, int) and not isinstance(given, bool) else subs
                    await ws.send(codec.encode({"op": IDENTIFIED, "d": {"negotiatedRpcVersion": RPC_VERSION}}))
                elif op == REQUEST:
                    await ws.send(codec.encode({"op": REQUEST_RESPONSE, "d": await self._request(d)}))
                elif op == REQUEST_BATCH:
                    if not isinstance(d.get("requests"), list):
                        await ws.close(MISSING_DATA_FIELD, "a request batch needs its `requests`")
                        return
                    await ws.send(codec.encode({"op": REQUEST_BATCH_RESPONSE, "d": await self._batch(d)}))
                else:
                    await ws.close(UNKNOWN_OP, f"unknown op {op}")
                    return
        except ConnectionClosed:
            pass
        finally:
            outbox.close()

    async def _batch(self, d: dict[str, Any]) -> dict[str, Any]:
        """RequestBatch (op 8): every request a command on the one bus, serially (in order, a
        failure halting the rest when ``haltOnFailure``) or all at once (``Parallel``: the bus
        still runs state changes one at a time)."""
        mode = d.get("executionType", SERIAL_REALTIME)
        requests = [r if isinstance(r, dict) else {} for r in d["requests"]]
        out: dict[str, Any] = {"requestId": d.get("requestId")}
        if mode not in (SERIAL_REALTIME, SERIAL_FRAME, PARALLEL):
            status = {"result": False, "code": UNSUPPORTED_BATCH_TYPE,
                      "comment": f"executionType {mode!r} is not SerialRealtime (0), SerialFrame (1) or Parallel (2)"}
            return out | {"results": [{"requestType": r.get("requestType"), "requestId": r.get("requestId"),
                                       "requestStatus": status} for r in requests]}
        if mode == PARALLEL:
            return out | {"results": list(await asyncio.gather(*(self._request(r, mode) for r in requests)))}
        results = []
        halt = d.get("haltOnFailure") is True
        for r in requests:
            res = await self._request(r, mode)
            results.append(res)
            if halt and not res["requestStatus"]["result"]:
                break
        return out | {"results": results}

    async def _sleep(self, data: dict[str, Any], mode: int | None) -> None:
        """Sleep: only inside a serial batch, bounded as the spec bounds it."""
        if mode == SERIAL_REALTIME:
            ms = _field(data, "sleepMillis", (int, float))
            if not 0 <= ms <= MAX_SLEEP_MS:
                raise RequestFailed(OUT_OF_RANGE, f"sleepMillis must be 0 to {MAX_SLEEP_MS}")
            await asyncio.sleep(ms / 1000)
        elif mode == SERIAL_FRAME:
            frames = _field(data, "sleepFrames", int)
            if not 0 <= frames <= MAX_SLEEP_FRAMES:
                raise RequestFailed(OUT_OF_RANGE, f"sleepFrames must be 0 to {MAX_SLEEP_FRAMES}")
            fps = int(self.state().get("engine", {}).get("fps") or 30)
            await asyncio.sleep(frames / fps)
        else:
            raise RequestFailed(UNSUPPORTED_BATCH_TYPE, "Sleep is only available in serial request batches")

    async def _request(self, d: dict[str, Any], batch: int | None = None) -> dict[str, Any]:
        rtype, rid = d.get("requestType"), d.get("requestId")
        out: dict[str, Any] = {"requestType": rtype, "requestId": rid}
        if not isinstance(rtype, str) or not rtype:
            return out | {"requestStatus": {"result": False, "code": MISSING_REQUEST_TYPE,
                                            "comment": "Your request is missing a `requestType`"}}
        if rtype == "Sleep":
            data = d.get("requestData") or {}
            try:
                await self._sleep(data if isinstance(data, dict) else {}, batch)
            except RequestFailed as e:
                return out | {"requestStatus": {"result": False, "code": e.code, "comment": e.comment}}
            return out | {"requestStatus": {"result": True, "code": SUCCESS}}
        handler = getattr(self, f"r_{rtype}", None)
        if handler is None:
            return out | {"requestStatus": {"result": False, "code": UNKNOWN_REQUEST_TYPE,
                                            "comment": "Your request type is not valid."}}
        data = d.get("requestData") or {}
        try:
            if not isinstance(data, dict):
                raise RequestFailed(INVALID_FIELD_TYPE, "requestData must be an object")
            result = await handler(data)
        except RequestFailed as e:
            return out | {"requestStatus": {"result": False, "code": e.code, "comment": e.comment}}
        except BusError as e:
            code = NOT_FOUND if e.code.startswith("unknown_") else GENERIC_ERROR
            return out | {"requestStatus": {"result": False, "code": code, "comment": e.message}}
        out["requestStatus"] = {"result": True, "code": SUCCESS}
        if result is not None:
            out["responseData"] = result
        return out

    # -- requests (names as in the obs-websocket v5 protocol) ----------------------------------
    def _output(self, stream: bool) -> dict[str, Any]:
        st = self.state()
        outs = [o for o in st.get("outputs", []) if bool(o.get("stream")) == stream]
        active = st["streaming" if stream else "recording"]
        up = st["stream_uptime_s" if stream else "record_uptime_s"] or 0.0
        stats = st.get("stats", {})
        return {"outputActive": active, "outputReconnecting": any(o.get("state") == "reconnecting" for o in outs),
                "outputTimecode": _timecode(up), "outputDuration": int(up * 1000),
                "outputBytes": sum(int(o.get("bytes", 0)) for o in outs), "outputCongestion": 0.0,
                "outputSkippedFrames": sum(int(o.get("dropped", 0)) for o in outs),
                "outputTotalFrames": int(stats.get("frames", 0))}

    async def r_GetVersion(self, _d: dict[str, Any]) -> dict[str, Any]:
        return {"obsVersion": "30.0.0", "obsWebSocketVersion": OBS_WS_VERSION, "rpcVersion": RPC_VERSION,
                "availableRequests": sorted(n[2:] for n in dir(self) if n.startswith("r_")),
                "supportedImageFormats": [], "platform": "rigcast", "platformDescription": "rigcast engine"}

    async def r_GetStats(self, _d: dict[str, Any]) -> dict[str, Any]:
        s = self.state().get("stats", {})
        return {"cpuUsage": 0.0, "memoryUsage": 0.0, "availableDiskSpace": 0.0, "activeFps": float(s.get("fps", 0)),
                "averageFrameRenderTime": float(s.get("encode_ms", 0)), "renderSkippedFrames": int(s.get("skipped", 0)),
                "renderTotalFrames": int(s.get("frames", 0)), "outputSkippedFrames": int(s.get("lagged", 0)),
                "outputTotalFrames": int(s.get("frames", 0)), "webSocketSessionIncomingMessages": 0,
                "webSocketSessionOutgoingMessages": 0}

    async def r_GetSceneList(self, _d: dict[str, Any]) -> dict[str, Any]:
        st = self.state()
        scenes = st["scenes"]
        # OBS lists scenes bottom-up: index 0 is the last one.
        return {"currentProgramSceneName": st["program_scene"], "currentPreviewSceneName": None,
                "scenes": [{"sceneIndex": len(scenes) - 1 - i, "sceneName": s["name"]} for i, s in enumerate(scenes)][::-1]}

    async def r_GetCurrentProgramScene(self, _d: dict[str, Any]) -> dict[str, Any]:
        name = self.state()["program_scene"]
        return {"currentProgramSceneName": name, "sceneName": name}

    async def r_SetCurrentProgramScene(self, d: dict[str, Any]) -> None:
        await self.bus.execute("scene.switch", {"scene": _field(d, "sceneName", str)})

    async def _start_stop(self, what: str, on: bool) -> None:
        active = self.state()["streaming" if what == "stream" else "recording"]
        if active == on:
            raise RequestFailed(OUTPUT_RUNNING if on else OUTPUT_NOT_RUNNING,
                                f"The {what} output is {'already' if on else 'not'} running.")
        await self.bus.execute(f"{what}.{'start' if on else 'stop'}")

    async def r_StartStream(self, _d: dict[str, Any]) -> None:
        await self._start_stop("stream", True)

    async def r_StopStream(self, _d: dict[str, Any]) -> None:
        await self._start_stop("stream", False)

    async def r_ToggleStream(self, _d: dict[str, Any]) -> dict[str, Any]:
        return {"outputActive": (await self.bus.execute("stream.toggle"))["streaming"]}

    async def r_GetStreamStatus(self, _d: dict[str, Any]) -> dict[str, Any]:
        return self._output(stream=True)

    async def r_StartRecord(self, _d: dict[str, Any]) -> None:
        await self._start_stop("record", True)

    async def r_StopRecord(self, _d: dict[str, Any]) -> dict[str, Any]:
        await self._start_stop("record", False)
        paths = [o["target"] for o in self.state().get("outputs", []) if not o.get("stream")]
        return {"outputPath": paths[0] if paths else ""}

    async def r_GetRecordStatus(self, _d: dict[str, Any]) -> dict[str, Any]:
        o = self._output(stream=False)
        return {k: o[k] for k in ("outputActive", "outputTimecode", "outputDuration", "outputBytes")} | {
            "outputPaused": False}

    def _source(self, name: str) -> dict[str, Any]:
        for s in self.state()["sources"]:
            if s["name"] == name:
                return s
        raise RequestFailed(NOT_FOUND, f'No source was found by the name of "{name}".')

    async def r_GetInputList(self, _d: dict[str, Any]) -> dict[str, Any]:
        return {"inputs": [{"inputName": s["name"], "inputKind": s["kind"], "unversionedInputKind": s["kind"],
                            "inputUuid": s["name"]} for s in self.state()["sources"]]}

    async def r_GetInputMute(self, d: dict[str, Any]) -> dict[str, Any]:
        return {"inputMuted": bool(self._source(_field(d, "inputName", str)).get("muted"))}

    async def r_SetInputMute(self, d: dict[str, Any]) -> None:
        name = _field(d, "inputName", str)
        self._source(name)
        await self.bus.execute("source.mute", {"source": name, "muted": _field(d, "inputMuted", bool)})

    async def r_ToggleInputMute(self, d: dict[str, Any]) -> dict[str, Any]:
        name = _field(d, "inputName", str)
        self._source(name)
        return {"inputMuted": (await self.bus.execute("source.mute", {"source": name}))["muted"]}

    async def r_SetInputVolume(self, d: dict[str, Any]) -> None:
        name = _field(d, "inputName", str)
        if "inputVolumeDb" in d:
            db = float(_field(d, "inputVolumeDb", (int, float)))
        else:
            import math

            mul = float(_field(d, "inputVolumeMul", (int, float)))
            db = -100.0 if mul <= 0 else 20 * math.log10(mul)  # OBS's own reading of a zero multiplier
        # Out of range is the bus's call (the volume field's bounds), answered as an error, never clamped.
        await self.bus.execute("source.volume", {"source": name, "volume_db": db})

    def _scene(self, d: dict[str, Any]) -> dict[str, Any]:
        name = _field(d, "sceneName", str)
        for s in self.state()["scenes"]:
            if s["name"] == name:
                return dict(s)
        raise RequestFailed(NOT_FOUND, f'No scene was found by the name of "{name}".')

    async def r_GetSceneItemList(self, d: dict[str, Any]) -> dict[str, Any]:
        scene = self._scene(d)
        kinds = {s["name"]: s["kind"] for s in self.state()["sources"]}
        return {"sceneItems": [{"sceneItemId": i + 1, "sceneItemIndex": i, "sourceName": it["source"],
                                "sceneItemEnabled": it["visible"], "inputKind": kinds.get(it["source"]),
                                "isGroup": False} for i, it in enumerate(scene.get("items", []))]}

    async def r_SetSceneItemEnabled(self, d: dict[str, Any]) -> None:
        scene = self._scene(d)
        item_id = _field(d, "sceneItemId", int)
        items = scene.get("items", [])
        if not 1 <= item_id <= len(items):
            raise RequestFailed(NOT_FOUND, f"No scene item {item_id} in scene {scene['name']}.")
        await self.bus.execute("scene.item.set", {"scene": scene["name"], "source": items[item_id - 1]["source"],
                                                  "visible": _field(d, "sceneItemEnabled", bool)})
