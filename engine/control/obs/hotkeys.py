"""Hotkeys: rigcast's actions under the names OBS gives them, so a tool's "trigger hotkey"
buttons (Companion, Streamer.bot) reach the same commands the TUI's keys run on the bus.

Scene hotkeys are OBS's ``OBSBasic.SelectScene`` with the scene's name as ``contextName``.
"""

from __future__ import annotations

from typing import Any

from rigcast.engine.control.obs.protocol import CANNOT_ACT, NOT_FOUND, RequestFailed, field
from rigcast.engine.control.obs.requests import Ctx, request

# OBS hotkey name -> (bus command, its arguments)
HOTKEYS: dict[str, tuple[str, dict[str, Any]]] = {
    "OBSBasic.StartStreaming": ("stream.start", {}),
    "OBSBasic.StopStreaming": ("stream.stop", {}),
    "OBSBasic.StartRecording": ("record.start", {}),
    "OBSBasic.StopRecording": ("record.stop", {}),
    "OBSBasic.PauseRecording": ("record.pause", {}),
    "OBSBasic.UnpauseRecording": ("record.resume", {}),
}
SELECT_SCENE = "OBSBasic.SelectScene"


@request("GetHotkeyList")
async def get_hotkey_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"hotkeys": [*HOTKEYS, SELECT_SCENE]}


@request("TriggerHotkeyByName")
async def trigger_hotkey_by_name(ctx: Ctx, d: dict[str, Any]) -> None:
    name = field(d, "hotkeyName", str)
    if name == SELECT_SCENE:
        scene = d.get("contextName")
        if not isinstance(scene, str):
            raise RequestFailed(CANNOT_ACT, f"{SELECT_SCENE} needs the scene's name as contextName")
        await ctx.bus.execute("scene.switch", {"scene": scene})
        return
    if name not in HOTKEYS:
        raise RequestFailed(NOT_FOUND, f'No hotkeys were found by the name of "{name}"; GetHotkeyList lists them.')
    command, args = HOTKEYS[name]
    await ctx.bus.execute(command, args)
