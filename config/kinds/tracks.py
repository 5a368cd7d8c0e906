"""Audio tracks, OBS's six: which tracks a source with sound feeds, and which an output takes.

A track is the mix of the sources assigned to it (engine/audio/mixer.py), encoded once to AAC
while a running output takes it. A recording writes each track it lists as an audio stream of
its own; a network push carries one track (FLV, MPEG-TS over SRT and WebRTC each play one).
These are the settings shapes; the kinds that take them inherit them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigcast.config import fields as f

MAX_TRACKS = 6
_RANGE = f"from 1 to {MAX_TRACKS}"


def check_tracks(value: Any, _ctx: f.Context) -> tuple[int, ...]:
    """A non-empty list of distinct track numbers 1-6, kept in the order given (a recording's
    audio streams follow it); ValueError naming the bad one."""
    if not value:
        raise ValueError(f"no track listed; list one or more tracks {_RANGE}, like [1, 2]")
    for t in value:
        if isinstance(t, bool) or not isinstance(t, int) or not 1 <= t <= MAX_TRACKS:
            raise ValueError(f"track {t!r} is out of range; tracks are numbered {_RANGE}")
    if len(set(value)) != len(value):
        raise ValueError("a track is listed twice; list each track once")
    return tuple(value)


def _tracks_field(expect: str, *, live: bool = False) -> Any:
    return f.custom((1,), (list, tuple), expect, check_tracks, list, live=live)


@dataclass
class Feeds:
    """A source with sound: the tracks its sound is mixed into (changed live)."""

    tracks: tuple[int, ...] = _tracks_field(f"a list of track numbers {_RANGE}, like [1, 2]", live=True)


@dataclass
class WritesTracks:
    """A file output: the tracks it writes, one audio stream each, in this order."""

    audio_tracks: tuple[int, ...] = _tracks_field(f"a list of track numbers {_RANGE}, like [1, 2, 3]")


@dataclass
class SendsTrack:
    """A network output: the one track it sends."""

    audio_track: int = f.number(1, 1, MAX_TRACKS, integer=True)


def output_tracks(settings: Any) -> tuple[int, ...]:
    """The tracks an output's settings take: its ``audio_tracks``, its ``audio_track``, else
    track 1 (a kind that says nothing of tracks)."""
    many = getattr(settings, "audio_tracks", None)
    if many:
        return tuple(many)
    return (int(getattr(settings, "audio_track", 1) or 1),)
