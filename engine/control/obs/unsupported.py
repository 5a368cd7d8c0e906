"""The protocol's requests rigcast can't honour, each failing with the spec's status and the
reason, and the small ones it answers with the one value it has (accepting only that value).

Kept in one module so docs/obs-websocket.md's coverage table and the answers come from the
same list (engine/control/obs/coverage.py renders it).
"""

from __future__ import annotations

from typing import Any

from rigcast.engine.control.obs.inputs import _audio, _input
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    INVALID_RESOURCE_STATE,
    NOT_FOUND,
    RequestFailed,
    field,
)
from rigcast.engine.control.obs.requests import Ctx, refuse, request
from rigcast.engine.control.obs.scenes import _item, _scene
from rigcast.engine.vocab.snapshot import SourceRow

_CONFIG = "rigcast's sources and scenes come from its config file; edit it (or use its live requests) and restart"
_NO_UI = "rigcast runs on a headless box: it has no dialogs or projectors to open"
_VIRTUALCAM = ("rigcast has no virtual camera: it needs v4l2loopback (a kernel module) on Linux and a camera driver "
               "on Windows, and neither can be tested where rigcast is built")
_NO_FILTERS = "rigcast's filters are the config file's: edit them there (SetSourceFilterEnabled/Settings work live)"

for _name, _code, _why in (
    ("CreateSceneCollection", CANNOT_ACT, "rigcast has one scene collection: its config file"),
    ("CreateProfile", CANNOT_ACT, "rigcast has one profile: its config file"),
    ("RemoveProfile", CANNOT_ACT, "rigcast has one profile: its config file"),
    ("GetProfileParameter", CANNOT_ACT, "rigcast has no OBS profile parameters; its settings are the config file"),
    ("SetProfileParameter", CANNOT_ACT, "rigcast has no OBS profile parameters; its settings are the config file"),
    ("SetVideoSettings", CANNOT_ACT, "the canvas size and fps are fixed while the engine runs ([video] in the config)"),
    ("GetSourceFilterDefaultSettings", NOT_FOUND, _NO_FILTERS),
    ("CreateSourceFilter", CANNOT_ACT, _NO_FILTERS),
    ("RemoveSourceFilter", NOT_FOUND, _NO_FILTERS),
    ("SetSourceFilterName", NOT_FOUND, _NO_FILTERS),
    ("SetSourceFilterIndex", NOT_FOUND, _NO_FILTERS),
    ("BroadcastCustomEvent", CANNOT_ACT, "rigcast does not relay custom events between clients"),
    ("CreateInput", CANNOT_ACT, _CONFIG),
    ("RemoveInput", CANNOT_ACT, _CONFIG),
    ("SetInputName", CANNOT_ACT, _CONFIG),
    ("GetInputPropertiesListPropertyItems", CANNOT_ACT, "rigcast has no properties UI; GetInputSettings lists settings"),
    ("PressInputPropertiesButton", CANNOT_ACT, "rigcast has no properties UI"),
    ("GetVirtualCamStatus", INVALID_RESOURCE_STATE, _VIRTUALCAM),
    ("ToggleVirtualCam", INVALID_RESOURCE_STATE, _VIRTUALCAM),
    ("StartVirtualCam", INVALID_RESOURCE_STATE, _VIRTUALCAM),
    ("StopVirtualCam", INVALID_RESOURCE_STATE, _VIRTUALCAM),
    ("SetOutputSettings", CANNOT_ACT, "an output's settings come from the config file (the stream's server/key: "
                                      "SetStreamServiceSettings; the record folder: SetRecordDirectory)"),
    ("CreateSceneItem", CANNOT_ACT, _CONFIG),
    ("RemoveSceneItem", CANNOT_ACT, _CONFIG),
    ("DuplicateSceneItem", CANNOT_ACT, _CONFIG),
    ("SetSceneItemIndex", CANNOT_ACT, _CONFIG),
    ("CreateScene", CANNOT_ACT, _CONFIG),
    ("RemoveScene", CANNOT_ACT, _CONFIG),
    ("SetSceneName", CANNOT_ACT, _CONFIG),
    ("SetSceneSceneTransitionOverride", CANNOT_ACT, "rigcast has one transition for every scene (SetCurrentSceneTransition)"),
    ("SetCurrentSceneTransitionSettings", CANNOT_ACT, "Cut and Fade have no settings beyond the fade's duration"),
    ("GetCurrentSceneTransitionCursor", CANNOT_ACT, "rigcast does not report a transition's progress"),
    ("OpenInputPropertiesDialog", CANNOT_ACT, _NO_UI),
    ("OpenInputFiltersDialog", CANNOT_ACT, _NO_UI),
    ("OpenInputInteractDialog", CANNOT_ACT, _NO_UI),
    ("OpenVideoMixProjector", CANNOT_ACT, _NO_UI),
    ("OpenSourceProjector", CANNOT_ACT, _NO_UI),
):
    refuse(_name, _code, _why)


def _only(given: Any, value: Any, what: str) -> None:
    if given != value:
        raise RequestFailed(CANNOT_ACT, f"rigcast has {what}")


@request("SetInputAudioBalance", fixed="0.5 is accepted (centred); any other balance fails with 703")
async def set_input_audio_balance(ctx: Ctx, d: dict[str, Any]) -> None:
    _audio(ctx, d)
    _only(field(d, "inputAudioBalance", (int, float)), 0.5, "no balance control: every source is mixed centred")


def _video(ctx: Ctx, d: dict[str, Any]) -> SourceRow:
    s = _input(ctx, d)
    if s.sound_only:
        raise RequestFailed(INVALID_RESOURCE_STATE, f'The input "{s.name}" has no video to deinterlace.')
    return s


@request("GetInputDeinterlaceMode", fixed="OBS_DEINTERLACE_MODE_DISABLED: rigcast doesn't deinterlace")
async def get_input_deinterlace_mode(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _video(ctx, d)
    return {"inputDeinterlaceMode": "OBS_DEINTERLACE_MODE_DISABLED"}


@request("SetInputDeinterlaceMode", fixed="DISABLED is accepted; any other mode fails with 703")
async def set_input_deinterlace_mode(ctx: Ctx, d: dict[str, Any]) -> None:
    _video(ctx, d)
    _only(field(d, "inputDeinterlaceMode", str), "OBS_DEINTERLACE_MODE_DISABLED", "no deinterlacing")


@request("GetInputDeinterlaceFieldOrder", fixed="OBS_DEINTERLACE_FIELD_ORDER_TOP (unused: no deinterlacing)")
async def get_input_deinterlace_field_order(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _video(ctx, d)
    return {"inputDeinterlaceFieldOrder": "OBS_DEINTERLACE_FIELD_ORDER_TOP"}


@request("SetInputDeinterlaceFieldOrder", fixed="TOP is accepted; BOTTOM fails with 703")
async def set_input_deinterlace_field_order(ctx: Ctx, d: dict[str, Any]) -> None:
    _video(ctx, d)
    _only(field(d, "inputDeinterlaceFieldOrder", str), "OBS_DEINTERLACE_FIELD_ORDER_TOP", "no deinterlacing")


@request("SetSceneItemLocked", fixed="false is accepted; locking fails with 703 (nothing to lock against)")
async def set_scene_item_locked(ctx: Ctx, d: dict[str, Any]) -> None:
    _item(ctx, d)
    _only(field(d, "sceneItemLocked", bool), False, "no canvas editor, so nothing to lock items against")


@request("SetSceneItemBlendMode", fixed="OBS_BLEND_NORMAL is accepted; other modes fail with 703")
async def set_scene_item_blend_mode(ctx: Ctx, d: dict[str, Any]) -> None:
    _item(ctx, d)
    _only(field(d, "sceneItemBlendMode", str), "OBS_BLEND_NORMAL", "one blend mode: normal (alpha over)")


@request("GetSceneSceneTransitionOverride", fixed="no override (null): one transition for every scene")
async def get_scene_scene_transition_override(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _scene(ctx, d)
    return {"transitionName": None, "transitionDuration": None}
