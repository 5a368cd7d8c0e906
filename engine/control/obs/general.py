"""General requests: the version the tools check at connect, render statistics, video settings,
and the one profile and scene collection (rigcast's config file)."""

from __future__ import annotations

from typing import Any

from engine.control.obs.protocol import OBS_WS_VERSION, RPC_VERSION
from engine.control.obs.requests import Ctx, request, available


@request("GetVersion")
async def get_version(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"obsVersion": "30.0.0", "obsWebSocketVersion": OBS_WS_VERSION, "rpcVersion": RPC_VERSION,
            "availableRequests": available(),
            "supportedImageFormats": [], "platform": "rigcast", "platformDescription": "rigcast engine"}


@request("GetStats")
async def get_stats(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    s = ctx.state().get("stats", {})
    return {"cpuUsage": 0.0, "memoryUsage": 0.0, "availableDiskSpace": 0.0, "activeFps": float(s.get("fps", 0)),
            "averageFrameRenderTime": float(s.get("encode_ms", 0)), "renderSkippedFrames": int(s.get("skipped", 0)),
            "renderTotalFrames": int(s.get("frames", 0)), "outputSkippedFrames": int(s.get("lagged", 0)),
            "outputTotalFrames": int(s.get("frames", 0)), "webSocketSessionIncomingMessages": 0,
            "webSocketSessionOutgoingMessages": 0}


@request("GetVideoSettings")
async def get_video_settings(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    engine = ctx.state()["engine"]
    w, h = (int(v) for v in str(engine["canvas"]).split("x"))
    return {"baseWidth": w, "baseHeight": h, "outputWidth": w, "outputHeight": h,
            "fpsNumerator": int(engine["fps"]), "fpsDenominator": 1}


@request("GetProfileList")
async def get_profile_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"currentProfileName": "rigcast", "profiles": ["rigcast"]}


@request("GetSceneCollectionList")
async def get_scene_collection_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"currentSceneCollectionName": "rigcast", "sceneCollections": ["rigcast"]}
