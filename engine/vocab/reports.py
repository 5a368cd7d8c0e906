"""What the video process and the capture workers tell the engine, and what the bus tells clients.

Workers report through one multiprocessing queue; these frozen dataclasses are what travels on
it (they pickle as they are). The engine's event pump matches them by type, never by a
``"type"`` string, and the same objects are the bus's events: a listener (the control server,
the link, obs-websocket) gets a typed report and turns it into its own wire form with
:meth:`wire`, which is the JSON docs/control-protocol.md describes. So a field renamed in the
video process is a type error in every client, not a key that silently reads as missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

from rigcast.config.kinds import KindStats, stats_class, stats_wire_keys
from rigcast.engine.vocab.states import OutputState, SourceState
from rigcast.engine.vocab.video import RenderedState
from rigcast.engine.vocab.wire import fields_of

if TYPE_CHECKING:
    from rigcast.engine.vocab.snapshot import Snapshot


class EventName(StrEnum):
    """The events a control client can subscribe to."""

    STATE = "state"
    STATS = "stats"
    METER = "meter"
    LOG = "log"
    CHAT = "chat"


# -- rows inside the reports -------------------------------------------------------------------
@dataclass
class OutputStatus:
    name: str
    kind: str
    target: str  # masked
    state: OutputState
    stream: bool = False  # a network push (its record has Cap.STREAM), else a recording
    kbps: float = 0.0
    bytes: int = 0
    dropped: int = 0
    reconnects: int = 0
    retry_in_s: float | None = None
    uptime_s: float = 0.0
    error: str | None = None
    link: KindStats | None = None  # the kind's own statistics, when its record declares them
    note: str | None = None  # what the output changed to go out (WHIP: a profile switch), and why
    # A network output: media waiting in its send queue (ms); any running output: the video
    # bitrate its encode makes now (adaptive lowers it) and the share of video frames dropped.
    queue_ms: int | None = None
    bitrate_kbps: int | None = None
    dropped_pct: float = 0.0
    replay: bool = False  # a replay buffer (neither a stream nor a recording)
    saved: str | None = None  # a replay buffer: the last file it wrote
    encode: str | None = None  # an encode of its own ("640x360@30 800 kbps libx264"); None: the canvas's

    def as_dict(self) -> dict[str, Any]:
        """The row on the wire: every field, and one key per kind with statistics of its own
        (``srt``, ``webrtc``), null on the others."""
        row = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "link"}
        for key in stats_wire_keys():
            row[key] = self.link.wire() if self.link is not None and self.link.WIRE_KEY == key else None
        return row

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> OutputStatus:
        """The row back: the one non-null per-kind key becomes ``link``, by its kind's class."""
        row = fields_of(cls, {k: v for k, v in data.items() if k not in stats_wire_keys()})
        own = next(((k, v) for k, v in data.items() if k in stats_wire_keys() and v), None)
        return row if own is None else replace(row, link=stats_class(own[0]).from_wire(own[1]))

    def link_summary(self) -> str:
        """The kind's own statistics in one line; empty when it has none (yet)."""
        return self.link.summary() if self.link is not None else ""


@dataclass(frozen=True)
class SourceRow:
    name: str
    state: SourceState | str  # "-" for the lead row of a canvas with no sources
    size: tuple[int, int] | None = None  # its own pixels (before crop and scale); None: none yet or audio


@dataclass(frozen=True)
class AudioSync:
    resyncs: int
    corrected_ms: float
    missing_ms: float


@dataclass(frozen=True)
class Levels:
    """Per channel, in dBFS, since the previous meter."""

    peak: tuple[float, ...]
    rms: tuple[float, ...]

    def wire(self) -> dict[str, list[float]]:
        return {"peak": list(self.peak), "rms": list(self.rms)}


@dataclass(frozen=True)
class SourceLevels:
    levels: Levels
    muted: bool
    volume_db: float


# -- the reports --------------------------------------------------------------------------------
@dataclass(frozen=True)
class VideoStats:
    """Once a second from the video process: the canvas clock, the encoder, every source and
    output as the video process sees them. Also the bus's ``stats`` event."""

    EVENT: ClassVar[EventName] = EventName.STATS

    uptime_s: float
    fps: int
    frames: int
    repeated: int
    skipped: int
    lagged: int
    encoder: str
    encode_ms: float
    convert_ms: float
    compose_ms: float
    capture_ms: float
    budget_ms: float
    source: SourceRow  # the program scene's lead captured source
    sources: tuple[SourceRow, ...]
    audio: dict[str, AudioSync]
    program_scene: str
    outputs: tuple[OutputStatus, ...]

    def wire(self) -> dict[str, Any]:
        return asdict(replace(self, outputs=())) | {"outputs": [o.as_dict() for o in self.outputs]}

    def shape(self) -> tuple[Any, ...]:
        """What a ``state`` event shows of these stats: when it changes, one is sent."""
        return (tuple((s.name, s.state) for s in self.sources), tuple((o.name, o.state, o.saved) for o in self.outputs))


@dataclass(frozen=True)
class Final:
    """The video process's last stats, after its outputs closed."""

    stats: VideoStats


@dataclass(frozen=True)
class Meter:
    """Audio levels, ~10 a second. Also the bus's ``meter`` event."""

    EVENT: ClassVar[EventName] = EventName.METER

    master: Levels
    sources: dict[str, SourceLevels] = field(default_factory=dict)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Meter:
        return cls(fields_of(Levels, data["master"]), {
            name: SourceLevels(fields_of(Levels, s), bool(s["muted"]), float(s["volume_db"]))
            for name, s in data.get("sources", {}).items()})

    def wire(self) -> dict[str, Any]:
        return {"master": self.master.wire(),
                "sources": {name: s.levels.wire() | {"muted": s.muted, "volume_db": s.volume_db}
                            for name, s in self.sources.items()}}


@dataclass(frozen=True)
class LogLine:
    """One log record from any process, already masked. Also the bus's ``log`` event."""

    EVENT: ClassVar[EventName] = EventName.LOG

    t: float
    level: str
    process: str
    logger: str
    msg: str

    def wire(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Ack:
    """The video process carried out (or refused) command ``id``; ``rendered`` is its state now."""

    id: int
    ok: bool
    error: str | None
    rendered: RenderedState
    result: bytes | None = None  # a command's product: Screenshot's picture


@dataclass(frozen=True)
class Ready:
    """The video process runs its clock: the encoder it opened, the canvas, its state."""

    encoder: str
    canvas: str
    rendered: RenderedState


@dataclass(frozen=True)
class Fatal:
    """The video process could not start; ``error`` is the one line for the user."""

    error: str


@dataclass(frozen=True)
class StateChanged:
    """The bus's ``state`` event: the engine's whole snapshot (``status`` answers the same)."""

    EVENT: ClassVar[EventName] = EventName.STATE

    state: Snapshot

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> StateChanged:
        from rigcast.engine.vocab.snapshot import Snapshot

        return cls(Snapshot.from_wire(data))

    def wire(self) -> dict[str, Any]:
        return self.state.wire()


@dataclass(frozen=True)
class ChatMessage:
    """A chat message, already cleaned (engine/control/chat.py makes them from untrusted input).
    Also the bus's ``chat`` event, and what the chat overlays draw."""

    EVENT: ClassVar[EventName] = EventName.CHAT

    id: str
    platform: str
    user: str
    text: str
    color: str | None
    t: float

    def wire(self) -> dict[str, Any]:
        return asdict(self)

    def as_dict(self) -> dict[str, object]:
        return self.wire()


@dataclass(frozen=True)
class MediaStatus:
    """A media source's playback as its worker last set it: at ``at_ns`` (the monotonic clock
    the rings use) it was at ``cursor_ms``; playing, it has moved on since (looping at
    ``duration_ms``). ``action``/``seq``: the action that made it (none and 0 at start)."""

    source: str
    state: str  # a MediaState
    cursor_ms: int
    duration_ms: int | None
    at_ns: int
    action: str = ""
    seq: int = 0

    def cursor_at(self, now_ns: int) -> int:
        """Where it is at ``now_ns``."""
        if self.state != "playing":
            return self.cursor_ms
        pos = self.cursor_ms + max(0, now_ns - self.at_ns) // 1_000_000
        return pos % self.duration_ms if self.duration_ms else pos


Report = Ack | Ready | Meter | VideoStats | Final | LogLine | Fatal | MediaStatus
BusEvent = StateChanged | VideoStats | Meter | LogLine | ChatMessage
EVENT_TYPES: dict[EventName, type[BusEvent]] = {t.EVENT: t for t in (StateChanged, VideoStats, Meter, LogLine, ChatMessage)}


def event_from_wire(name: str, data: Mapping[str, Any]) -> BusEvent:
    """An event as a control client receives it (its name, its JSON), as the engine's own type."""
    from rigcast.engine.vocab.wire import from_wire

    return from_wire(EVENT_TYPES[EventName(name)], data)
