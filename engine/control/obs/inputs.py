"""Input (source) requests: the list, kinds and their defaults, settings, mute, volume and the
audio facts Companion reads for every source; sources active, and their (empty) filter lists.

Kinds are rigcast's own (config/kinds/), named as rigcast names them; settings are the keys a
rigcast config file uses for that kind, so what a tool reads it can send back.
"""

from __future__ import annotations

import math
from typing import Any

from rigcast.config import fields as f
from rigcast.config.kinds import Cap, Role, find, kinds
from rigcast.config.kinds.tracks import MAX_TRACKS
from rigcast.engine.commands.audio import MuteSource, SetVolume
from rigcast.engine.commands.sources import GetSource, SetSource
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    INVALID_FIELD,
    INVALID_RESOURCE_STATE,
    NOT_FOUND,
    OUT_OF_RANGE,
    RequestFailed,
    field,
)
from rigcast.engine.control.obs.requests import Ctx, request
from rigcast.engine.vocab.snapshot import SourceRow


def _source(ctx: Ctx, name: str) -> SourceRow:
    s = ctx.state().source(name)
    if s is not None:
        return s
    raise RequestFailed(NOT_FOUND, f'No source was found by the name of "{name}".')


def _input(ctx: Ctx, d: dict[str, Any]) -> SourceRow:
    return _source(ctx, field(d, "inputName", str))


def _audio(ctx: Ctx, d: dict[str, Any]) -> SourceRow:
    s = _input(ctx, d)
    if not s.audio:
        raise RequestFailed(INVALID_RESOURCE_STATE, f'The input "{s.name}" does not support audio.')
    return s


@request("GetInputList")
async def get_input_list(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    want = d.get("inputKind")
    return {"inputs": [{"inputName": s.name, "inputKind": s.kind, "unversionedInputKind": s.kind,
                        "inputUuid": s.name} for s in ctx.state().sources if want in (None, s.kind)]}


@request("GetInputKindList")
async def get_input_kind_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"inputKinds": [k.name for k in kinds(Role.SOURCE)]}


@request("GetInputDefaultSettings")
async def get_input_default_settings(_ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    name = field(d, "inputKind", str)
    try:
        info = find(Role.SOURCE, name)
    except KeyError:
        raise RequestFailed(NOT_FOUND, f'No input kind was found by the name of "{name}".') from None
    return {"defaultInputSettings": f.write(info.settings())}


@request("GetSpecialInputs")
async def get_special_inputs(ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    """OBS's global audio devices: rigcast's desktop-audio and mic sources, in config order."""
    audio = [(s.name, find(Role.SOURCE, s.kind)) for s in ctx.state().sources]
    audio = [(name, k) for name, k in audio if k.has(Cap.AUDIO)]
    desktop = [name for name, k in audio if k.extra.get("loopback")]
    mics = [name for name, k in audio if not k.extra.get("loopback")]
    return {"desktop1": (desktop + [None])[0], "desktop2": (desktop[1:] + [None])[0],
            "mic1": (mics + [None])[0], "mic2": (mics[1:] + [None])[0], "mic3": (mics[2:] + [None])[0],
            "mic4": (mics[3:] + [None])[0]}


@request("GetInputSettings")
async def get_input_settings(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    s = _input(ctx, d)
    got = await ctx.bus.run(GetSource(s.name))
    return {"inputSettings": got.settings, "inputKind": got.kind}


@request("SetInputSettings")
async def set_input_settings(ctx: Ctx, d: dict[str, Any]) -> None:
    s = _input(ctx, d)
    settings = field(d, "inputSettings", dict)
    overlay = field(d, "overlay", bool) if "overlay" in d else True
    await ctx.bus.run(SetSource(s.name, settings, overlay))


@request("GetInputMute")
async def get_input_mute(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return {"inputMuted": _input(ctx, d).muted}


@request("SetInputMute")
async def set_input_mute(ctx: Ctx, d: dict[str, Any]) -> None:
    s = _input(ctx, d)
    await ctx.bus.run(MuteSource(s.name, field(d, "inputMuted", bool)))


@request("ToggleInputMute")
async def toggle_input_mute(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    s = _input(ctx, d)
    return {"inputMuted": (await ctx.bus.run(MuteSource(s.name))).muted}


def volume_fields(db: float) -> dict[str, float]:
    return {"inputVolumeDb": db, "inputVolumeMul": 0.0 if db <= -100 else 10 ** (db / 20)}


@request("GetInputVolume")
async def get_input_volume(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return volume_fields(_audio(ctx, d).volume_db or 0.0)


@request("SetInputVolume")
async def set_input_volume(ctx: Ctx, d: dict[str, Any]) -> None:
    s = _audio(ctx, d)
    if "inputVolumeDb" in d:
        db = float(field(d, "inputVolumeDb", (int, float)))
    else:
        mul = float(field(d, "inputVolumeMul", (int, float)))
        db = -100.0 if mul <= 0 else 20 * math.log10(mul)  # OBS's own reading of a zero multiplier
    # Out of range is the bus's call (the volume field's bounds), answered as an error, never clamped.
    await ctx.bus.run(SetVolume(s.name, db))


@request("GetInputAudioBalance", fixed="0.5: rigcast mixes every source centred")
async def get_input_audio_balance(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _audio(ctx, d)
    return {"inputAudioBalance": 0.5}  # rigcast mixes every source centred; it has no balance control


@request("GetInputAudioSyncOffset")
async def get_input_audio_sync_offset(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    s = _audio(ctx, d)
    got = await ctx.bus.run(GetSource(s.name))
    return {"inputAudioSyncOffset": int(got.settings.get("sync_offset_ms", 0))}


@request("SetInputAudioSyncOffset")
async def set_input_audio_sync_offset(ctx: Ctx, d: dict[str, Any]) -> None:
    s = _audio(ctx, d)
    ms = field(d, "inputAudioSyncOffset", int)
    if ms < 0:  # OBS takes -950..20000; rigcast only delays a source (a negative offset would need the future)
        raise RequestFailed(OUT_OF_RANGE, "rigcast delays a source by 0 to 20000 ms; it can't play one early")
    await ctx.bus.run(SetSource(s.name, {"sync_offset_ms": ms}))


@request("GetInputAudioMonitorType", fixed="OBS_MONITORING_TYPE_NONE: a headless box has no one to monitor for")
async def get_input_audio_monitor_type(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    _audio(ctx, d)
    return {"monitorType": "OBS_MONITORING_TYPE_NONE"}  # a headless box has nobody to monitor for


@request("SetInputAudioMonitorType", fixed="NONE is accepted; any other type fails with 703")
async def set_input_audio_monitor_type(ctx: Ctx, d: dict[str, Any]) -> None:
    _audio(ctx, d)
    if field(d, "monitorType", str) != "OBS_MONITORING_TYPE_NONE":
        raise RequestFailed(CANNOT_ACT, "rigcast has no audio monitoring (it runs on a headless box)")


def audio_tracks(tracks: Any) -> dict[str, bool]:
    """A source's ``tracks`` as OBS's ``inputAudioTracks``: "1".."6" on or off."""
    on = {int(t) for t in tracks or (1,)}
    return {str(n): n in on for n in range(1, MAX_TRACKS + 1)}


@request("GetInputAudioTracks")
async def get_input_audio_tracks(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    s = _audio(ctx, d)
    return {"inputAudioTracks": audio_tracks(s.settings.get("tracks"))}


@request("SetInputAudioTracks")
async def set_input_audio_tracks(ctx: Ctx, d: dict[str, Any]) -> None:
    """Tracks switched on or off by number ("1".."6"); the rest as they were. A source fed to
    no track at all is refused: rigcast's ``tracks`` lists at least one."""
    s = _audio(ctx, d)
    now = audio_tracks(s.settings.get("tracks"))
    for k, v in field(d, "inputAudioTracks", dict).items():
        if k not in now or not isinstance(v, bool):
            raise RequestFailed(INVALID_FIELD, f'inputAudioTracks: "{k}" must be a track "1" to "6" set to true '
                                                   "or false")
        now[k] = v
    tracks = [int(k) for k, on in now.items() if on]
    if not tracks:
        raise RequestFailed(CANNOT_ACT, "a source feeds at least one track; switch another on first")
    await ctx.bus.run(SetSource(s.name, {"tracks": tracks}))


@request("GetSourceActive")
async def get_source_active(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    """Active: shown in the program scene (audio sources are in every scene). Showing: the same,
    as rigcast renders no preview."""
    st = ctx.state()
    name = field(d, "sourceName", str)
    program = st.scene(st.program_scene)
    if st.scene(name) is not None:
        return {"videoActive": name == st.program_scene, "videoShowing": name == st.program_scene}
    s = _source(ctx, name)
    on = s.sound_only or any(it.source == name and it.visible for it in (program.items if program else ()))
    return {"videoActive": on, "videoShowing": on}


@request("GetSourceFilterKindList")
async def get_source_filter_kind_list(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"sourceFilterKinds": [k.name for k in kinds(Role.FILTER)]}
