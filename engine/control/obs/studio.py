"""Studio mode and the preview scene (engine/compose/compositor.py holds them).

Companion asks for these at connect and drives its preview/transition buttons through them.
With studio mode off the preview requests fail with 506, as OBS's do. rigcast has no T-bar, so
SetTBarPosition is refused (703): TriggerStudioModeTransition takes the preview through the
configured transition instead.
"""

from __future__ import annotations

from typing import Any

from rigcast.engine.commands.scenes import SetPreview, SetStudio, TakePreview
from rigcast.engine.control.obs.protocol import CANNOT_ACT, STUDIO_MODE_NOT_ACTIVE, RequestFailed, field
from rigcast.engine.control.obs.requests import Ctx, refuse, request

_OFF = "Studio mode is not active."


def _preview(ctx: Ctx) -> str:
    name = ctx.state().preview_scene
    if name is None:
        raise RequestFailed(STUDIO_MODE_NOT_ACTIVE, _OFF)
    return name


@request("GetStudioModeEnabled")
async def get_studio_mode_enabled(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"studioModeEnabled": ctx.state().studio_mode}


@request("SetStudioModeEnabled")
async def set_studio_mode_enabled(ctx: Ctx, d: dict[str, Any]) -> None:
    await ctx.bus.run(SetStudio(field(d, "studioModeEnabled", bool)))


@request("GetCurrentPreviewScene")
async def get_current_preview_scene(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    name = _preview(ctx)
    return {"currentPreviewSceneName": name, "currentPreviewSceneUuid": name, "sceneName": name, "sceneUuid": name}


@request("SetCurrentPreviewScene")
async def set_current_preview_scene(ctx: Ctx, d: dict[str, Any]) -> None:
    _preview(ctx)
    await ctx.bus.run(SetPreview(field(d, "sceneName", str)))


@request("TriggerStudioModeTransition")
async def trigger_studio_mode_transition(ctx: Ctx, _d: dict[str, Any]) -> None:
    _preview(ctx)
    await ctx.bus.run(TakePreview())


refuse("SetTBarPosition", CANNOT_ACT, "rigcast has no T-bar; TriggerStudioModeTransition takes the preview "
                                      "through the transition")
