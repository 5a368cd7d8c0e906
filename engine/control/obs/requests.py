"""The requests an obs-websocket client can make: a registry, and how each is answered.

Each area module (general, scenes, outputs, inputs) registers its requests with ``@request``;
a handler gets the session's :class:`Ctx` and the request data and returns the response data
(or None). Everything a handler changes goes through the engine's one command bus. Failures
answer the spec's status codes: :class:`RequestFailed` its own, a bus error 600 when the thing
named doesn't exist, else 205. Batches (op 8) run their requests here too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from rigcast.engine.control.bus import BusError, CommandBus
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    GENERIC_ERROR,
    INVALID_FIELD,
    INVALID_FIELD_TYPE,
    INVALID_RESOURCE_STATE,
    MAX_SLEEP_FRAMES,
    MAX_SLEEP_MS,
    MISSING_REQUEST_TYPE,
    NOT_FOUND,
    OUT_OF_RANGE,
    OUTPUT_RUNNING,
    PARALLEL,
    PROCESSING_FAILED,
    SERIAL_FRAME,
    SERIAL_REALTIME,
    STUDIO_MODE_NOT_ACTIVE,
    SUCCESS,
    UNKNOWN_REQUEST_TYPE,
    UNSUPPORTED_BATCH_TYPE,
    RequestFailed,
    field,
)
from rigcast.engine.vocab.reports import VideoStats
from rigcast.engine.vocab.snapshot import Snapshot

# The bus's error codes as the spec's statuses (the rest: 600 for unknown_*, else 205).
BUS_CODES = {"busy": OUTPUT_RUNNING, "bad_config": CANNOT_ACT, "no_config_file": CANNOT_ACT,
             "bad_args": INVALID_FIELD, "out_of_range": OUT_OF_RANGE, "bad_format": INVALID_FIELD,
             "not_recording": INVALID_RESOURCE_STATE, "recording": INVALID_RESOURCE_STATE,
             "streaming": INVALID_RESOURCE_STATE, "no_output": NOT_FOUND, "failed": PROCESSING_FAILED,
             "timeout": PROCESSING_FAILED, "engine_down": PROCESSING_FAILED, "studio_mode_off": STUDIO_MODE_NOT_ACTIVE}


@dataclass(frozen=True)
class Ctx:
    bus: CommandBus
    state: Callable[[], Snapshot]  # the engine's state now
    stats: Callable[[], VideoStats | None]  # the video process's last stats (None before the first)


Handler = Callable[[Ctx, dict[str, Any]], Awaitable[dict[str, Any] | None]]
REQUESTS: dict[str, Handler] = {}
# How a request is answered, for docs/obs-websocket.md: absent = it does it; ("fixed", what the
# answer always is, and why); ("refused", "CODE: why") = it always fails with that status.
NOTES: dict[str, tuple[str, str]] = {}


def request(name: str, fixed: str | None = None) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        REQUESTS[name] = fn
        if fixed is not None:
            NOTES[name] = ("fixed", fixed)
        return fn

    return register


def refuse(name: str, code: int, why: str) -> None:
    """A request rigcast can't honour: always the spec's failure status, never a fake success."""
    async def handler(_ctx: Ctx, _d: dict[str, Any]) -> None:
        raise RequestFailed(code, why)

    REQUESTS[name] = handler
    NOTES[name] = ("refused", f"{code}: {why}")


def available() -> list[str]:
    return sorted([*REQUESTS, "Sleep"])


async def _sleep(ctx: Ctx, data: dict[str, Any], mode: int | None) -> None:
    """Sleep: only inside a serial batch, bounded as the spec bounds it."""
    if mode == SERIAL_REALTIME:
        ms = field(data, "sleepMillis", (int, float))
        if not 0 <= ms <= MAX_SLEEP_MS:
            raise RequestFailed(OUT_OF_RANGE, f"sleepMillis must be 0 to {MAX_SLEEP_MS}")
        await asyncio.sleep(ms / 1000)
    elif mode == SERIAL_FRAME:
        frames = field(data, "sleepFrames", int)
        if not 0 <= frames <= MAX_SLEEP_FRAMES:
            raise RequestFailed(OUT_OF_RANGE, f"sleepFrames must be 0 to {MAX_SLEEP_FRAMES}")
        fps = ctx.state().engine.fps or 30
        await asyncio.sleep(frames / fps)
    else:
        raise RequestFailed(UNSUPPORTED_BATCH_TYPE, "Sleep is only available in serial request batches")


async def answer(ctx: Ctx, d: dict[str, Any], batch: int | None = None) -> dict[str, Any]:
    """One request (op 6, or one of a batch's) -> its RequestResponse data."""
    rtype, rid = d.get("requestType"), d.get("requestId")
    out: dict[str, Any] = {"requestType": rtype, "requestId": rid}
    if not isinstance(rtype, str) or not rtype:
        return out | {"requestStatus": {"result": False, "code": MISSING_REQUEST_TYPE,
                                        "comment": "Your request is missing a `requestType`"}}
    handler = REQUESTS.get(rtype)
    if handler is None and rtype != "Sleep":
        return out | {"requestStatus": {"result": False, "code": UNKNOWN_REQUEST_TYPE,
                                        "comment": "Your request type is not valid."}}
    data = d.get("requestData") or {}
    try:
        if not isinstance(data, dict):
            raise RequestFailed(INVALID_FIELD_TYPE, "requestData must be an object")
        if handler is None:
            await _sleep(ctx, data, batch)
            result = None
        else:
            result = await handler(ctx, data)
    except RequestFailed as e:
        return out | {"requestStatus": {"result": False, "code": e.code, "comment": e.comment}}
    except BusError as e:
        code = BUS_CODES.get(e.code, NOT_FOUND if e.code.startswith("unknown_") else GENERIC_ERROR)
        return out | {"requestStatus": {"result": False, "code": code, "comment": e.message}}
    out["requestStatus"] = {"result": True, "code": SUCCESS}
    if result is not None:
        out["responseData"] = result
    return out


async def answer_batch(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    """RequestBatch (op 8) -> RequestBatchResponse data: serially, in order, a failure halting
    the rest when ``haltOnFailure``; or all at once (``Parallel``: the bus still runs state
    changes one at a time, in arrival order)."""
    mode = d.get("executionType", SERIAL_REALTIME)
    requests = [r if isinstance(r, dict) else {} for r in d["requests"]]
    out: dict[str, Any] = {"requestId": d.get("requestId")}
    if mode not in (SERIAL_REALTIME, SERIAL_FRAME, PARALLEL):
        status = {"result": False, "code": UNSUPPORTED_BATCH_TYPE,
                  "comment": f"executionType {mode!r} is not SerialRealtime (0), SerialFrame (1) or Parallel (2)"}
        return out | {"results": [{"requestType": r.get("requestType"), "requestId": r.get("requestId"),
                                   "requestStatus": status} for r in requests]}
    if mode == PARALLEL:
        return out | {"results": list(await asyncio.gather(*(answer(ctx, r, mode) for r in requests)))}
    results = []
    halt = d.get("haltOnFailure") is True
    for r in requests:
        res = await answer(ctx, r, mode)
        results.append(res)
        if halt and not res["requestStatus"]["result"]:
            break
    return out | {"results": results}
