"""One video encode: the canvas at an output's size and rate, its encoder, the outputs it feeds.

Why this shape: outputs with equal video settings share one of these (one conversion, one
encoder, as before); an output with settings of its own (config/kinds/own_video.py) gets its
own from the same composited canvas. The canvas frame is made once per tick in the first
encode's pixel format; another size or format is one swscale pass from it, in C, through a
reformatter kept for the encode (its context is reused, not rebuilt each frame). Every encode is
paced by the one canvas clock: an encode at a divisor of the canvas rate takes every n-th tick,
so all of them show the same scene switch at the same instant.

Each encode owns what depends on its encoder: the keyframe a (re)connecting output asks for,
the bitrate its adaptive outputs want (engine/output/adaptive.py), the H.264 profile a WHIP
receiver needs, and the drain into its last stopping outputs. The encoder itself runs in this
process through PyAV (:class:`InProcessEncoder`) or, for what PyAV's FFmpeg lacks, as the
system's ffmpeg (engine/encode/system_ffmpeg.py); both take frames and give packets the same way.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any

import av
from av.video.frame import PictureType
from av.video.reformatter import ColorRange, Colorspace, VideoReformatter

from rigcast.config.kinds import Cap
from rigcast.config.kinds.encoders import encoder_kind
from rigcast.engine.clock import now_ns
from rigcast.engine.encode.captions import CaptionFeed
from rigcast.engine.encode.convert import INTERPOLATION, PACKED_RGB
from rigcast.engine.encode.select import choose_encoder, describe_choice
from rigcast.engine.encode.video import ENCODERS, VideoSettings, add_video_stream, probe_video_encoder
from rigcast.engine.output.base import EncodeFacts, Output
from rigcast.engine.output.packets import VIDEO, EncodedPacket, StreamTemplates

log = logging.getLogger("rigcast.encode")


class InProcessEncoder:
    """PyAV's encoder, its stream in a ``null`` template container the outputs copy from."""

    def __init__(self, name: str, settings: VideoSettings) -> None:
        self.holder = av.open("rigcast-template", "w", format="null")
        self.stream = add_video_stream(self.holder, name, settings)
        self.holder.start_encoding()

    @property
    def template(self) -> Any:
        return self.stream

    def encode(self, frame: Any, pts: int, forced: bool = False) -> list[EncodedPacket]:
        frame.pts = pts
        if forced:
            frame.pict_type = PictureType.I
        packets = self.stream.codec_context.encode(frame)
        if forced:
            frame.pict_type = PictureType.NONE  # the frame may be encoded again (repeated)
        return [EncodedPacket.from_av(VIDEO, p) for p in packets]

    def flush(self) -> list[EncodedPacket]:
        try:
            packets = self.stream.codec_context.encode(None)
        except av.FFmpegError as e:
            log.warning("draining the video encoder: %s", e)
            packets = []
        return [EncodedPacket.from_av(VIDEO, p) for p in packets]

    def set_bitrate(self, kbps: int) -> None:
        self.stream.codec_context.bit_rate = kbps * 1000

    def close(self) -> None:
        self.holder.close()


def open_encoder(name: str, settings: VideoSettings) -> Any:
    """The encoder ``name`` on its route: the system's ffmpeg, or PyAV's in this process."""
    if encoder_kind(name).extra.get("route") == "system":
        from rigcast.engine.encode.system_ffmpeg import SystemEncoder

        return SystemEncoder(name, settings)
    return InProcessEncoder(name, settings)


class VideoEncode:
    def __init__(self, settings: VideoSettings, codec: str, encoder: str, every: int, scaler: str,
                 audio: dict[int, Any], audio_kbps: int) -> None:
        """``every``: this encode takes every n-th canvas tick (its fps divides the canvas's);
        ``audio``: the shared audio tracks' template streams by track, copied into each output."""
        name, _, reasons = choose_encoder(encoder, lambda n: probe_video_encoder(n, settings), codec)
        self.name = name
        self.note = describe_choice(name, reasons)
        self.settings = settings
        self.every = every
        self.canvas = ""  # the canvas it is made from ("" the main one; engine/pipeline.py sets it)
        self.pix_fmt = ENCODERS[name].pix_fmt
        self.interp = INTERPOLATION[scaler]
        self.audio = audio
        self.codec = codec
        # CEA-608 captions put into its H.264 packets (engine/encode/captions.py), by picture
        self.captions = CaptionFeed()
        self.next_pts = 0  # the picture the next encode makes
        self.facts = EncodeFacts(settings.bitrate_kbps, audio_kbps,
                                 settings.adaptive and bool(encoder_kind(name).extra.get("live_bitrate")))
        self.kbps = settings.bitrate_kbps  # what the encoder is set to make now
        self.keyframe_wanted = threading.Event()
        self.outputs: dict[str, Output] = {}
        self.drained = False  # drained into its last outputs: reopened at the next start
        self.encode_ns = 0
        self.frames = 0
        self._reformatter = VideoReformatter()
        self.encoder: Any = None
        self._open()

    def _open(self) -> None:
        encoder = open_encoder(self.name, self.settings)
        if self.encoder is not None:
            self.encoder.close()
        self.encoder = encoder
        self.templates = StreamTemplates(encoder.template, self.audio)
        self.kbps = self.settings.bitrate_kbps
        self.drained = False

    def describe(self) -> str:
        s = self.settings
        return f"{s.width}x{s.height}@{s.fps} {self.kbps} kbps {self.name}"

    # -- per tick ------------------------------------------------------------------------------
    def takes(self, tick: int) -> bool:
        return bool(self.outputs) and tick % self.every == 0

    def picture(self, canvas: Any) -> Any:
        """The canvas frame as this encoder wants it: the very frame when it already is."""
        s = self.settings
        if (canvas.width, canvas.height, canvas.format.name) == (s.width, s.height, self.pix_fmt):
            return canvas
        packed = self.pix_fmt in PACKED_RGB
        return self._reformatter.reformat(
            canvas, s.width, s.height, self.pix_fmt, src_colorspace=Colorspace.ITU709,
            dst_colorspace=Colorspace.ITU709,
            src_color_range=ColorRange.JPEG if canvas.format.name in PACKED_RGB else ColorRange.MPEG,
            dst_color_range=ColorRange.JPEG if packed else ColorRange.MPEG, interpolation=self.interp, threads=1)

    def encode(self, canvas: Any, tick: int) -> list[EncodedPacket]:
        """Encode this tick's canvas (``takes(tick)`` said yes); the packets to fan out."""
        frame = self.picture(canvas)
        forced = self.keyframe_wanted.is_set()
        if forced:
            self.keyframe_wanted.clear()
        t = now_ns()
        packets: list[EncodedPacket] = self.encoder.encode(frame, tick // self.every, forced)
        self.encode_ns += now_ns() - t
        self.frames += 1
        self.next_pts = tick // self.every + 1
        if self.captions.pairs:
            packets = [replace(ep, data=self.captions.attach(ep.pts, ep.data)) if ep.kind == VIDEO else ep
                       for ep in packets]
        return packets

    def adapt_bitrate(self) -> None:
        """The highest rate its network outputs want (one with no opinion wants the configured
        rate), so a squeezed output drops frames rather than degrading another that is not; a
        recording on the same encode follows, like OBS's "same as stream". libx264 takes the
        new rate at its next frame (engine/encode/video.py)."""
        if not self.facts.live_bitrate:
            return
        wants = [o.upstream.kbps or self.settings.bitrate_kbps for o in self.outputs.values() if o.cfg.has(Cap.STREAM)]
        kbps = max(wants) if wants else self.settings.bitrate_kbps
        if kbps != self.kbps:
            self.encoder.set_bitrate(kbps)
            log.info("video bitrate %d -> %d kbps (%dx%d encode)", self.kbps, kbps, self.settings.width,
                     self.settings.height)
            self.kbps = kbps

    # -- between outputs -----------------------------------------------------------------------
    def drain(self) -> list[EncodedPacket]:
        """The frames its lookahead still holds (x264 veryfast: 10), for its last stopping
        outputs instead of being dropped; the encoder is reopened at the next start."""
        packets: list[EncodedPacket] = self.encoder.flush()
        self.drained = True
        return packets

    def reopen(self, profile: str | None = None) -> None:
        """A fresh encoder with the same settings (after a drain: an encoder at its end of
        stream takes no more frames), or in another H.264 profile; outputs opened from now on
        copy its parameters."""
        if profile is not None:
            self.settings = replace(self.settings, profile=profile)
        self._open()

    def close(self) -> None:
        if self.encoder is not None:
            self.encoder.close()
            self.encoder = None
