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

VIDEO, AUDIO = 0, 1
# The same mix as AUDIO in Opus (48 kHz), encoded only while an output that takes it (WHIP) runs.
OPUS = 2


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    kind: int  # VIDEO, AUDIO (AAC) or OPUS
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


@dataclass
class StreamTemplates:
    """The encoders' template streams; outputs copy them into their containers."""

    video: Any
    audio: Any
