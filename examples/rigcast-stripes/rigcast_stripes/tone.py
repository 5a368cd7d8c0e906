"""The tone source's implementation: an audio source, run in an audio worker process of its own
as a microphone is. The record's factory is called with the source's config and returns a
"device" in soundcard's shape: ``name``, and ``recorder(samplerate, channels, blocksize)``, a
context manager whose ``record(numframes)`` blocks until that many samples have "arrived" and
returns them as a (numframes, channels) float32 array. rigcast stamps each block with the time
it returned, so a source paces itself in real time, as a sound card does."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


class ToneRecorder:
    def __init__(self, freq: float, amplitude: float, rate: int, channels: int) -> None:
        self.freq, self.amplitude, self.rate, self.channels = freq, amplitude, rate, channels
        self.made = 0  # samples handed over
        self.started = time.monotonic()

    def record(self, numframes: int) -> np.ndarray:
        due = self.started + (self.made + numframes) / self.rate
        time.sleep(max(0.0, due - time.monotonic()))  # the block's last sample is "heard" now
        t = (self.made + np.arange(numframes)) / self.rate
        self.made += numframes
        wave = (self.amplitude * np.sin(2 * np.pi * self.freq * t)).astype(np.float32)
        return np.repeat(wave[:, None], self.channels, axis=1)


class Tone:
    def __init__(self, cfg: Any) -> None:
        self.cfg = cfg
        self.name = f"a {cfg.settings.freq:g} Hz tone"  # logged when it starts

    @contextmanager
    def recorder(self, samplerate: int, channels: int, blocksize: int) -> Iterator[ToneRecorder]:
        yield ToneRecorder(self.cfg.settings.freq, 10 ** (self.cfg.settings.level_db / 20), samplerate, channels)


def open_tone(cfg: Any) -> Tone:
    return Tone(cfg)
