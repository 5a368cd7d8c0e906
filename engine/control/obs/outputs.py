"""Output requests: the stream and the recording started, stopped and reported."""

from __future__ import annotations

from typing import Any

from engine.control.obs.protocol import OUTPUT_NOT_RUNNING, OUTPUT_RUNNING, RequestFailed, timecode
from engine.control.obs.requests import Ctx, request
from engine.vocab import OutputState


def _output(ctx: Ctx, stream: bool) -> dict[str, Any]:
    st = ctx.state()
    outs = [o for o in st.get("outputs", []) if bool(o.get("stream")) == stream]
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
    paths = [o["target"] for o in ctx.state().get("outputs", []) if not o.get("stream")]
    return {"outputPath": paths[0] if paths else ""}


@request("GetRecordStatus")
async def get_record_status(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    o = _output(ctx, stream=False)
    return {k: o[k] for k in ("outputActive", "outputTimecode", "outputDuration", "outputBytes")} | {
        "outputPaused": False}


@request("ToggleRecord")
async def toggle_record(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"outputActive": (await ctx.bus.execute("record.toggle"))["recording"]}


@request("GetOutputList")
async def get_output_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    """rigcast's own outputs by name (its config's), with their real state."""
    running = {OutputState.STARTING, OutputState.CONNECTING, OutputState.LIVE, OutputState.RECONNECTING,
               OutputState.RECORDING}
    return {"outputs": [{"outputName": o["name"], "outputKind": o["kind"], "outputActive": o["state"] in running,
                         "outputWidth": 0, "outputHeight": 0, "outputFlags": {}} for o in ctx.state().get("outputs", [])]}
