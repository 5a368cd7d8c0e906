"""The x264_lowlatency encoder's implementation: a profile for the libx264 in PyAV's FFmpeg.
rigcast opens the encoder, in the video process's encode thread, and sets what every encoder
gets from ``[video]`` (size, rate, bitrate with its VBV, keyframe interval, B-frames, profile);
the profile names the FFmpeg encoder, the pixel format swscale converts the canvas into, and
the encoder's own options for the rest."""

from __future__ import annotations

from typing import Any


class LowLatencyX264:
    name = "libx264"  # the FFmpeg encoder this kind drives
    pix_fmt = "yuv420p"

    def options(self, s: Any) -> dict[str, str]:
        """``s``: rigcast's VideoSettings (preset, adaptive, ...). x264's zerolatency tune: no
        lookahead, no frame threads, so each frame leaves the encoder as soon as it is made; and
        an access unit delimiter before each frame, which some hardware decoders and MPEG-TS
        receivers want to find frame boundaries without parsing the slices."""
        params = "aud=1:force-cfr=1" if s.adaptive else "aud=1:nal-hrd=cbr:force-cfr=1"
        return {"preset": s.preset, "tune": "zerolatency", "x264-params": params, "forced-idr": "1"}
