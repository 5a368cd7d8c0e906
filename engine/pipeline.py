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
import queue
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.synchronize import Event
from typing import Any

import av
from av.video.frame import PictureType

from config.kinds import Cap
from config.model import TransitionConfig
from config.secrets import remember_secret, url_secret_parts
from engine.audio.mixer import AudioInput, Mixer
from engine.audio.ring import AudioRing
from engine.capture.base import drawn_kind
from engine.clock import now_ns, sleep_until_ns, tick_at, tick_ns
from engine.compose import screenshot
from engine.compose.compositor import Compositor, RingLayer
from engine.encode.audio import AudioTrack
from engine.encode.convert import Converter
from engine.encode.meter import LevelMeter
from engine.encode.select import choose_encoder, describe_choice
from engine.encode.video import ENCODERS, VideoSettings, add_video_stream, probe_video_encoder
from engine.errors import RigcastError
from engine.framering import FrameRing
from engine.logsetup import setup_logging
from engine.proc import ParentWatch
from engine.output.base import Output, QueuedOutput, create_output, idle_status
from engine.output.packets import OPUS, VIDEO, EncodedPacket, StreamTemplates
from engine.spec import PipelineSpec
from engine.vocab import (
    ChatPost,
    ItemChange,
    MeterRate,
    MuteSet,
    OutputsStart,
    OutputsStop,
    RecordPause,
    OutputState,
    RenderedSource,
    RenderedState,
    SceneSwitch,
    Screenshot,
    SourceSettings,
    SourceState,
    TextSet,
    TransitionSet,
    VideoCommand,
    VolumeSet,
)
from engine.vocab.reports import Ack, Fatal, Final, Meter, OutputStatus, Ready, SourceRow, VideoStats

log = logging.getLogger("rigcast.pipeline")

METER_INTERVAL_S = 1 / 15  # audio meter frames at ~15 Hz
AUDIO_DELAY_NS = 150_000_000


@dataclass
class Counters:
    frames: int = 0
    lagged: int = 0
    converted: int = 0
    encode_ns: int = 0
    convert_ns: int = 0
    window: dict[str, int] = field(default_factory=dict)


class Pipeline:
    def __init__(self, spec: PipelineSpec) -> None:
        self.spec = spec
        v = spec.video
        self.settings = VideoSettings(spec.canvas.width, spec.canvas.height, v.fps, v.bitrate_kbps,
                                      v.keyint_s, v.preset, v.profile, v.bframes)
        name, _, reasons = choose_encoder(v.encoder, lambda n: probe_video_encoder(n, self.settings), v.codec)
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
        self.templates = templates
        self.video_holder: Any = None  # the container of a video encoder reopened after a drain
        self.drained = False  # the video encoder was drained into the last outputs: reopen it
        self.keyframe_wanted = threading.Event()
        self.output_cfgs = {o.name: o for o in spec.outputs}
        # Running outputs get every packet; stopping ones drain what they hold and finalise in
        # a thread of their own, so a slow close never holds up the canvas clock.
        self.outputs: dict[str, Output] = {}
        self.closing: dict[str, Output] = {}
        self.meter = LevelMeter()
        self.audio_rings = {name: AudioRing.attach(shm) for name, shm in spec.audio_rings.items()}
        self.mixer = Mixer([AudioInput(src, self.audio_rings[src.name], src.settings.volume_db, src.settings.muted)
                            for src in spec.audio_sources], spec.audio.sample_rate, spec.t0_ns)
        self.counters = Counters()
        self.video_muted: set[str] = set()
        self._frame_error = ""
        self.position_s = 0.0  # the encoder's time line, at the current tick
        self.meter_interval_s = METER_INTERVAL_S
        stills = {src.name: drawn_kind(src).still(src, spec.canvas) for src in spec.sources if src.has(Cap.DRAWN)}
        # Attached last: nothing above can fail with a ring left open.
        self.rings = {name: FrameRing.attach(shm) for name, shm in spec.rings.items()}
        self.compositor = Compositor(spec.canvas.width, spec.canvas.height, self.converter, spec.scenes,
                                     spec.program, {n: RingLayer(r) for n, r in self.rings.items()}, stills,
                                     {s.name: s for s in spec.sources}, spec.transition)

    def _fan_out(self, kind: int, packets: list[Any]) -> None:
        for p in packets:
            ep = EncodedPacket.from_av(kind, p)
            for o in self.outputs.values():
                o.put(ep)

    def _fan_out_audio(self, packets: list[tuple[int, Any]]) -> None:
        for kind, p in packets:
            self._fan_out(kind, [p])

    def _audio_codecs_taken(self) -> None:
        """Opus is encoded beside AAC only while a running output takes it."""
        self.audio.want_opus(any(OPUS in o.takes for o in self.outputs.values()))

    # -- commands from the engine (its command bus), applied between two ticks ---------------
    def start_outputs(self, names: list[str], urls: dict[str, str] | None = None,
                      changed: dict[str, dict[str, Any]] | None = None) -> None:
        """``urls``: push URLs handed out for this start by the user's API (ingest);
        ``changed``: settings the engine changed since it started."""
        for name in names:
            if name in self.outputs:
                continue
            if name in self.closing:
                raise RigcastError(f'output "{name}" is still stopping; try again in a moment')
            cfg = self.output_cfgs[name]
            if changed and name in changed:
                cfg = cfg.replace(**changed[name])
                for part in url_secret_parts(getattr(cfg.settings, "url", None) or ""):
                    remember_secret(part)
            if urls and name in urls:
                for part in url_secret_parts(urls[name]):
                    remember_secret(part)
                cfg = cfg.replace(url=urls[name])
            if cfg.has(Cap.STREAM) and not cfg.url:
                raise RigcastError(f'output "{name}" has no URL; set url, or let the [link] API supply one')
            if self.drained:
                self._reopen_video_encoder()
            o = create_output(cfg, self.templates, self.keyframe_wanted)
            o.not_before_s = self.position_s
            self.outputs[name] = o
            self._audio_codecs_taken()
            o.start()

    def stop_outputs(self, names: list[str], done: Callable[[], None]) -> None:
        stopping = [self.outputs.pop(n) for n in names if n in self.outputs]
        for o in stopping:
            self.closing[o.name] = o
        self._audio_codecs_taken()
        if stopping and not self.outputs:
            self._drain_into(stopping)

        def close_all() -> None:
            for o in stopping:
                o.stop()
                self.closing.pop(o.name, None)
            done()

        threading.Thread(target=close_all, name="outputs-stop", daemon=True).start()

    def _drain_into(self, last: list[Output]) -> None:
        """The last outputs are stopping and the encoder goes idle: the frames its lookahead
        still holds (x264 veryfast: 10, a third of a second) end those recordings and streams
        instead of being dropped. The drained encoder is reopened at the next start."""
        try:
            packets = self.vstream.codec_context.encode(None)
        except av.FFmpegError as e:
            log.warning("draining the video encoder: %s", e)
            packets = []
        self.drained = True
        for p in packets:
            ep = EncodedPacket.from_av(VIDEO, p)
            for o in last:
                o.put(ep)

    def _reopen_video_encoder(self) -> None:
        """A fresh encoder, the same settings, after a drain (an encoder at its end of stream
        takes no more frames). Outputs opened from now on copy its parameters."""
        holder = av.open("rigcast-template", "w", format="null")
        vstream = add_video_stream(holder, self.encoder_name, self.settings)
        holder.start_encoding()
        if self.video_holder is not None:
            self.video_holder.close()
        self.video_holder, self.vstream = holder, vstream
        self.templates = StreamTemplates(vstream, self.audio.stream)
        self.drained = False

    def _profile_requests(self) -> None:
        """An output asks for the shared encode in another profile: switched while it is the
        encode's only user (a fresh encoder from the next frame, every later output opened
        from it), refused with the fix while others use it (their headers are already out)."""
        for o in self.outputs.values():
            if not isinstance(o, QueuedOutput) or not o.profile_wanted:
                continue
            wanted, o.profile_wanted = o.profile_wanted, None
            others = [x.name for x in self.outputs.values() if x is not o]
            if others:
                o.profile_refused = (f"the endpoint takes only H.264 {wanted} and the encode is shared with "
                                     f'{", ".join(others)}; set video.profile = "{wanted}"')
            else:
                self.settings = replace(self.settings, profile=wanted)
                self._reopen_video_encoder()
                o.templates = self.templates
                log.info("video encode switched to H.264 %s for output %s", wanted, o.name)
            o.profile_done.set()

    def handle(self, cmd_id: int, cmd: VideoCommand, events: Any) -> None:
        """Carry out one command between two ticks; the ack carries the state as it now is."""
        def ack(error: str | None = None, rendered: RenderedState | None = None, result: bytes | None = None) -> None:
            events.put(Ack(cmd_id, error is None, error, rendered or self.rendered(), result))

        try:
            if isinstance(cmd, (OutputsStart, OutputsStop)):
                unknown = [n for n in cmd.outputs if n not in self.output_cfgs]
                if unknown:
                    raise RigcastError(f"no output named {', '.join(unknown)}")
            if isinstance(cmd, OutputsStart):
                self.start_outputs(list(cmd.outputs), cmd.urls, cmd.changed)
            elif isinstance(cmd, OutputsStop):
                snapshot = self.rendered()  # read here, between two ticks: the ack comes from the closing thread
                self.stop_outputs(list(cmd.outputs), lambda: ack(rendered=snapshot))
                return
            elif isinstance(cmd, MeterRate):
                self.meter_interval_s = 1 / max(1, min(60, cmd.hz))
            elif isinstance(cmd, TransitionSet):
                self.compositor.transition = TransitionConfig(cmd.kind, cmd.duration_ms)
            elif isinstance(cmd, RecordPause):
                recordings = [o for o in self.outputs.values() if o.cfg.has(Cap.RECORD)]
                if not recordings:
                    raise RigcastError("nothing is recording")
                for o in recordings:
                    o.pause(cmd.paused)
            elif isinstance(cmd, SourceSettings):
                inp = self.mixer.inputs.get(cmd.source.name)
                if inp is not None:  # the mixer reads its sync offset from here each block
                    inp.cfg = cmd.source
                else:
                    self.compositor.redraw(cmd.source, self.spec.canvas)
            elif isinstance(cmd, Screenshot):
                self._screenshot(cmd, ack)
                return
            elif isinstance(cmd, SceneSwitch):
                self.compositor.switch(cmd.scene, now_ns())
            elif isinstance(cmd, ItemChange):
                self.compositor.set_item(cmd.scene, cmd.source, cmd.changes)
            elif isinstance(cmd, TextSet):
                self.compositor.set_text(cmd.source, cmd.text)
            elif isinstance(cmd, ChatPost):
                self.compositor.post_chat(cmd.message)
            elif isinstance(cmd, MuteSet):
                inp = self.mixer.inputs.get(cmd.source)
                if inp is not None:  # a video source has no audio to mute
                    inp.muted = (not inp.muted) if cmd.muted is None else cmd.muted
                else:  # kept so a muted video source shows as muted (media audio is not mixed yet)
                    now = (cmd.source not in self.video_muted) if cmd.muted is None else cmd.muted
                    (self.video_muted.add if now else self.video_muted.discard)(cmd.source)
            elif isinstance(cmd, VolumeSet):
                inp = self.mixer.inputs.get(cmd.source)
                if inp is None:
                    raise RigcastError(f'"{cmd.source}" is not an audio source')
                inp.volume_db = cmd.volume_db
            else:
                raise RigcastError(f"unknown video-process command {type(cmd).__name__}")
        except RigcastError as e:
            ack(str(e))
            return
        except Exception as e:  # a bug: the command fails, the video process goes on
            log.exception("%s failed", type(cmd).__name__)
            ack(f"internal error: {type(e).__name__}: {e}")
            return
        ack()

    def _screenshot(self, cmd: Screenshot, ack: Callable[..., None]) -> None:
        """Scaled here, between two ticks (a copy: the canvas and the rings move on); encoded to
        PNG/JPEG on a thread, so the clock never waits for zlib."""
        frame = self.compositor.picture(cmd.source, now_ns(), cmd.width, cmd.height, cmd.fmt, cmd.scene)
        snapshot = self.rendered()

        def encode() -> None:
            try:
                ack(rendered=snapshot, result=screenshot.encode(frame, cmd.fmt, cmd.quality))
            except Exception as e:  # a picture that can't be made is that request's error only
                log.warning("screenshot: %s", e)
                ack(f"the picture could not be encoded: {e}", snapshot)

        threading.Thread(target=encode, name="screenshot", daemon=True).start()

    def rendered(self) -> RenderedState:
        """What this process renders and mixes, as it is: the engine's only view of it."""
        sources: dict[str, RenderedSource] = {}
        for src in self.spec.sources:
            inp = self.mixer.inputs.get(src.name)
            if inp is not None:
                sources[src.name] = RenderedSource(inp.muted, inp.volume_db)
            else:
                sources[src.name] = RenderedSource(src.name in self.video_muted,
                                                   text=self.compositor.texts.get(src.name))
        for name, inp in self.mixer.inputs.items():
            sources.setdefault(name, RenderedSource(inp.muted, inp.volume_db))
        paused = any(o.paused for o in self.outputs.values() if isinstance(o, QueuedOutput) and o.cfg.has(Cap.RECORD))
        return replace(self.compositor.rendered(sources), paused=paused)

    def _poll_commands(self, commands: Any, events: Any) -> None:
        while True:
            try:
                cmd = commands.get_nowait()
            except queue.Empty:
                return
            self.handle(cmd[0], cmd[1], events)

    def output_statuses(self) -> tuple[OutputStatus, ...]:
        rows = []
        for name, cfg in self.output_cfgs.items():
            if name in self.outputs:
                rows.append(self.outputs[name].status())
            elif name in self.closing:
                row = self.closing[name].status()
                row.state = OutputState.STOPPING
                rows.append(row)
            else:
                rows.append(idle_status(cfg))
        return tuple(rows)

    def _frame_for_tick(self) -> Any:
        t = now_ns()
        try:
            frame, new = self.compositor.frame(t)
        except Exception as e:  # never a dead clock: the last good frame goes out again
            why = f"{type(e).__name__}: {e}"
            if why != self._frame_error:
                log.exception("making the frame failed (%s); repeating the last one", why)
                self._frame_error = why
            self.compositor.layout_version += 1  # try afresh next tick
            return self.compositor.last_frame()
        if new:
            self.counters.convert_ns += now_ns() - t
            self.counters.converted += 1
        return frame

    def _source_states(self) -> tuple[SourceRow, ...]:
        rows = []
        for src in self.spec.sources:
            ring = self.rings.get(src.name)
            state = (ring.state if ring is not None
                     else SourceState.ERROR if self.compositor.failed(src.name) else SourceState.LIVE)
            rows.append(SourceRow(src.name, state, self.compositor.size_of(src.name)))
        rows += [SourceRow(name, state) for name, state in self.mixer.states().items()]
        return tuple(rows)

    def stats(self, started: float) -> VideoStats:
        c = self.counters
        comp = self.compositor
        primary = comp.primary()
        cap_ns, caps = primary.ring.capture_stats() if primary else (0, 0)
        frames = max(1, c.frames)
        sources = self._source_states()
        lead = next((s for s in sources if primary is not None and self.rings.get(s.name) is primary.ring),
                    sources[0] if sources else SourceRow("-", "-"))
        return VideoStats(
            uptime_s=round(time.monotonic() - started, 1),
            fps=c.window.get("fps", 0),
            frames=c.frames,
            repeated=primary.repeated if primary else 0,
            skipped=primary.skipped if primary else 0,
            lagged=c.lagged,
            encoder=self.encoder_name,
            encode_ms=round(c.encode_ns / frames / 1e6, 2),
            convert_ms=round(c.convert_ns / max(1, c.converted) / 1e6, 2),
            compose_ms=round(comp.compose_ns / max(1, comp.composed) / 1e6, 2),
            capture_ms=round(cap_ns / max(1, caps) / 1e6, 2),
            budget_ms=round(1000 / self.spec.video.fps, 2),
            source=lead,
            sources=sources,
            audio=self.mixer.stats(),
            program_scene=comp.program,
            outputs=self.output_statuses(),
        )

    def run(self, stop: Event, events: Any, commands: Any) -> None:
        parent = ParentWatch(self.spec.parent_pid)
        fps, t0 = self.spec.video.fps, self.spec.t0_ns
        n0 = n = tick_at(t0, now_ns(), fps) + 1
        t_start = tick_ns(t0, n0, fps)
        # A video frame shows what was captured half a frame before its tick; audio is lined
        # up with that instant, not with the tick.
        self.mixer.t_start_ns = t_start - 500_000_000 // fps
        mix = self.mixer.mix if self.mixer.inputs else None
        # Captured audio is mixed a little behind real time, so every device's block for that
        # moment has arrived; its timestamps still say when it was heard.
        audio_delay = AUDIO_DELAY_NS if mix else 0
        started = time.monotonic()
        self.start_outputs(self.spec.start_outputs)
        next_stats, frames_at_stats = started + 1.0, 0
        next_meter = started + self.meter_interval_s
        max_lag = max(2, fps // 2)
        c = self.counters
        events.put(Ready(self.encoder_note, str(self.spec.canvas), self.rendered()))
        while not stop.is_set():
            sleep_until_ns(tick_ns(t0, n, fps))
            behind = tick_at(t0, now_ns(), fps) - n
            if behind > max_lag:
                c.lagged += behind
                n += behind
            try:
                self._poll_commands(commands, events)
            except Exception:  # a bug in one command: logged, the clock goes on
                log.exception("a command failed in the video process")
            self._profile_requests()
            self.position_s = (n - n0) / fps
            # Idle (nothing live, nothing recording): no conversion, no encode — the sources
            # keep running for their state and the meters, at a fraction of the cost.
            encoding = bool(self.outputs)
            if encoding:
                self._encode_tick(n - n0)
            self._fan_out_audio(self.audio.encode_until(tick_ns(t0, n, fps) - t_start - audio_delay, encoding,
                                                        self.meter, mix))
            n += 1
            now = time.monotonic()
            if now >= next_meter:
                next_meter = max(next_meter + self.meter_interval_s, now)
                _offer(events, Meter(self.meter.take(), self.mixer.meters()))
            if now >= next_stats:
                c.window["fps"] = c.frames - frames_at_stats if encoding else 0
                frames_at_stats = c.frames
                next_stats += 1.0
                _offer(events, self.stats(started))
                if parent.gone():
                    log.warning("supervisor is gone; stopping")
                    break
        self.finish()
        events.put(Final(self.stats(started)))
        self.compositor.close()
        for ring in self.rings.values():
            ring.close()
        for aring in self.audio_rings.values():
            aring.close()

    def _encode_tick(self, pts: int) -> None:
        c = self.counters
        frame = self._frame_for_tick()
        frame.pts = pts
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

    def finish(self) -> None:
        try:
            if not self.drained:
                self._fan_out(VIDEO, self.vstream.codec_context.encode(None))
            self._fan_out_audio(self.audio.flush())
        except av.FFmpegError as e:
            log.warning("flushing encoders: %s", e)
        for o in list(self.outputs.values()) + list(self.closing.values()):
            o.stop()


def _offer(events: Any, msg: Meter | VideoStats) -> None:
    """Stats and meters are superseded by the next ones: never block the clock for them."""
    try:
        events.put_nowait(msg)
    except queue.Full:
        pass


def run_pipeline(spec: PipelineSpec, stop: Event, events: Any, commands: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides when we stop
    setup_logging(spec.log_level, "video", events)
    # This process was spawned: what the engine's config check remembered to mask is not here.
    # A server's error or a library's exception that quotes the key is masked here too.
    for o in spec.outputs:
        for part in url_secret_parts(o.url or ""):
            remember_secret(part)
    try:
        pipeline = Pipeline(spec)
    except RigcastError as e:
        events.put(Fatal(str(e)))
        return
    except Exception as e:  # a bug: still one line for the user, the traceback in the log
        log.exception("the video process could not start")
        events.put(Fatal(f"internal error in the video process: {type(e).__name__}: {e}"))
        return
    pipeline.run(stop, events, commands)
