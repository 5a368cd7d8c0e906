"""The source protocol and its registry: one shape for every capture kind, like libobs.

A source lives in a capture worker process and writes frames into its frame ring; the
supervisor only asks it, before anything starts, how big its frames can get (to size the ring
and, when no canvas size is given, the canvas). A source's implementation is found through
its kind's record (config/kinds/), per platform, so Windows code sits behind the same names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from rigcast.config.kinds import Role, kinds
from rigcast.config.model import Size, SourceConfig
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing

if TYPE_CHECKING:
    from rigcast.engine.audio.ring import AudioRing
    from rigcast.engine.vocab.reports import MediaStatus
    from rigcast.engine.vocab.video import MediaControl


@dataclass(frozen=True)
class SourceProbe:
    """What the supervisor learns before starting a source."""

    size: Size  # the content's size now
    max_size: Size  # the largest frame the source will write (sizes its ring)
    description: str
    failed: bool = False  # the probe raised: the source starts as ``error`` (engine/supervisor.py)


class Source(Protocol):
    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        """Write the current frame (or a placeholder) into the ring and publish it."""

    def close(self) -> None: ...


@runtime_checkable
class SoundSource(Protocol):
    """A captured source with sound of its own (the record has ``Cap.SOUND``): handed the
    sample ring the mixer reads, it writes its sound there on the pictures' clock."""

    def play_sound(self, ring: AudioRing) -> None: ...


@runtime_checkable
class ControlledSource(Protocol):
    """A captured source that takes actions while it runs (a media file: play, pause, seek),
    sent to its worker on a queue of its own; each answers with its playback as it now is."""

    def control(self, cmd: MediaControl, now_ns: int) -> MediaStatus: ...

    def status(self, now_ns: int) -> MediaStatus: ...


class SourceKind(Protocol):
    def probe(self, cfg: SourceConfig) -> SourceProbe: ...

    def open(self, cfg: SourceConfig, ring: FrameRing) -> Source: ...


class DrawnKind(Protocol):
    """A kind the compositor draws in the video process (the record has ``Cap.DRAWN``)."""

    def still(self, cfg: SourceConfig, canvas: Size | None) -> Any: ...


class TextKind(Protocol):
    """A drawn kind that takes ``text.set`` (the record has ``Cap.TEXT``)."""

    def set_text(self, still: Any, cfg: SourceConfig, text: str) -> None: ...


def implementation(cfg: SourceConfig) -> Any:
    """The source's kind as implemented on this platform, from its record's factory."""
    try:
        return cfg.info.implementation()()
    except RuntimeError as e:
        available = ", ".join(k.name for k in kinds(Role.SOURCE) if k.runs_here())
        raise RigcastError(f"{e}; available here: {available}") from None


def source_kind(cfg: SourceConfig) -> SourceKind:
    return cast(SourceKind, implementation(cfg))


def drawn_kind(cfg: SourceConfig) -> DrawnKind:
    return cast(DrawnKind, implementation(cfg))


def text_kind(cfg: SourceConfig) -> TextKind:
    return cast(TextKind, implementation(cfg))
