"""A video file as a source, looped: decoded with PyAV in its own worker process, sound and all.

The worker shows, at each canvas tick, the file's frame for the time elapsed since the source
started (frames between two ticks are skipped, a tick between two frames repeats), so a 24 fps
clip plays at its own speed on a 60 fps canvas. At the end it seeks back to the start and keeps
its timeline running, so the loop has no gap. Frames are converted to BGRA by swscale and copied
once into the ring.

The file's sound, when it has some and the engine hands a sample ring (engine/audio/ring.py),
is decoded from the same demuxed packets, resampled to the track's rate by swresample, and
written where the picture's clock puts it: file time ``t`` is heard at ``start + t`` (the same
instant its frame is shown), so picture and sound stay in sync by construction, across loops
too (each loop's sound starts where that loop's pictures do: a longer sound track is cut, a
shorter one padded with silence).

It takes actions while it runs (engine/capture/base.py ControlledSource): pause holds the last
frame and takes the sound off the mix (its sample ring says ``hidden``, which the mixer skips)
and play goes on from there, shifting the clock by the pause; a seek (restart, stop, a cursor
set or moved) opens the file at the keyframe before the target and shows the target's frame at
once, its sound rebased so the next sample lands where the clock now is.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rigcast.config.model import Size, SourceConfig
from rigcast.engine.capture.base import SourceProbe
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing, SourceState
from rigcast.engine.vocab.reports import MediaStatus
from rigcast.engine.vocab.states import MediaAction, MediaState
from rigcast.engine.vocab.video import MediaControl

if TYPE_CHECKING:
    from rigcast.engine.audio.ring import AudioRing

log = logging.getLogger("rigcast.capture.media")

SLACK = 240  # samples (5 ms at 48 kHz) the sound may sit off its place before it is moved there


def _open(cfg: SourceConfig) -> tuple[Any, Any, Any]:
    import av

    try:
        container = av.open(str(cfg.settings.path))
    except (OSError, av.FFmpegError) as e:
        raise RigcastError(f'source "{cfg.name}": cannot open {cfg.settings.path}: {e}') from None
    if not container.streams.video:
        container.close()
        raise RigcastError(f'source "{cfg.name}": {cfg.settings.path} has no video stream')
    audio = container.streams.audio[0] if container.streams.audio else None
    return container, container.streams.video[0], audio


class MediaSource:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        self.cfg = cfg
        self.ring = ring
        self.container, self.stream, self.audio = _open(cfg)
        d = self.container.duration  # microseconds (AV_TIME_BASE), when the container knows it
        self.duration_ms: int | None = d // 1000 if d else None
        self.state = MediaState.PLAYING
        self.paused_at: int | None = None  # the clock when paused or stopped
        self.last_action, self.last_seq = "", 0
        self.width = min(self.stream.codec_context.width, ring.max_width)
        self.height = min(self.stream.codec_context.height, ring.max_height)
        rate = self.stream.average_rate or self.stream.guessed_rate or 30
        self.frame_s = 1 / float(rate)
        self.frames: Any = self._decode()
        self.first_t: float | None = None
        self.loop_offset = 0.0
        self.last_t = 0.0
        self.start_ns: int | None = None
        self.pending: tuple[Any, float] | None = None
        self.loops = 0
        self.sound: AudioRing | None = None
        self._resampler: Any = None
        self._base = 0  # the ring's sample index at this worker's start (a restarted worker goes on from there)
        self._early: list[Any] = []  # sound decoded before the first picture fixed the time origin
        ring.set_state(SourceState.LIVE)
        log.info("%s: playing %s (%dx%d, %.2f fps, %s, looped)", cfg.name, cfg.settings.path, self.width,
                 self.height, float(rate), "with sound" if self.audio is not None else "no sound")

    def play_sound(self, ring: AudioRing) -> None:
        """Write the file's sound into ``ring`` from now on (engine/capture/base.py SoundSource)."""
        import av

        self.sound = ring
        self._base = ring.written
        self._resampler = av.AudioResampler(format="flt", layout="stereo", rate=ring.rate)
        if self.audio is not None:
            ring.set_state(SourceState.LIVE)
        self.frames = self._decode()  # from the start again, the sound stream demuxed too

    def _decode(self) -> Any:
        """The video frames in file order; sound frames met on the way are written as they come."""
        streams = [self.stream] + ([self.audio] if self.audio is not None and self.sound is not None else [])
        for packet in self.container.demux(streams):
            for frame in packet.decode():
                if packet.stream is self.stream:
                    yield frame
                else:
                    self._hear(frame)

    def _hear(self, frame: Any) -> None:
        if self.first_t is None or self.start_ns is None:
            self._early.append(frame)
            return
        for f in self._early:
            self._write_sound(f)
        self._early.clear()
        self._write_sound(frame)

    def _write_sound(self, frame: Any) -> None:
        """One decoded sound frame into the ring at the sample its time puts it."""
        ring = self.sound
        assert ring is not None and self.first_t is not None and self.start_ns is not None
        t = float(frame.time if frame.time is not None else 0.0) - self.first_t + self.loop_offset
        want = self._base + round(t * ring.rate)
        for out in self._resampler.resample(frame):
            block = out.to_ndarray().reshape(-1, 2)  # packed float: (1, 2n) -> (n, 2), no copy
            gap = want - ring.written
            if gap > SLACK:  # a hole in the file's sound, or a shorter loop: silence up to its place
                import numpy as np

                while gap > 0:
                    n = min(gap, ring.rate)
                    ring.write(np.zeros((n, 2), dtype=np.float32), self._anchor(ring))
                    gap -= n
            elif gap < -SLACK:  # sound running past its place (a longer loop): the overlap is cut
                block = block[min(-gap, len(block)):]
            if len(block):
                ring.write(block, self._anchor(ring))
            want += out.samples

    def _anchor(self, ring: AudioRing) -> int:
        """When the ring's sample 0 was heard: this worker's start less what came before it."""
        assert self.start_ns is not None
        return self.start_ns - self._base * 1_000_000_000 // ring.rate

    def _next(self) -> tuple[Any, float] | None:
        for _ in range(2):
            if self.frames is None:
                # Opened afresh at every loop: a file replaced meanwhile is played (or fails) as it is now.
                self.container, self.stream, self.audio = _open(self.cfg)
                self.frames = self._decode()
            try:
                f = next(self.frames)
            except (StopIteration, EOFError):
                if self.first_t is None:
                    return None  # an empty file
                self._close()
                self.loop_offset += self.last_t + self.frame_s
                self.loops += 1
                continue
            except Exception:
                self._close()  # opened again at the next try
                raise
            t = float(f.time if f.time is not None else 0.0)
            if self.first_t is None:
                self.first_t = t
            self.last_t = t - self.first_t
            return f, self.last_t + self.loop_offset
        return None

    def _close(self) -> None:
        self.frames = None
        try:
            self.container.close()
        except Exception:
            pass

    # -- actions (ControlledSource) --------------------------------------------------------------
    def status(self, now_ns: int) -> MediaStatus:
        return MediaStatus(self.cfg.name, self.state, self._cursor_ms(now_ns), self.duration_ms, now_ns,
                           self.last_action, self.last_seq)

    def control(self, cmd: MediaControl, now_ns: int) -> MediaStatus:
        action = MediaAction(cmd.action)
        if action == MediaAction.TOGGLE:
            action = MediaAction.PAUSE if self.state == MediaState.PLAYING else MediaAction.PLAY
        if action == MediaAction.PAUSE and self.state == MediaState.PLAYING:
            self.paused_at, self.state = now_ns, MediaState.PAUSED
            self._audible(False)
        elif action == MediaAction.PLAY and self.state != MediaState.PLAYING:
            if self.start_ns is not None and self.paused_at is not None:
                self.start_ns += now_ns - self.paused_at  # the clock goes on from where it stopped
                if self.sound is not None:
                    self.sound.set_anchor(self._anchor(self.sound))
            self.paused_at, self.state = None, MediaState.PLAYING
            self._audible(True)
        elif action == MediaAction.RESTART:
            self._seek(0, now_ns, playing=True)
        elif action == MediaAction.STOP:
            self._seek(0, now_ns, playing=False)
            self.state = MediaState.STOPPED
        elif action == MediaAction.SEEK:
            here = self._cursor_ms(now_ns)
            target = cmd.cursor_ms if cmd.cursor_ms is not None else here + (cmd.offset_ms or 0)
            self._seek(target, now_ns, playing=self.state == MediaState.PLAYING)
        self.last_action, self.last_seq = cmd.action, cmd.seq
        log.info("%s: %s (%s at %.1f s)", self.cfg.name, cmd.action, self.state, self._cursor_ms(now_ns) / 1000)
        return self.status(now_ns)

    def _elapsed_s(self, now_ns: int) -> float:
        """The timeline's position (seconds since the file started, loops included)."""
        if self.start_ns is None:
            return 0.0
        at = self.paused_at if self.paused_at is not None else now_ns
        return (at - self.start_ns) / 1e9

    def _cursor_ms(self, now_ns: int) -> int:
        pos = max(0.0, self._elapsed_s(now_ns) - self.loop_offset) * 1000
        return min(round(pos), self.duration_ms) if self.duration_ms else round(pos)

    def _audible(self, on: bool) -> None:
        """The sound in the mix or out of it (a paused file is silent, not stuck on a sample)."""
        if self.sound is not None and self.audio is not None:
            self.sound.set_state(SourceState.LIVE if on else SourceState.HIDDEN)

    def _seek(self, cursor_ms: int, now_ns: int, playing: bool) -> None:
        """Open the file at ``cursor_ms`` (clamped to it), show that frame now, and go on from
        there playing or held."""
        import av

        last = max(0, (self.duration_ms or 0) - 1)
        target = max(0, min(cursor_ms, last) if self.duration_ms else cursor_ms) / 1000
        self._close()
        self.container, self.stream, self.audio = _open(self.cfg)
        if target > 0:
            try:
                self.container.seek(int(target * av.time_base), backward=True, any_frame=False)
            except av.FFmpegError as e:
                raise RigcastError(f'source "{self.cfg.name}": cannot seek to {target:.1f} s: {e}') from None
        self.frames = self._decode()
        self.pending, self.loop_offset = None, 0.0
        self._early.clear()
        self.start_ns = now_ns - int(target * 1e9)
        self.paused_at = None if playing else now_ns
        self.state = MediaState.PLAYING if playing else MediaState.PAUSED
        if self.sound is not None:
            self._resampler = av.AudioResampler(format="flt", layout="stereo", rate=self.sound.rate)
            self._base = self.sound.written - round(target * self.sound.rate)  # the next sample lands now
            self.sound.set_anchor(self._anchor(self.sound))
        self._audible(playing)
        self._show(self.ring, now_ns, target)

    def _newest(self, elapsed: float, at_least_one: bool = False) -> tuple[Any, float] | None:
        """The newest decoded frame due at ``elapsed`` (None: none new), the next one kept
        pending; ``at_least_one``: the first frame even if it is not due yet (a seek's)."""
        shown = None
        while True:
            if self.pending is None:
                self.pending = self._next()
                if self.pending is None:
                    break
            if self.pending[1] > elapsed and (shown is not None or not at_least_one):
                break
            shown, self.pending = self.pending, None
        return shown

    def _show(self, ring: FrameRing, pts_ns: int, elapsed: float) -> None:
        """The frame at ``elapsed`` into the ring now (a seek's picture, even while held)."""
        shown = self._newest(elapsed, at_least_one=True)
        if shown is not None:
            self._publish(ring, shown[0], pts_ns)

    def _publish(self, ring: FrameRing, frame: Any, pts_ns: int) -> None:
        bgra = frame.reformat(self.width, self.height, "bgra").to_ndarray()
        slot = ring.begin_write()
        ring.slot_pixels(slot, self.width, self.height)[:] = bgra
        ring.commit(slot, self.width, self.height, self.width * 4, pts_ns)

    # -- the capture loop ------------------------------------------------------------------------
    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        if self.start_ns is None:
            self.start_ns = pts_ns
        if self.paused_at is not None:
            return  # held: the compositor shows the last frame again
        shown = self._newest((pts_ns - self.start_ns) / 1e9)
        if shown is None:
            return  # no new frame for this tick: the compositor shows the last one again
        self._publish(ring, shown[0], pts_ns)

    def close(self) -> None:
        self._close()


class MediaKind:
    def probe(self, cfg: SourceConfig) -> SourceProbe:
        container, stream, _audio = _open(cfg)  # PyAV in the engine process only when a media source exists
        size = Size(stream.codec_context.width, stream.codec_context.height)
        container.close()
        return SourceProbe(size, size, cfg.describe())

    def open(self, cfg: SourceConfig, ring: FrameRing) -> MediaSource:
        return MediaSource(cfg, ring)
