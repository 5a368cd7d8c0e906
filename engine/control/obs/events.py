"""Engine state changes (engine/control/changes.py) and meters as the OBS events a session
subscribed to, in protocol.json's shapes."""

from __future__ import annotations

import math
from typing import Any

from rigcast.config.filterlist import filter_names
from rigcast.engine.control.changes import (
    PAUSED,
    RECONNECTING,
    STARTED,
    STARTING,
    STOPPED,
    STOPPING,
    Change,
    outputs,
)
from rigcast.engine.control.obs.inputs import audio_tracks, volume_fields
from rigcast.engine.control.obs.media import obs_media_action
from rigcast.engine.control.obs.protocol import (
    EVENT,
    SUB_FILTERS,
    SUB_GENERAL,
    SUB_INPUT_ACTIVE,
    SUB_INPUT_SHOW,
    SUB_INPUTS,
    SUB_ITEM_TRANSFORM,
    SUB_MEDIA_INPUTS,
    SUB_OUTPUTS,
    SUB_SCENE_ITEMS,
    SUB_SCENES,
    SUB_TRANSITIONS,
    SUB_UI,
    SUB_VOLUME_METERS,
)
from rigcast.engine.control.obs.transform import placement, transform_of
from rigcast.engine.control.obs.transitions import NAMES
from rigcast.engine.vocab.reports import Meter
from rigcast.engine.vocab.snapshot import Snapshot

_STATE = "OBS_WEBSOCKET_OUTPUT_"
_ACTIVE = {STARTING: False, STARTED: True, RECONNECTING: True, PAUSED: True, STOPPING: True, STOPPED: False}


def event(name: str, bit: int, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"op": EVENT, "d": {"eventType": name, "eventIntent": bit, "eventData": data or {}}}


def _phase_events(name: str, now: str, was: str, path: str | None) -> list[dict[str, Any]]:
    """One phase change as OBS's states: a jump straight from stopped to started (the output
    came up between two reports) is told as STARTING then STARTED, so clients see each step."""
    steps: list[tuple[str, bool]] = []
    if now == STARTED:
        if was in (STOPPED, STOPPING):
            steps.append(("STARTING", False))
        steps.append(("RECONNECTED" if was == RECONNECTING else "RESUMED" if was == PAUSED else "STARTED", True))
    elif now == STOPPED:
        if was not in (STOPPING, STARTING):
            steps.append(("STOPPING", True))
        steps.append(("STOPPED", False))
    else:
        steps.append((now.upper(), _ACTIVE[now]))
    out = []
    for state, active in steps:
        data: dict[str, Any] = {"outputActive": active, "outputState": _STATE + state}
        if path is not None:
            data["outputPath"] = path if state in ("STARTED", "STOPPED") else None
        out.append(event(name, SUB_OUTPUTS, data))
    return out


def _filter_events(source: str, was: list[dict[str, Any]], now: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A source's filters switched or re-set (engine/control/obs/filters.py names them)."""
    out = []
    for name, old, new in zip(filter_names([f["kind"] for f in was]), was, now):
        if old["kind"] != new["kind"]:
            continue
        if old.get("enabled", True) != new.get("enabled", True):
            out.append(event("SourceFilterEnableStateChanged", SUB_FILTERS, {
                "sourceName": source, "filterName": name, "filterEnabled": bool(new.get("enabled", True))}))
        rest = {k: v for k, v in new.items() if k not in ("kind", "enabled")}
        if rest != {k: v for k, v in old.items() if k not in ("kind", "enabled")}:
            out.append(event("SourceFilterSettingsChanged", SUB_FILTERS,
                             {"sourceName": source, "filterName": name, "filterSettings": rest}))
    return out


def obs_events(found: list[Change], subs: int, state: Snapshot) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    record_path = next((o.target for o in outputs(state, stream=False)), None)
    for what, d in found:
        if what == "scene_list" and subs & SUB_SCENES:
            n = len(state.scenes)
            out.append(event("SceneListChanged", SUB_SCENES, {"scenes": [
                {"sceneIndex": n - 1 - i, "sceneName": s.name, "sceneUuid": s.name}
                for i, s in enumerate(state.scenes)][::-1]}))
        elif what == "scene":
            if subs & SUB_TRANSITIONS:
                kind = state.transition.kind
                out.append(event("SceneTransitionStarted", SUB_TRANSITIONS,
                                 {"transitionName": NAMES[kind], "transitionUuid": kind}))
            if subs & SUB_SCENES:
                out.append(event("CurrentProgramSceneChanged", SUB_SCENES,
                                 {"sceneName": d["scene"], "sceneUuid": d["scene"]}))
        elif what == "studio_mode" and subs & SUB_UI:
            out.append(event("StudioModeStateChanged", SUB_UI, {"studioModeEnabled": d["enabled"]}))
        elif what == "preview_scene" and subs & SUB_SCENES:
            out.append(event("CurrentPreviewSceneChanged", SUB_SCENES, {"sceneName": d["scene"], "sceneUuid": d["scene"]}))
        elif what == "stream_phase" and subs & SUB_OUTPUTS:
            out += _phase_events("StreamStateChanged", d["phase"], d["was"], None)
        elif what == "record_phase" and subs & SUB_OUTPUTS:
            out += _phase_events("RecordStateChanged", d["phase"], d["was"], record_path)
        elif what == "replay_buffer" and subs & SUB_OUTPUTS:
            out.append(event("ReplayBufferStateChanged", SUB_OUTPUTS, {
                "outputActive": d["active"], "outputState": _STATE + ("STARTED" if d["active"] else "STOPPED")}))
        elif what == "record_file" and subs & SUB_OUTPUTS:
            out.append(event("RecordFileChanged", SUB_OUTPUTS, {"newOutputPath": d["path"]}))
        elif what == "replay_saved" and subs & SUB_OUTPUTS:
            out.append(event("ReplayBufferSaved", SUB_OUTPUTS, {"savedReplayPath": d["path"]}))
        elif what == "mute" and subs & SUB_INPUTS:
            out.append(event("InputMuteStateChanged", SUB_INPUTS,
                             {"inputName": d["source"], "inputUuid": d["source"], "inputMuted": d["muted"]}))
        elif what == "volume" and subs & SUB_INPUTS:
            out.append(event("InputVolumeChanged", SUB_INPUTS, {"inputName": d["source"], "inputUuid": d["source"]}
                             | volume_fields(float(d["volume_db"]))))
        elif what == "settings":
            if subs & SUB_INPUTS:
                named = {"inputName": d["source"], "inputUuid": d["source"]}
                out.append(event("InputSettingsChanged", SUB_INPUTS, named | {"inputSettings": d["settings"]}))
                now, was = d["settings"], d["was"]
                if "tracks" in now and now.get("tracks") != was.get("tracks"):
                    out.append(event("InputAudioTracksChanged", SUB_INPUTS,
                                     named | {"inputAudioTracks": audio_tracks(now["tracks"])}))
                if "sync_offset_ms" in now and now.get("sync_offset_ms") != was.get("sync_offset_ms"):
                    out.append(event("InputAudioSyncOffsetChanged", SUB_INPUTS,
                                     named | {"inputAudioSyncOffset": int(now["sync_offset_ms"])}))
            if subs & SUB_FILTERS:
                out += _filter_events(d["source"], d["was"].get("filters", []), d["settings"].get("filters", []))
        elif what == "media_action" and subs & SUB_MEDIA_INPUTS:
            action = obs_media_action(d["action"], d["state"])
            if action is not None:
                out.append(event("MediaInputActionTriggered", SUB_MEDIA_INPUTS,
                                 {"inputName": d["source"], "inputUuid": d["source"], "mediaAction": action}))
        elif what in ("media_started", "media_ended") and subs & SUB_MEDIA_INPUTS:
            name = "MediaInputPlaybackStarted" if what == "media_started" else "MediaInputPlaybackEnded"
            out.append(event(name, SUB_MEDIA_INPUTS, {"inputName": d["source"], "inputUuid": d["source"]}))
        elif what == "item_visible" and subs & SUB_SCENE_ITEMS:
            out.append(event("SceneItemEnableStateChanged", SUB_SCENE_ITEMS, {
                "sceneName": d["scene"], "sceneUuid": d["scene"], "sceneItemId": d["index"] + 1,
                "sceneItemEnabled": d["visible"]}))
        elif what == "item_placed" and subs & SUB_ITEM_TRANSFORM:
            out.append(event("SceneItemTransformChanged", SUB_ITEM_TRANSFORM, {
                "sceneName": d["scene"], "sceneUuid": d["scene"], "sceneItemId": d["index"] + 1,
                "sceneItemTransform": _transform(state, d["scene"], d["index"])}))
        elif what == "active":
            for bit, name, key in ((SUB_INPUT_ACTIVE, "InputActiveStateChanged", "videoActive"),
                                   (SUB_INPUT_SHOW, "InputShowStateChanged", "videoShowing")):
                if subs & bit:
                    out.append(event(name, bit, {"inputName": d["source"], "inputUuid": d["source"], key: d["active"]}))
        elif what == "transition" and subs & SUB_TRANSITIONS:
            out.append(event("CurrentSceneTransitionChanged", SUB_TRANSITIONS,
                             {"transitionName": NAMES[d["kind"]], "transitionUuid": d["kind"]}))
            out.append(event("CurrentSceneTransitionDurationChanged", SUB_TRANSITIONS,
                             {"transitionDuration": d["duration_ms"]}))
        elif what == "exit" and subs & SUB_GENERAL:
            out.append(event("ExitStarted", SUB_GENERAL))
    return out


def _transform(state: Snapshot, scene: str, index: int) -> dict[str, Any]:
    it = next(s for s in state.scenes if s.name == scene).items[index]
    return transform_of(it, *placement(state, it.source), index)


def transition_ended(state: Snapshot) -> dict[str, Any]:
    kind = state.transition.kind
    return event("SceneTransitionEnded", SUB_TRANSITIONS, {"transitionName": NAMES[kind], "transitionUuid": kind})


def _mul(db: float) -> float:
    return 0.0 if not math.isfinite(db) or db <= -100 else 10 ** (db / 20)


def volume_meters(meter: Meter) -> dict[str, Any]:
    """InputVolumeMeters: per input, per channel [magnitude (RMS), peak, input peak] as
    multipliers, from the video process's meters (after the source's volume and mute)."""
    inputs = []
    for name, s in meter.sources.items():
        levels = [[_mul(rms), _mul(peak), _mul(peak)] for peak, rms in zip(s.levels.peak, s.levels.rms, strict=False)]
        inputs.append({"inputName": name, "inputUuid": name, "inputLevelsMul": levels})
    return event("InputVolumeMeters", SUB_VOLUME_METERS, {"inputs": inputs})
