"""The mixer: every source with sound into its tracks (48 kHz stereo float), on the video's clock.

Track sample ``s`` is heard at ``t_start + s / rate`` on the monotonic clock; each source's ring
says (through its anchor) which of its samples was heard then. Reading stays contiguous while
that position agrees with the ideal one to within 5 ms; beyond that the read position jumps to
it — dropping or repeating a few milliseconds — so a device whose clock runs fast or slow never
drifts out of sync by more than that. Filters, volume, mute and sync offset apply per source
(a source's filters are read that much earlier as their chain delays it, engine/audio/filters.py);
meters are taken after them, per source and on the mix. Each source is read and filtered once,
then added to every track it feeds (``tracks``, OBS's six); only the tracks asked for are made.
A media file's sound is heard only while its picture is on air (:meth:`Mixer.on_air`), as in OBS.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rigcast.config.kinds import Cap
from rigcast.config.model import SourceConfig
from rigcast.engine.audio.filters import FilterChain
from rigcast.engine.audio.ring import AudioRing
from rigcast.engine.encode.meter import LevelMeter
from rigcast.engine.vocab import SourceState
from rigcast.engine.vocab.reports import AudioSync, SourceLevels

RESYNC_FRAMES = 240  # 5 ms at 48 kHz


@dataclass
class AudioInput:
    cfg: SourceConfig
    ring: AudioRing
    volume_db: float = 0.0
    muted: bool = False
    next_k: int | None = None
    resyncs: int = 0
    corrected: int = 0  # frames dropped (+) or repeated (-) to stay in sync
    missing: int = 0  # frames not captured in time (silence in their place)
    meter: LevelMeter = field(default_factory=LevelMeter)
    chain: FilterChain | None = None  # built for ``chain_of`` (the source's filters as last seen)
    chain_of: Any = None
    heard: bool = True  # a file's sound while its picture is on air; a device always

    @property
    def gain(self) -> float:
        return 0.0 if self.muted else float(10 ** (self.volume_db / 20))


class Mixer:
    def __init__(self, inputs: list[AudioInput], rate: int, t_start_ns: int) -> None:
        self.inputs = {i.cfg.name: i for i in inputs}
        self.rate = rate
        self.t_start_ns = t_start_ns
        self._buf = np.zeros((4096, 2), dtype=np.float32)
        self._silent = np.zeros((2, 4096), dtype=np.float32)
        # Sources heard only while shown (media files): the pipeline says which are on air.
        self.plays_files = any(i.cfg.has(Cap.VIDEO) for i in inputs)

    def on_air(self, shown: set[str]) -> None:
        for inp in self.inputs.values():
            if inp.cfg.has(Cap.VIDEO):
                inp.heard = inp.cfg.name in shown

    def mix(self, s: int, n: int, tracks: Collection[int] = (1,)) -> dict[int, np.ndarray]:
        """Samples ``[s, s + n)`` of each track in ``tracks``, as planar (2, n) float32."""
        outs = {t: np.zeros((n, 2), dtype=np.float32) for t in tracks}
        t = self.t_start_ns + s * 1_000_000_000 // self.rate
        buf = self._buf[:n]
        for inp in self.inputs.values():
            ring = inp.ring
            if ring.written == 0 or not inp.heard or ring.state == SourceState.HIDDEN:  # hidden: a paused file
                inp.meter.add(self._silent[:, :n])
                inp.next_k = None  # read from where the clock says once heard again
                continue
            chain = self._chain(inp, n)
            offset_ns = inp.cfg.settings.sync_offset_ms * 1_000_000
            ideal = (t - ring.anchor_ns - offset_ns) * self.rate // 1_000_000_000 + chain.latency
            if inp.next_k is None or abs(ideal - inp.next_k) > RESYNC_FRAMES:
                if inp.next_k is not None:
                    inp.resyncs += 1
                    inp.corrected += ideal - inp.next_k
                inp.next_k = ideal
            if ring.read(inp.next_k, n, buf) < n:
                inp.missing += n - min(n, max(0, ring.written - inp.next_k))
            inp.next_k += n
            chain.process(buf)
            gain = inp.gain
            if gain != 1.0:
                buf *= gain
            inp.meter.add(buf.T)
            for track in inp.cfg.settings.tracks:
                out = outs.get(track)
                if out is not None:
                    out += buf
        for out in outs.values():
            np.clip(out, -1.0, 1.0, out=out)
        return {track: np.ascontiguousarray(out.T) for track, out in outs.items()}

    def _chain(self, inp: AudioInput, n: int) -> FilterChain:
        """The source's filter chain, built again when its filters changed (source.set, an
        obs-websocket client): the new chain's state starts afresh, its latency measured anew."""
        filters = inp.cfg.settings.filters
        if inp.chain is None or inp.chain_of != filters:
            inp.chain, inp.chain_of = FilterChain(filters, self.rate, n), filters
            if inp.chain.latency:
                inp.next_k = None  # read again from where the new latency says
                # (a chain built in the clock's path: ~10 ms once, when filters change)
        return inp.chain

    def meters(self) -> dict[str, SourceLevels]:
        return {name: SourceLevels(inp.meter.take(), inp.muted, inp.volume_db) for name, inp in self.inputs.items()}

    def stats(self) -> dict[str, AudioSync]:
        return {name: AudioSync(inp.resyncs, round(inp.corrected * 1000 / self.rate, 1),
                                round(inp.missing * 1000 / self.rate, 1)) for name, inp in self.inputs.items()}

    def states(self) -> dict[str, SourceState]:
        return {name: inp.ring.state for name, inp in self.inputs.items()}
