"""The video encoders, per codec in the order ``encoder = "auto"`` tries them (hardware first,
as OBS offers them; the software one always works). Each record's factory is its profile in
:mod:`rigcast.engine.encode.video`, which says how rigcast's settings become that encoder's options;
``extra["codec"]`` is what it makes (``video.codec`` picks among them).

Two routes: PyAV's own FFmpeg (in process), and the system's ``ffmpeg`` run as a child
(``extra["route"] == "system"``, engine/encode/system_ffmpeg.py) for what PyAV's wheel lacks:
VAAPI, AMD's and Intel's encoders on Linux. ``encoder = "system:NAME"`` sends any encoder the
system's ffmpeg has down that route; its record is made here, from the name, on demand."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rigcast.config.kinds.base import Cap, KindInfo, Role


@dataclass
class NoSettings:
    """Encoders are set by [video] (bitrate, preset, keyint, ...), mapped by each profile."""


def _named(s: NoSettings) -> str:
    return "encoder"


CODECS: tuple[str, ...] = ("h264", "hevc", "av1")


# Encoders whose FFmpeg wrapper applies a new bit_rate on the open context (adaptive bitrate):
# libx264 (x264_encoder_reconfig, without HRD signalling), NVENC and QSV. Measured here: libx265
# and libsvtav1 keep their first rate, so an adaptive output on them only drops frames.
LIVE_BITRATE = ("libx264", "h264_nvenc", "hevc_nvenc", "av1_nvenc", "h264_qsv", "hevc_qsv")


SYSTEM = "system:"  # encoder = "system:NAME": NAME run by the system's ffmpeg
_SYSTEM_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}")
# What an encoder makes, by its name (system:NAME has no record to say so).
_CODEC_OF = (("h264", "h264"), ("libx264", "h264"), ("libopenh264", "h264"), ("hevc", "hevc"), ("libx265", "hevc"),
             ("av1", "av1"), ("libsvtav1", "av1"), ("libaom-av1", "av1"), ("librav1e", "av1"))


def _encoder(name: str, profile: str, order: int, hardware: bool, codec: str = "h264") -> KindInfo[NoSettings]:
    return KindInfo(name, Role.ENCODER, (Cap.VIDEO | Cap.HARDWARE) if hardware else Cap.VIDEO, NoSettings,
                    _named, {"": f"rigcast.engine.encode.video:{profile}"}, order=order,
                    extra={"codec": codec, "live_bitrate": name in LIVE_BITRATE})


def _vaapi(name: str, order: int, codec: str) -> KindInfo[NoSettings]:
    """AMD's and Intel's encoders on Linux, through the system's ffmpeg (PyAV's wheel has no VAAPI)."""
    return KindInfo(name, Role.ENCODER, Cap.VIDEO | Cap.HARDWARE, NoSettings, _named,
                    {"linux": "rigcast.engine.encode.system_ffmpeg:Vaapi"}, order=order,
                    extra={"codec": codec, "live_bitrate": False, "route": "system"})


def system_codec(name: str) -> str | None:
    """The codec an encoder named ``name`` makes, by FFmpeg's naming, or None."""
    for prefix, codec in _CODEC_OF:
        if name == prefix or name.startswith(prefix + "_"):
            return codec
    return None


def system_encoder(name: str) -> KindInfo[NoSettings]:
    """The record of ``system:NAME``; ValueError (the config's one line) for a name it can't be."""
    inner = name.removeprefix(SYSTEM)
    if not _SYSTEM_NAME.fullmatch(inner):
        raise ValueError(f'"{name}" is not an encoder name; write system:NAME with a name `ffmpeg -encoders` lists')
    codec = system_codec(inner)
    if codec is None:
        raise ValueError(f"can't tell which codec {inner} makes; system: takes H.264, HEVC and AV1 encoders "
                         "(h264_*, hevc_*, av1_*, libx264, libx265, libsvtav1, ...)")
    return KindInfo(name, Role.ENCODER, Cap.VIDEO, NoSettings, _named,
                    {"": "rigcast.engine.encode.system_ffmpeg:SystemProfile"}, order=1000,
                    extra={"codec": codec, "live_bitrate": False, "route": "system", "system_name": inner})


KINDS = (
    _encoder("h264_nvenc", "Nvenc", 10, True),
    _vaapi("h264_vaapi", 15, "h264"),
    _encoder("h264_qsv", "Qsv", 20, True),
    _encoder("h264_amf", "Amf", 30, True),
    _encoder("libx264", "X264", 90, False),
    _encoder("hevc_nvenc", "HevcNvenc", 11, True, "hevc"),
    _vaapi("hevc_vaapi", 16, "hevc"),
    _encoder("hevc_qsv", "HevcQsv", 21, True, "hevc"),
    _encoder("hevc_amf", "HevcAmf", 31, True, "hevc"),
    _encoder("libx265", "X265", 91, False, "hevc"),
    _encoder("av1_nvenc", "Av1Nvenc", 12, True, "av1"),
    _vaapi("av1_vaapi", 17, "av1"),  # needs the system's FFmpeg 6 or later
    _encoder("av1_qsv", "Av1Qsv", 22, True, "av1"),
    _encoder("av1_amf", "Av1Amf", 32, True, "av1"),
    _encoder("libsvtav1", "SvtAv1", 92, False, "av1"),
)


def encoder_kind(name: str) -> KindInfo[Any]:
    """An encoder's record: a declared one, or the one ``system:NAME`` makes."""
    from rigcast.config.kinds import find

    return system_encoder(name) if name.startswith(SYSTEM) else find(Role.ENCODER, name)
