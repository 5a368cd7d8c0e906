"""Audio filters, one record each (``filters = [{ kind = "compressor", ratio = 4 }, ...]`` on an
audio source): what OBS offers a microphone, as FFmpeg's own audio filters.

Why FFmpeg's (through PyAV's filter graphs, engine/audio/filters.py): they are in the wheel
rigcast already needs, run in C, have Windows builds, and cost nothing to install. Noise
suppression is ``afftdn`` (spectral denoising): ``arnndn`` (RNNoise, what OBS uses) needs a
model file nobody ships, and pyrnnoise pulls in matplotlib. Each record's ``extra["ffmpeg"]``
turns its settings into the filter and its arguments; nothing else knows the filter names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rigcast.config import fields as f
from rigcast.config.filterlist import FilterBase, filter_kind
from rigcast.config.kinds.base import Cap, KindInfo


def _lin(db: float) -> float:
    return float(10 ** (db / 20))


@dataclass
class NoiseSuppress(FilterBase):
    reduction_db: float = f.number(20.0, 1, 97)  # how far the noise is pushed down
    noise_level_db: float = f.number(-50.0, -80, -20)  # the noise to remove: a little above its own level


@dataclass
class NoiseGate(FilterBase):
    threshold_db: float = f.number(-40.0, -80, 0)  # under this the signal is closed off
    range_db: float = f.number(-80.0, -90, 0)  # how far a closed gate lowers it
    attack_ms: float = f.number(5.0, 0.01, 9000)
    release_ms: float = f.number(100.0, 0.01, 9000)


@dataclass
class Compressor(FilterBase):
    threshold_db: float = f.number(-18.0, -60, 0)
    ratio: float = f.number(4.0, 1, 20)
    attack_ms: float = f.number(6.0, 0.01, 2000)
    release_ms: float = f.number(60.0, 0.01, 9000)
    makeup_db: float = f.number(0.0, 0, 36)


@dataclass
class Limiter(FilterBase):
    limit_db: float = f.number(-1.0, -24, 0)
    release_ms: float = f.number(60.0, 1, 8000)


@dataclass
class Gain(FilterBase):
    db: float = f.number(0.0, -30, 30)


@dataclass
class HighPass(FilterBase):
    cutoff_hz: float = f.number(80.0, 10, 2000)


FFmpeg = Callable[[Any], tuple[str, str]]


def _record(name: str, settings: type, summary: str, ffmpeg: FFmpeg) -> KindInfo[Any]:
    return filter_kind(name, Cap.AUDIO, settings, summary, ffmpeg)


KINDS = (
    _record("noise_suppress", NoiseSuppress, "noise suppression (FFmpeg afftdn)",
            lambda s: ("afftdn", f"nr={s.reduction_db}:nf={s.noise_level_db}")),
    _record("noise_gate", NoiseGate, "noise gate",
            lambda s: ("agate", f"threshold={_lin(s.threshold_db)}:range={max(_lin(s.range_db), 1e-9)}"
                                f":attack={s.attack_ms}:release={s.release_ms}:ratio=9000")),
    _record("compressor", Compressor, "compressor",
            lambda s: ("acompressor", f"threshold={_lin(s.threshold_db)}:ratio={s.ratio}:attack={s.attack_ms}"
                                      f":release={s.release_ms}:makeup={_lin(s.makeup_db)}:knee=1")),
    _record("limiter", Limiter, "limiter",
            lambda s: ("alimiter", f"limit={max(_lin(s.limit_db), 0.0625)}:release={s.release_ms}:level=0")),
    _record("gain", Gain, "gain", lambda s: ("volume", f"volume={s.db}dB")),
    _record("high_pass", HighPass, "high-pass", lambda s: ("highpass", f"f={s.cutoff_hz}")),
)
