"""The video process: the canvas clock, one conversion, one encode, every output fed.

At tick ``n`` (``t0 + n/fps`` on the shared monotonic clock) it takes the newest frame from
the ring. No new frame since the last tick → the last converted frame is encoded again
("repeated"); several new frames → the ones in between were never shown ("skipped"). If the
process itself falls more than half a second behind (the box is overloaded), it jumps ahead
and counts the ticks it dropped as "lagged" rather than drifting ever later. Audio is encoded
up to the same instant, so both tracks share one time line.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.synchronize import Event
from typing import Any

import av
from av.video.frame import PictureType

from engine.clock import now_ns, sleep_until_ns, tick_at, tick_ns
from engine.encode.audio import AudioTrack
from engine.encode.convert import Converter
from engine.encode.select import choose_encoder, describe_choice
from engine.encode.video import ENCODERS, VideoSettings, add_video_stream, probe_video_encoder
from engine.errors import RigcastError
from engine.framering import FrameRing, SourceState
from engine.logsetup import setup_logging
from engine.output.base import QueuedOutput, create_output
from engine.output.packets import AUDIO, VIDEO, EncodedPacket, StreamTemplates
from engine.spec import PipelineSpec

log = logging.getLogger("rigcast.pipeline")


@dataclass
class Counters:
    frames: int = 0
    repeated: int = 0
    skipped: int = 0
    lagged: int = 0
    encode_ns: int = 0
    convert_ns: int = 0
    window: dict[str, int] = field(default_factory=dict)


class Pipeline:
    def __init__(self, spec: PipelineSpec) -> None:
        self.spec = spec
        v = spec.video
        self.settings = VideoSettings(spec.canvas.width, spec.canvas.height, v.fps, v.bitrate_kbps,
                                      v.keyint_s, v.preset, v.profile, v.bframes)
        name, _, reasons = choose_encoder(v.encoder, lambda n: probe_video_encoder(n, self.settings))
        self.encoder_name = name
        self.encoder_note = describe_choice(name, reasons)
        log.info("%s", self.encoder_note)
        # The encoders live as streams of a template container that writes nowhere; every
        # output container copies their parameters (SPS/PPS, AAC config) from it.
        self.template = av.open("rigcast-template", "w", format="null")
        self.vstream = add_video_stream(self.template, name, self.settings)
        self.audio = AudioTrack(self.template, spec.audio.sample_rate, spec.audio.bitrate_kbps)
        self.template.start_encoding()
        templates = StreamTemplates(self.vstream, self.audio.stream)
        self.converter = Converter(spec.canvas.width, spec.canvas.height, ENCODERS[name].pix_fmt, v.scaler)
        self.keyframe_wanted = threading.Event()
        self.outputs: list[QueuedOutput] = [create_output(o, templates, self.keyframe_wanted) for o in spec.outputs]
        self.counters = Counters()
        # Attached last: nothing above can fail with the ring left open.
        self.ring = FrameRing.attach(spec.ring_name)
        self.last_seq = 0
        self.last_frame: Any = self.converter.black()

    def _fan_out(self, kind: int, packets: list[Any]) -> None:
        for p in packets:
            ep = EncodedPacket.from_av(kind, p)
            for o in self.outputs:
                o.put(ep)

    def _frame_for_tick(self) -> Any:
        c = self.counters
        ref = self.ring.acquire_latest()
        try:
            if ref is None or ref.seq == self.last_seq:
                c.repeated += 1
                return self.last_frame
            t = now_ns()
            frame = self.converter.convert(self.ring, ref)
            c.convert_ns += now_ns() - t
            if not self.ring.still_valid(ref):
                c.repeated += 1  # the writer lapped us mid-read: never show a torn frame
                return self.last_frame
            if self.last_seq and ref.seq > self.last_seq + 1:
                c.skipped += ref.seq - self.last_seq - 1
            self.last_seq = ref.seq
            self.last_frame = frame
            return frame
        finally:
            self.ring.release()

    def stats(self, started: float) -> dict[str, Any]:
        c = self.counters
        cap_ns, caps = self.ring.capture_stats()
        frames = max(1, c.frames)
        return {
            "type": "stats",
            "uptime_s": round(time.monotonic() - started, 1),
            "fps": c.window.get("fps", 0),
            "frames": c.frames,
            "repeated": c.repeated,
            "skipped": c.skipped,
            "lagged": c.lagged,
            "encoder": self.encoder_name,
            "encode_ms": round(c.encode_ns / frames / 1e6, 2),
            "convert_ms": round(c.convert_ns / max(1, c.frames - c.repeated) / 1e6, 2),
            "capture_ms": round(cap_ns / max(1, caps) / 1e6, 2),
            "budget_ms": round(1000 / self.spec.video.fps, 2),
            "source": {"name": self.spec.source_name, "state": SourceState.NAMES.get(self.ring.state, "?")},
            "outputs": [o.status().as_dict() for o in self.outputs],
        }

    def run(self, stop: Event, stats_q: Any) -> None:
        fps, t0 = self.spec.video.fps, self.spec.t0_ns
        for o in self.outputs:
            o.start()
        n0 = n = tick_at(t0, now_ns(), fps) + 1
        t_start = tick_ns(t0, n0, fps)
        started = time.monotonic()
        next_stats, frames_at_stats = started + 1.0, 0
        max_lag = max(2, fps // 2)
        c = self.counters
        stats_q.put({"type": "ready", "encoder": self.encoder_note, "canvas": str(self.spec.canvas)})
        while not stop.is_set():
            sleep_until_ns(tick_ns(t0, n, fps))
            behind = tick_at(t0, now_ns(), fps) - n
            if behind > max_lag:
                c.lagged += behind
                n += behind
            frame = self._frame_for_tick()
            frame.pts = n - n0
            forced = self.keyframe_wanted.is_set()
            if forced:
                self.keyframe_wanted.clear()
                frame.pict_type = PictureType.I
            t = now_ns()
            packets = self.vstream.codec_context.encode(frame)
            c.encode_ns += now_ns() - t
            if forced:
                frame.pict_type = PictureType.NONE  # the frame may be encoded again (repeated)
            c.frames += 1
            self._fan_out(VIDEO, packets)
            self._fan_out(AUDIO, self.audio.encode_until(tick_ns(t0, n, fps) - t_start))
            n += 1
            now = time.monotonic()
            if now >= next_stats:
                c.window["fps"] = c.frames - frames_at_stats
                frames_at_stats = c.frames
                next_stats += 1.0
                try:
                    stats_q.put_nowait(self.stats(started))
                except queue.Full:
                    pass
                if os.getppid() != self.spec.parent_pid:
                    log.warning("supervisor is gone; stopping")
                    break
        self.finish()
        stats_q.put(self.stats(started) | {"type": "final"})
        self.ring.close()

    def finish(self) -> None:
        try:
            self._fan_out(VIDEO, self.vstream.codec_context.encode(None))
            self._fan_out(AUDIO, self.audio.flush())
        except av.FFmpegError as e:
            log.warning("flushing encoders: %s", e)
        for o in self.outputs:
            o.stop()


def run_pipeline(spec: PipelineSpec, stop: Event, stats_q: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when we stop
    setup_logging(spec.log_level, "video")
    try:
        pipeline = Pipeline(spec)
    except RigcastError as e:
        stats_q.put({"type": "fatal", "error": str(e)})
        return
    pipeline.run(stop, stats_q)
