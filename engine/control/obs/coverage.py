"""How much of obs-websocket 5.x rigcast speaks: every request and event of the protocol
(protocol.json), and how each is answered, rendered as docs/obs-websocket.md.

The names are the protocol's; how each is answered comes from the handlers' own registry
(engine/control/obs/requests.py: done, a fixed answer, or refused with a status) and, for
events, from the lists below. A test checks that every request is registered and that the
doc is this module's output, so the table can't drift from what the server does.

    python -m rigcast.engine.control.obs.coverage > docs/obs-websocket.md
"""

from __future__ import annotations

REQUESTS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "canvases": (
        "GetCanvasList",
    ),
    "config": (
        "GetPersistentData", "SetPersistentData", "GetSceneCollectionList", "SetCurrentSceneCollection",
        "CreateSceneCollection", "GetProfileList", "SetCurrentProfile", "CreateProfile", "RemoveProfile",
        "GetProfileParameter", "SetProfileParameter", "GetVideoSettings", "SetVideoSettings",
        "GetStreamServiceSettings", "SetStreamServiceSettings", "GetRecordDirectory", "SetRecordDirectory",
    ),
    "filters": (
        "GetSourceFilterKindList", "GetSourceFilterList", "GetSourceFilterDefaultSettings",
        "CreateSourceFilter", "RemoveSourceFilter", "SetSourceFilterName", "GetSourceFilter",
        "SetSourceFilterIndex", "SetSourceFilterSettings", "SetSourceFilterEnabled",
    ),
    "general": (
        "GetVersion", "GetStats", "BroadcastCustomEvent", "CallVendorRequest", "GetHotkeyList",
        "TriggerHotkeyByName", "TriggerHotkeyByKeySequence", "Sleep",
    ),
    "inputs": (
        "GetInputList", "GetInputKindList", "GetSpecialInputs", "CreateInput", "RemoveInput", "SetInputName",
        "GetInputDefaultSettings", "GetInputSettings", "SetInputSettings", "GetInputMute", "SetInputMute",
        "ToggleInputMute", "GetInputVolume", "SetInputVolume", "GetInputAudioBalance",
        "SetInputAudioBalance", "GetInputAudioSyncOffset", "SetInputAudioSyncOffset",
        "GetInputAudioMonitorType", "SetInputAudioMonitorType", "GetInputAudioTracks", "SetInputAudioTracks",
        "GetInputDeinterlaceMode", "SetInputDeinterlaceMode", "GetInputDeinterlaceFieldOrder",
        "SetInputDeinterlaceFieldOrder", "GetInputPropertiesListPropertyItems", "PressInputPropertiesButton",
    ),
    "media inputs": (
        "GetMediaInputStatus", "SetMediaInputCursor", "OffsetMediaInputCursor", "TriggerMediaInputAction",
    ),
    "outputs": (
        "GetVirtualCamStatus", "ToggleVirtualCam", "StartVirtualCam", "StopVirtualCam",
        "GetReplayBufferStatus", "ToggleReplayBuffer", "StartReplayBuffer", "StopReplayBuffer",
        "SaveReplayBuffer", "GetLastReplayBufferReplay", "GetOutputList", "GetOutputStatus", "ToggleOutput",
        "StartOutput", "StopOutput", "GetOutputSettings", "SetOutputSettings",
    ),
    "record": (
        "GetRecordStatus", "ToggleRecord", "StartRecord", "StopRecord", "ToggleRecordPause", "PauseRecord",
        "ResumeRecord", "SplitRecordFile", "CreateRecordChapter",
    ),
    "scene items": (
        "GetSceneItemList", "GetGroupSceneItemList", "GetSceneItemId", "GetSceneItemSource",
        "CreateSceneItem", "RemoveSceneItem", "DuplicateSceneItem", "GetSceneItemTransform",
        "SetSceneItemTransform", "GetSceneItemEnabled", "SetSceneItemEnabled", "GetSceneItemLocked",
        "SetSceneItemLocked", "GetSceneItemIndex", "SetSceneItemIndex", "GetSceneItemBlendMode",
        "SetSceneItemBlendMode",
    ),
    "scenes": (
        "GetSceneList", "GetGroupList", "GetCurrentProgramScene", "SetCurrentProgramScene",
        "GetCurrentPreviewScene", "SetCurrentPreviewScene", "CreateScene", "RemoveScene", "SetSceneName",
        "GetSceneSceneTransitionOverride", "SetSceneSceneTransitionOverride",
    ),
    "sources": (
        "GetSourceActive", "GetSourceScreenshot", "SaveSourceScreenshot",
    ),
    "stream": (
        "GetStreamStatus", "ToggleStream", "StartStream", "StopStream", "SendStreamCaption",
    ),
    "transitions": (
        "GetTransitionKindList", "GetSceneTransitionList", "GetCurrentSceneTransition",
        "SetCurrentSceneTransition", "SetCurrentSceneTransitionDuration",
        "SetCurrentSceneTransitionSettings", "GetCurrentSceneTransitionCursor",
        "TriggerStudioModeTransition", "SetTBarPosition",
    ),
    "ui": (
        "GetStudioModeEnabled", "SetStudioModeEnabled", "OpenInputPropertiesDialog",
        "OpenInputFiltersDialog", "OpenInputInteractDialog", "GetMonitorList", "OpenVideoMixProjector",
        "OpenSourceProjector",
    ),
}

EVENTS_BY_CATEGORY: dict[str, tuple[str, ...]] = {
    "canvases": (
        "CanvasCreated", "CanvasRemoved", "CanvasNameChanged",
    ),
    "config": (
        "CurrentSceneCollectionChanging", "CurrentSceneCollectionChanged", "SceneCollectionListChanged",
        "CurrentProfileChanging", "CurrentProfileChanged", "ProfileListChanged",
    ),
    "filters": (
        "SourceFilterListReindexed", "SourceFilterCreated", "SourceFilterRemoved", "SourceFilterNameChanged",
        "SourceFilterSettingsChanged", "SourceFilterEnableStateChanged",
    ),
    "general": (
        "ExitStarted", "VendorEvent", "CustomEvent",
    ),
    "inputs": (
        "InputCreated", "InputRemoved", "InputNameChanged", "InputSettingsChanged",
        "InputActiveStateChanged", "InputShowStateChanged", "InputMuteStateChanged", "InputVolumeChanged",
        "InputAudioBalanceChanged", "InputAudioSyncOffsetChanged", "InputAudioTracksChanged",
        "InputAudioMonitorTypeChanged", "InputVolumeMeters",
    ),
    "media inputs": (
        "MediaInputPlaybackStarted", "MediaInputPlaybackEnded", "MediaInputActionTriggered",
    ),
    "outputs": (
        "StreamStateChanged", "RecordStateChanged", "RecordFileChanged", "ReplayBufferStateChanged",
        "VirtualcamStateChanged", "ReplayBufferSaved",
    ),
    "scene items": (
        "SceneItemCreated", "SceneItemRemoved", "SceneItemListReindexed", "SceneItemEnableStateChanged",
        "SceneItemLockStateChanged", "SceneItemSelected", "SceneItemTransformChanged",
    ),
    "scenes": (
        "SceneCreated", "SceneRemoved", "SceneNameChanged", "CurrentProgramSceneChanged",
        "CurrentPreviewSceneChanged", "SceneListChanged",
    ),
    "transitions": (
        "CurrentSceneTransitionChanged", "CurrentSceneTransitionDurationChanged", "SceneTransitionStarted",
        "SceneTransitionEnded", "SceneTransitionVideoEnded",
    ),
    "ui": (
        "StudioModeStateChanged", "ScreenshotSaved",
    ),
}

# The events rigcast sends, and what makes it send them.
EVENTS_SENT: dict[str, str] = {
    "ExitStarted": "the engine begins to stop",
    "InputSettingsChanged": "a source's settings change (SetInputSettings, text.set, the control protocol)",
    "InputActiveStateChanged": "a source goes on or off air (scene switch, item shown or hidden)",
    "InputShowStateChanged": "as InputActiveStateChanged (the program only: studio mode's preview is not counted)",
    "InputMuteStateChanged": "a source is muted or unmuted",
    "InputVolumeChanged": "an audio source's volume changes",
    "InputAudioSyncOffsetChanged": "a source's sync offset changes (SetInputAudioSyncOffset, source.set)",
    "InputAudioTracksChanged": "the tracks a source feeds change (SetInputAudioTracks, source.set)",
    "MediaInputPlaybackStarted": "a media source starts playing (at start, play, restart; a loop goes on without one)",
    "MediaInputPlaybackEnded": "a media source is stopped (a file loops, so it never ends by itself)",
    "MediaInputActionTriggered": "a media action is taken (play, pause, stop, restart), whoever asked",
    "InputVolumeMeters": "every 50 ms from the real meters (20 meter frames a second while subscribed)",
    "StreamStateChanged": "STARTING, STARTED, RECONNECTING, RECONNECTED, STOPPING, STOPPED",
    "RecordStateChanged": "STARTING, STARTED, PAUSED, RESUMED, STOPPING, STOPPED (with outputPath)",
    "ReplayBufferStateChanged": "the replay buffer starts or stops (STARTED, STOPPED)",
    "SourceFilterEnableStateChanged": "an audio filter is switched on or off (SetSourceFilterEnabled, source.set)",
    "SourceFilterSettingsChanged": "an audio filter's settings change (SetSourceFilterSettings, source.set)",
    "ReplayBufferSaved": "a replay is written (savedReplayPath), whoever asked for it",
    "RecordFileChanged": "a recording goes on in its next file (newOutputPath): a split asked for or by size/time",
    "SceneItemEnableStateChanged": "an item is shown or hidden",
    "SceneItemTransformChanged": "an item is moved, scaled, cropped or boxed",
    "CurrentProgramSceneChanged": "the program scene switches",
    "CurrentPreviewSceneChanged": "studio mode's preview scene changes",
    "StudioModeStateChanged": "studio mode is turned on or off",
    "SceneListChanged": "the scene list changes (never while running: scenes come from the config file)",
    "CurrentSceneTransitionChanged": "the transition changes (Cut or Fade)",
    "CurrentSceneTransitionDurationChanged": "the fade's duration changes",
    "SceneTransitionStarted": "a scene switch begins",
    "SceneTransitionEnded": "a scene switch has finished (after the fade)",
}

# Why the others are never sent.
_NO_FILTERS = "rigcast's filters are the config file's: none is created, removed, renamed or moved live"
_CONFIG = "sources and scenes come from the config file; none is created, removed or renamed live"
_SWITCH = "switching config files restarts the engine: the connection closes, and the client reconnects to the new one"
EVENTS_NOT_SENT: dict[str, str] = {
    "CanvasCreated": "one canvas", "CanvasRemoved": "one canvas", "CanvasNameChanged": "one canvas",
    "CurrentSceneCollectionChanging": _SWITCH, "CurrentSceneCollectionChanged": _SWITCH,
    "SceneCollectionListChanged": "the list is the config files in the folder, read when asked",
    "CurrentProfileChanging": _SWITCH, "CurrentProfileChanged": _SWITCH,
    "ProfileListChanged": "the list is the config files in the folder, read when asked",
    "SourceFilterListReindexed": _NO_FILTERS, "SourceFilterCreated": _NO_FILTERS, "SourceFilterRemoved": _NO_FILTERS,
    "SourceFilterNameChanged": _NO_FILTERS,
    "VendorEvent": "no vendor extensions", "CustomEvent": "BroadcastCustomEvent is refused",
    "InputCreated": _CONFIG, "InputRemoved": _CONFIG, "InputNameChanged": _CONFIG,
    "InputAudioBalanceChanged": "the balance is fixed (centred)",
    "InputAudioMonitorTypeChanged": "no monitoring",
    "VirtualcamStateChanged": "no virtual camera",
    "SceneItemCreated": _CONFIG, "SceneItemRemoved": _CONFIG, "SceneItemListReindexed": _CONFIG,
    "SceneItemLockStateChanged": "items are never locked", "SceneItemSelected": "no canvas editor",
    "SceneCreated": _CONFIG, "SceneRemoved": _CONFIG, "SceneNameChanged": _CONFIG,
    "SceneTransitionVideoEnded": "not sent: SceneTransitionEnded marks the end",
    "ScreenshotSaved": "sent by OBS for its UI's screenshot hotkey; rigcast has no such hotkey",
}


# Every request Bitfocus Companion's OBS module sends, read from its source at 1b9568d (3.16.0):
# actions.js, feedbacks.js, index.js and presets.js, through sendRequest, sendBatch's
# requestType and the projector actions' requestType. The doc counts rigcast's answers to them.
COMPANION = ("companion-module-obs-studio 3.16.0 (1b9568d)", (
    "CallVendorRequest", "CreateRecordChapter", "GetCurrentPreviewScene", "GetCurrentSceneTransition",
    "GetGroupSceneItemList", "GetHotkeyList", "GetInputAudioBalance", "GetInputAudioMonitorType",
    "GetInputAudioSyncOffset", "GetInputAudioTracks", "GetInputDefaultSettings", "GetInputKindList",
    "GetInputMute", "GetInputSettings", "GetInputVolume", "GetMediaInputStatus", "GetMonitorList",
    "GetOutputList", "GetOutputStatus", "GetProfileList", "GetRecordDirectory", "GetRecordStatus",
    "GetReplayBufferStatus", "GetSceneCollectionList", "GetSceneItemId", "GetSceneItemList", "GetSceneList",
    "GetSceneTransitionList", "GetSourceActive", "GetSourceFilterList", "GetSpecialInputs", "GetStats",
    "GetStreamServiceSettings", "GetStreamStatus", "GetStudioModeEnabled", "GetVersion", "GetVideoSettings",
    "OffsetMediaInputCursor", "OpenInputFiltersDialog", "OpenInputInteractDialog", "OpenInputPropertiesDialog",
    "OpenSourceProjector", "OpenVideoMixProjector", "PauseRecord", "PressInputPropertiesButton", "ResumeRecord",
    "SaveReplayBuffer", "SaveSourceScreenshot", "SendStreamCaption", "SetCurrentPreviewScene",
    "SetCurrentProfile", "SetCurrentProgramScene", "SetCurrentSceneCollection", "SetCurrentSceneTransition",
    "SetCurrentSceneTransitionDuration", "SetInputAudioBalance", "SetInputAudioMonitorType",
    "SetInputAudioSyncOffset", "SetInputMute", "SetInputSettings", "SetInputVolume", "SetMediaInputCursor",
    "SetSceneItemEnabled", "SetSceneItemTransform", "SetSourceFilterEnabled", "SetSourceFilterSettings",
    "SetStreamServiceSettings", "SetStudioModeEnabled", "Sleep", "SplitRecordFile", "StartOutput",
    "StartRecord", "StartReplayBuffer", "StartStream", "StartVirtualCam", "StopOutput", "StopRecord",
    "StopReplayBuffer", "StopStream", "StopVirtualCam", "ToggleInputMute", "ToggleOutput", "ToggleRecord",
    "ToggleRecordPause", "ToggleReplayBuffer", "ToggleStream", "ToggleVirtualCam", "TriggerHotkeyByKeySequence",
    "TriggerHotkeyByName", "TriggerMediaInputAction", "TriggerStudioModeTransition",
))


def all_requests() -> list[str]:
    return [n for names in REQUESTS_BY_CATEGORY.values() for n in names]


def all_events() -> list[str]:
    return [n for names in EVENTS_BY_CATEGORY.values() for n in names]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render() -> str:
    from rigcast.engine.control.obs import server  # noqa: F401  (every request module registers)
    from rigcast.engine.control.obs.requests import NOTES, REQUESTS

    reqs, evs = all_requests(), all_events()
    done = [n for n in reqs if n in REQUESTS and n not in NOTES]
    fixed = [n for n in reqs if NOTES.get(n, ("",))[0] == "fixed"]
    refused = [n for n in reqs if NOTES.get(n, ("",))[0] == "refused"]
    lines = [
        "# obs-websocket in rigcast: what each request and event does",
        "",
        "rigcast speaks obs-websocket 5.x (rpcVersion 1) over JSON and MessagePack, with",
        "authentication, Reidentify and request batches. This table is generated from the server's",
        "own registry (`python -m rigcast.engine.control.obs.coverage > docs/obs-websocket.md`); a test keeps",
        "it current.",
        "",
        f"Requests: {len(reqs)} in the protocol; **{len(done) + 1} done** (Sleep included), "
        f"**{len(fixed)} with a fixed answer**, **{len(refused)} refused** with the spec's status.",
        f"Events: {len(evs)} in the protocol; **{len(EVENTS_SENT)} sent**, {len(EVENTS_NOT_SENT)} never sent.",
        "",
        "A refused request answers `requestStatus.result = false` with the code shown (600 resource",
        "not found, 604 invalid resource state, 506 studio mode not active, 703 cannot act) and the",
        "reason as its comment: never a fake success.",
        "",
        "## Requests",
        "",
    ]
    for cat, names in REQUESTS_BY_CATEGORY.items():
        lines += [f"### {cat}", "", "| request | answer |", "|---|---|"]
        for n in names:
            if n == "Sleep":
                how = "does it (in serial batches; sleepMillis 0–50000, sleepFrames 0–10000)"
            elif n not in REQUESTS:
                how = "**missing** (answers 204)"
            elif n not in NOTES:
                how = "does it"
            else:
                kind, note = NOTES[n]
                how = f"fixed answer: {note}" if kind == "fixed" else f"not supported: {note}"
            lines.append(f"| `{n}` | {_cell(how)} |")
        lines.append("")
    version, companion = COMPANION
    c_done = [n for n in companion if (n in REQUESTS and n not in NOTES) or n == "Sleep"]
    c_fixed = [n for n in companion if NOTES.get(n, ("",))[0] == "fixed"]
    c_refused = [n for n in companion if NOTES.get(n, ("",))[0] == "refused"]
    lines += ["## Bitfocus Companion", "",
              f"{version} sends {len(companion)} distinct requests (counted from its source). rigcast "
              f"**does {len(c_done)}**, gives **a fixed answer to {len(c_fixed)}** and **refuses {len(c_refused)}**"
              + (": " + ", ".join(f"`{n}`" for n in c_refused) if c_refused else "") + ".", ""]
    lines += ["## Events", ""]
    for cat, names in EVENTS_BY_CATEGORY.items():
        lines += [f"### {cat}", "", "| event | sent |", "|---|---|"]
        for n in names:
            how = (f"yes: {EVENTS_SENT[n]}" if n in EVENTS_SENT
                   else f"never: {EVENTS_NOT_SENT.get(n, '**unlisted**')}")
            lines.append(f"| `{n}` | {_cell(how)} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
