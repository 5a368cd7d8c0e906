"""The mix in Opus as well as AAC, for outputs that take only Opus (WebRTC: WHIP).

A second encode of the same mixed frames, not a second mix: the samples and their timestamps
are the AAC track's, so both tracks sit on one sample clock and A/V sync holds for either. It
exists only while such an output runs (libopus costs about as much as the AAC encoder). Opus
takes 20 ms frames (960 samples) and the AAC frames are 1024, so a FIFO regroups them; the FIFO
carries the timestamps through.
"""

from __future__ import annotations

import fractions
from typing import Any

import av
from av.audio.fifo import AudioFifo

OPUS_FRAME = 960  # 20 ms at 48 kHz: what WebRTC receivers expect per packet


class OpusEncode:
    def __init__(self, sample_rate: int = 48000, bitrate_kbps: int = 128) -> None:
        self.ctx: Any = av.CodecContext.create("libopus", "w")
        self.ctx.sample_rate = sample_rate
        self.ctx.layout = "stereo"
        self.ctx.format = "flt"
        self.ctx.bit_rate = bitrate_kbps * 1000
        self.ctx.time_base = fractions.Fraction(1, sample_rate)
        self.ctx.open()
        self.frame_size = self.ctx.frame_size or OPUS_FRAME
        self.fifo = AudioFifo()
        # The mixer hands planar float; libopus takes interleaved: swresample converts in C.
        self.resampler = av.AudioResampler(format="flt", layout="stereo", rate=sample_rate)

    def encode(self, frame: Any) -> list[Any]:
        """One mixed frame in (any size, with its pts); every whole Opus packet it completes out."""
        for converted in self.resampler.resample(frame):
            self.fifo.write(converted)
        packets: list[Any] = []
        while (whole := self.fifo.read(self.frame_size)) is not None:
            packets.extend(self.ctx.encode(whole))
        return packets
