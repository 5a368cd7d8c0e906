"""Engine state changes (engine/control/changes.py) as the OBS events a session subscribed to."""

from __future__ import annotations

from typing import Any

from engine.control.changes import Change
from engine.control.obs.protocol import EVENT, SUB_INPUTS, SUB_OUTPUTS, SUB_SCENES

_EVENTS = {"scene": (SUB_SCENES, "CurrentProgramSceneChanged"), "streaming": (SUB_OUTPUTS, "StreamStateChanged"),
           "recording": (SUB_OUTPUTS, "RecordStateChanged"), "mute": (SUB_INPUTS, "InputMuteStateChanged")}


def obs_events(found: list[Change], subs: int) -> list[dict[str, Any]]:
    out = []
    for what, d in found:
        bit, name = _EVENTS[what]
        if not subs & bit:
            continue
        if what == "scene":
            data: dict[str, Any] = {"sceneName": d["scene"]}
        elif what == "mute":
            data = {"inputName": d["source"], "inputMuted": d["muted"]}
        else:
            data = {"outputActive": d["active"],
                    "outputState": "OBS_WEBSOCKET_OUTPUT_STARTED" if d["active"] else "OBS_WEBSOCKET_OUTPUT_STOPPED"}
        out.append({"op": EVENT, "d": {"eventType": name, "eventIntent": bit, "eventData": data}})
    return out
