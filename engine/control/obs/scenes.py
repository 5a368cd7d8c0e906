"""Scene requests: the scene list, the program scene, and scene items: found, shown or hidden,
placed (engine/control/obs/transform.py)."""

from __future__ import annotations

from typing import Any

from rigcast.engine.commands.scenes import SetItem, SwitchScene
from rigcast.engine.control.obs.canvases import canvas_of_uuid
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    INVALID_RESOURCE_STATE,
    INVALID_RESOURCE_TYPE,
    NOT_FOUND,
    RequestFailed,
    field,
)
from rigcast.engine.control.obs.requests import Ctx, request
from rigcast.engine.control.obs.transform import item_changes, placement, transform_of
from rigcast.engine.vocab.snapshot import ItemRow, SceneRow


@request("GetSceneList")
async def get_scene_list(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    """The main canvas's scenes, or (5.7's ``canvasUuid``) another canvas's, which OBS lists
    with no program or preview scene."""
    st = ctx.state()
    canvas = canvas_of_uuid(st, d.get("canvasUuid"))
    scenes = [s for s in st.scenes if s.canvas == (canvas.name if canvas else "")]
    # OBS lists scenes bottom-up: index 0 is the last one.
    listed = [{"sceneIndex": len(scenes) - 1 - i, "sceneName": s.name} for i, s in enumerate(scenes)][::-1]
    if canvas is not None:
        return {"currentProgramSceneName": None, "currentPreviewSceneName": None, "scenes": listed}
    return {"currentProgramSceneName": st.program_scene, "currentPreviewSceneName": st.preview_scene,
            "scenes": listed}


@request("GetCurrentProgramScene")
async def get_current_program_scene(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    name = ctx.state().program_scene
    return {"currentProgramSceneName": name, "sceneName": name}


@request("SetCurrentProgramScene")
async def set_current_program_scene(ctx: Ctx, d: dict[str, Any]) -> None:
    name = field(d, "sceneName", str)
    scene = ctx.state().scene(name)
    if scene is not None and scene.canvas:  # as OBS answers for a scene of another canvas
        raise RequestFailed(INVALID_RESOURCE_STATE, "The specified scene is not from the main canvas and cannot be "
                                                    "set as the program scene.")
    await ctx.bus.run(SwitchScene(name))


def _scene(ctx: Ctx, d: dict[str, Any]) -> SceneRow:
    name = field(d, "sceneName", str)
    scene = ctx.state().scene(name)
    if scene is not None:
        return scene
    raise RequestFailed(NOT_FOUND, f'No scene was found by the name of "{name}".')


@request("GetSceneItemList")
async def get_scene_item_list(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    scene = _scene(ctx, d)
    kinds = {s.name: s.kind for s in ctx.state().sources}
    return {"sceneItems": [{"sceneItemId": i + 1, "sceneItemIndex": i, "sourceName": it.source,
                            "sceneItemEnabled": it.visible, "inputKind": kinds.get(it.source),
                            "isGroup": False} for i, it in enumerate(scene.items)]}


def _item(ctx: Ctx, d: dict[str, Any]) -> tuple[SceneRow, int, ItemRow]:
    """(the scene, the item's index, the item) named by sceneName and sceneItemId (index + 1)."""
    scene = _scene(ctx, d)
    item_id = field(d, "sceneItemId", int)
    items = scene.items
    if not 1 <= item_id <= len(items):
        raise RequestFailed(NOT_FOUND, f"No scene item {item_id} in scene {scene.name}.")
    return scene, item_id - 1, items[item_id - 1]


@request("GetSceneItemId")
async def get_scene_item_id(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    scene = _scene(ctx, d)
    source = field(d, "sourceName", str)
    offset = field(d, "searchOffset", int) if "searchOffset" in d else 0
    found = [i + 1 for i, it in enumerate(scene.items) if it.source == source]
    if offset < -1 or not found or offset >= len(found):
        raise RequestFailed(NOT_FOUND, f'No scene items were found in scene "{scene.name}" with '
                                       f'the source "{source}".')
    return {"sceneItemId": found[offset]}


@request("GetSceneItemSource")
async def get_scene_item_source(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _, _, it = _item(ctx, d)
    return {"sourceName": it.source, "sourceUuid": it.source}


@request("GetSceneItemEnabled")
async def get_scene_item_enabled(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return {"sceneItemEnabled": _item(ctx, d)[2].visible}


@request("SetSceneItemEnabled")
async def set_scene_item_enabled(ctx: Ctx, d: dict[str, Any]) -> None:
    scene, _, it = _item(ctx, d)
    await ctx.bus.run(SetItem(scene.name, it.source, visible=field(d, "sceneItemEnabled", bool)))


@request("GetSceneItemIndex")
async def get_scene_item_index(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return {"sceneItemIndex": _item(ctx, d)[1]}


@request("GetSceneItemLocked", fixed="false: rigcast has no canvas editor to lock")
async def get_scene_item_locked(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _item(ctx, d)
    return {"sceneItemLocked": False}  # a lock is an editor's; rigcast has no canvas editor to lock


@request("GetSceneItemBlendMode", fixed="OBS_BLEND_NORMAL: the one way rigcast blends")
async def get_scene_item_blend_mode(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _item(ctx, d)
    return {"sceneItemBlendMode": "OBS_BLEND_NORMAL"}  # the one way rigcast blends (alpha over)


@request("GetSceneItemTransform")
async def get_scene_item_transform(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _, index, it = _item(ctx, d)
    size, canvas = placement(ctx.state(), it.source)
    return {"sceneItemTransform": transform_of(it, size, canvas, index)}


@request("SetSceneItemTransform")
async def set_scene_item_transform(ctx: Ctx, d: dict[str, Any]) -> None:
    scene, index, it = _item(ctx, d)
    t = field(d, "sceneItemTransform", dict)
    size, canvas = placement(ctx.state(), it.source)
    if size is None and any(k in t for k in ("scaleX", "scaleY", "boundsType")):
        raise RequestFailed(CANNOT_ACT, f'"{it.source}" has no picture yet, so it can\'t be scaled; try again')
    changes = item_changes(t, it, size, canvas, index)
    if changes:  # out of range is the bus's call (SceneItem's bounds), answered as an error
        await ctx.bus.run(SetItem(scene.name, it.source, **changes))


@request("GetGroupList", fixed="[]: rigcast has no groups")
async def get_group_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"groups": []}  # rigcast has no groups


@request("GetGroupSceneItemList")
async def get_group_scene_item_list(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    """As OBS answers where no group exists: a scene or source by that name is not a group (602),
    anything else is not found (600). rigcast's scenes hold no groups."""
    name = field(d, "sceneName", str)
    st = ctx.state()
    if st.scene(name) is not None or any(s.name == name for s in st.sources):
        raise RequestFailed(INVALID_RESOURCE_TYPE, "The specified source is not a group.")
    raise RequestFailed(NOT_FOUND, f'No source was found by the name of "{name}".')
