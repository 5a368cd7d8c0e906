"""What the encoder hands to outputs: packets detached from any container.

Each output muxes into its own container (its own reconnects, its own timestamps), so packets
are plain data; the encoders' streams (in a ``null``-format template container) give each new
container its codec parameters — SPS/PPS and the AAC config included — through
``add_stream_from_template``.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

VIDEO = 0


def aac(track: int) -> int:
    """The packet kind of audio track ``track`` (1-6) in AAC."""
    return track


def opus(track: int) -> int:
    """The same track's mix in Opus (48 kHz), encoded only while an output that takes it (WHIP) runs."""
    return 10 + track


def track_of(kind: int) -> int:
    """The audio track an audio packet kind carries."""
    return kind % 10


AUDIO, OPUS = aac(1), opus(1)  # track 1: what an output takes unless it names others


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    kind: int  # VIDEO, or an audio track's kind: aac(track), opus(track)
    data: bytes
    pts: int
    dts: int
    duration: int
    time_base: Fraction
    keyframe: bool

    @classmethod
    def from_av(cls, kind: int, p: Any) -> EncodedPacket:
        return cls(kind, bytes(p), p.pts, p.dts if p.dts is not None else p.pts, p.duration or 0,
                   p.time_base, bool(p.is_keyframe))

    @property
    def dts_s(self) -> float:
        return float(self.dts * self.time_base)


class Timeline:
    """A container's own time line: packets rebased so ``base_s`` (seconds on the encoder's
    time line, a keyframe's) is 0, one offset per time base, and dts rising per kind (a muxer
    wants them so; audio stamped just before the base keyframe falls away). The one rule every
    output and the replay buffer's writer use."""

    def __init__(self) -> None:
        self.base_s: float | None = None
        self._offsets: dict[Fraction, int] = {}
        self._last_dts: dict[int, int] = {}

    def start(self, base_s: float | None) -> None:
        """A new container (None: its base comes with the first keyframe taken)."""
        self.base_s = base_s
        self._offsets.clear()
        self._last_dts.clear()

    def shift(self, seconds: float) -> None:
        """Take ``seconds`` out of the time line from here on (a paused recording's gap)."""
        assert self.base_s is not None
        self.base_s += seconds
        self._offsets.clear()

    def packet(self, ep: EncodedPacket, payload: bytes | None = None) -> Any:
        """``ep`` as an av.Packet on this time line, or None when it falls before the base or
        would not rise."""
        import av

        assert self.base_s is not None
        offset = self._offsets.get(ep.time_base)
        if offset is None:
            offset = self._offsets[ep.time_base] = round(self.base_s / ep.time_base)
        dts = ep.dts - offset
        if dts < 0 or dts <= self._last_dts.get(ep.kind, -1):
            return None
        self._last_dts[ep.kind] = dts
        p = av.Packet(ep.data if payload is None else payload)
        p.pts, p.dts, p.time_base = ep.pts - offset, dts, ep.time_base
        if ep.duration:
            p.duration = ep.duration
        p.is_keyframe = ep.keyframe
        return p


@dataclass
class StreamTemplates:
    """The encoders' template streams; outputs copy them into their containers."""

    video: Any
    audio: dict[int, Any]  # track -> its AAC encoder's stream
