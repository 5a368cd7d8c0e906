"""``source.mute`` and ``source.volume``: what the video process's mixer does with each source."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rigcast.config.kinds import Cap
from rigcast.config.kinds.audio import AudioSettings
from rigcast.engine.control.bus import BusError, Param
from rigcast.engine.vocab import MuteSet, VolumeSet

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine


def register(e: Engine) -> None:
    async def mute(args: dict[str, Any]) -> dict[str, Any]:
        name = args["source"]
        if e.cfg.source(name) is None:
            raise BusError("unknown_source", f'no source named "{name}"')
        await e.video_command(MuteSet(name, args.get("muted")))
        e.publish_state()
        return {"source": name, "muted": e.rendered.sources[name].muted}

    async def volume(args: dict[str, Any]) -> dict[str, Any]:
        src = e.cfg.source(args["source"])
        if src is None or not src.has(Cap.AUDIO):
            raise BusError("unknown_source", f'no audio source named "{args["source"]}"')
        await e.video_command(VolumeSet(src.name, args["volume_db"]))
        e.publish_state()
        return {"source": src.name, "volume_db": e.rendered.sources[src.name].volume_db}

    e.bus.register("source.mute", mute, {"source": Param((str,)), "muted": Param.of(AudioSettings, "muted", False)},
                   summary="mute or unmute a source's audio (toggles without 'muted')")
    e.bus.register("source.volume", volume,
                   {"source": Param((str,)), "volume_db": Param.of(AudioSettings, "volume_db")},
                   summary="set an audio source's volume in dB (-100 to +30)")
