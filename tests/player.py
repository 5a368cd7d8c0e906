"""One continuous player of a live stream, as a viewer's would be: PyAV reading what the server
relays, every packet's arrival on the wall clock beside its media time.

Why demux and not decode: the delay a viewer feels is when media arrives against when it was
meant to be shown; decoding adds nothing to that and costs a core on this box. What the server
received is decoded separately (its recording).

Delay: at each packet, wall time since the start minus media time since the start. Its
baseline is taken over a quiet stretch (before a squeeze); "extra delay" is how far above that
baseline it goes. Frames the sender drops make the media time jump ahead, which lowers it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import av


@dataclass
class Arrival:
    wall: float  # time.monotonic() when the packet was read
    media: float  # its dts, seconds
    video: bool
    size: int


@dataclass
class Player:
    url: str
    arrivals: list[Arrival] = field(default_factory=list)
    ended: str | None = None  # why it stopped reading (EOF, an error), None while it reads
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Player:
        threading.Thread(target=self._run, name="player", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        try:
            container: Any = av.open(self.url, options={"rw_timeout": "15000000", "fflags": "nobuffer"})
        except av.FFmpegError as e:
            self.ended = f"could not open: {e}"
            return
        try:
            for p in container.demux():
                if self._stop.is_set():
                    break
                if p.dts is None or p.stream.type not in ("video", "audio"):
                    continue
                self.arrivals.append(Arrival(time.monotonic(), float(p.dts * p.time_base), p.stream.type == "video",
                                             p.size))
            self.ended = self.ended or "end of stream"
        except av.FFmpegError as e:
            self.ended = f"read failed: {e}"
        finally:
            container.close()

    # -- what it saw ---------------------------------------------------------------------------
    def _video(self, t0: float, t1: float) -> list[Arrival]:
        return [a for a in self.arrivals if a.video and t0 <= a.wall < t1]

    def baseline(self, t0: float, t1: float) -> float:
        """The delay over a quiet stretch (its smallest value: the network's own)."""
        seen = self._video(t0, t1)
        assert seen, f"the player read no video between {t0:.1f} and {t1:.1f}"
        return min(a.wall - a.media for a in seen)

    def extra_delay(self, base: float, t0: float, t1: float) -> float:
        """The worst delay above ``base`` over a stretch."""
        seen = self._video(t0, t1)
        assert seen, f"the player read no video between {t0:.1f} and {t1:.1f}"
        return max(a.wall - a.media for a in seen) - base

    def kbps(self, t0: float, t1: float) -> float:
        """What reached the player over a stretch, both tracks."""
        return sum(a.size for a in self.arrivals if t0 <= a.wall < t1) * 8 / 1000 / max(1e-3, t1 - t0)

    def longest_audio_gap(self, t0: float, t1: float) -> float:
        """The longest stretch of media time with no audio, between two audio packets read."""
        media = [a.media for a in self.arrivals if not a.video and t0 <= a.wall < t1]
        return max((b - a for a, b in zip(media, media[1:])), default=float("inf"))
