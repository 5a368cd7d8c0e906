"""Replay buffer requests: every one answers 604, as OBS does when no replay buffer is
configured, until issue 6/6 builds one (never a fake success)."""

from __future__ import annotations

from engine.control.obs.protocol import INVALID_RESOURCE_STATE
from engine.control.obs.requests import refuse

_NONE = "The replay buffer is not available: rigcast has no replay buffer configured."

for _name in ("GetReplayBufferStatus", "ToggleReplayBuffer", "StartReplayBuffer", "StopReplayBuffer",
              "SaveReplayBuffer", "GetLastReplayBufferReplay"):
    refuse(_name, INVALID_RESOURCE_STATE, _NONE)
