"""The H.264 encoders, in the order ``encoder = "auto"`` tries them (hardware first, as OBS
offers them; x264 always works). Each record's factory is its profile in
:mod:`engine.encode.video`, which says how rigcast's settings become that encoder's options."""

from __future__ import annotations

from dataclasses import dataclass

from config.kinds.base import Cap, KindInfo, Role


@dataclass
class NoSettings:
    """Encoders are set by [video] (bitrate, preset, keyint, ...), mapped by each profile."""


def _named(s: NoSettings) -> str:
    return "encoder"


def _encoder(name: str, profile: str, order: int, hardware: bool) -> KindInfo[NoSettings]:
    return KindInfo(name, Role.ENCODER, (Cap.VIDEO | Cap.HARDWARE) if hardware else Cap.VIDEO, NoSettings,
                    _named, {"": f"engine.encode.video:{profile}"}, order=order, extra={"codec": "h264"})


KINDS = (
    _encoder("h264_nvenc", "Nvenc", 10, True),
    _encoder("h264_qsv", "Qsv", 20, True),
    _encoder("h264_amf", "Amf", 30, True),
    _encoder("libx264", "X264", 90, False),
)
