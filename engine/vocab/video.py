"""What the engine asks of the video process, and the state the video process reports back.

The video process renders and mixes, so it owns the program scene, the items' placement, the
text of text sources and each audio source's volume and mute. The engine sends it one of
these commands; the answer carries :class:`RenderedState`, which *is* that state: the engine
shows it and saves it, and keeps no copy of its own that could disagree. They are frozen
dataclasses so they pickle across the process boundary as they are, with no op strings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from rigcast.config.filterlist import Filter, dump_chain

if TYPE_CHECKING:
    from rigcast.engine.vocab.reports import ChatMessage


@dataclass(frozen=True)
class OutputsStart:
    outputs: tuple[str, ...]
    urls: dict[str, str] = field(default_factory=dict)  # push URLs the user's API handed out for this start
    # Settings changed since the engine started (a record folder moved, a stream service set
    # over obs-websocket): the engine holds the config, the video process runs what it is given.
    changed: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class OutputsStop:
    outputs: tuple[str, ...]


@dataclass(frozen=True)
class SceneSwitch:
    scene: str


@dataclass(frozen=True)
class ItemChange:
    scene: str
    source: str
    changes: dict[str, Any]  # SceneItem field -> value, already checked against the field's bounds


@dataclass(frozen=True)
class TextSet:
    source: str
    text: str


@dataclass(frozen=True)
class ChatPost:
    message: ChatMessage


@dataclass(frozen=True)
class MuteSet:
    source: str
    muted: bool | None  # None: toggle


@dataclass(frozen=True)
class VolumeSet:
    source: str
    volume_db: float


IMAGE_FORMATS = ("png", "jpeg", "jpg")  # what a screenshot can be (GetVersion's supportedImageFormats)
RAW_FORMAT = "rgb"  # raw RGB24 rows, for the control room's thumbnail (not an obs-websocket format)
IMAGE_SIDES = (8, 4096)  # a screenshot's smallest and largest side (obs-websocket's bounds)


@dataclass(frozen=True)
class Screenshot:
    """A picture of the program (``source`` None), of another scene, or of one source; the ack
    carries its bytes."""

    source: str | None
    width: int | None
    height: int | None
    fmt: str  # "png" | "jpeg" | "rgb" (raw rows, the control room's thumbnail)
    quality: int = -1
    scene: str | None = None  # a scene other than the program, composed for the picture


@dataclass(frozen=True)
class SourceSettings:
    """A drawn source (image, colour, text) drawn again from new settings, already checked."""

    source: Any  # config.model.SourceConfig: the source as it now is


@dataclass(frozen=True)
class RecordPause:
    """Hold (True) or resume every running recording."""

    paused: bool


@dataclass(frozen=True)
class RecordSplit:
    """Every running recording goes on in a new file from the next keyframe."""


@dataclass(frozen=True)
class RecordChapter:
    """A chapter mark at this instant in every running recording that can hold one ("": named
    by its number)."""

    title: str


@dataclass(frozen=True)
class CaptionSend:
    """A caption (CEA-608, engine/encode/captions.py) in every running H.264 encode, from the
    next picture on."""

    text: str


@dataclass(frozen=True)
class StudioMode:
    """Studio mode on (a preview scene to edit while the program stays on air) or off."""

    enabled: bool


@dataclass(frozen=True)
class PreviewSet:
    """Studio mode's preview scene (already checked to exist)."""

    scene: str


@dataclass(frozen=True)
class Transition:
    """Studio mode: take the preview, with its edits, to the program through the transition."""


@dataclass(frozen=True)
class TransitionSet:
    """How scene switches go from now on (already checked against TransitionConfig's bounds)."""

    kind: str
    duration_ms: int


@dataclass(frozen=True)
class ReplaySave:
    """Write the running replay buffer's last seconds to a file; the ack carries its path."""


@dataclass(frozen=True)
class MeterRate:
    """Audio meter frames a second: 15, or 20 while an obs-websocket client takes
    InputVolumeMeters (every 50 ms)."""

    hz: int


VideoCommand = CaptionSend | StudioMode | PreviewSet | Transition | MeterRate | TransitionSet | RecordPause | RecordChapter | RecordSplit | ReplaySave | SourceSettings | Screenshot | OutputsStart | OutputsStop | SceneSwitch | ItemChange | TextSet | ChatPost | MuteSet | VolumeSet


@dataclass(frozen=True)
class RenderedItem:
    source: str
    visible: bool
    x: int
    y: int
    scale: float | None
    opacity: float
    width: int | None = None
    height: int | None = None
    crop: tuple[int, int, int, int] = (0, 0, 0, 0)
    fit: str = "fit"
    filters: tuple[Filter, ...] = ()  # config/kinds/video_filters.py

    def filter_rows(self) -> list[dict[str, Any]]:
        """The filters as the config file writes them."""
        return dump_chain(self.filters)


@dataclass(frozen=True)
class RenderedScene:
    name: str
    items: tuple[RenderedItem, ...]
    canvas: str = ""  # "" is the main canvas; else a [[canvases]] name


@dataclass(frozen=True)
class RenderedSource:
    """What the video process holds of one source beyond its capture state."""

    muted: bool = False
    volume_db: float | None = None  # audio sources only
    text: str | None = None  # text sources only


@dataclass(frozen=True)
class RenderedState:
    program: str
    scenes: tuple[RenderedScene, ...]
    sources: dict[str, RenderedSource]
    paused: bool = False  # the running recordings are on hold (RecordPause)
    transition: tuple[str, int] = ("fade", 300)  # how a scene switch goes: kind, duration in ms
    preview: str | None = None  # studio mode's preview scene; None: studio mode is off
    programs: tuple[tuple[str, str], ...] = ()  # (canvas, program scene) of each [[canvases]] canvas

    @classmethod
    def of(cls, program: str, scenes: Any, sources: dict[str, RenderedSource],
           transition: Any = None, preview: str | None = None,
           programs: tuple[tuple[str, str], ...] = ()) -> RenderedState:
        """From scenes shaped like config.model.SceneConfig: how the video process reports
        its own, and what it starts with (the engine's view until the first report)."""
        return cls(program, tuple(RenderedScene(sc.name, tuple(
            RenderedItem(it.source, it.visible, it.x, it.y, it.scale, it.opacity, it.width, it.height, it.crop, it.fit,
                         it.filters)
            for it in sc.items), getattr(sc, "canvas", "")) for sc in scenes), sources,
            transition=(transition.kind, transition.duration_ms) if transition is not None else ("fade", 300),
            preview=preview, programs=programs)

    def canvas_of(self, scene: str) -> str:
        return next((s.canvas for s in self.scenes if s.name == scene), "")

    def program_of(self, canvas: str) -> str:
        """The program scene of ``canvas`` ("" the main one)."""
        return self.program if not canvas else dict(self.programs).get(canvas, "")

    def item(self, scene: str, source: str) -> RenderedItem | None:
        for s in self.scenes:
            if s.name == scene:
                return next((it for it in s.items if it.source == source), None)
        return None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MediaControl:
    """To a media source's capture worker (not the video process): an action, a seek's target
    (``cursor_ms``) or step (``offset_ms``), and its number, which the status it answers with carries."""

    action: str  # a MediaAction
    seq: int
    cursor_ms: int | None = None
    offset_ms: int | None = None
