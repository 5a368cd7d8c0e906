"""Input (source) requests: the list, mute and volume."""

from __future__ import annotations

from typing import Any

from engine.control.obs.protocol import NOT_FOUND, RequestFailed, field
from engine.control.obs.requests import Ctx, request


def _source(ctx: Ctx, name: str) -> dict[str, Any]:
    for s in ctx.state()["sources"]:
        if s["name"] == name:
            return s
    raise RequestFailed(NOT_FOUND, f'No source was found by the name of "{name}".')


@request("GetInputList")
async def get_input_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"inputs": [{"inputName": s["name"], "inputKind": s["kind"], "unversionedInputKind": s["kind"],
                        "inputUuid": s["name"]} for s in ctx.state()["sources"]]}


@request("GetInputMute")
async def get_input_mute(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return {"inputMuted": bool(_source(ctx, field(d, "inputName", str)).get("muted"))}


@request("SetInputMute")
async def set_input_mute(ctx: Ctx, d: dict[str, Any]) -> None:
    name = field(d, "inputName", str)
    _source(ctx, name)
    await ctx.bus.execute("source.mute", {"source": name, "muted": field(d, "inputMuted", bool)})


@request("ToggleInputMute")
async def toggle_input_mute(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    name = field(d, "inputName", str)
    _source(ctx, name)
    return {"inputMuted": (await ctx.bus.execute("source.mute", {"source": name}))["muted"]}


@request("SetInputVolume")
async def set_input_volume(ctx: Ctx, d: dict[str, Any]) -> None:
    name = field(d, "inputName", str)
    if "inputVolumeDb" in d:
        db = float(field(d, "inputVolumeDb", (int, float)))
    else:
        import math

        mul = float(field(d, "inputVolumeMul", (int, float)))
        db = -100.0 if mul <= 0 else 20 * math.log10(mul)  # OBS's own reading of a zero multiplier
    # Out of range is the bus's call (the volume field's bounds), answered as an error, never clamped.
    await ctx.bus.execute("source.volume", {"source": name, "volume_db": db})
