"""The audio tracks' encoders: AAC 48 kHz stereo per track, track 1 always present.

SRS, nginx-rtmp and players expect an audio track in an FLV stream (some players stall without
one), so with nothing to mix the tracks carry silence. Timestamps are a sample count anchored to
the canvas's t0: sample ``k`` plays at ``t0 + k / rate`` on the same clock as video, so audio and
video cannot drift apart. Every track shares that one sample clock; each is mixed on its own
(engine/audio/mixer.py) and encoded only while a running output takes it, so a six-track
recording costs six AAC encodes only while it records.
"""

from __future__ import annotations

import fractions
from collections.abc import Callable, Collection, Iterable
from typing import Any

import av

from rigcast.engine.encode.meter import LevelMeter
from rigcast.engine.encode.opus import OpusEncode
from rigcast.engine.output.packets import aac, opus

Mix = Callable[[int, int, Collection[int]], dict[int, Any]]  # (first sample, count, tracks) -> planes per track


class TrackEncode:
    """One track's encoders: AAC (its stream is the outputs' template), Opus beside it while taken."""

    def __init__(self, template: Any, track: int, sample_rate: int, bitrate_kbps: int) -> None:
        self.track = track
        self.stream = template.add_stream("aac", rate=sample_rate)
        self.ctx: Any = self.stream.codec_context
        self.ctx.layout = "stereo"
        self.ctx.format = "fltp"
        self.ctx.bit_rate = bitrate_kbps * 1000
        self.ctx.time_base = fractions.Fraction(1, sample_rate)
        self.ctx.flags |= av.codec.context.Flags.global_header
        self.ctx.open()
        self.rate = sample_rate
        self.bitrate_kbps = bitrate_kbps
        self.opus: OpusEncode | None = None

    def want_opus(self, on: bool) -> None:
        """Encode Opus beside AAC from the next frame on (or stop): only while it is taken."""
        if on and self.opus is None:
            self.opus = OpusEncode(self.rate, min(self.bitrate_kbps, 256))
        elif not on:
            self.opus = None

    def encode(self, frame: Any, aac_on: bool) -> list[tuple[int, Any]]:
        out: list[tuple[int, Any]] = []
        if aac_on:
            out.extend((aac(self.track), p) for p in self.ctx.encode(frame))
        if self.opus is not None:
            out.extend((opus(self.track), p) for p in self.opus.encode(frame))
        return out


class AudioTracks:
    def __init__(self, template: Any, tracks: Iterable[int], sample_rate: int = 48000,
                 bitrate_kbps: int = 160) -> None:
        """``tracks``: every track an output may take (their template streams must exist before
        the template starts encoding); track 1 is always made."""
        self.tracks = {t: TrackEncode(template, t, sample_rate, bitrate_kbps) for t in sorted({1, *tracks})}
        self.rate = sample_rate
        self.frame_size = self.tracks[1].ctx.frame_size or 1024
        self.sent = 0  # samples handed to the encoders (one clock for every track)
        self.bitrate_kbps = bitrate_kbps
        self._aac: set[int] = {1}  # tracks encoded to AAC (all while flushing)
        self._mixed: tuple[int, ...] = (1,)  # tracks mixed each frame: track 1 (the meter) and those taken
        self._silence = av.AudioFrame(format="fltp", layout="stereo", samples=self.frame_size)
        self._silence.sample_rate = sample_rate
        for plane in self._silence.planes:
            plane.update(bytes(plane.buffer_size))

    @property
    def streams(self) -> dict[int, Any]:
        """Each track's template stream, copied into the outputs' containers."""
        return {t: enc.stream for t, enc in self.tracks.items()}

    def take(self, kinds: Collection[int]) -> None:
        """The packet kinds running outputs take: each track encoded in AAC and Opus only as taken."""
        self._aac = {t for t in self.tracks if aac(t) in kinds} or {1}
        for t, enc in self.tracks.items():
            enc.want_opus(opus(t) in kinds)
        self._mixed = tuple(t for t in self.tracks if t == 1 or t in self._aac or self.tracks[t].opus is not None)

    def encode_until(self, elapsed_ns: int, encode: bool = True, meter: LevelMeter | None = None,
                     mix: Mix | None = None) -> list[tuple[int, Any]]:
        """Mix whole frames of audio up to ``elapsed_ns`` after t0 and encode them: (kind, packet).

        With ``encode`` false (the engine is idle: nothing live or recording) the frames are
        still mixed and metered but not encoded, and the sample clock moves on, so the first
        packet after going live carries the right time. The meter reads track 1."""
        due = elapsed_ns * self.rate // 1_000_000_000
        packets: list[tuple[int, Any]] = []
        while self.sent + self.frame_size <= due:
            planes = mix(self.sent, self.frame_size, self._mixed) if mix is not None else None
            if planes is not None and meter is not None:
                meter.add(planes[1])  # the mixed samples themselves, not a copy back out of the frame
            if encode:
                for t in self._mixed:
                    packets.extend(self.tracks[t].encode(self._frame(planes[t] if planes else None), t in self._aac))
            self.sent += self.frame_size
        return packets

    def _frame(self, planes: Any) -> Any:
        if planes is None:
            frame = self._silence  # nothing to meter: an empty window reads as silence
        else:
            frame = av.AudioFrame.from_ndarray(planes, format="fltp", layout="stereo")
            frame.sample_rate = self.rate
        frame.pts = self.sent
        return frame

    def flush(self) -> list[tuple[int, Any]]:
        return [(aac(t), p) for t, enc in self.tracks.items() if t in self._aac for p in enc.ctx.encode(None)]
