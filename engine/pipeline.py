"""The video process: the canvas clock, one composited canvas, its encodes, every output fed.

At tick ``n`` (``t0 + n/fps`` on the shared monotonic clock) it takes the newest frame from
the ring. No new frame since the last tick → the last converted frame is encoded again
("repeated"); several new frames → the ones in between were never shown ("skipped"). If the
process itself falls more than half a second behind (the box is overloaded), it jumps ahead
and counts the ticks it dropped as "lagged" rather than drifting ever later. Audio is encoded
up to the same instant, so both tracks share one time line. Outputs with equal video settings
share one encode; one with settings of its own gets its own from the same canvas
(engine/encode/video_encode.py).
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.synchronize import Event
from typing import Any

import av

from rigcast.config.kinds import Cap, url_secret_parts
from rigcast.config.kinds.congestion import Congestion
from rigcast.config.kinds.tracks import output_tracks
from rigcast.config.model import OutputConfig, TransitionConfig, VideoConfig
from rigcast.config.secrets import remember_parts
from rigcast.engine.audio.mixer import AudioInput, Mixer
from rigcast.engine.audio.ring import AudioRing
from rigcast.engine.capture.base import drawn_kind
from rigcast.engine.clock import now_ns, sleep_until_ns, tick_at, tick_ns
from rigcast.engine.compose import screenshot
from rigcast.engine.compose.compositor import Compositor, RingLayer
from rigcast.engine.encode.audio import AudioTracks
from rigcast.engine.encode.convert import Converter
from rigcast.engine.encode.meter import LevelMeter
from rigcast.engine.encode.video import VideoSettings
from rigcast.engine.encode.video_encode import VideoEncode
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing
from rigcast.engine.logsetup import setup_logging
from rigcast.engine.output.base import Output, QueuedOutput, create_output, idle_status
from rigcast.engine.output.packets import EncodedPacket
from rigcast.engine.output.replay import ReplayOutput
from rigcast.engine.output.upstream import Upstream
from rigcast.engine.proc import ParentWatch
from rigcast.engine.spec import PipelineSpec
from rigcast.engine.vocab import (
    CaptionSend,
    ChatPost,
    ItemChange,
    MeterRate,
    MuteSet,
    OutputsStart,
    OutputsStop,
    OutputState,
    PreviewSet,
    RecordChapter,
    RecordPause,
    RecordSplit,
    RenderedSource,
    RenderedState,
    ReplaySave,
    SceneSwitch,
    Screenshot,
    SourceSettings,
    SourceState,
    TextSet,
    TransitionSet,
    VideoCommand,
    VolumeSet,
)
from rigcast.engine.vocab.reports import Ack, Fatal, Final, Meter, OutputStatus, Ready, SourceRow, VideoStats
from rigcast.engine.winconsole import handle, ignore_keys, install

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
        # The encoders live as streams of template containers that write nowhere; every
        # output container copies their parameters (SPS/PPS, AAC config) from them.
        self.template = av.open("rigcast-template", "w", format="null")
        # One AAC encoder per audio track some output takes (config/kinds/tracks.py), made now:
        # their template streams must exist before the template starts encoding.
        self.audio = AudioTracks(self.template, {t for o in spec.outputs for t in output_tracks(o.settings)},
                                 spec.audio.sample_rate, spec.audio.bitrate_kbps)
        self.template.start_encoding()
        self.output_cfgs = {o.name: o for o in spec.outputs}
        # One encode per distinct video setting; the canvas's own first (it sets the canvas's
        # pixel format). Outputs without a ``video`` table of their own share it, and it adapts
        # when any of them does (a recording on it follows the stream, like OBS's "same as
        # stream"). One with a table gets the encode its settings make: a recording's never
        # adapts, so ``video = {}`` keeps a recording at full quality while the stream adapts.
        self.encodes: dict[tuple[Any, ...], VideoEncode] = {}
        self.canvas_cfgs = {c.name: c for c in spec.canvases}
        shared = [o for o in spec.outputs if getattr(o.settings, "video", None) is None and not o.canvas]
        self.main = self._encode_for(v, adaptive=any(_adaptive(o) for o in shared))
        # A replay buffer keeps full quality: with no table of its own it takes [video]'s
        # settings on an encode that never adapts (the canvas's own when nothing on it adapts).
        # An output on another canvas ([[canvases]], canvas = NAME) is encoded from that canvas,
        # at its size and rate unless its own ``video`` table says otherwise.
        self.encode_of: dict[str, VideoEncode] = {}
        for o in spec.outputs:
            base = self._canvas_video(o.canvas)
            self.encode_of[o.name] = (
                self._encode_for(v, adaptive=False) if o.has(Cap.REPLAY) and o in shared
                else self.main if o in shared else self._encode_for(o.video_config(base), _adaptive(o), o.canvas))
        self.encoder_note = self.main.note
        log.info("%s", self.encoder_note)
        for enc in self.encodes.values():
            if enc is not self.main:
                log.info("own encode %s: %s", enc.describe(), enc.note)
        self.converter = Converter(spec.canvas.width, spec.canvas.height, self.main.pix_fmt, v.scaler)
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
        sizes = {"": spec.canvas} | {c.name: c.size for c in spec.canvases}
        # Drawn sources at each canvas's size; another canvas draws only those its scenes show.
        shown = {c.name: {it.source for sc in spec.scenes if sc.canvas == c.name for it in sc.items}
                 for c in spec.canvases}
        stills: dict[str, dict[str, Any]] = {name: {} for name in sizes}
        undrawn: dict[str, dict[str, Exception]] = {name: {} for name in sizes}
        for name, size in sizes.items():
            for src in spec.sources:
                if src.has(Cap.DRAWN) and (not name or src.name in shown[name]):
                    try:
                        stills[name][src.name] = drawn_kind(src).still(src, size)
                    except Exception as e:  # a drawn kind's bug (a plugin's): that source shows error
                        undrawn[name][src.name] = e
        # Attached last: nothing above can fail with a ring left open.
        self.rings = {name: FrameRing.attach(shm) for name, shm in spec.rings.items()}
        main_scenes = [sc for sc in spec.scenes if not sc.canvas]
        self.compositor = Compositor(spec.canvas.width, spec.canvas.height, self.converter, main_scenes,
                                     spec.program, {n: RingLayer(r) for n, r in self.rings.items()}, stills[""],
                                     {s.name: s for s in spec.sources}, spec.transition)
        # Each canvas composes its own scenes from the same rings (a source on both is captured
        # once), on the one clock, into a frame in the pixel format of its first encode.
        self.compositors: dict[str, Compositor] = {"": self.compositor}
        for c in spec.canvases:
            scenes = [sc for sc in spec.scenes if sc.canvas == c.name]
            fmt = next((e.pix_fmt for e in self.encodes.values() if e.canvas == c.name), "yuv420p")
            conv = Converter(c.size.width, c.size.height, fmt, v.scaler)
            self.compositors[c.name] = Compositor(c.size.width, c.size.height, conv, scenes, scenes[0].name,
                                                  {n: RingLayer(r) for n, r in self.rings.items()}, stills[c.name],
                                                  {s.name: s for s in spec.sources}, spec.transition)
        for name, failures in undrawn.items():
            for source, error in failures.items():
                self.compositors[name].fail(source, error)
        self._dispatch, self._dispatch_later = self._handlers(), self._later()

    def _canvas_video(self, canvas: str) -> VideoConfig:
        """[video] as a canvas makes it: its size and rate ([video] itself for the main one)."""
        v = self.spec.video
        if not canvas:
            return v
        c = self.canvas_cfgs[canvas]
        return replace(v, size=c.size, fps=c.fps or v.fps)

    def _encode_for(self, v: VideoConfig, adaptive: bool, canvas: str = "") -> VideoEncode:
        """The encode that makes ``v`` from ``canvas`` (shared by every output whose settings
        come out equal)."""
        size = v.size or (self.canvas_cfgs[canvas].size if canvas else self.spec.canvas)
        settings = VideoSettings(size.width, size.height, v.fps, v.bitrate_kbps, v.keyint_s, v.preset, v.profile,
                                 v.bframes, adaptive)
        key = (settings, v.codec, v.encoder, canvas)
        if key not in self.encodes:
            enc = VideoEncode(settings, v.codec, v.encoder, self.spec.video.fps // v.fps, v.scaler,
                              self.audio.streams, self.spec.audio.bitrate_kbps)
            enc.canvas = canvas
            self.encodes[key] = enc
        return self.encodes[key]

    def _fan_out_audio(self, packets: list[tuple[int, Any]]) -> None:
        """The audio encoders' packets (AAC, and Opus while taken) to every running output: one
        mix for all (video fans out per encode, in _encode_tick)."""
        for kind, p in packets:
            ep = EncodedPacket.from_av(kind, p)
            for o in self.outputs.values():
                o.put(ep)

    def _audio_codecs_taken(self) -> None:
        """Each track is encoded (in AAC, and in Opus beside it) only while a running output takes it."""
        self.audio.take(frozenset().union(*(o.takes for o in self.outputs.values())))

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
                remember_parts(url_secret_parts(getattr(cfg.settings, "url", None) or ""))
            if urls and name in urls:
                remember_parts(url_secret_parts(urls[name]))
                cfg = cfg.replace(url=urls[name])
            if cfg.has(Cap.STREAM) and not cfg.url:
                raise RigcastError(f'output "{name}" has no URL; set url, or let the [link] API supply one')
            enc = self.encode_of[name]
            if enc.drained:
                enc.reopen()
            o = create_output(cfg, enc.templates, Upstream(enc.keyframe_wanted))
            o.not_before_s = self.position_s
            o.encode = enc.facts
            self.outputs[name] = enc.outputs[name] = o
            self._audio_codecs_taken()
            o.start()

    def stop_outputs(self, names: list[str], done: Callable[[], None]) -> None:
        stopping = [self.outputs.pop(n) for n in names if n in self.outputs]
        for o in stopping:
            self.closing[o.name] = o
            del self.encode_of[o.name].outputs[o.name]
        self._audio_codecs_taken()
        for enc in {id(self.encode_of[o.name]): self.encode_of[o.name] for o in stopping}.values():
            if not enc.outputs:  # its last outputs stop: what its lookahead holds ends them
                ending = [o for o in stopping if self.encode_of[o.name] is enc]
                for ep in enc.drain():
                    for o in ending:
                        o.put(ep)

        def close_all() -> None:
            for o in stopping:
                o.stop()
                self.closing.pop(o.name, None)
            done()

        threading.Thread(target=close_all, name="outputs-stop", daemon=True).start()

    def _profile_requests(self) -> None:
        """An output asks for the shared encode in another profile: switched while it is the
        encode's only user (a fresh encoder from the next frame, every later output opened
        from it), refused with the fix while others use it (their headers are already out)."""
        for o in self.outputs.values():
            wanted = o.upstream.profile_asked()
            if wanted is None:
                continue
            enc = self.encode_of[o.name]
            others = [x.name for x in enc.outputs.values() if x is not o]
            if others:
                o.upstream.answer_profile(f"the endpoint takes only H.264 {wanted} and the encode is shared with "
                                          f'{", ".join(others)}; set video.profile = "{wanted}"')
                continue
            enc.reopen(profile=wanted)
            if isinstance(o, QueuedOutput):
                o.templates = enc.templates
            log.info("video encode switched to H.264 %s for output %s", wanted, o.name)
            o.upstream.answer_profile(None)

    def _handlers(self) -> dict[type, Callable[[Any], None]]:
        """What each video-process command does, by its type: the compositor's own (scenes,
        items, text, transitions, chat) beside those for the outputs and the mixer held here.
        Acked as soon as they return."""
        return self.compositor.handlers(now_ns) | self._canvas_handlers() | {
            OutputsStart: lambda c: self.start_outputs(list(self._known(c.outputs)), c.urls, c.changed),
            MeterRate: lambda c: setattr(self, "meter_interval_s", 1 / max(1, min(60, c.hz))),
            RecordPause: self._pause,
            CaptionSend: self._caption,
            SourceSettings: self._source_settings,
            MuteSet: self._mute,
            VolumeSet: self._volume,
        }

    def _canvas_of(self, scene: str) -> Compositor:
        """The compositor whose canvas holds ``scene`` (scene names are unique across canvases)."""
        for comp in self.compositors.values():
            if any(sc.name == scene for sc in comp.scenes):
                return comp
        raise RigcastError(f'no scene named "{scene}"')

    def _canvas_handlers(self) -> dict[type, Callable[[Any], None]]:
        """Commands that name a scene go to its canvas; those for every picture go to each."""
        if len(self.compositors) == 1:
            return {}

        def text(c: TextSet) -> None:
            shown = [comp for comp in self.compositors.values() if c.source in comp.stills]
            if not shown:
                self.compositor.set_text(c.source, c.text)  # its error
            for comp in shown:
                comp.set_text(c.source, c.text)

        def preview(c: PreviewSet) -> None:
            if self._canvas_of(c.scene) is not self.compositor:
                raise RigcastError(f'"{c.scene}" is on canvas "{self._scene_canvas(c.scene)}"; studio mode\'s '
                                   "preview is the main canvas's")
            self.compositor.set_preview(c.scene)

        def transition(c: TransitionSet) -> None:
            for comp in self.compositors.values():
                comp.transition = TransitionConfig(c.kind, c.duration_ms)

        def chat(c: ChatPost) -> None:
            for comp in self.compositors.values():
                comp.post_chat(c.message)

        return {
            SceneSwitch: lambda c: self._canvas_of(c.scene).switch(c.scene, now_ns()),
            ItemChange: lambda c: self._canvas_of(c.scene).set_item(c.scene, c.source, c.changes),
            PreviewSet: preview,
            TransitionSet: transition,
            TextSet: text,
            ChatPost: chat,
        }

    def _scene_canvas(self, scene: str) -> str:
        return next((sc.canvas for sc in self.spec.scenes if sc.name == scene), "")

    def _later(self) -> dict[type, Callable[[Any, Callable[..., None]], None]]:
        """Commands whose work ends off this thread: each acks when it is done."""
        return {
            OutputsStop: lambda c, ack: self._stop(c, ack),
            Screenshot: self._screenshot,
            RecordChapter: self._chapter,
            RecordSplit: self._split,
            ReplaySave: lambda _c, ack: self._save_replay(ack),
        }

    def handle(self, cmd_id: int, cmd: VideoCommand, events: Any) -> None:
        """Carry out one command between two ticks; the ack carries the state as it now is."""
        def ack(error: str | None = None, rendered: RenderedState | None = None, result: bytes | None = None) -> None:
            events.put(Ack(cmd_id, error is None, error, rendered or self.rendered(), result))

        try:
            later = self._dispatch_later.get(type(cmd))
            if later is not None:
                later(cmd, ack)
                return
            now = self._dispatch.get(type(cmd))
            if now is None:
                raise RigcastError(f"unknown video-process command {type(cmd).__name__}")
            now(cmd)
        except RigcastError as e:
            ack(str(e))
            return
        except Exception as e:  # a bug: the command fails, the video process goes on
            log.exception("%s failed", type(cmd).__name__)
            ack(f"internal error: {type(e).__name__}: {e}")
            return
        ack()

    def _known(self, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [n for n in names if n not in self.output_cfgs]
        if unknown:
            raise RigcastError(f"no output named {', '.join(unknown)}")
        return names

    def _stop(self, cmd: OutputsStop, ack: Callable[..., None]) -> None:
        snapshot = self.rendered()  # read here, between two ticks: the ack comes from the closing thread
        self.stop_outputs(list(self._known(cmd.outputs)), lambda: ack(rendered=snapshot))

    def _chapter(self, cmd: RecordChapter, ack: Callable[..., None]) -> None:
        """A chapter mark at this tick in every running recording that holds chapters; its title."""
        recordings = [o for o in self.outputs.values() if o.cfg.has(Cap.RECORD)]
        if not recordings:
            raise RigcastError("nothing is recording; start a recording first")
        titles = [t for o in recordings if (t := o.add_chapter(cmd.title, self.position_s)) is not None]
        if not titles:
            raise RigcastError("chapters go into .mkv recordings (rigcast's .mp4 is fragmented, with no index to "
                               "hold them; .flv and .ts have none): record to a .mkv file")
        ack(result=titles[0].encode())

    def _split(self, _cmd: RecordSplit, ack: Callable[..., None]) -> None:
        """Every running recording goes on in its next file from the next keyframe; their paths."""
        paths = [p for o in self.outputs.values() if o.cfg.has(Cap.RECORD) and (p := o.request_split()) is not None]
        if not paths:
            raise RigcastError("nothing is recording; start a recording first")
        ack(result="\n".join(paths).encode())

    def _caption(self, cmd: CaptionSend) -> None:
        """The caption into every running H.264 encode, from each one's next picture."""
        encodes = [e for e in self.encodes.values() if e.outputs and e.codec == "h264"]
        if not encodes:
            running = any(e.outputs for e in self.encodes.values())
            raise RigcastError("captions go into an H.264 stream (CEA-608 in its SEI); the running encodes are "
                               "HEVC or AV1" if running else "nothing is being encoded; go live first")
        for e in encodes:
            e.captions.schedule(cmd.text, e.next_pts)

    def _pause(self, cmd: RecordPause) -> None:
        recordings = [o for o in self.outputs.values() if o.cfg.has(Cap.RECORD)]
        if not recordings:
            raise RigcastError("nothing is recording")
        for o in recordings:
            o.pause(cmd.paused)

    def _source_settings(self, cmd: SourceSettings) -> None:
        inp = self.mixer.inputs.get(cmd.source.name)
        if inp is not None:  # the mixer reads its sync offset from here each block
            inp.cfg = cmd.source
        else:
            sizes = {"": self.spec.canvas} | {c.name: c.size for c in self.spec.canvases}
            drawn = [name for name, comp in self.compositors.items() if cmd.source.name in comp.stills]
            for name in drawn or [""]:  # each canvas draws it at its own size ("": the main one's error)
                self.compositors[name].redraw(cmd.source, sizes[name])

    def _mute(self, cmd: MuteSet) -> None:
        inp = self.mixer.inputs.get(cmd.source)
        if inp is not None:  # a video source has no audio to mute
            inp.muted = (not inp.muted) if cmd.muted is None else cmd.muted
        else:  # kept so a muted video source shows as muted
            now = (cmd.source not in self.video_muted) if cmd.muted is None else cmd.muted
            (self.video_muted.add if now else self.video_muted.discard)(cmd.source)

    def _volume(self, cmd: VolumeSet) -> None:
        inp = self.mixer.inputs.get(cmd.source)
        if inp is None:
            raise RigcastError(f'"{cmd.source}" is not an audio source')
        inp.volume_db = cmd.volume_db

    def _save_replay(self, ack: Callable[..., None]) -> None:
        """Asked here, between two ticks, at this tick's time; written by the buffer's own
        threads, which ack with the file's path (engine/output/replay.py)."""
        buffers = [o for o in self.outputs.values() if isinstance(o, ReplayOutput)]
        if not buffers:
            raise RigcastError("the replay buffer is not running; start it (rigcast ctl replay start)")
        snapshot = self.rendered()

        def saved(path: str | None, error: str | None) -> None:
            ack(error, snapshot, path.encode() if path else None)

        buffers[0].save(self.position_s, saved)

    def _screenshot(self, cmd: Screenshot, ack: Callable[..., None]) -> None:
        """Scaled here, between two ticks (a copy: the canvas and the rings move on); encoded to
        PNG/JPEG on a thread, so the clock never waits for zlib."""
        comp = self._canvas_of(cmd.scene) if cmd.scene else self.compositor  # a scene's picture is its canvas's
        frame = comp.picture(cmd.source, now_ns(), cmd.width, cmd.height, cmd.fmt, cmd.scene)
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
        main = self.compositor.rendered(sources)
        if len(self.compositors) == 1:
            return replace(main, paused=paused)
        extra = [(name, comp) for name, comp in self.compositors.items() if name]
        scenes = main.scenes + tuple(replace(sc, canvas=name) for name, comp in extra
                                     for sc in comp.rendered(sources).scenes)
        return replace(main, paused=paused, scenes=scenes, programs=tuple((name, comp.program) for name, comp in extra))

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
                row = self.outputs[name].status()
                enc = self.encode_of[name]
                row.bitrate_kbps = enc.kbps  # what the encode it takes makes now
                if enc is not self.main:
                    row.encode = enc.describe()
                rows.append(row)
            elif name in self.closing:
                row = self.closing[name].status()
                row.state = OutputState.STOPPING
                rows.append(row)
            else:
                rows.append(idle_status(cfg))
        return tuple(rows)

    def _frame_for_tick(self, canvas: str = "") -> Any:
        t = now_ns()
        comp = self.compositors[canvas]
        try:
            frame, new = comp.frame(t)
        except Exception as e:  # never a dead clock: the last good frame goes out again
            why = f"{type(e).__name__}: {e}"
            if why != self._frame_error:
                log.exception("making the frame failed (%s); repeating the last one", why)
                self._frame_error = why
            comp.layout_version += 1  # try afresh next tick
            return comp.last_frame()
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
        shown = {r.name for r in rows}  # a media file's sound is its picture's row
        rows += [SourceRow(name, state) for name, state in self.mixer.states().items() if name not in shown]
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
            encoder=self.main.name,
            encode_ms=round(sum(e.encode_ns for e in self.encodes.values()) / frames / 1e6, 2),
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
            for enc in self.encodes.values():
                enc.adapt_bitrate()
            self.position_s = (n - n0) / fps
            # Idle (nothing live, nothing recording): no conversion, no encode — the sources
            # keep running for their state and the meters, at a fraction of the cost.
            encoding = bool(self.outputs)
            if encoding:
                self._encode_tick(n - n0)
            if self.mixer.plays_files:
                self.mixer.on_air(self._on_air())
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
        for comp in self.compositors.values():
            comp.close()
        for ring in self.rings.values():
            ring.close()
        for aring in self.audio_rings.values():
            aring.close()

    def _on_air(self) -> set[str]:
        """The sources some canvas's program shows: a file's sound is heard only while its
        picture is on air, as in OBS."""
        return {it.source for comp in self.compositors.values() for it in comp.program_scene().items if it.visible}

    def _encode_tick(self, tick: int) -> None:
        """The canvas made once; each encode that takes this tick encodes it for its outputs."""
        c = self.counters
        frames: dict[str, Any] = {}
        for enc in self.encodes.values():
            if enc.takes(tick):
                frame = frames.get(enc.canvas)
                if frame is None:  # each canvas made once a tick, and only when an encode takes it
                    frame = frames[enc.canvas] = self._frame_for_tick(enc.canvas)
                for ep in enc.encode(frame, tick):
                    for o in enc.outputs.values():
                        o.put(ep)
        c.frames += 1

    def finish(self) -> None:
        try:
            for enc in self.encodes.values():
                if enc.outputs and not enc.drained:
                    for ep in enc.drain():
                        for o in enc.outputs.values():
                            o.put(ep)
            self._fan_out_audio(self.audio.flush())
        except av.FFmpegError as e:
            log.warning("flushing encoders: %s", e)
        for o in list(self.outputs.values()) + list(self.closing.values()):
            o.stop()


def _adaptive(o: OutputConfig) -> bool:
    """An output that may lower its encode's bitrate while open (engine/output/adaptive.py)."""
    return isinstance(o.settings, Congestion) and o.settings.adaptive


def _offer(events: Any, msg: Meter | VideoStats) -> None:
    """Stats and meters are superseded by the next ones: never block the clock for them."""
    try:
        events.put_nowait(msg)
    except queue.Full:
        pass


def run_pipeline(spec: PipelineSpec, stop: Event, events: Any, commands: Any) -> None:
    ignore_keys()  # Ctrl+C / Ctrl+Break reach the whole group: the supervisor decides when we stop
    done = threading.Event()  # set once the pipeline has stopped: recordings muxed and closed
    # The console closing: stop here too, and hold Windows off until the recordings are closed.
    install(functools.partial(handle, stop=stop.set, wait_done=done.wait, keys_stop=False))
    setup_logging(spec.log_level, "video", events)
    # This process was spawned: what the engine's config check remembered to mask is not here.
    # A server's error or a library's exception that quotes the key is masked here too.
    for o in spec.outputs:
        remember_parts(url_secret_parts(o.url or ""))
    try:
        pipeline = Pipeline(spec)
    except RigcastError as e:
        events.put(Fatal(str(e)))
        return
    except Exception as e:  # a bug: still one line for the user, the traceback in the log
        log.exception("the video process could not start")
        events.put(Fatal(f"internal error in the video process: {type(e).__name__}: {e}"))
        return
    try:
        pipeline.run(stop, events, commands)
    finally:
        done.set()
