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

if TYPE_CHECKING:
    from engine.vocab.reports import ChatMessage


@dataclass(frozen=True)
class OutputsStart:
    outputs: tuple[str, ...]
    urls: dict[str, str] = field(default_factory=dict)  # push URLs the user's API handed out for this start


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


VideoCommand = OutputsStart | OutputsStop | SceneSwitch | ItemChange | TextSet | ChatPost | MuteSet | VolumeSet


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


@dataclass(frozen=True)
class RenderedScene:
    name: str
    items: tuple[RenderedItem, ...]


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

    @classmethod
    def of(cls, program: str, scenes: Any, sources: dict[str, RenderedSource]) -> RenderedState:
        """From scenes shaped like config.model.SceneConfig: how the video process reports
        its own, and what it starts with (the engine's view until the first report)."""
        return cls(program, tuple(RenderedScene(sc.name, tuple(
            RenderedItem(it.source, it.visible, it.x, it.y, it.scale, it.opacity, it.width, it.height, it.crop, it.fit)
            for it in sc.items)) for sc in scenes), sources)

    def scene_rows(self) -> list[dict[str, Any]]:
        return [{"index": i + 1, "name": s.name,
                 "items": [{"source": it.source, "visible": it.visible, "x": it.x, "y": it.y,
                            "scale": it.scale, "opacity": it.opacity} for it in s.items]}
                for i, s in enumerate(self.scenes)]

    def item(self, scene: str, source: str) -> RenderedItem | None:
        for s in self.scenes:
            if s.name == scene:
                return next((it for it in s.items if it.source == source), None)
        return None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
