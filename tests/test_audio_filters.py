"""Audio filters through FFmpeg's own filters, as the mixer runs them (engine/audio/filters.py),
on real sound: Debian's espeak-ng speaking under a white-noise bed, and tones.

Noise suppression pushes the bed down by at least 15 dB and keeps the speech's level in its
band within 3 dB; the gate silences what is under its threshold and passes what is over it;
the compressor's curve above its threshold has its ratio's slope; gain, limiter and high-pass
do what they say. Every figure is measured after the chain's own latency, which it reports.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from rigcast.config.filterlist import Filter
from rigcast.config.kinds.audio_filters import Compressor, Gain, HighPass, Limiter, NoiseGate, NoiseSuppress
from rigcast.config.loader import ConfigError, parse_config
from rigcast.engine.audio.filters import FilterChain
from tests.harness import EngineHome, Pulse, require_tools

RATE, BLOCK = 48000, 1024


def run(flt: Filter, mono: np.ndarray) -> np.ndarray:
    """``mono`` through a chain of one filter, block by block; the output lined up with it."""
    chain = FilterChain((flt,), RATE, BLOCK)
    stereo = np.stack([mono, mono], axis=1).astype(np.float32)
    n = len(mono) // BLOCK * BLOCK
    out = np.concatenate([chain.process(stereo[i:i + BLOCK].copy()) for i in range(0, n, BLOCK)])[:, 0]
    return out[chain.latency:]


def db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-12))


def band(x: np.ndarray, lo: float = 300, hi: float = 3400) -> np.ndarray:
    spectrum = np.fft.rfft(x)
    f = np.fft.rfftfreq(len(x), 1 / RATE)
    spectrum[(f < lo) | (f > hi)] = 0
    return np.fft.irfft(spectrum, len(x))


def tone(level_db: float, hz: float = 440, seconds: float = 2) -> np.ndarray:
    t = np.arange(int(RATE * seconds)) / RATE
    return (10 ** (level_db / 20) * np.sin(2 * np.pi * hz * t)).astype(np.float32)


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    missing = require_tools("espeak-ng")
    if missing:
        pytest.fail("missing test tool espeak-ng; run `bash .ci/run` (it installs it)", pytrace=False)
    wav = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "Hello streamers. This is rigcast's noise suppression, "
                    "keeping a voice and taking the hiss away. The quick brown fox jumps over the lazy dog."],
                   check=True)
    with av.open(str(wav)) as c:
        frames = list(c.decode(audio=0))
    rate = frames[0].sample_rate
    x = np.concatenate([f.to_ndarray().reshape(-1) for f in frames]).astype(np.float32)
    t = np.arange(int(len(x) * RATE / rate)) / RATE
    y = np.interp(t, np.arange(len(x)) / rate, x).astype(np.float32)
    return (y * 0.5 / np.abs(y).max()).astype(np.float32)


def test_noise_suppression_takes_15_db_off_a_noise_bed_and_keeps_the_voice(speech: np.ndarray) -> None:
    lead = 2 * RATE  # noise alone first, then speech over it
    clean = np.concatenate([np.zeros(lead, np.float32), speech])
    bed = (np.random.default_rng(3).standard_normal(len(clean)) * 10 ** (-36 / 20)).astype(np.float32)
    out = run(Filter("noise_suppress", NoiseSuppress(reduction_db=30, noise_level_db=-33)), clean + bed)
    quiet = slice(RATE + RATE // 4, lead)  # after the filter has settled, before the voice
    dropped = db((clean + bed)[quiet]) - db(out[quiet])
    voice_in, voice_out = db(band(clean[lead:len(out)])), db(band(out[lead:]))
    assert dropped >= 15, f"the noise bed went down {dropped:.1f} dB"
    assert abs(voice_out - voice_in) <= 3, f"the voice's band went from {voice_in:.1f} to {voice_out:.1f} dBFS"
    print(f"\nnoise suppression: bed -{dropped:.1f} dB, voice band {voice_in:.1f} -> {voice_out:.1f} dBFS")


def test_the_gate_closes_under_its_threshold_and_opens_over_it() -> None:
    gate = Filter("noise_gate", NoiseGate(threshold_db=-40, range_db=-80))
    quiet, loud = tone(-50), tone(-20)
    assert db(run(gate, quiet)[RATE:]) < db(quiet) - 60, "under the threshold: silenced"
    assert abs(db(run(gate, loud)[RATE:]) - db(loud)) < 0.5, "over it: passed as it is"


def test_the_compressor_curve_has_its_ratio_above_the_threshold() -> None:
    comp = Filter("compressor", Compressor(threshold_db=-18, ratio=4))
    levels = (-12.0, -6.0, -3.0)  # peaks; all over -18 dBFS
    outs = [db(run(comp, tone(level))[RATE:RATE + RATE // 2]) for level in levels]
    ins = [db(tone(level)) for level in levels]
    assert all(o < i - 1 for i, o in zip(ins, outs)), "every level over the threshold is turned down"
    for (i0, o0), (i1, o1) in zip(zip(ins, outs), list(zip(ins, outs))[1:]):
        measured = (i1 - i0) / (o1 - o0)
        expected_out_step = (i1 - i0) / 4
        assert abs((o1 - o0) - expected_out_step) <= 1.0, f"{i0:.1f}->{i1:.1f} dB in gave {o1 - o0:.2f} out ({measured:.2f}:1)"


def test_gain_limiter_and_high_pass() -> None:
    assert abs(db(run(Filter("gain", Gain(db=6)), tone(-20))) - (db(tone(-20)) + 6)) < 0.1
    limited = run(Filter("limiter", Limiter(limit_db=-6)), tone(0))
    assert 20 * np.log10(np.abs(limited[RATE // 2:]).max()) <= -5.5, "peaks held at the limit"
    rumble = run(Filter("high_pass", HighPass(cutoff_hz=200)), tone(-12, hz=40))
    assert db(rumble[RATE // 2:]) < db(tone(-12, hz=40)) - 20, "40 Hz rumble taken off"


def test_filters_in_the_config_are_checked_one_line_each() -> None:
    cfg = parse_config({"sources": [{"name": "mic", "kind": "mic", "filters": [
        {"kind": "noise_suppress"}, {"kind": "compressor", "ratio": 4, "threshold_db": -18}]}]})
    assert [a.kind for a in cfg.sources[0].settings.filters] == ["noise_suppress", "compressor"]
    for bad, says in (([{"kind": "reverb"}], "filters[0]: expected a table like"),
                      ([{"kind": "compressor", "ratio": 50}], "filters[0] (compressor): ratio: expected a number from 1 to 20"),
                      ([{"kind": "gain", "gain": 3}], 'filters[0] (gain): unknown key "gain"')):
        with pytest.raises(ConfigError) as e:
            parse_config({"sources": [{"name": "mic", "kind": "mic", "filters": bad}]})
        assert says in str(e.value), str(e.value)


def test_the_chain_says_its_latency() -> None:
    assert FilterChain((), RATE, BLOCK).latency == 0
    delayed = FilterChain((Filter("noise_suppress", NoiseSuppress()),), RATE, BLOCK).latency
    assert 0 < delayed < RATE // 10, f"afftdn's window: {delayed} samples"


def _peak(home: EngineHome, source: str, seconds: float = 2.0) -> float:
    """The median peak meter of a source over the last part of ``seconds`` (control protocol)."""
    import json
    import time

    from websockets.sync.client import unix_connect

    with unix_connect(str(home.socket), "ws://localhost/") as ws:
        ws.recv()
        ws.send('{"id": 1, "cmd": "subscribe", "args": {"events": ["meter"]}}')
        peaks: list[float] = []
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            msg = json.loads(ws.recv(timeout=10))
            if msg.get("event") == "meter" and time.monotonic() > end - seconds / 2:
                peaks.append(msg["data"]["sources"][source]["peak"][0])
    return float(np.median(peaks))


def test_obs_websocket_lists_switches_and_resets_a_sources_filters_and_the_mix_follows(
        home: EngineHome, pulse: Pulse, tmp_path: Path) -> None:
    """obsws-python, as Streamer.bot or Companion would: the filters listed, a -20 dB gain switched
    off and on and re-set, each heard in the source's meter, each an event, each saved."""
    import obsws_python as obs

    from tests.harness import free_port, wait_for
    from tests.test_obsws import PASSWORD, obs_config

    home.extra_env.update(pulse.env())
    port = free_port()
    cfg = tmp_path / "filters.toml"
    cfg.write_text(obs_config(home, port).replace('kind = "window"\nmatch = "glxgears"', 'kind = "color"\ncolor = "#000000"')
                   + '\n[[sources]]\nname = "desk"\nkind = "desktop_audio"\n'
                   'filters = [{ kind = "high_pass", cutoff_hz = 60 }, { kind = "gain", db = -20 }]\n')
    home.up("--config", str(cfg))
    wait_for(lambda: next(s for s in home.status()["sources"] if s["name"] == "desk")["state"] == "live", 15,
             what="the desktop audio live")
    player = pulse.play_tone(440, 20, 0.5)  # -6 dBFS peak
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    ev = obs.EventClient(host="127.0.0.1", port=port, password=PASSWORD)
    seen: list[tuple[str, object]] = []

    def on_source_filter_enable_state_changed(d: object) -> None:
        seen.append(("enabled", getattr(d, "filter_enabled")))

    def on_source_filter_settings_changed(d: object) -> None:
        seen.append(("settings", getattr(d, "filter_settings")))

    ev.callback.register([on_source_filter_enable_state_changed, on_source_filter_settings_changed])
    try:
        listed = cl.get_source_filter_list("desk").filters
        assert [(f["filterName"], f["filterKind"], f["filterEnabled"]) for f in listed] == [
            ("high_pass", "high_pass", True), ("gain", "gain", True)]
        assert cl.get_source_filter("desk", "gain").filter_settings == {"db": -20.0}
        with_gain = _peak(home, "desk")
        cl.set_source_filter_enabled("desk", "gain", False)
        wait_for(lambda: ("enabled", False) in seen, 10, what="SourceFilterEnableStateChanged")
        without = _peak(home, "desk")
        assert abs((without - with_gain) - 20) <= 2, f"switching -20 dB off: {with_gain:.1f} -> {without:.1f} dBFS"
        cl.set_source_filter_enabled("desk", "gain", True)
        cl.set_source_filter_settings("desk", "gain", {"db": -10}, True)
        wait_for(lambda: ("settings", {"db": -10.0}) in seen, 10, what="SourceFilterSettingsChanged")
        assert abs((without - _peak(home, "desk")) - 10) <= 2, "re-set to -10 dB"
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_source_filter_settings("desk", "gain", {"db": 99}, True)
        assert "expected a number from -30 to 30" in str(e.value)
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_source_filter_enabled("desk", "reverb", False)
        assert e.value.code == 600
        r = home.rigcast("ctl", "filter", "desk", "high_pass", "off")  # the same bus, from a script
        assert r.returncode == 0, r.stderr
        listed_by_ctl = home.rigcast("ctl", "filter", "desk").stdout.splitlines()
        assert listed_by_ctl[0].split()[:2] == ["high_pass", "off"] and listed_by_ctl[1].split()[:2] == ["gain", "on"]
    finally:
        cl.disconnect()
        ev.disconnect()
        player.kill()
        home.down()
    assert "db = -10.0" in cfg.read_text(), "the change is saved to the config file"
