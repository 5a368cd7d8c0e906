"""Audio levels for the meters: peak and RMS in dBFS per channel, over whatever was mixed.

Measured on the very frames the encoder gets (so a meter can never show sound the stream
doesn't carry) with numpy over a whole frame at a time — a few microseconds per 1024 samples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rigcast.engine.vocab.reports import Levels

FLOOR_DB = -100.0  # what silence reads as; JSON has no -inf


def to_db(value: float) -> float:
    return max(FLOOR_DB, 20 * math.log10(value)) if value > 0 else FLOOR_DB


class LevelMeter:
    def __init__(self, channels: int = 2) -> None:
        self.channels = channels
        self._peak = np.zeros(channels, dtype=np.float64)
        self._sq = np.zeros(channels, dtype=np.float64)
        self._n = 0

    def add(self, planes: Any) -> None:
        """``planes``: a (channels, samples) float array (an fltp frame's ``to_ndarray()``)."""
        a = np.asarray(planes, dtype=np.float32)
        if a.size == 0:
            return
        np.maximum(self._peak, np.abs(a).max(axis=1), out=self._peak)
        self._sq += np.square(a, dtype=np.float64).sum(axis=1)
        self._n += a.shape[1]

    def take(self) -> Levels:
        """Levels since the last call, then reset."""
        rms = np.sqrt(self._sq / self._n) if self._n else np.zeros(self.channels)
        out = Levels(tuple(round(to_db(float(v)), 1) for v in self._peak),
                     tuple(round(to_db(float(v)), 1) for v in rms))
        self._peak[:] = 0
        self._sq[:] = 0
        self._n = 0
        return out
