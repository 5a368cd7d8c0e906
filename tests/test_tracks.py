"""Audio tracks: three media files with three tones on tracks 1-3 make a recording with three
audio streams, each holding only its own tone, while the stream at nginx carries track 1 alone;
a file's sound is heard only while its picture is on air. And one application's sound alone:
two PulseAudio clients play different tones and an ``app_audio`` source records only the one
it names, found again when that application plays again."""

from __future__ import annotations

import subprocess
import time
import tomllib
from pathlib import Path

import av
import numpy as np
import pytest

from rigcast.config.kinds.tracks import check_tracks, output_tracks
from rigcast.engine.audio.apps import PlayingApp, pick
from tests.harness import EngineHome, NginxRtmp, Pulse, decode_audio, wait_for

TONES = {1: 440.0, 2: 1000.0, 3: 2500.0}


def _level_db(x: np.ndarray, rate: int, hz: float) -> float:
    """The level of one frequency in a mono signal, in dB of its spectrum's peak bin."""
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    i = round(hz * len(x) / rate)
    return float(20 * np.log10(spec[max(0, i - 2): i + 3].max() + 1e-12))


def _tones(x: np.ndarray, rate: int) -> dict[float, float]:
    return {hz: _level_db(x, rate, hz) for hz in TONES.values()}


def _audio_streams(path: Path) -> list[tuple[np.ndarray, int, str]]:
    """Each audio stream's samples (channel 0), rate and title."""
    out = []
    with av.open(str(path)) as c:
        for s in c.streams.audio:
            out.append((s.index, s.codec_context.sample_rate, s.metadata.get("title", "")))
    got = []
    for index, rate, title in out:
        with av.open(str(path)) as c:
            stream = c.streams[index]
            chunks = [f.to_ndarray()[0] for f in c.decode(stream)]
        got.append((np.concatenate(chunks), rate, title))
    return got


def _media(path: Path, hz: float, seconds: int = 4) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc=size=320x240:rate=30",
                    "-f", "lavfi", "-i", f"sine=frequency={hz:g}:sample_rate=48000", "-t", str(seconds),
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-shortest", str(path)],
                   check=True, timeout=120)
    return path


def test_tracks_are_checked_and_kept_in_order() -> None:
    assert check_tracks([3, 1], None) == (3, 1)  # type: ignore[arg-type]
    for bad, why in (([], "no track listed"), ([0], "track 0"), ([1, 1], "twice"), ([True], "track True")):
        with pytest.raises(ValueError, match=why):
            check_tracks(bad, None)  # type: ignore[arg-type]

    class Net:
        audio_track = 4

    class Rec:
        audio_tracks = (2, 5)

    assert output_tracks(Net()) == (4,) and output_tracks(Rec()) == (2, 5) and output_tracks(object()) == (1,)


def test_an_application_is_picked_by_binary_or_name_exact_first() -> None:
    apps = [PlayingApp(3, "Chromium", "chromium", 10), PlayingApp(7, "game", "game.x86_64", 11),
            PlayingApp(9, "Gamescope helper", "helper", 12)]
    assert pick(apps, "GAME").index == 7  # exact name before the helper that contains it
    assert pick(apps, "x86_64").index == 7  # a part of the binary
    assert pick(apps, "chromium").index == 3
    assert pick(apps, "discord") is None


def test_windows_process_loopback_is_asked_as_its_header_says() -> None:
    """The facts engine/audio/app_wasapi.py hands Windows (audioclientactivationparams.h,
    mmreg.h), checked here since Windows can't run in CI."""
    import struct

    from rigcast.engine.audio import wasapi_rules as rules
    from rigcast.engine.errors import RigcastError

    # AUDIOCLIENT_ACTIVATION_PARAMS: PROCESS_LOOPBACK (1), the pid, INCLUDE_TARGET_PROCESS_TREE (0)
    assert rules.activation_params(4242) == struct.pack("<iIi", 1, 4242, 0) and len(rules.activation_params(1)) == 12
    # WAVEFORMATEX, IEEE float stereo 48 kHz: tag 3, 2 channels, 384000 B/s, block 8, 32 bits, cbSize 0
    assert struct.unpack("<HHIIHHH", rules.float_format(48000)) == (3, 2, 48000, 384000, 8, 32, 0)
    assert rules.STREAM_FLAGS & rules.AUDCLNT_STREAMFLAGS_LOOPBACK and rules.STREAM_FLAGS & 0x8000_0000
    assert rules.VIRTUAL_DEVICE == "VAD\\Process_Loopback" and rules.hresult(-2004287478) == "0x8889000A"
    rules.check_build(20348)
    rules.check_build(26100)
    with pytest.raises(RigcastError, match="build 20348 or later .this is build 19045.; capture desktop_audio"):
        rules.check_build(19045)
    # A Windows candidate is a window's process: its .exe matches with or without the suffix.
    wins = [PlayingApp(100, "Steam", "steam.exe", 100), PlayingApp(200, "ELDEN RING", "eldenring.exe", 200)]
    assert pick(wins, "eldenring").pid == 200 and pick(wins, "EldenRing.exe").pid == 200
    assert pick(wins, "elden ring").pid == 200  # the window's title


def test_three_media_files_on_three_tracks(home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> None:
    files = {t: _media(tmp_path / f"tone{t}.mkv", hz) for t, hz in TONES.items()}
    rec = tmp_path / "tracks.mkv"
    cfg = tmp_path / "rigcast.toml"
    sources = "".join(f'[[sources]]\nname = "m{t}"\nkind = "media"\npath = "{p}"\ntracks = [{t}]\n'
                      for t, p in files.items())
    cfg.write_text(f"""{sources}
[[sources]]
name = "bg"
kind = "color"
color = "#202020"
[video]
size = "640x360"
fps = 30
[[scenes]]
name = "Files"
items = [ {{ source = "bg" }}, {{ source = "m1", x = 0, y = 0, scale = 0.5 }},
          {{ source = "m2", x = 320, y = 0, scale = 0.5 }}, {{ source = "m3", x = 0, y = 180, scale = 0.5 }} ]
[[scenes]]
name = "Quiet"
items = [ {{ source = "bg" }} ]
[[outputs]]
name = "rec"
kind = "record"
path = "{rec}"
audio_tracks = [1, 2, 3]
[[outputs]]
name = "live"
kind = "rtmp"
url = "{nginx.url('tracks')}"
[[outputs]]
name = "buffer"
kind = "replay"
seconds = 5
path = "{tmp_path}"
audio_tracks = [3, 1]
""")
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("tracks") and home.status()["recording"], 30, what="live and recording")
    st = home.status()
    rows = {s["name"]: s for s in st["sources"]}
    assert all(rows[f"m{t}"]["volume_db"] == 0.0 for t in TONES), "a media source has a volume like any audio source"
    time.sleep(6)
    saved = home.rigcast("ctl", "replay", "save")
    assert saved.returncode == 0, saved.stderr
    replay = Path(saved.stdout.strip().removeprefix("rigcast: replay saved to "))
    r = home.rigcast("ctl", "scene", "Quiet")
    assert r.returncode == 0, r.stderr
    time.sleep(4)
    home.down()
    nginx.stop()

    streams = _audio_streams(rec)
    assert [title for _, _, title in streams] == ["Track 1", "Track 2", "Track 3"], streams
    for (x, rate, title), (t, hz) in zip(streams, TONES.items(), strict=True):
        mid = x[rate * 2: rate * 5]  # while the files were on air
        levels = _tones(mid, rate)
        others = [v for f, v in levels.items() if f != hz]
        assert levels[hz] - max(others) >= 30, f"{title}: {levels}"
    # The replay buffer keeps the tracks it lists, in its order.
    kept = _audio_streams(replay)
    assert [title for _, _, title in kept] == ["Track 3", "Track 1"], kept
    for (x, rate, title), hz in zip(kept, (TONES[3], TONES[1]), strict=True):
        levels = _tones(x[rate:], rate)
        assert levels[hz] - max(v for f, v in levels.items() if f != hz) >= 30, f"replay {title}: {levels}"
    # The stream carries one audio stream: track 1's tone only.
    got = nginx.recordings("tracks")[0]
    with av.open(str(got)) as c:
        assert len(c.streams.audio) == 1
    audio, rate = decode_audio(got)
    levels = _tones(audio[0][rate * 2: rate * 5], rate)
    assert levels[440.0] - max(levels[1000.0], levels[2500.0]) >= 30, levels
    # On the scene without the files their sound is gone (heard only while on air, as in OBS).
    tail = audio[0][-rate * 2:]
    assert float(np.sqrt(np.mean(tail ** 2))) < 1e-3, "a file off air is not heard"


def test_application_audio_records_only_that_application(home: EngineHome, pulse: Pulse, tmp_path: Path) -> None:
    home.extra_env.update(pulse.env())
    rec = tmp_path / "app.mkv"
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(f"""
[[sources]]
name = "bg"
kind = "color"
color = "#203040"
[[sources]]
name = "game"
kind = "app_audio"
app = "gameA"
[video]
size = "320x240"
fps = 30
[[outputs]]
name = "rec"
kind = "record"
path = "{rec}"
""")
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: home.status()["recording"], 30, what="recording")

    def state() -> str:
        return next(s["state"] for s in home.status()["sources"] if s["name"] == "game")

    assert wait_for(lambda: state() == "not_found", 15, what='the app source to say "gameA" is not playing')
    game, chat = pulse.play_tone(440, 4, 0.5, client="gameA"), pulse.play_tone(1000, 4, 0.5, client="chatB")
    assert wait_for(lambda: state() == "live", 15, what="the app source to find gameA playing")
    game.wait(30)
    chat.wait(30)
    wait_for(lambda: state() == "not_found", 15, what="the app source to see gameA stop")
    time.sleep(1)
    pulse.play_tone(440, 3, 0.5, client="gameA").wait(30)  # the application again: a new stream, followed
    chat2 = pulse.play_tone(1000, 3, 0.5, client="chatB")  # the chat alone afterwards: not heard
    chat2.wait(30)
    time.sleep(1)
    home.down()

    audio, rate = decode_audio(rec)
    x = audio[0]
    loud = np.flatnonzero(np.abs(x) > 0.05)
    assert loud.size > rate * 3, "gameA's tone was recorded"
    levels = _tones(x[loud[0]: loud[-1]], rate)
    assert levels[440.0] - levels[1000.0] >= 30, f"only gameA is heard: {levels}"
    # Both times gameA played are there, apart: two loud spans (0.1 s blocks) with silence between.
    blocks = np.abs(x[: len(x) // (rate // 10) * (rate // 10)]).reshape(-1, rate // 10).max(axis=1) > 0.05
    edges = np.flatnonzero(np.diff(blocks.astype(np.int8)))
    spans = [(int(a), int(b)) for a, b in zip(edges[::2] + 1, edges[1::2] + 1, strict=False)]
    assert len(spans) == 2, f"two spans of gameA's tone (0.1 s blocks): {spans}"
    (a1, b1), (a2, b2) = spans
    assert b1 - a1 >= 25 and b2 - a2 >= 20 and a2 - b1 >= 5, spans


def test_obs_websocket_reads_and_sets_a_sources_tracks(home: EngineHome, tmp_path: Path) -> None:
    import obsws_python as obs

    from tests.harness import free_port
    from tests.test_obsws import PASSWORD, obs_config

    port = free_port()
    clip = _media(tmp_path / "clip.mkv", 440.0, seconds=2)
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port).replace('kind = "window"\nmatch = "glxgears"', 'kind = "color"\ncolor = "#000000"')
                   + f'\n[[sources]]\nname = "clip"\nkind = "media"\npath = "{clip}"\n'
                   '[[scenes]]\nname = "S"\nitems = [ { source = "game" }, { source = "clip", scale = 0.5 } ]\n')
    home.up("--config", str(cfg))
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    ev = obs.EventClient(host="127.0.0.1", port=port, password=PASSWORD)
    seen: list[dict[str, bool]] = []

    def on_input_audio_tracks_changed(d: object) -> None:
        seen.append(getattr(d, "input_audio_tracks"))

    ev.callback.register(on_input_audio_tracks_changed)
    try:
        want = {str(n): n == 1 for n in range(1, 7)}
        assert cl.get_input_audio_tracks("clip").input_audio_tracks == want
        cl.set_input_audio_tracks("clip", {"3": True})
        want["3"] = True
        assert cl.get_input_audio_tracks("clip").input_audio_tracks == want
        wait_for(lambda: want in seen, 10, what="InputAudioTracksChanged")
        saved = next(s for s in tomllib.loads(cfg.read_text())["sources"] if s["name"] == "clip")
        assert saved["tracks"] == [1, 3], "saved to the config file"
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_input_audio_tracks("clip", {"1": False, "3": False})
        assert e.value.code == 703 and "at least one track" in str(e.value)
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_input_audio_tracks("clip", {"7": True})
        assert e.value.code == 400
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.get_input_audio_tracks("game")  # a colour has no sound
        assert e.value.code == 604
        # The same from a script: ctl reads and sets them, a bad one is one line.
        r = home.rigcast("ctl", "tracks", "clip", "2", "4")
        assert r.returncode == 0 and "clip feeds tracks 2, 4" in r.stdout, r.stderr
        assert cl.get_input_audio_tracks("clip").input_audio_tracks["4"] is True
        r = home.rigcast("ctl", "tracks", "clip", "9")
        assert r.returncode != 0 and "track 9 is out of range" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    finally:
        ev.disconnect()
        cl.disconnect()
