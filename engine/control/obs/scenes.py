"""Scene requests: the scene list, the program scene, and scene items shown or hidden."""

from __future__ import annotations

from typing import Any

from engine.control.obs.protocol import NOT_FOUND, RequestFailed, field
from engine.control.obs.requests import Ctx, request


@request("GetSceneList")
async def get_scene_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    st = ctx.state()
    scenes = st["scenes"]
    # OBS lists scenes bottom-up: index 0 is the last one.
    return {"currentProgramSceneName": st["program_scene"], "currentPreviewSceneName": None,
            "scenes": [{"sceneIndex": len(scenes) - 1 - i, "sceneName": s["name"]} for i, s in enumerate(scenes)][::-1]}


@request("GetCurrentProgramScene")
async def get_current_program_scene(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    name = ctx.state()["program_scene"]
    return {"currentProgramSceneName": name, "sceneName": name}


@request("SetCurrentProgramScene")
async def set_current_program_scene(ctx: Ctx, d: dict[str, Any]) -> None:
    await ctx.bus.execute("scene.switch", {"scene": field(d, "sceneName", str)})


def _scene(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    name = field(d, "sceneName", str)
    for s in ctx.state()["scenes"]:
        if s["name"] == name:
            return dict(s)
    raise RequestFailed(NOT_FOUND, f'No scene was found by the name of "{name}".')


@request("GetSceneItemList")
async def get_scene_item_list(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    scene = _scene(ctx, d)
    kinds = {s["name"]: s["kind"] for s in ctx.state()["sources"]}
    return {"sceneItems": [{"sceneItemId": i + 1, "sceneItemIndex": i, "sourceName": it["source"],
                            "sceneItemEnabled": it["visible"], "inputKind": kinds.get(it["source"]),
                            "isGroup": False} for i, it in enumerate(scene.get("items", []))]}


@request("SetSceneItemEnabled")
async def set_scene_item_enabled(ctx: Ctx, d: dict[str, Any]) -> None:
    scene = _scene(ctx, d)
    item_id = field(d, "sceneItemId", int)
    items = scene.get("items", [])
    if not 1 <= item_id <= len(items):
        raise RequestFailed(NOT_FOUND, f"No scene item {item_id} in scene {scene['name']}.")
    await ctx.bus.execute("scene.item.set", {"scene": scene["name"], "source": items[item_id - 1]["source"],
                                              "visible": field(d, "sceneItemEnabled", bool)})
