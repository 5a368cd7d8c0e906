"""rigcast's wire vocabulary: the states, commands and events every part speaks.

One module, imported by the engine, its video process, the TUI, ``ctl``, the link and the
obs-websocket server, so a state spelled one way in the engine can't be styled, documented or
tested under another name. Machine values go on the wire; each state carries the human label
that status lines show.
"""

from __future__ import annotations

from engine.vocab.states import EngineState, LinkState, OutputState, SourceState, labelled
from engine.vocab.video import (
    ChatPost,
    ItemChange,
    MeterRate,
    MuteSet,
    OutputsStart,
    OutputsStop,
    RecordPause,
    RenderedItem,
    RenderedScene,
    RenderedSource,
    RenderedState,
    ReplaySave,
    SceneSwitch,
    Screenshot,
    SourceSettings,
    TextSet,
    TransitionSet,
    VideoCommand,
    VolumeSet,
)
from engine.vocab.reports import (
    Ack,
    BusEvent,
    ChatMessage,
    EventName,
    Fatal,
    Final,
    LogLine,
    Meter,
    OutputStatus,
    Ready,
    Report,
    SourceRow,
    StateChanged,
    VideoStats,
)

__all__ = [
    "Ack",
    "BusEvent",
    "ChatMessage",
    "EventName",
    "Fatal",
    "Final",
    "LogLine",
    "Meter",
    "OutputStatus",
    "Ready",
    "Report",
    "SourceRow",
    "StateChanged",
    "VideoStats",
    "ChatPost",
    "EngineState",
    "ItemChange",
    "MeterRate",
    "LinkState",
    "MuteSet",
    "OutputState",
    "OutputsStart",
    "OutputsStop",
    "RecordPause",
    "RenderedItem",
    "RenderedScene",
    "RenderedSource",
    "RenderedState",
    "ReplaySave",
    "SceneSwitch",
    "Screenshot",
    "SourceSettings",
    "SourceState",
    "TextSet",
    "TransitionSet",
    "VideoCommand",
    "VolumeSet",
    "labelled",
]
