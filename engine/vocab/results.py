"""What each bus command answers, as frozen dataclasses.

A handler returns one of these; the socket the answer leaves through makes it JSON
(:func:`rigcast.engine.vocab.wire.to_wire`), in the shapes docs/control-protocol.md gives, and a
control client reads it back into the same class (the command's ``Cmd[R]`` names it). So the
TUI, ``ctl`` and obs-websocket read ``result.muted``, never ``result["muted"]``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rigcast.engine.vocab.reports import ChatMessage, LogLine, VideoStats
from rigcast.engine.vocab.snapshot import Snapshot, TransitionRow
from rigcast.engine.vocab.wire import WireError, from_wire

__all__ = ["Buffering", "ChatShown", "FilterRow", "ItemSet", "OutputActive", "Picture", "ProgramScene",
           "ChapterAdded", "RecordFolder", "RecordSplitTo", "RecordPaused", "Recording", "ReplaySaved", "ServiceRow", "SourceChanged",
           "SourceFilters", "SourceMuted", "SourceSettingsRow", "SourceVolume", "Status", "Stopping",
           "Streaming", "StudioState", "Subscribed", "TextShown", "TransitionRow", "MeterRateSet"]


# -- the engine --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Status:
    """``status``: the state, and the video process's last stats (None before its first)."""

    state: Snapshot
    stats: VideoStats | None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Status:
        if not isinstance(data, Mapping):
            raise WireError("Status: expected an object")
        stats = data.get("stats")
        return cls(Snapshot.from_wire(data), from_wire(VideoStats, stats) if stats else None)

    def wire(self) -> dict[str, Any]:
        return self.state.wire() | {"stats": self.stats.wire() if self.stats else {}}


@dataclass(frozen=True)
class Subscribed:
    """The control server's answer to ``subscribe``: the events a client now hears, and the
    state now with the recent log and chat (``unsubscribe``: the events alone)."""

    events: tuple[str, ...]
    state: Snapshot | None = None
    log: tuple[LogLine, ...] = ()
    chat: tuple[ChatMessage, ...] = ()

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Subscribed:
        if not isinstance(data, Mapping):
            raise WireError("Subscribed: expected an object")
        return cls(tuple(data.get("events", ())), Snapshot.from_wire(data["state"]) if "state" in data else None,
                   tuple(from_wire(LogLine, x) for x in data.get("log", ())),
                   tuple(from_wire(ChatMessage, x) for x in data.get("chat", ())))

    def wire(self) -> dict[str, Any]:
        out: dict[str, Any] = {"events": list(self.events)}
        if self.state is not None:
            out |= {"state": self.state.wire(), "log": [x.wire() for x in self.log],
                    "chat": [x.wire() for x in self.chat]}
        return out


@dataclass(frozen=True)
class Stopping:
    stopping: bool = True


# -- outputs -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Streaming:
    streaming: bool

    @property
    def running(self) -> bool:
        return self.streaming


@dataclass(frozen=True)
class Recording:
    recording: bool

    @property
    def running(self) -> bool:
        return self.recording


@dataclass(frozen=True)
class Buffering:
    """The replay buffer runs."""

    buffering: bool

    @property
    def running(self) -> bool:
        return self.buffering


@dataclass(frozen=True)
class OutputActive:
    output: str
    active: bool


@dataclass(frozen=True)
class RecordPaused:
    paused: bool


@dataclass(frozen=True)
class ChapterAdded:
    title: str


@dataclass(frozen=True)
class RecordSplitTo:
    paths: tuple[str, ...]  # the files the running recordings go on in


@dataclass(frozen=True)
class ReplaySaved:
    path: str


@dataclass(frozen=True)
class RecordFolder:
    directory: str


@dataclass(frozen=True)
class ServiceRow:
    """The first stream output's server and key as OBS splits them; the key masked."""

    output: str
    kind: str
    server: str
    key: str


# -- scenes ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProgramScene:
    program_scene: str


@dataclass(frozen=True)
class ItemSet:
    """A scene item changed: the fields as set (filters as the config file writes them), and
    whether the config file has them."""

    scene: str
    source: str
    changes: dict[str, Any]
    saved: bool


@dataclass(frozen=True)
class StudioState:
    studio_mode: bool
    preview_scene: str | None
    program_scene: str


@dataclass(frozen=True)
class TextShown:
    source: str
    text: str | None


@dataclass(frozen=True)
class MeterRateSet:
    hz: int


# -- sources -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceMuted:
    source: str
    muted: bool


@dataclass(frozen=True)
class SourceVolume:
    source: str
    volume_db: float | None


@dataclass(frozen=True)
class SourceSettingsRow:
    """A source's settings now, as its config table writes them."""

    source: str
    kind: str
    settings: dict[str, Any]


@dataclass(frozen=True)
class SourceChanged:
    source: str
    changed: tuple[str, ...]
    saved: bool


@dataclass(frozen=True)
class FilterRow:
    name: str  # the name filter.set takes (config/filterlist.py numbers repeated kinds)
    kind: str
    enabled: bool
    settings: dict[str, Any]


@dataclass(frozen=True)
class SourceFilters:
    source: str
    filters: tuple[FilterRow, ...]


# -- chat and pictures -------------------------------------------------------------------------
@dataclass(frozen=True)
class ChatShown:
    id: str
    shown: bool = True


@dataclass(frozen=True)
class Picture:
    """A screenshot's bytes (PNG, JPEG, or raw RGB for the TUI's thumbnails); base64 only on
    the wire, which is JSON."""

    source: str | None
    scene: str | None
    format: str
    data: bytes

    @classmethod
    def from_wire(cls, d: Mapping[str, Any]) -> Picture:
        try:
            return cls(d.get("source"), d.get("scene"), str(d["format"]), base64.b64decode(d["image_base64"]))
        except (KeyError, TypeError, ValueError) as e:
            raise WireError(f"Picture: {e}") from None

    def wire(self) -> dict[str, Any]:
        return {"source": self.source, "scene": self.scene, "format": self.format,
                "image_base64": base64.b64encode(self.data).decode()}


@dataclass(frozen=True)
class MediaPlayback:
    """``media.action``'s answer: the playback the action left."""

    source: str
    state: str  # a MediaState
    cursor_ms: int
    duration_ms: int | None


@dataclass(frozen=True)
class CaptionSent:
    """``stream.caption``'s answer: the text as it goes out (CEA-608's rows, characters it lacks as "?")."""

    text: str


@dataclass(frozen=True)
class ConfigFiles:
    """``config.list``: the running config file's name and every name in its folder (stems)."""

    current: str
    names: tuple[str, ...]


@dataclass(frozen=True)
class ConfigSwitching:
    """``config.switch``: the engine restarts from ``to``.toml; clients reconnect."""

    was: str
    to: str
