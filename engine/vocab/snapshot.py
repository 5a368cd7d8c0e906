"""The engine's state, as one tree of frozen dataclasses: what ``status`` answers and the
``state`` event carries.

Built by the engine (engine/runtime.py) from what each owner holds: the video process's
rendered state, the workers, the outputs' own status, the link. It stays typed on the bus;
JSON is made from it only where it leaves through a socket (``wire()``), in exactly the shape
docs/control-protocol.md's schemas describe (tests/test_wire_schemas.py holds the two
together). States are the vocabulary's StrEnums, so nothing compares raw strings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from rigcast.engine.vocab.reports import OutputStatus
from rigcast.engine.vocab.states import EngineState, LinkState, MediaState, OutputState, SourceState
from rigcast.engine.vocab.video import RenderedState
from rigcast.engine.vocab.wire import WireError, fields_of, from_wire


@dataclass(frozen=True)
class EngineRow:
    pid: int
    version: str
    uptime_s: float
    state: EngineState
    encoder: str
    canvas: str
    fps: int
    screenshots: int

    def wire(self) -> dict[str, Any]:
        return {"pid": self.pid, "version": self.version, "uptime_s": self.uptime_s, "state": self.state,
                "encoder": self.encoder, "canvas": self.canvas, "fps": self.fps, "screenshots": self.screenshots}


@dataclass(frozen=True)
class MediaRow:
    """A media source's playback as the state is taken: its cursor then, not when reported."""

    state: MediaState
    cursor_ms: int
    duration_ms: int | None = None
    action: str = ""  # the last action taken on it, and its number (events tell actions apart by it)
    seq: int = 0


@dataclass(frozen=True)
class SourceRow:
    """A source shown in a scene or mixed. ``audio``: it has sound, with a volume (a device's is
    mixed in every scene, a media file's while it is on air); ``worker``: the pid and restarts
    of the process capturing it, if one does."""

    name: str
    kind: str
    description: str
    state: SourceState
    muted: bool
    settings: dict[str, Any]
    size: tuple[int, int] | None = None
    worker: tuple[int, int] | None = None  # (pid, restarts)
    audio: bool = False
    volume_db: float | None = None
    media: MediaRow | None = None  # a media source's playback

    @property
    def sound_only(self) -> bool:
        """Sound and no picture (a device): mixed in every scene, never placed as an item."""
        from rigcast.config.kinds import Cap, Role, find

        try:
            return self.audio and not find(Role.SOURCE, self.kind).has(Cap.VIDEO)
        except KeyError:
            return self.audio

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> SourceRow:
        """``pid``/``restarts`` back into ``worker``; a row with ``volume_db`` is audio."""
        row = fields_of(cls, {k: v for k, v in data.items() if k not in ("pid", "restarts")})
        worker = (int(data["pid"]), int(data.get("restarts", 0))) if data.get("pid") is not None else None
        return dataclasses.replace(row, worker=worker, audio="volume_db" in data)

    def wire(self) -> dict[str, Any]:
        row: dict[str, Any] = {"name": self.name, "kind": self.kind, "description": self.description,
                               "state": self.state, "muted": self.muted}
        if self.size is not None:
            row["size"] = list(self.size)
        if self.worker is not None:
            row["pid"], row["restarts"] = self.worker
        if self.audio:
            row["volume_db"] = self.volume_db
        if self.media is not None:
            row["media"] = dataclasses.asdict(self.media)
        row["settings"] = self.settings
        return row


@dataclass(frozen=True)
class ItemRow:
    """A source placed in a scene, as the video process renders it (config.model.SceneItem's
    placement; ``filters`` as the config file writes them)."""

    source: str
    visible: bool
    x: int
    y: int
    scale: float | None
    opacity: float
    width: int | None
    height: int | None
    fit: str
    crop: tuple[int, int, int, int]
    filters: tuple[dict[str, Any], ...]

    def wire(self) -> dict[str, Any]:
        return {"source": self.source, "visible": self.visible, "x": self.x, "y": self.y, "scale": self.scale,
                "opacity": self.opacity, "width": self.width, "height": self.height, "fit": self.fit,
                "crop": list(self.crop), "filters": [dict(f) for f in self.filters]}


@dataclass(frozen=True)
class SceneRow:
    index: int  # 1-based: what ``scene.switch`` takes as a number
    name: str
    items: tuple[ItemRow, ...]
    canvas: str = ""  # "" is the main canvas

    def wire(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "items": [it.wire() for it in self.items],
                "canvas": self.canvas}


@dataclass(frozen=True)
class CanvasRow:
    """A canvas beside the main one ([[canvases]]): its picture and its program scene."""

    name: str
    size: str
    fps: int
    program_scene: str

    def wire(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def scene_rows(rendered: RenderedState) -> tuple[SceneRow, ...]:
    """The video process's scenes as the snapshot shows them."""
    return tuple(SceneRow(i + 1, s.name, tuple(
        ItemRow(it.source, it.visible, it.x, it.y, it.scale, it.opacity, it.width, it.height, it.fit, it.crop,
                tuple(it.filter_rows())) for it in s.items), s.canvas) for i, s in enumerate(rendered.scenes))


@dataclass(frozen=True)
class TransitionRow:
    """How a scene switch goes: its kind (config/kinds/transitions.py) and length."""

    kind: str
    duration_ms: int

    def wire(self) -> dict[str, Any]:
        return {"kind": self.kind, "duration_ms": self.duration_ms}


@dataclass(frozen=True)
class IdleOutput:
    """A configured output the video process has not reported on yet (nothing running)."""

    name: str
    kind: str
    target: str
    stream: bool
    replay: bool
    state: OutputState = OutputState.OFF
    # What a running output's status has, as it is before one runs: nothing sent, nothing saved.
    kbps: ClassVar[float] = 0.0
    bytes: ClassVar[int] = 0
    dropped: ClassVar[int] = 0
    uptime_s: ClassVar[float] = 0.0
    saved: ClassVar[str | None] = None

    def wire(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "target": self.target, "state": self.state,
                "stream": self.stream, "replay": self.replay}


@dataclass(frozen=True)
class LinkRow:
    """The user's API link; only its state when there is none."""

    state: LinkState = LinkState.OFF
    url: str | None = None  # masked
    since: float | None = None
    error: str | None = None
    connects: int = 0

    def wire(self) -> dict[str, Any]:
        if self.url is None:
            return {"state": self.state}
        return {"state": self.state, "url": self.url, "since": self.since, "error": self.error,
                "connects": self.connects}


@dataclass(frozen=True)
class ObsWebsocketRow:
    """Where obs-websocket listens and how it authenticates: never the password itself."""

    enabled: bool = False
    bind: str = ""
    port: int = 0
    auth: str = ""  # off, environment or generated
    password_env: str = ""

    def wire(self) -> dict[str, Any]:
        if not self.enabled:
            return {"enabled": False}
        return {"enabled": True, "bind": self.bind, "port": self.port, "auth": self.auth,
                "password_env": self.password_env}


@dataclass(frozen=True)
class Snapshot:
    engine: EngineRow
    streaming: bool
    recording: bool
    stream_uptime_s: float | None
    record_uptime_s: float | None
    record_paused: bool
    replay_buffer: bool
    scenes: tuple[SceneRow, ...]
    program_scene: str
    studio_mode: bool
    preview_scene: str | None
    transition: TransitionRow
    sources: tuple[SourceRow, ...]
    outputs: tuple[OutputStatus | IdleOutput, ...]
    link: LinkRow = field(default_factory=LinkRow)
    obs_websocket: ObsWebsocketRow = field(default_factory=ObsWebsocketRow)
    canvases: tuple[CanvasRow, ...] = ()

    def source(self, name: str) -> SourceRow | None:
        return next((s for s in self.sources if s.name == name), None)

    def scene(self, name: str | None) -> SceneRow | None:
        return next((s for s in self.scenes if s.name == name), None)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Snapshot:
        """A ``state`` event's or ``status`` reply's JSON (``status``'s ``stats`` aside). An
        output row with a ``kbps`` is a running output's status, one without an idle one."""
        outputs = data.get("outputs")
        if not isinstance(outputs, list):
            raise WireError("Snapshot.outputs: expected a list")
        snap = fields_of(cls, {k: v for k, v in data.items() if k != "stats"} | {"outputs": []})
        return dataclasses.replace(snap, outputs=tuple(
            from_wire(OutputStatus, o) if "kbps" in o else from_wire(IdleOutput, o) for o in outputs))

    def wire(self) -> dict[str, Any]:
        return {
            "engine": self.engine.wire(),
            "streaming": self.streaming,
            "recording": self.recording,
            "stream_uptime_s": self.stream_uptime_s,
            "record_uptime_s": self.record_uptime_s,
            "record_paused": self.record_paused,
            "replay_buffer": self.replay_buffer,
            "scenes": [s.wire() for s in self.scenes],
            "program_scene": self.program_scene,
            "studio_mode": self.studio_mode,
            "preview_scene": self.preview_scene,
            "transition": self.transition.wire(),
            "sources": [s.wire() for s in self.sources],
            "outputs": [o.as_dict() if isinstance(o, OutputStatus) else o.wire() for o in self.outputs],
            "link": self.link.wire(),
            "obs_websocket": self.obs_websocket.wire(),
            "canvases": [c.wire() for c in self.canvases],
        }
