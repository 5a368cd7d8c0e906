"""Output requests: the stream and the recording started, stopped, paused and reported; each of
rigcast's outputs by its name; where recordings go; the stream's server and (masked) key."""

from __future__ import annotations

from typing import Any

from rigcast.engine.commands.outputs import (
    AddChapter,
    PauseRecording,
    RecordDirectory,
    ResumeRecording,
    SendCaption,
    SplitRecording,
    StartOutput,
    StartRecording,
    StartStreaming,
    StopOutput,
    StopRecording,
    StopStreaming,
    StreamService,
    TogglePause,
    ToggleRecording,
    ToggleStreaming,
)
from rigcast.engine.control.changes import outputs
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    INVALID_FIELD_TYPE,
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
from rigcast.engine.vocab import OutputState, OutputStatus
from rigcast.engine.vocab.snapshot import IdleOutput

RUNNING = {OutputState.STARTING, OutputState.CONNECTING, OutputState.LIVE, OutputState.RECONNECTING,
           OutputState.RECORDING, OutputState.PAUSED}


def _output(ctx: Ctx, stream: bool) -> dict[str, Any]:
    st = ctx.state()
    outs = outputs(st, stream)
    active = st.streaming if stream else st.recording
    up = (st.stream_uptime_s if stream else st.record_uptime_s) or 0.0
    return {"outputActive": active, "outputReconnecting": any(o.state == OutputState.RECONNECTING for o in outs),
            "outputTimecode": timecode(up), "outputDuration": int(up * 1000),
            "outputBytes": sum(o.bytes for o in outs), "outputCongestion": 0.0,
            "outputSkippedFrames": sum(o.dropped for o in outs), "outputTotalFrames": _frames(ctx)}


def _frames(ctx: Ctx) -> int:
    stats = ctx.stats()
    return stats.frames if stats else 0


async def _start_stop(ctx: Ctx, what: str, on: bool) -> None:
    st = ctx.state()
    active = st.streaming if what == "stream" else st.recording
    if active == on:
        raise RequestFailed(OUTPUT_RUNNING if on else OUTPUT_NOT_RUNNING,
                            f"The {what} output is {'already' if on else 'not'} running.")
    if what == "stream":
        await ctx.bus.run(StartStreaming() if on else StopStreaming())
    else:
        await ctx.bus.run(StartRecording() if on else StopRecording())


@request("StartStream")
async def start_stream(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _start_stop(ctx, "stream", True)


@request("StopStream")
async def stop_stream(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _start_stop(ctx, "stream", False)


@request("ToggleStream")
async def toggle_stream(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"outputActive": (await ctx.bus.run(ToggleStreaming())).streaming}


@request("GetStreamStatus")
async def get_stream_status(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return _output(ctx, stream=True)


@request("CreateRecordChapter")
async def create_record_chapter(ctx: Ctx, d: dict[str, Any]) -> None:
    """Into rigcast's .mkv recordings (OBS writes them only to its hybrid MP4)."""
    name = d.get("chapterName")
    if name is not None and not isinstance(name, str):
        raise RequestFailed(INVALID_FIELD_TYPE, "The field value of `chapterName` is of the wrong type.")
    await ctx.bus.run(AddChapter(name or None))


@request("SplitRecordFile")
async def split_record_file(ctx: Ctx, _d: dict[str, Any]) -> None:
    """The recording goes on in a new file from the next keyframe; RecordFileChanged follows."""
    await ctx.bus.run(SplitRecording())


@request("StartRecord")
async def start_record(ctx: Ctx, _d: dict[str, Any]) -> None:
    await _start_stop(ctx, "record", True)


@request("StopRecord")
async def stop_record(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    await _start_stop(ctx, "record", False)
    paths = [o.target for o in outputs(ctx.state(), stream=False)]
    return {"outputPath": paths[0] if paths else ""}


@request("GetRecordStatus")
async def get_record_status(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    o = _output(ctx, stream=False)
    return {k: o[k] for k in ("outputActive", "outputTimecode", "outputDuration", "outputBytes")} | {
        "outputPaused": ctx.state().record_paused}


async def _pause(ctx: Ctx, want: bool | None) -> bool:
    st = ctx.state()
    if not st.recording:
        raise RequestFailed(OUTPUT_NOT_RUNNING, "The record output is not running.")
    if want is not None and st.record_paused == want:
        raise RequestFailed(OUTPUT_PAUSED if want else OUTPUT_NOT_PAUSED, f"The record output is {'already' if want else 'not'} paused.")
    cmd = {True: PauseRecording, False: ResumeRecording, None: TogglePause}[want]()
    return (await ctx.bus.run(cmd)).paused


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
    return {"recordDirectory": (await ctx.bus.run(RecordDirectory())).directory}


@request("SetRecordDirectory")
async def set_record_directory(ctx: Ctx, d: dict[str, Any]) -> None:
    await ctx.bus.run(RecordDirectory(field(d, "recordDirectory", str)))


@request("GetStreamServiceSettings")
async def get_stream_service_settings(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    """OBS answers the key in clear; rigcast never lets a key out: the server, and ``****``."""
    got = await ctx.bus.run(StreamService())
    return {"streamServiceType": "rtmp_custom",
            "streamServiceSettings": {"server": got.server, "key": got.key, "use_auth": False}}


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
    if ctx.state().streaming:
        raise RequestFailed(OUTPUT_RUNNING, "The stream is running; stop it to change where it goes.")
    await ctx.bus.run(StreamService(**args))


@request("ToggleRecord")
async def toggle_record(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"outputActive": (await ctx.bus.run(ToggleRecording())).recording}


def _named(ctx: Ctx, d: dict[str, Any]) -> OutputStatus | IdleOutput:
    name = field(d, "outputName", str)
    for o in ctx.state().outputs:
        if o.name == name:
            return o
    raise RequestFailed(NOT_FOUND, f'No output was found by the name of "{name}".')


@request("GetOutputStatus")
async def get_output_status(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    o = _named(ctx, d)
    up = o.uptime_s
    return {"outputActive": o.state in RUNNING, "outputReconnecting": o.state == OutputState.RECONNECTING,
            "outputTimecode": timecode(up), "outputDuration": int(up * 1000), "outputCongestion": 0.0,
            "outputBytes": o.bytes, "outputSkippedFrames": o.dropped, "outputTotalFrames": _frames(ctx)}


@request("StartOutput")
async def start_output(ctx: Ctx, d: dict[str, Any]) -> None:
    o = _named(ctx, d)
    if o.state in RUNNING:
        raise RequestFailed(OUTPUT_RUNNING, f'The output "{o.name}" is already running.')
    await ctx.bus.run(StartOutput(o.name))


@request("StopOutput")
async def stop_output(ctx: Ctx, d: dict[str, Any]) -> None:
    o = _named(ctx, d)
    if o.state not in RUNNING:
        raise RequestFailed(OUTPUT_NOT_RUNNING, f'The output "{o.name}" is not running.')
    await ctx.bus.run(StopOutput(o.name))


@request("ToggleOutput")
async def toggle_output(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    o = _named(ctx, d)
    on = o.state not in RUNNING
    await ctx.bus.run(StartOutput(o.name) if on else StopOutput(o.name))
    return {"outputActive": on}


@request("GetOutputSettings", fixed="{kind, target}: where it goes, its key masked (rigcast never lets a key out)")
async def get_output_settings(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    o = _named(ctx, d)
    return {"outputSettings": {"kind": o.kind, "target": o.target}}


@request("GetOutputList")
async def get_output_list(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    """rigcast's own outputs by name (its config's), with their real state."""
    return {"outputs": [{"outputName": o.name, "outputKind": o.kind, "outputActive": o.state in RUNNING,
                         "outputWidth": 0, "outputHeight": 0, "outputFlags": {}} for o in ctx.state().outputs]}


@request("SendStreamCaption")
async def send_stream_caption(ctx: Ctx, d: dict[str, Any]) -> None:
    """The text as CEA-608 captions in the stream's H.264, as OBS sends them (stream.caption)."""
    text = field(d, "captionText", str)
    if not ctx.state().streaming:
        raise RequestFailed(OUTPUT_NOT_RUNNING, "Streaming is not active.")
    await ctx.bus.run(SendCaption(text))
