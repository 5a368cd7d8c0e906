"""``source.mute`` and ``source.volume``: what the video process's mixer does with each source."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rigcast.config.kinds import Cap
from rigcast.config.kinds.audio import AudioSettings
from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import BusError, Cmd, Command, setting
from rigcast.engine.vocab import MuteSet, VolumeSet
from rigcast.engine.vocab.results import SourceMuted, SourceVolume


@dataclass(frozen=True)
class MuteSource(Cmd[SourceMuted]):
    NAME: ClassVar = "source.mute"
    source: str
    muted: bool | None = setting(AudioSettings, "muted", None)  # None: toggled


async def mute_source(e: Host, c: MuteSource) -> SourceMuted:
    if e.cfg.source(c.source) is None:
        raise BusError("unknown_source", f'no source named "{c.source}"')
    await e.video_command(MuteSet(c.source, c.muted))
    e.publish_state()
    return SourceMuted(c.source, e.rendered.sources[c.source].muted)


@dataclass(frozen=True)
class SetVolume(Cmd[SourceVolume]):
    NAME: ClassVar = "source.volume"
    source: str
    volume_db: float = setting(AudioSettings, "volume_db")


async def set_volume(e: Host, c: SetVolume) -> SourceVolume:
    src = e.cfg.source(c.source)
    if src is None or not src.has(Cap.SOUND):
        raise BusError("unknown_source", f'no source with sound named "{c.source}"')
    await e.video_command(VolumeSet(src.name, c.volume_db))
    e.publish_state()
    return SourceVolume(src.name, e.rendered.sources[src.name].volume_db)


COMMANDS = (
    Command(MuteSource, mute_source, "mute or unmute a source's audio (toggles without 'muted')"),
    Command(SetVolume, set_volume, "set an audio source's volume in dB (-100 to +30)"),
)
