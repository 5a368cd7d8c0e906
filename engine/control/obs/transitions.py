"""Transition requests: rigcast's transition kinds (their records), the current one and its duration."""

from __future__ import annotations

from typing import Any

from rigcast.config.kinds import Cap, KindInfo, Role, find, kinds
from rigcast.engine.commands.scenes import SetTransition
from rigcast.engine.control.obs.protocol import CANNOT_ACT, NOT_FOUND, OUT_OF_RANGE, RequestFailed, field
from rigcast.engine.control.obs.requests import Ctx, request


def _obs(k: KindInfo[Any]) -> tuple[str, str]:
    """OBS's name and kind for a transition kind: its record's ``extra["obs"]``, else made from
    its name (a plugin's "wipe" is "Wipe", ``wipe_transition``)."""
    obs = k.extra.get("obs")
    if isinstance(obs, tuple) and len(obs) == 2:  # a plugin's malformed one is not ours to fail on
        return str(obs[0]), str(obs[1])
    return k.name.replace("_", " ").title(), f"{k.name}_transition"


# OBS's names for rigcast's transition kinds, both ways, from their records.
NAMES = {k.name: _obs(k)[0] for k in kinds(Role.TRANSITION)}
OBS_KINDS = {k.name: _obs(k)[1] for k in kinds(Role.TRANSITION)}
KIND_OF = {v: k for k, v in NAMES.items()}
MAX_MS = 10_000  # TransitionConfig's bound


def _fixed(kind: str) -> bool:
    """OBS's transitionFixed: the kind goes at once, with no duration to set."""
    return not find(Role.TRANSITION, kind).has(Cap.BLENDS)


def current(ctx: Ctx) -> dict[str, Any]:
    t = ctx.state().transition
    return {"transitionName": NAMES[t.kind], "transitionUuid": t.kind, "transitionKind": OBS_KINDS[t.kind],
            "transitionFixed": _fixed(t.kind), "transitionDuration": None if _fixed(t.kind) else t.duration_ms,
            "transitionConfigurable": False, "transitionSettings": None}


@request("GetTransitionKindList")
async def get_transition_kind_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"transitionKinds": list(OBS_KINDS.values())}


@request("GetSceneTransitionList")
async def get_scene_transition_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    t = ctx.state().transition
    return {"currentSceneTransitionName": NAMES[t.kind], "currentSceneTransitionUuid": t.kind,
            "currentSceneTransitionKind": OBS_KINDS[t.kind],
            "transitions": [{"transitionName": NAMES[k], "transitionUuid": k, "transitionKind": OBS_KINDS[k],
                             "transitionFixed": _fixed(k), "transitionConfigurable": False} for k in NAMES]}


@request("GetCurrentSceneTransition")
async def get_current_scene_transition(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return current(ctx)


@request("SetCurrentSceneTransition")
async def set_current_scene_transition(ctx: Ctx, d: dict[str, Any]) -> None:
    name = field(d, "transitionName", str)
    if name not in KIND_OF:
        raise RequestFailed(NOT_FOUND, f'No transition was found by the name of "{name}"; '
                                       f'rigcast has {" and ".join(NAMES.values())}.')
    await ctx.bus.run(SetTransition(kind=KIND_OF[name]))


@request("SetCurrentSceneTransitionDuration")
async def set_current_scene_transition_duration(ctx: Ctx, d: dict[str, Any]) -> None:
    ms = field(d, "transitionDuration", int)
    if not 50 <= ms <= 20_000:  # the spec's bounds
        raise RequestFailed(OUT_OF_RANGE, "transitionDuration must be 50 to 20000 ms")
    if ms > MAX_MS:
        raise RequestFailed(OUT_OF_RANGE, f"rigcast fades for at most {MAX_MS} ms")
    kind = ctx.state().transition.kind
    if _fixed(kind):
        blending = ", ".join(NAMES[k] for k in NAMES if not _fixed(k))
        raise RequestFailed(CANNOT_ACT, f"The current transition ({NAMES[kind]}) has a fixed duration; "
                                        f"choose {blending} first.")
    await ctx.bus.run(SetTransition(duration_ms=ms))

