"""A video file as a source, looped: decoded with PyAV in its own worker process.

The worker shows, at each canvas tick, the file's frame for the time elapsed since the source
started (frames between two ticks are skipped, a tick between two frames repeats), so a 24 fps
clip plays at its own speed on a 60 fps canvas. At the end it seeks back to the start and keeps
its timeline running, so the loop has no gap. Frames are converted to BGRA by swscale and copied
once into the ring.
"""

from __future__ import annotations

import logging
from typing import Any

from rigcast.config.model import Size, SourceConfig
from rigcast.engine.capture.base import SourceProbe
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing, SourceState

log = logging.getLogger("rigcast.capture.media")


def _open(cfg: SourceConfig) -> tuple[Any, Any]:
    import av

    try:
        container = av.open(str(cfg.settings.path))
    except (OSError, av.FFmpegError) as e:
        raise RigcastError(f'source "{cfg.name}": cannot open {cfg.settings.path}: {e}') from None
    if not container.streams.video:
        container.close()
        raise RigcastError(f'source "{cfg.name}": {cfg.settings.path} has no video stream')
    return container, container.streams.video[0]


class MediaSource:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        self.cfg = cfg
        self.container, self.stream = _open(cfg)
        self.width = min(self.stream.codec_context.width, ring.max_width)
        self.height = min(self.stream.codec_context.height, ring.max_height)
        rate = self.stream.average_rate or self.stream.guessed_rate or 30
        self.frame_s = 1 / float(rate)
        self.frames: Any = self.container.decode(self.stream)
        self.first_t: float | None = None
        self.loop_offset = 0.0
        self.last_t = 0.0
        self.start_ns: int | None = None
        self.pending: tuple[Any, float] | None = None
        self.loops = 0
        ring.set_state(SourceState.LIVE)
        log.info("%s: playing %s (%dx%d, %.2f fps, looped)", cfg.name, cfg.settings.path, self.width, self.height, float(rate))

    def _next(self) -> tuple[Any, float] | None:
        for _ in range(2):
            if self.frames is None:
                # Opened afresh at every loop: a file replaced meanwhile is played (or fails) as it is now.
                self.container, self.stream = _open(self.cfg)
                self.frames = self.container.decode(self.stream)
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

    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        if self.start_ns is None:
            self.start_ns = pts_ns
        elapsed = (pts_ns - self.start_ns) / 1e9
        shown = None
        while True:
            if self.pending is None:
                self.pending = self._next()
                if self.pending is None:
                    break
            if self.pending[1] > elapsed:
                break
            shown, self.pending = self.pending, None
        if shown is None:
            return  # no new frame for this tick: the compositor shows the last one again
        bgra = shown[0].reformat(self.width, self.height, "bgra").to_ndarray()
        slot = ring.begin_write()
        ring.slot_pixels(slot, self.width, self.height)[:] = bgra
        ring.commit(slot, self.width, self.height, self.width * 4, pts_ns)

    def close(self) -> None:
        self._close()


class MediaKind:
    def probe(self, cfg: SourceConfig) -> SourceProbe:
        container, stream = _open(cfg)  # PyAV in the engine process only when a media source exists
        size = Size(stream.codec_context.width, stream.codec_context.height)
        container.close()
        return SourceProbe(size, size, cfg.describe())

    def open(self, cfg: SourceConfig, ring: FrameRing) -> MediaSource:
        return MediaSource(cfg, ring)


