"""Hotkeys: rigcast's actions under the names OBS gives them, so a tool's "trigger hotkey"
buttons (Companion, Streamer.bot) reach the same commands the TUI's keys run on the bus.

Scene hotkeys are OBS's ``OBSBasic.SelectScene`` with the scene's name as ``contextName``.
A key sequence (``TriggerHotkeyByKeySequence``: OBS's key id and modifiers) presses the combo
of that name in the config's ``[hotkeys]`` (config/hotkeys.py), as if pressed on the game box.
"""

from __future__ import annotations

from typing import Any

from rigcast.config.hotkeys import KEYS, Combo
from rigcast.engine.control.obs.protocol import CANNOT_ACT, INVALID_FIELD, NOT_FOUND, RequestFailed, field
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
# OBS key ids (libobs obs-hotkeys.h) whose name is not rigcast's key name in capitals.
OBS_KEYS = {"OBS_KEY_ASCIITILDE": "grave", "OBS_KEY_QUOTELEFT": "grave", "OBS_KEY_ENTER": "return",
            "OBS_KEY_PRINT": "print", "OBS_KEY_SCROLLLOCK": "scrolllock",
            **{f"OBS_KEY_NUM{n}": f"kp_{n}" for n in range(10)}}
OBS_MODIFIERS = {"shift": "shift", "control": "ctrl", "alt": "alt", "command": "super", "cmd": "super"}


def combo_of(key_id: str, modifiers: dict[str, Any]) -> str:
    """OBS's key id and modifiers as a ``[hotkeys]`` combo ("ctrl+shift+f9"); ValueError for a
    key rigcast has no name for."""
    key = OBS_KEYS.get(key_id) or (key_id.removeprefix("OBS_KEY_").lower() if key_id.startswith("OBS_KEY_") else "")
    if key not in KEYS:
        raise ValueError(f'rigcast has no key for "{key_id}"; [hotkeys] takes letters, digits, f1-f24 and named keys')
    mods = [OBS_MODIFIERS[m] for m, on in sorted(modifiers.items()) if on and m in OBS_MODIFIERS]
    return str(Combo(frozenset(mods), key))


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


@request("TriggerHotkeyByKeySequence")
async def trigger_hotkey_by_key_sequence(ctx: Ctx, d: dict[str, Any]) -> None:
    """The ``[hotkeys]`` combo for that key and modifiers runs its action, as a press on the game
    box would; a combo bound to nothing fails with 600 naming it (OBS itself says nothing)."""
    key_id = d.get("keyId")
    mods = d.get("keyModifiers") or {}
    if not isinstance(key_id, str) or not isinstance(mods, dict):
        raise RequestFailed(INVALID_FIELD, "keyId must be an OBS key id (OBS_KEY_F9) and keyModifiers an object")
    try:
        combo = combo_of(key_id, mods)
    except ValueError as e:
        raise RequestFailed(INVALID_FIELD, str(e)) from None
    bound = next((h for h in ctx.bus.host.cfg.hotkeys if str(h.combo) == combo), None)
    if bound is None:
        raise RequestFailed(NOT_FOUND, f'no hotkey in [hotkeys] is bound to "{combo}"')
    await ctx.bus.execute(bound.command, dict(bound.args))
