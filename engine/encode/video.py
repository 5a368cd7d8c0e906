"""Video encoders (H.264, HEVC, AV1): one small profile per FFmpeg encoder, looked up by name.

Each profile says which pixel format it wants (swscale converts into it once, in C) and how the
streamer's settings — CBR bitrate, keyframe interval, x264-style preset, B-frames — translate
into that encoder's options. Presets are spoken in x264's names everywhere and mapped here, so a
config moves between a box with NVENC and one without.
"""

from __future__ import annotations

import fractions
import os
from dataclasses import dataclass
from typing import Any, Protocol

import av
import av.logging

from rigcast.config.kinds import Cap
from rigcast.config.kinds.encoders import encoder_kind
from rigcast.config.model import X264_PRESETS
from rigcast.engine.encode.select import EncoderUnavailable

COLORSPACE_BT709 = 1  # AVCOL_SPC/PRI/TRC_BT709
COLOR_RANGE_MPEG = 1  # AVCOL_RANGE_MPEG (limited)

PROFILES = ("baseline", "main", "high")


@dataclass(frozen=True)
class VideoSettings:
    width: int
    height: int
    fps: int
    bitrate_kbps: int
    keyint_s: float
    preset: str
    profile: str | None
    bframes: int
    adaptive: bool = False  # an output may lower the bitrate while open (no HRD signalling then)

    @property
    def gop(self) -> int:
        return max(1, round(self.keyint_s * self.fps))


class EncoderProfile(Protocol):
    """How one encoder kind drives an FFmpeg encoder. ``name`` is the FFmpeg encoder's (a kind's
    own name, except for a plugin's kind that drives one rigcast already knows its own way)."""

    name: str
    pix_fmt: str

    def options(self, s: VideoSettings) -> dict[str, str]: ...


def _rank(preset: str) -> int:
    return X264_PRESETS.index(preset) if preset in X264_PRESETS else 2


class X264:
    name, pix_fmt = "libx264", "yuv420p"

    def options(self, s: VideoSettings) -> dict[str, str]:
        # CBR the way OBS does it: VBV of one second at the bitrate, HRD signalled, constant
        # frame rate; SRS and the platforms behind it expect exactly this.
        # forced-idr: a keyframe asked for by a (re)connecting output must be an IDR, or the
        # server's new viewers can't start decoding at it.
        # Adaptive: x264 ignores a new bitrate while nal-hrd=cbr is on (measured), so an encode
        # an adaptive output may lower is VBV-capped ABR without the HRD flag; SRS and players
        # don't read it (they took both the same here).
        params = "force-cfr=1" if s.adaptive else "nal-hrd=cbr:force-cfr=1"
        return {"preset": s.preset, "x264-params": params, "forced-idr": "1"}


class Nvenc:
    # BGRA straight from capture: NVENC does the RGB→YUV conversion on the GPU, which saves the
    # CPU's swscale pass (the largest per-frame cost after capture on a 1080p stream).
    name, pix_fmt = "h264_nvenc", "bgra"

    def options(self, s: VideoSettings) -> dict[str, str]:
        preset = ("p1", "p1", "p2", "p3", "p3", "p4", "p5", "p6", "p7")[_rank(s.preset)]
        return {"preset": preset, "rc": "cbr", "tune": "ll", "forced-idr": "1"}


class Qsv:
    name, pix_fmt = "h264_qsv", "nv12"

    def options(self, s: VideoSettings) -> dict[str, str]:
        preset = s.preset if s.preset in X264_PRESETS[2:] else "veryfast"
        return {"preset": preset, "forced_idr": "1"}


class Amf:
    name, pix_fmt = "h264_amf", "nv12"

    def options(self, s: VideoSettings) -> dict[str, str]:
        quality = ("speed",) * 3 + ("balanced",) * 3 + ("quality",) * 3
        return {"rc": "cbr", "usage": "transcoding", "quality": quality[_rank(s.preset)]}


class HevcNvenc(Nvenc):
    name = "hevc_nvenc"


class Av1Nvenc(Nvenc):
    name = "av1_nvenc"


class HevcQsv(Qsv):
    name = "hevc_qsv"


class Av1Qsv(Qsv):
    name = "av1_qsv"


class HevcAmf(Amf):
    name = "hevc_amf"


class Av1Amf(Amf):
    name = "av1_amf"


class X265:
    name, pix_fmt = "libx265", "yuv420p"

    def options(self, s: VideoSettings) -> dict[str, str]:
        # x265's own CBR: VBV at the bitrate (maxrate/bufsize below), strict constant bitrate,
        # closed GOPs so a keyframe asked for by a (re)connecting output is a clean start, and
        # no info SEI (x265 writes its whole command line into the stream otherwise).
        return {"preset": s.preset, "forced-idr": "1",
                "x265-params": f"strict-cbr=1:open-gop=0:info=0:keyint={s.gop}:min-keyint={s.gop}:log-level=error"}


class SvtAv1:
    name, pix_fmt = "libsvtav1", "yuv420p"

    def options(self, s: VideoSettings) -> dict[str, str]:
        # SVT-AV1 presets run 0 (slowest) to 13; x264's veryfast lands on 10, real-time speed.
        preset = (13, 12, 10, 9, 8, 7, 6, 5, 4)[_rank(s.preset)]
        os.environ.setdefault("SVT_LOG", "1")  # the library prints its banner to stderr; errors only
        return {"preset": str(preset), "svtav1-params": f"keyint={s.gop}:rc=2:pred-struct=1"}


class _Profiles(dict[str, EncoderProfile]):
    """Every encoder's profile, by name, from the encoder records (config/kinds/encoders.py)."""

    def __missing__(self, name: str) -> EncoderProfile:
        profile: EncoderProfile = encoder_kind(name).implementation()()
        self[name] = profile
        return profile


ENCODERS = _Profiles()


def _ffmpeg_reason(logs: list[Any], exc: Exception) -> str:
    lines = [str(m).strip() for _level, _name, m in logs if str(m).strip()]
    text = " ".join(lines[:2]) if lines else str(exc)
    return text.rstrip(".")


def _configure(ctx: Any, profile: EncoderProfile, s: VideoSettings) -> None:
    ctx.width, ctx.height, ctx.pix_fmt = s.width, s.height, profile.pix_fmt
    ctx.time_base = fractions.Fraction(1, s.fps)
    ctx.framerate = fractions.Fraction(s.fps, 1)
    ctx.bit_rate = s.bitrate_kbps * 1000
    ctx.gop_size = s.gop
    ctx.max_b_frames = s.bframes
    # Tag what swscale produces (BT.709, limited range) so players convert it back correctly.
    ctx.colorspace, ctx.color_range = COLORSPACE_BT709, COLOR_RANGE_MPEG
    ctx.color_primaries, ctx.color_trc = COLORSPACE_BT709, COLORSPACE_BT709
    # FLV/MKV/MP4 carry SPS/PPS and the AAC config in their headers, once per container.
    ctx.flags |= av.codec.context.Flags.global_header
    opts = profile.options(s)
    rate = f"{s.bitrate_kbps}k"
    opts.update({"maxrate": rate, "bufsize": rate, "bf": str(s.bframes), "g": str(s.gop)})
    if s.profile:
        opts["profile"] = s.profile  # every H.264 encoder here takes baseline/main/high
    ctx.options = opts


def probe_video_encoder(name: str, s: VideoSettings) -> None:
    """Open ``name`` and encode one black frame: a hardware encoder can open and still fail on
    its first frame. Raises :class:`EncoderUnavailable` with FFmpeg's own reason."""
    profile = ENCODERS[name]
    if encoder_kind(name).extra.get("route") == "system":
        from rigcast.engine.encode.system_ffmpeg import probe_system_encoder

        return probe_system_encoder(name, s)
    if not encoder_kind(name).has(Cap.HARDWARE):
        # Software: present or not, never a missing device. Opening a throwaway x264 would
        # only raise the process's memory high-water mark (glibc keeps the freed heap).
        if profile.name not in av.codecs_available:
            raise EncoderUnavailable(f"this PyAV build has no {profile.name}")
        return
    if av.logging.get_level() is None:
        av.logging.set_level(av.logging.ERROR)  # needed for Capture to see FFmpeg's reason
    with av.logging.Capture() as logs:
        try:
            ctx: Any = av.CodecContext.create(profile.name, "w")
            _configure(ctx, profile, s)
            ctx.open()
            frame = av.VideoFrame(s.width, s.height, profile.pix_fmt)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.pts = 0
            ctx.encode(frame)
            ctx.encode(None)
        except (av.FFmpegError, ValueError, OSError) as e:
            raise EncoderUnavailable(_ffmpeg_reason(logs, e)) from None


def add_video_stream(template: Any, name: str, s: VideoSettings) -> Any:
    """The real encoder, as a stream of the template container outputs copy from."""
    stream = template.add_stream(ENCODERS[name].name, rate=s.fps)  # the FFmpeg encoder the profile drives
    _configure(stream.codec_context, ENCODERS[name], s)
    stream.codec_context.open()
    return stream
