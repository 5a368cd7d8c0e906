"""General requests: the version the tools check at connect, render statistics, video settings,
the real displays, and the one profile and scene collection (rigcast's config file)."""

from __future__ import annotations

import asyncio
import os
import shutil
import time
from typing import Any

from rigcast.engine.commands.config_files import ListConfigs, SwitchConfig
from rigcast.engine.commands.outputs import RecordDirectory
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    MISSING_FIELD,
    OBS_WS_VERSION,
    OUT_OF_RANGE,
    RPC_VERSION,
    RequestFailed,
    field,
)
from rigcast.engine.control.obs.requests import Ctx, available, request
from rigcast.engine.vocab.video import IMAGE_FORMATS


@request("GetVersion")
async def get_version(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"obsVersion": "30.0.0", "obsWebSocketVersion": OBS_WS_VERSION, "rpcVersion": RPC_VERSION,
            "availableRequests": available(),
            "supportedImageFormats": list(IMAGE_FORMATS), "platform": "rigcast", "platformDescription": "rigcast engine"}


class _Cpu:
    """The engine process's CPU use since the previous GetStats, in percent of one core."""

    def __init__(self) -> None:
        self.at, self.used = time.monotonic(), sum(os.times()[:2])

    def percent(self) -> float:
        now, used = time.monotonic(), sum(os.times()[:2])
        pct = 100 * (used - self.used) / max(1e-3, now - self.at)
        self.at, self.used = now, used
        return round(pct, 1)


_CPU = _Cpu()


def _memory_mb() -> float:
    from rigcast.engine.proc import resident_bytes

    return resident_bytes() / 2**20


async def _free_mb(ctx: Ctx) -> float:
    """Free space where recordings go (the state dir's disk when there is no recording)."""
    try:
        folder = (await ctx.bus.run(RecordDirectory())).directory
    except Exception:
        from rigcast.engine import paths

        folder = str(paths.state_dir())
    try:
        return shutil.disk_usage(folder).free / 2**20
    except OSError:
        return 0.0


@request("GetStats")
async def get_stats(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    s = ctx.stats()
    fps, encode_ms, skipped, frames, lagged = (s.fps, s.encode_ms, s.skipped, s.frames, s.lagged) if s else (0, 0.0, 0, 0, 0)
    return {"cpuUsage": _CPU.percent(), "memoryUsage": round(_memory_mb(), 1),
            "availableDiskSpace": round(await _free_mb(ctx), 1), "activeFps": float(fps),
            "averageFrameRenderTime": float(encode_ms), "renderSkippedFrames": skipped,
            "renderTotalFrames": frames, "outputSkippedFrames": lagged,
            "outputTotalFrames": frames, "webSocketSessionIncomingMessages": 0,
            "webSocketSessionOutgoingMessages": 0}


@request("GetVideoSettings")
async def get_video_settings(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    engine = ctx.state().engine
    w, h = (int(v) for v in engine.canvas.split("x"))
    return {"baseWidth": w, "baseHeight": h, "outputWidth": w, "outputHeight": h,
            "fpsNumerator": engine.fps, "fpsDenominator": 1}


# A rigcast config file holds what OBS splits into a profile and a scene collection, so both
# lists are the config files beside the running one (engine/commands/config_files.py).
@request("GetProfileList")
async def get_profile_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    files = await ctx.bus.run(ListConfigs())
    return {"currentProfileName": files.current, "profiles": list(files.names)}


@request("GetSceneCollectionList")
async def get_scene_collection_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    files = await ctx.bus.run(ListConfigs())
    return {"currentSceneCollectionName": files.current, "sceneCollections": list(files.names)}


@request("SetCurrentSceneCollection")
async def set_current_scene_collection(ctx: Ctx, d: dict[str, Any]) -> None:
    """The engine goes over to that config file (idle only): this connection closes with the old
    engine, and the client reconnects to the new one, as after OBS restarts."""
    await ctx.bus.run(SwitchConfig(field(d, "sceneCollectionName", str)))


@request("SetCurrentProfile")
async def set_current_profile(ctx: Ctx, d: dict[str, Any]) -> None:
    """The same switch: a rigcast config file is a profile and a scene collection at once."""
    await ctx.bus.run(SwitchConfig(field(d, "profileName", str)))


def _monitors() -> list[dict[str, Any]]:
    import mss

    with mss.mss() as sct:
        found = sct.monitors[1:]  # [0] is all of them together
    return [{"monitorName": f"Display {i}", "monitorIndex": i - 1, "monitorWidth": m["width"],
             "monitorHeight": m["height"], "monitorPositionX": m["left"], "monitorPositionY": m["top"]}
            for i, m in enumerate(found, 1)]


@request("GetMonitorList")
async def get_monitor_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    """The real displays (rigcast's ``display = N`` is monitorIndex + 1)."""
    try:
        return {"monitors": await asyncio.get_running_loop().run_in_executor(None, _monitors)}
    except Exception as e:  # no display server reachable from the engine
        raise RequestFailed(CANNOT_ACT, f"the displays can't be listed: {e}") from None



_REALMS = ("OBS_WEBSOCKET_DATA_REALM_GLOBAL", "OBS_WEBSOCKET_DATA_REALM_PROFILE")


def _data_file() -> Any:
    from rigcast.engine import paths

    return paths.state_dir() / "obs-websocket-data.json"


def _data() -> dict[str, dict[str, Any]]:
    import json

    try:
        found = json.loads(_data_file().read_text())
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _realm(d: dict[str, Any]) -> str:
    realm = field(d, "realm", str)
    if realm not in _REALMS:
        raise RequestFailed(OUT_OF_RANGE, f"realm must be one of {', '.join(_REALMS)}")
    return realm


@request("GetPersistentData")
async def get_persistent_data(_ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    """A tool's own values, kept in the state dir (0600) across restarts; one profile, so
    the two realms are kept apart but both last as long as the state dir."""
    realm, name = _realm(d), field(d, "slotName", str)
    return {"slotValue": _data().get(realm, {}).get(name)}


@request("SetPersistentData")
async def set_persistent_data(_ctx: Ctx, d: dict[str, Any]) -> None:
    from rigcast.engine.paths import write_private_json

    realm, name = _realm(d), field(d, "slotName", str)
    if "slotValue" not in d:
        raise RequestFailed(MISSING_FIELD, "Your request is missing the field `slotValue`.")
    data = _data()
    data.setdefault(realm, {})[name] = d["slotValue"]
    write_private_json(_data_file(), data)
