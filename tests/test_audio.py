"""Audio against a real PulseAudio: a tone played into a null sink is captured from its
monitor, mixed at its configured volume, metered, muted — and checked in what nginx received."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from websockets.sync.client import unix_connect

from tests.harness import (
    AVSYNC_CONFIG,
    ROOT,
    EngineHome,
    NginxRtmp,
    Pulse,
    XApp,
    decode_audio,
    dominant_hz,
    flash_and_click_times,
    rms_db,
    run_rigcast,
    start_flasher,
    wait_for,
)

TONE_HZ = 440.0
AMPLITUDE = 0.5  # -6.0 dBFS peak, -9.0 dBFS RMS
VOLUME_DB = -6.0


def test_desktop_tone_reaches_the_stream_at_its_volume_and_mute_silences_it(
        home: EngineHome, nginx: NginxRtmp, pulse: Pulse, gears: XApp, tmp_path: Path) -> None:
    home.extra_env.update(pulse.env())
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(f"""
[[sources]]
name = "game"
kind = "window"
match = "glxgears"

[[sources]]
name = "desk"
kind = "desktop_audio"
volume_db = {VOLUME_DB}
""")
    home.up("--config", str(cfg), "--url", nginx.url("tone"), "--live")
    wait_for(lambda: nginx.publishing("tone"), 15, what="live")
    assert wait_for(lambda: next((s for s in home.status()["sources"] if s["name"] == "desk"), {}).get("state")
                    == "live", 15, what="the desktop audio source to be live")
    player = pulse.play_tone(TONE_HZ, 6, AMPLITUDE)

    # The meters carry the real level of the source while it plays.
    with unix_connect(str(home.socket), "ws://localhost/") as ws:
        ws.recv()
        ws.send('{"id": 1, "cmd": "subscribe", "args": {"events": ["meter"]}}')
        peaks: list[float] = []
        end = time.monotonic() + 3
        while time.monotonic() < end:
            msg = json.loads(ws.recv(timeout=10))
            if msg.get("event") == "meter" and time.monotonic() > end - 1.5:
                peaks.append(msg["data"]["sources"]["desk"]["peak"][0])
    assert peaks and abs(float(np.median(peaks)) - (-6.0 + VOLUME_DB)) <= 3, (peaks, home.status()["stats"]["audio"])

    player.wait(30)
    audio_stats = home.status()["stats"]["audio"]["desk"]
    r = home.rigcast("ctl", "mute", "desk", "on")
    assert r.returncode == 0, r.stderr
    muted_at = home.status()["stats"]["uptime_s"]
    pulse.play_tone(TONE_HZ, 4, AMPLITUDE).wait(30)
    home.down()
    nginx.stop()

    audio, rate = decode_audio(nginx.recordings("tone")[0])
    left = audio[0]
    # The loudest second is the tone: its pitch and its level at the configured volume.
    win = rate
    levels = [rms_db(left[i:i + win]) for i in range(0, len(left) - win, win // 2)]
    best = int(np.argmax(levels)) * win // 2
    tone = left[best:best + win]
    assert abs(dominant_hz(tone, rate) - TONE_HZ) <= 0.02 * TONE_HZ
    expected = 20 * np.log10(AMPLITUDE / np.sqrt(2)) + VOLUME_DB  # -15.05 dBFS
    assert abs(rms_db(tone) - expected) <= 3, (rms_db(tone), expected, audio_stats)
    # Muted: the tone played after that is not in the stream.
    assert muted_at > 0
    tail = left[-2 * rate:]
    assert rms_db(tail) < -60, rms_db(tail)


def audio_end(path: Path) -> float:
    import av

    with av.open(str(path)) as c:
        end = 0.0
        for p in c.demux(audio=0):
            if p.pts is not None:
                end = max(end, float((p.pts + (p.duration or 0)) * p.time_base))
    return end


# Every audio filter on the desktop audio, set so the clicks still pass: their latency (afftdn's
# window, the limiter's lookahead) must be made up for (engine/audio/filters.py).
EVERY_FILTER = ('filters = [{ kind = "high_pass", cutoff_hz = 60 }, { kind = "noise_suppress" }, '
                '{ kind = "noise_gate", threshold_db = -60 }, { kind = "compressor", threshold_db = -12, ratio = 2 }, '
                '{ kind = "limiter", limit_db = -1 }, { kind = "gain", db = 0 }]\n')


@pytest.mark.parametrize("filters", ["", EVERY_FILTER], ids=["plain", "every-filter"])
def test_flash_and_click_stay_in_sync(home: EngineHome, nginx: NginxRtmp, pulse: Pulse, tmp_path: Path,
                                      filters: str) -> None:
    home.extra_env.update(pulse.env())
    flasher = start_flasher(home)
    try:
        cfg = tmp_path / "rigcast.toml"
        cfg.write_text(AVSYNC_CONFIG + filters)
        home.up("--config", str(cfg), "--url", nginx.url("avsync"), "--record", str(tmp_path / "avsync.mkv"),
                "--live")
        wait_for(lambda: nginx.publishing("avsync"), 15, what="live")
        time.sleep(10)
        home.down()
        nginx.stop()
    finally:
        flasher.terminate()
        flasher.wait(10)
    for path in (nginx.recordings("avsync")[0], tmp_path / "avsync.mkv"):  # what nginx got, and the recording
        video, audio = flash_and_click_times(path)
        # A flash in the stream's last moments may have its click cut off by the stop.
        video = [v for v in video if v < audio_end(path) - 0.3]
        assert len(video) >= 4 and len(audio) >= 4, (video, audio)
        offsets_ms = [round((min(audio, key=lambda a: abs(a - v)) - v) * 1000, 1) for v in video]
        assert all(abs(o) <= 45 for o in offsets_ms), f"{path.name}: audio - video per flash: {offsets_ms} ms"


def test_devices_lists_what_device_can_name(pulse: Pulse, tmp_path: Path) -> None:
    env = dict(os.environ, **pulse.env())
    r = run_rigcast(["devices"], env, tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout.split("mic (")[0]
    assert out.startswith("desktop_audio (the loopback of an output):") and "(default)" in out
    assert "Null Output" in out or "rigcast_test" in out


def test_desktop_audio_records_the_monitor_of_the_output_it_names(pulse: Pulse, tmp_path: Path) -> None:
    """Two outputs whose names overlap: the one named, by its id, never its look-alike."""
    env = dict(os.environ, **pulse.env())
    for sink, desc in (("rig_second", "Game_Speakers_2"), ("rig_first", "Game_Speakers")):
        subprocess.run(["pactl", "load-module", "module-null-sink", f"sink_name={sink}",
                        f"sink_properties=device.description={desc}"], env=env, check=True, capture_output=True)
    script = tmp_path / "pick.py"  # a file, not -c: soundcard names its client after sys.argv
    script.write_text("import sys\nsys.path.insert(0, sys.argv[1])\n"
                      "from config.model import SourceConfig\nfrom engine.audio.capture import find_device\n"
                      "print(find_device(SourceConfig('desk', 'desktop_audio', device='Game_Speakers')).id)\n")
    r = subprocess.run([sys.executable, str(script), str(ROOT)], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "rig_first.monitor", r.stdout


def test_loopback_ids_per_platform() -> None:
    from rigcast.engine.audio.capture import loopback_id

    assert loopback_id("linux", "alsa_output.pci.analog-stereo") == "alsa_output.pci.analog-stereo.monitor"
    wasapi = "{0.0.0.00000000}.{3f5a1b2c-0000-4d2e-9f00-1a2b3c4d5e6f}"
    assert loopback_id("win32", wasapi) == wasapi
