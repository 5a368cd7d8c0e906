"""``kind = "desktop_audio"`` (an output's loopback) and ``kind = "mic"``: mixed into their
tracks in every scene. One settings shape, two records: they differ only in which devices they
open (``extra["loopback"]``). :class:`SoundSettings` is what every source with sound shares (a
media file's sound is mixed the same way)."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.filterlist import Filter, chain_field
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.kinds.tracks import Feeds

VOLUME_DB = (-100.0, 30.0)


@dataclass
class SoundSettings(Feeds):
    """How a source's sound is mixed (engine/audio/mixer.py): the same for a device and a file."""

    volume_db: float = f.number(0.0, *VOLUME_DB, live=True)
    muted: bool = f.flag(False, live=True)
    sync_offset_ms: int = f.number(0, 0, 20_000, integer=True)  # > 0 delays this source
    # In order, before the volume; their latency is made up for in A/V sync (engine/audio/filters.py)
    filters: tuple[Filter, ...] = chain_field(Cap.AUDIO, '{ kind = "noise_suppress" }')


@dataclass
class AudioSettings(SoundSettings):
    device: str | None = f.text(None, "a part of the device's name (see `rigcast devices`)")


def _describer(what: str):  # type: ignore[no-untyped-def]
    def describe(s: AudioSettings) -> str:
        return f"{what} ({s.device or 'default device'})"

    return describe


_CAPS = Cap.AUDIO | Cap.SOUND | Cap.CAPTURED
KINDS = (
    KindInfo("desktop_audio", Role.SOURCE, _CAPS, AudioSettings, _describer("desktop audio"),
             {"": "rigcast.engine.audio.capture:find_device"}, order=8, summary="what the box plays",
             hint="run `rigcast devices` to list them", extra={"loopback": True}),
    KindInfo("mic", Role.SOURCE, _CAPS, AudioSettings, _describer("microphone"),
             {"": "rigcast.engine.audio.capture:find_device"}, order=9, summary="a microphone",
             hint="run `rigcast devices` to list them", extra={"loopback": False}),
)
