"""The video encoders, per codec in the order ``encoder = "auto"`` tries them (hardware first,
as OBS offers them; the software one always works). Each record's factory is its profile in
:mod:`rigcast.engine.encode.video`, which says how rigcast's settings become that encoder's options;
``extra["codec"]`` is what it makes (``video.codec`` picks among them)."""

from __future__ import annotations

from dataclasses import dataclass

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


def _encoder(name: str, profile: str, order: int, hardware: bool, codec: str = "h264") -> KindInfo[NoSettings]:
    return KindInfo(name, Role.ENCODER, (Cap.VIDEO | Cap.HARDWARE) if hardware else Cap.VIDEO, NoSettings,
                    _named, {"": f"rigcast.engine.encode.video:{profile}"}, order=order,
                    extra={"codec": codec, "live_bitrate": name in LIVE_BITRATE})


KINDS = (
    _encoder("h264_nvenc", "Nvenc", 10, True),
    _encoder("h264_qsv", "Qsv", 20, True),
    _encoder("h264_amf", "Amf", 30, True),
    _encoder("libx264", "X264", 90, False),
    _encoder("hevc_nvenc", "HevcNvenc", 11, True, "hevc"),
    _encoder("hevc_qsv", "HevcQsv", 21, True, "hevc"),
    _encoder("hevc_amf", "HevcAmf", 31, True, "hevc"),
    _encoder("libx265", "X265", 91, False, "hevc"),
    _encoder("av1_nvenc", "Av1Nvenc", 12, True, "av1"),
    _encoder("av1_qsv", "Av1Qsv", 22, True, "av1"),
    _encoder("av1_amf", "Av1Amf", 32, True, "av1"),
    _encoder("libsvtav1", "SvtAv1", 92, False, "av1"),
)
