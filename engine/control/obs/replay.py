"""Replay buffer requests, on the bus's replay.* commands (engine/output/replay.py keeps it).

With no replay buffer configured every one answers 604, as OBS does; Start on a running one
500, Stop or Save on a stopped one 501, GetLastReplayBufferReplay before any save 604: never a
fake success.
"""

from __future__ import annotations

from typing import Any

from rigcast.engine.commands.outputs import SaveReplay, StartReplay, StopReplay, ToggleReplay
from rigcast.engine.control.changes import replay_saved
from rigcast.engine.control.obs.protocol import (
    INVALID_RESOURCE_STATE,
    OUTPUT_NOT_RUNNING,
    OUTPUT_RUNNING,
    RequestFailed,
)
from rigcast.engine.control.obs.requests import Ctx, request


def _active(ctx: Ctx) -> bool:
    st = ctx.state()
    if not any(o.replay for o in st.outputs):
        raise RequestFailed(INVALID_RESOURCE_STATE, "The replay buffer is not available: add a [replay] table to "
                                                    "rigcast's config.")
    return st.replay_buffer


@request("GetReplayBufferStatus")
async def get_status(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"outputActive": _active(ctx)}


@request("ToggleReplayBuffer")
async def toggle(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    _active(ctx)
    return {"outputActive": (await ctx.bus.run(ToggleReplay())).buffering}


@request("StartReplayBuffer")
async def start(ctx: Ctx, _d: dict[str, Any]) -> None:
    if _active(ctx):
        raise RequestFailed(OUTPUT_RUNNING, "The replay buffer is already running.")
    await ctx.bus.run(StartReplay())


@request("StopReplayBuffer")
async def stop(ctx: Ctx, _d: dict[str, Any]) -> None:
    if not _active(ctx):
        raise RequestFailed(OUTPUT_NOT_RUNNING, "The replay buffer is not running.")
    await ctx.bus.run(StopReplay())


@request("SaveReplayBuffer")
async def save(ctx: Ctx, _d: dict[str, Any]) -> None:
    if not _active(ctx):
        raise RequestFailed(OUTPUT_NOT_RUNNING, "The replay buffer is not running.")
    await ctx.bus.run(SaveReplay())


@request("GetLastReplayBufferReplay")
async def last(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    _active(ctx)
    path = replay_saved(ctx.state())
    if path is None:
        raise RequestFailed(INVALID_RESOURCE_STATE, "No replay has been saved yet.")
    return {"savedReplayPath": path}
