"""Replay buffer requests: every one answers 604, as OBS does when no replay buffer is
configured, until issue 6/6 builds one (never a fake success)."""

from __future__ import annotations

from typing import Any

from engine.control.obs.protocol import INVALID_RESOURCE_STATE, RequestFailed
from engine.control.obs.requests import Ctx, request

_NONE = "The replay buffer is not available: rigcast has no replay buffer configured."


def _unavailable(name: str) -> None:
    async def handler(_ctx: Ctx, _d: dict[str, Any]) -> None:
        raise RequestFailed(INVALID_RESOURCE_STATE, _NONE)

    request(name)(handler)


for _name in ("GetReplayBufferStatus", "ToggleReplayBuffer", "StartReplayBuffer", "StopReplayBuffer",
              "SaveReplayBuffer", "GetLastReplayBufferReplay"):
    _unavailable(_name)
