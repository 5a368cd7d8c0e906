"""Meter frames at a client's rate (engine/control/meterrate.py): fewer frames, nothing lost
that a meter shows — the highest peak, and the RMS of the mean power, since the last frame."""

from __future__ import annotations

import math

import pytest

from rigcast.engine.control.meterrate import MeterThrottle
from rigcast.engine.vocab.reports import Levels, Meter, SourceLevels


def _meter(peak: float, rms: float, muted: bool = False) -> Meter:
    levels = Levels((peak, peak), (rms, rms))
    return Meter(levels, {"mic": SourceLevels(levels, muted, -3.0)})


def test_one_frame_a_period_each_holding_the_highest_peak_between() -> None:
    throttle = MeterThrottle(5)
    sent = []
    for i in range(30):  # 2 s of frames at 15 a second
        peak = -1.0 if i == 7 else -30.0  # one loud frame between two sends
        out = throttle.add(_meter(peak, -40.0, muted=i >= 20), i / 15)
        if out is not None:
            sent.append((i, out))
    assert len(sent) == 10, [i for i, _ in sent]  # 5 a second, for 2 s
    assert max(o.master.peak[0] for _, o in sent) == -1.0, "the loud frame's peak reached the client"
    assert max(o.sources["mic"].levels.peak[0] for _, o in sent) == -1.0
    assert sent[-1][1].sources["mic"].muted, "mute as the latest frame has it"


def test_rms_is_the_mean_power_of_the_frames_summed() -> None:
    throttle = MeterThrottle(1)
    assert throttle.add(_meter(-10.0, -20.0), 0.0) is not None  # the first goes at once
    assert throttle.add(_meter(-10.0, -20.0), 0.3) is None
    out = throttle.add(_meter(-10.0, -100.0), 1.0)  # -20 dB and silence: half the power
    assert out is not None
    assert out.master.rms[0] == pytest.approx(-20.0 + 10 * math.log10(0.5), abs=1e-6)
    assert out.master.peak == (-10.0, -10.0)


def test_silence_stays_silence_and_a_new_channel_count_starts_over() -> None:
    throttle = MeterThrottle(2)
    out = throttle.add(Meter(Levels((-100.0, -100.0), (-100.0, -100.0))), 0.0)
    assert out is not None and out.master == Levels((-100.0, -100.0), (-100.0, -100.0))
    out = throttle.add(Meter(Levels((-6.0,), (-12.0,))), 1.0)
    assert out is not None and out.master.peak == (-6.0,) and out.master.rms[0] == pytest.approx(-12.0)
