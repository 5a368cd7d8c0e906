"""The audio track: AAC 48 kHz stereo, always present.

SRS, nginx-rtmp and players expect an audio track in an FLV stream (some players stall without
one), so until audio capture exists the track carries silence. Timestamps are a sample count
anchored to the canvas's t0: sample ``k`` plays at ``t0 + k / rate`` on the same clock as video,
so audio and video cannot drift apart.
"""

from __future__ import annotations

import fractions
from collections.abc import Callable
from typing import Any

import av

from rigcast.engine.encode.meter import LevelMeter
from rigcast.engine.encode.opus import OpusEncode
from rigcast.engine.output.packets import AUDIO, OPUS


class AudioTrack:
    def __init__(self, template: Any, sample_rate: int = 48000, bitrate_kbps: int = 160) -> None:
        self.stream = template.add_stream("aac", rate=sample_rate)
        self.ctx: Any = self.stream.codec_context
        self.ctx.layout = "stereo"
        self.ctx.format = "fltp"
        self.ctx.bit_rate = bitrate_kbps * 1000
        self.ctx.time_base = fractions.Fraction(1, sample_rate)
        self.ctx.flags |= av.codec.context.Flags.global_header
        self.ctx.open()
        self.rate = sample_rate
        self.frame_size = self.ctx.frame_size or 1024
        self.sent = 0  # samples handed to the encoder
        self.bitrate_kbps = bitrate_kbps
        self.opus: OpusEncode | None = None  # the same frames in Opus, while an output takes them
        self._silence = av.AudioFrame(format="fltp", layout="stereo", samples=self.frame_size)
        self._silence.sample_rate = sample_rate
        for plane in self._silence.planes:
            plane.update(bytes(plane.buffer_size))

    def want_opus(self, on: bool) -> None:
        """Encode Opus beside AAC from the next frame on (or stop): only while it is taken."""
        if on and self.opus is None:
            self.opus = OpusEncode(self.rate, min(self.bitrate_kbps, 256))
        elif not on:
            self.opus = None

    def encode_until(self, elapsed_ns: int, encode: bool = True, meter: LevelMeter | None = None,
                     mix: Callable[[int, int], Any] | None = None) -> list[tuple[int, Any]]:
        """Mix whole frames of audio up to ``elapsed_ns`` after t0 and encode them: (kind, packet).

        With ``encode`` false (the engine is idle: nothing live or recording) the frames are
        still mixed and metered but not encoded, and the sample clock moves on, so the first
        packet after going live carries the right time."""
        due = elapsed_ns * self.rate // 1_000_000_000
        packets: list[tuple[int, Any]] = []
        while self.sent + self.frame_size <= due:
            if mix is None:
                frame = self._silence  # nothing to meter: an empty window reads as silence
            else:
                planes = mix(self.sent, self.frame_size)
                if meter is not None:
                    meter.add(planes)  # the mixed samples themselves, not a copy back out of the frame
                frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout="stereo")
                frame.sample_rate = self.rate
            frame.pts = self.sent
            if encode:
                packets.extend((AUDIO, p) for p in self.ctx.encode(frame))
                if self.opus is not None:
                    packets.extend((OPUS, p) for p in self.opus.encode(frame))
            self.sent += self.frame_size
        return packets

    def flush(self) -> list[tuple[int, Any]]:
        return [(AUDIO, p) for p in self.ctx.encode(None)]
