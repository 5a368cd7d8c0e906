"""Canvases over obs-websocket: GetCanvasList (5.7, OBS 32.1), and the vendor requests of Aitum
Vertical (``aitum-vertical-canvas``), which Companion and Streamer.bot users drive a vertical
canvas with: no OBS request sets a second canvas's program scene.

The main canvas has OBS's fixed name and UUID (libobs obs-canvas.c), so a client that keeps
them finds it; each [[canvases]] canvas gets a UUID made from its name, the same at every start.
Aitum's requests pick a canvas by ``width``/``height`` (none given: the first), as its
vertical-canvas.cpp does, and answer ``success`` as it does.
"""

from __future__ import annotations

import uuid
from typing import Any

from rigcast.config.kinds import Cap
from rigcast.engine.commands.outputs import StartOutput, StopOutput
from rigcast.engine.commands.scenes import SwitchScene
from rigcast.engine.control.bus import BusError
from rigcast.engine.control.obs.protocol import NOT_FOUND, RequestFailed, field
from rigcast.engine.control.obs.requests import Ctx, request
from rigcast.engine.runtime import VERSION
from rigcast.engine.vocab.snapshot import CanvasRow, Snapshot

MAIN_NAME, MAIN_UUID = "Main", "6c69626f-6273-4c00-9d88-c5136d61696e"
MAIN, ACTIVATE, MIX_AUDIO, SCENE_REF = 1, 2, 4, 8  # libobs obs_canvas_flags
AITUM = "aitum-vertical-canvas"


def canvas_uuid(name: str) -> str:
    return MAIN_UUID if not name else str(uuid.uuid5(uuid.NAMESPACE_URL, f"rigcast-canvas:{name}"))


def canvas_of_uuid(st: Snapshot, given: str | None) -> CanvasRow | None:
    """The canvas a request's ``canvasUuid`` names: None for the main one (or none given)."""
    if given is None or given == MAIN_UUID:
        return None
    for c in st.canvases:
        if canvas_uuid(c.name) == given:
            return c
    raise RequestFailed(NOT_FOUND, f'No canvas was found by the UUID of "{given}".')


def _video(size: str, fps: int) -> dict[str, Any]:
    w, h = (int(x) for x in size.split("x"))
    return {"fpsNumerator": fps, "fpsDenominator": 1, "baseWidth": w, "baseHeight": h, "outputWidth": w,
            "outputHeight": h}


@request("GetCanvasList")
async def get_canvas_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    st = ctx.state()
    rows = [{"canvasName": MAIN_NAME, "canvasUuid": MAIN_UUID, "flags": MAIN | ACTIVATE | MIX_AUDIO,
             **_video(st.engine.canvas, st.engine.fps)}]
    rows += [{"canvasName": c.name, "canvasUuid": canvas_uuid(c.name), "flags": ACTIVATE | SCENE_REF,
              **_video(c.size, c.fps)} for c in st.canvases]
    return {"canvases": rows}


# -- Aitum Vertical's vendor requests ------------------------------------------------------------
def _pick(st: Snapshot, d: dict[str, Any]) -> CanvasRow | None:
    """Aitum's rule: the first canvas whose size matches the ``width``/``height`` given."""
    w, h = d.get("width") or 0, d.get("height") or 0
    for c in st.canvases:
        cw, ch = (int(x) for x in c.size.split("x"))
        if (not w or w == cw) and (not h or h == ch):
            return c
    return None


async def _outputs(ctx: Ctx, canvas: str, cap: Cap, on: bool | None) -> None:
    """Start/stop (None: toggle) the outputs of one area on ``canvas``."""
    host = ctx.bus.host
    names = [o.name for o in host.cfg.outputs if o.canvas == canvas and o.has(cap)]
    live = any(n in host.active for n in names)
    want = (not live) if on is None else on
    for n in names:
        await ctx.bus.run(StartOutput(n) if want else StopOutput(n))


_INVOKE = {"start_streaming": (Cap.STREAM, True), "stop_streaming": (Cap.STREAM, False),
           "toggle_streaming": (Cap.STREAM, None), "start_recording": (Cap.RECORD, True),
           "stop_recording": (Cap.RECORD, False), "toggle_recording": (Cap.RECORD, None),
           "start_backtrack": (Cap.REPLAY, True), "stop_backtrack": (Cap.REPLAY, False)}


async def aitum(ctx: Ctx, request_type: str, d: dict[str, Any]) -> dict[str, Any]:
    st = ctx.state()
    if request_type == "version":
        return {"version": f"rigcast {VERSION}", "success": True}  # who answers: not the plugin itself
    canvas = _pick(st, d)
    if canvas is None:
        return {"success": False, "error": "no canvas of that size" if st.canvases else "no [[canvases]] canvas"}
    if request_type == "switch_scene":
        scene = d.get("scene")
        if not isinstance(scene, str) or not scene:
            return {"success": False, "error": "'scene' not set"}
        try:
            await ctx.bus.run(SwitchScene(scene, canvas.name))
        except BusError as e:
            return {"success": False, "error": e.message}
        return {"success": True}
    if request_type == "current_scene":
        return {"scene": canvas.program_scene, "success": True}
    if request_type == "get_scenes":
        return {"scenes": [{"name": s.name} for s in st.scenes if s.canvas == canvas.name], "success": True}
    host = ctx.bus.host
    if request_type == "status":
        def live(cap: Cap) -> bool:
            return any(o.name in host.active for o in host.cfg.outputs if o.canvas == canvas.name and o.has(cap))
        return {"streaming": live(Cap.STREAM), "recording": live(Cap.RECORD), "backtrack": live(Cap.REPLAY),
                "virtual_camera": False, "success": True}
    if request_type in _INVOKE:
        cap, on = _INVOKE[request_type]
        await _outputs(ctx, canvas.name, cap, on)
        return {"success": True}
    return {"success": False, "error": f"rigcast does not answer {request_type}"}


VENDORS = {AITUM: aitum}


@request("CallVendorRequest")
async def call_vendor_request(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    vendor, request_type = field(d, "vendorName", str), field(d, "requestType", str)
    data = d.get("requestData") or {}
    if not isinstance(data, dict):
        raise RequestFailed(NOT_FOUND, "requestData must be an object")
    handler = VENDORS.get(vendor)
    if handler is None:
        raise RequestFailed(NOT_FOUND, f'No vendor was found by the name of "{vendor}"; rigcast answers '
                                       + ", ".join(VENDORS))
    return {"vendorName": vendor, "requestType": request_type, "responseData": await handler(ctx, request_type, data)}
