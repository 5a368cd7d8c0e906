"""Transition requests: rigcast's two (cut and fade), the current one and its duration."""

from __future__ import annotations

from typing import Any

from rigcast.engine.control.obs.protocol import CANNOT_ACT, NOT_FOUND, OUT_OF_RANGE, RequestFailed, field
from rigcast.engine.control.obs.requests import Ctx, request

# OBS's names for rigcast's transition kinds, both ways.
NAMES = {"cut": "Cut", "fade": "Fade"}
OBS_KINDS = {"cut": "cut_transition", "fade": "fade_transition"}
KIND_OF = {v: k for k, v in NAMES.items()}
MAX_MS = 10_000  # TransitionConfig's bound


def current(ctx: Ctx) -> dict[str, Any]:
    t = ctx.state()["transition"]
    return {"transitionName": NAMES[t["kind"]], "transitionUuid": t["kind"], "transitionKind": OBS_KINDS[t["kind"]],
            "transitionFixed": t["kind"] == "cut", "transitionDuration": None if t["kind"] == "cut" else t["duration_ms"],
            "transitionConfigurable": False, "transitionSettings": None}


@request("GetTransitionKindList")
async def get_transition_kind_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"transitionKinds": list(OBS_KINDS.values())}


@request("GetSceneTransitionList")
async def get_scene_transition_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    t = ctx.state()["transition"]
    return {"currentSceneTransitionName": NAMES[t["kind"]], "currentSceneTransitionUuid": t["kind"],
            "currentSceneTransitionKind": OBS_KINDS[t["kind"]],
            "transitions": [{"transitionName": NAMES[k], "transitionUuid": k, "transitionKind": OBS_KINDS[k],
                             "transitionFixed": k == "cut", "transitionConfigurable": False} for k in NAMES]}


@request("GetCurrentSceneTransition")
async def get_current_scene_transition(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return current(ctx)


@request("SetCurrentSceneTransition")
async def set_current_scene_transition(ctx: Ctx, d: dict[str, Any]) -> None:
    name = field(d, "transitionName", str)
    if name not in KIND_OF:
        raise RequestFailed(NOT_FOUND, f'No transition was found by the name of "{name}"; rigcast has Cut and Fade.')
    await ctx.bus.execute("transition.set", {"kind": KIND_OF[name]})


@request("SetCurrentSceneTransitionDuration")
async def set_current_scene_transition_duration(ctx: Ctx, d: dict[str, Any]) -> None:
    ms = field(d, "transitionDuration", int)
    if not 50 <= ms <= 20_000:  # the spec's bounds
        raise RequestFailed(OUT_OF_RANGE, "transitionDuration must be 50 to 20000 ms")
    if ms > MAX_MS:
        raise RequestFailed(OUT_OF_RANGE, f"rigcast fades for at most {MAX_MS} ms")
    if ctx.state()["transition"]["kind"] == "cut":
        raise RequestFailed(CANNOT_ACT, "The current transition (Cut) has a fixed duration; choose Fade first.")
    await ctx.bus.execute("transition.set", {"duration_ms": ms})

