"""Output requests: the stream and the recording started, stopped, paused and reported; each of
rigcast's outputs by its name; where recordings go; the stream's server and (masked) key."""

from __future__ import annotations

from typing import Any

from rigcast.engine.control.changes import outputs
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    MISSING_FIELD,
    NOT_FOUND,
    OUTPUT_NOT_PAUSED,
    OUTPUT_NOT_RUNNING,
    OUTPUT_PAUSED,
    OUTPUT_RUNNING,
    RequestFailed,
    field,
    timecode,
)
from rigcast.engine.control.obs.requests import Ctx, request
from rigcast.engine.vocab import OutputState

RUNNING = {OutputState.STARTING, OutputState.CONNECTING, OutputState.LIVE, OutputState.RECONNECTING,
           OutputState.RECORDING, OutputState.PAUSED}


def _output(ctx: Ctx, stream: bool) -> dict[str, Any]:
    st = ctx.state()
    outs = outputs(st, stream)
    active = st["streaming" if stream else "recording"]
    up = st["stream_uptime_s" if stream else "record_uptime_s"] or 0.0
    stats = st.get("stats", {})
    return {"outputActive": active, "outputReconnecting": any(o.get("state") == "reconnecting" for o in outs),
            "outputTimecode": timecode(up), "outputDuration": int(up * 1000),
            "outputBytes": sum(int(o.get("bytes", 0)) for o in outs), "outputCongestion": 0.0,
            "outputSkippedFrames": sum(int(o.get("dropped", 0)) for o in outs),
            "outputTotalFrames": int(stats.get("frames", 0))}


async def _start_stop(ctx: Ctx, what: str, on: bool) -> None:
    active = ctx.state()["streaming" if what == "stream" else "recording"]
    if active == on:
        raise RequestFailed(OUTPUT_RUNNING if on else OUTPUT_NOT_RUNNING,
                            f"The {what} output is {'already' if on else 'not'} running.")
    await ctx.bus.execute(f"{what}.{'start' if on else 'stop'}")


@request("StartStream")
async def start_stream(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _start_stop(ctx, "stream", True)


@request("StopStream")
async def stop_stream(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _start_stop(ctx, "stream", False)


@request("ToggleStream")
async def toggle_stream(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"outputActive": (await ctx.bus.execute("stream.toggle"))["streaming"]}


@request("GetStreamStatus")
async def get_stream_status(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return _output(ctx, stream=True)


@request("StartRecord")
async def start_record(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _start_stop(ctx, "record", True)


@request("StopRecord")
async def stop_record(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    await _start_stop(ctx, "record", False)
    paths = [o["target"] for o in outputs(ctx.state(), stream=False)]
    return {"outputPath": paths[0] if paths else ""}


@request("GetRecordStatus")
async def get_record_status(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    o = _output(ctx, stream=False)
    return {k: o[k] for k in ("outputActive", "outputTimecode", "outputDuration", "outputBytes")} | {
        "outputPaused": bool(ctx.state().get("record_paused"))}


async def _pause(ctx: Ctx, want: bool | None) -> bool:
    st = ctx.state()
    if not st["recording"]:
        raise RequestFailed(OUTPUT_NOT_RUNNING, "The record output is not running.")
    if want is not None and bool(st.get("record_paused")) == want:
        raise RequestFailed(OUTPUT_PAUSED if want else OUTPUT_NOT_PAUSED, f"The record output is {'already' if want else 'not'} paused.")
    verb = {True: "pause", False: "resume", None: "toggle_pause"}[want]
    return bool((await ctx.bus.execute(f"record.{verb}"))["paused"])


@request("PauseRecord")
async def pause_record(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _pause(ctx, True)


@request("ResumeRecord")
async def resume_record(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _pause(ctx, False)


@request("ToggleRecordPause")
async def toggle_record_pause(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"outputPaused": await _pause(ctx, None)}


@request("GetRecordDirectory")
async def get_record_directory(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"recordDirectory": (await ctx.bus.execute("record.directory"))["directory"]}


@request("SetRecordDirectory")
async def set_record_directory(ctx: Ctx, d: dict[str, Any]) -> None:
    await ctx.bus.execute("record.directory", {"directory": field(d, "recordDirectory", str)})


@request("GetStreamServiceSettings")
async def get_stream_service_settings(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    """OBS answers the key in clear; rigcast never lets a key out: the server, and ``****``."""
    got = await ctx.bus.execute("stream.service")
    return {"streamServiceType": "rtmp_custom",
            "streamServiceSettings": {"server": got["server"], "key": got["key"], "use_auth": False}}


@request("SetStreamServiceSettings")
async def set_stream_service_settings(ctx: Ctx, d: dict[str, Any]) -> None:
    kind = field(d, "streamServiceType", str)
    settings = field(d, "streamServiceSettings", dict)
    if kind != "rtmp_custom":
        raise RequestFailed(CANNOT_ACT, f"rigcast takes a custom server (rtmp_custom), not {kind}: "
                                        "give the server URL and the key")
    server = settings.get("server")
    if not isinstance(server, str) or not server:
        raise RequestFailed(MISSING_FIELD, "streamServiceSettings needs a `server` string")
    args: dict[str, Any] = {"server": server}
    if isinstance(settings.get("key"), str):
        args["key"] = settings["key"]  # "****" (what GetStreamServiceSettings showed): keep the key
    if ctx.state()["streaming"]:
        raise RequestFailed(OUTPUT_RUNNING, "The stream is running; stop it to change where it goes.")
    await ctx.bus.execute("stream.service", args)


@request("ToggleRecord")
async def toggle_record(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"outputActive": (await ctx.bus.execute("record.toggle"))["recording"]}


def _named(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    name = field(d, "outputName", str)
    for o in ctx.state().get("outputs", []):
        if o["name"] == name:
            return o
    raise RequestFailed(NOT_FOUND, f'No output was found by the name of "{name}".')


@request("GetOutputStatus")
async def get_output_status(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    o = _named(ctx, d)
    up = float(o.get("uptime_s") or 0.0)
    return {"outputActive": o["state"] in RUNNING, "outputReconnecting": o["state"] == OutputState.RECONNECTING,
            "outputTimecode": timecode(up), "outputDuration": int(up * 1000), "outputCongestion": 0.0,
            "outputBytes": int(o.get("bytes", 0)), "outputSkippedFrames": int(o.get("dropped", 0)),
            "outputTotalFrames": int(ctx.state().get("stats", {}).get("frames", 0))}


@request("StartOutput")
async def start_output(ctx: Ctx, d: dict[str, Any]) -> None:
    o = _named(ctx, d)
    if o["state"] in RUNNING:
        raise RequestFailed(OUTPUT_RUNNING, f'The output "{o["name"]}" is already running.')
    await ctx.bus.execute("output.start", {"output": o["name"]})


@request("StopOutput")
async def stop_output(ctx: Ctx, d: dict[str, Any]) -> None:
    o = _named(ctx, d)
    if o["state"] not in RUNNING:
        raise RequestFailed(OUTPUT_NOT_RUNNING, f'The output "{o["name"]}" is not running.')
    await ctx.bus.execute("output.stop", {"output": o["name"]})


@request("ToggleOutput")
async def toggle_output(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    o = _named(ctx, d)
    on = o["state"] not in RUNNING
    await ctx.bus.execute("output.start" if on else "output.stop", {"output": o["name"]})
    return {"outputActive": on}


@request("GetOutputSettings", fixed="{kind, target}: where it goes, its key masked (rigcast never lets a key out)")
async def get_output_settings(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    o = _named(ctx, d)
    return {"outputSettings": {"kind": o["kind"], "target": o["target"]}}


@request("GetOutputList")
async def get_output_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    """rigcast's own outputs by name (its config's), with their real state."""
    return {"outputs": [{"outputName": o["name"], "outputKind": o["kind"], "outputActive": o["state"] in RUNNING,
                         "outputWidth": 0, "outputHeight": 0, "outputFlags": {}} for o in ctx.state().get("outputs", [])]}
