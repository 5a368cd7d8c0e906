"""Meter frames at a rate a client chose: fewer frames, the same levels.

The video process sends audio levels ~15 times a second (20 while obs-websocket takes its 50 ms
meters). A client that draws them less often (the control room repaints a few times a second)
asks ``subscribe`` for ``meter_hz``; its connection then gets one frame per period that sums the
frames in between: the highest peak, and the RMS of their mean power, per channel. So a short
peak between two frames a client hears is never lost, and a client doesn't decode frames it
would never draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rigcast.engine.vocab.reports import Levels, Meter, SourceLevels

SILENCE_DB = -100.0


def _power(db: float) -> float:
    return 0.0 if db <= SILENCE_DB or not math.isfinite(db) else 10 ** (db / 10)


def _db(power: float) -> float:
    return SILENCE_DB if power <= 0 else max(SILENCE_DB, 10 * math.log10(power))


@dataclass
class _Sum:
    """One row's frames since the last one sent."""

    peak: list[float] = field(default_factory=list)
    power: list[float] = field(default_factory=list)
    frames: int = 0

    def add(self, levels: Levels) -> None:
        if len(levels.peak) != len(self.peak):  # the first frame, or the channel count changed
            self.peak, self.power, self.frames = [SILENCE_DB] * len(levels.peak), [0.0] * len(levels.rms), 0
        self.peak = [max(a, b) for a, b in zip(self.peak, levels.peak, strict=False)]
        self.power = [a + _power(b) for a, b in zip(self.power, levels.rms, strict=False)]
        self.frames += 1

    def levels(self) -> Levels:
        n = max(1, self.frames)
        return Levels(tuple(self.peak), tuple(_db(p / n) for p in self.power))


class MeterThrottle:
    """At most ``hz`` meter frames a second, each summing the frames since the one before."""

    def __init__(self, hz: float) -> None:
        self.period = 1 / hz
        self._next = 0.0
        self._master = _Sum()
        self._sources: dict[str, tuple[_Sum, SourceLevels]] = {}

    def add(self, meter: Meter, now: float) -> Meter | None:
        """The frame to send now, or None while this period lasts."""
        self._master.add(meter.master)
        for name, s in meter.sources.items():
            row = self._sources.get(name)
            total = row[0] if row is not None else _Sum()
            total.add(s.levels)
            self._sources[name] = (total, s)  # mute and volume: as they are in the latest frame
        if now < self._next:
            return None
        self._next = max(self._next + self.period, now)  # a steady rate, never a burst to catch up
        out = Meter(self._master.levels(), {name: SourceLevels(total.levels(), last.muted, last.volume_db)
                                            for name, (total, last) in self._sources.items()
                                            if name in meter.sources})
        self._master, self._sources = _Sum(), {}
        return out
