"""Every bad input ends in one clear line and a non-zero exit: no traceback, no secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.harness import XServer, run_rigcast

SECRET = "sk_live_9f8e7d6c5b4a"


def one_line_error(r, *needles: str) -> str:  # type: ignore[no-untyped-def]
    assert r.returncode != 0
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{r.stderr}"
    assert "Traceback" not in r.stderr
    assert SECRET not in r.stderr + r.stdout
    line = lines[0]
    for n in needles:
        assert n in line, line
    return line


CASES = [
    (["--window", "no-such-game-window"], ["no window titled", "rigcast windows"]),
    (["--url", "rtmp://"], ["--url", "malformed URL"]),
    (["--url", "not-a-url"], ["--url", "malformed URL"]),
    (["--url", f"rtmp://127.0.0.1:99999/live/{SECRET}"], ["port", "****"]),
    (["--url", f"ftp://127.0.0.1/live/{SECRET}"], ['unsupported scheme "ftp://"', "rtmp://", "https://"]),
    (["--url", f"srt://127.0.0.1:9000/live/{SECRET}"], ["no path", "streamid"]),
    (["--url", f"srt://127.0.0.1:9000?streamid=#!::r=live/{SECRET}"], ["unencoded #", "%23"]),
    (["--url", "whip://127.0.0.1/x"], ['unsupported scheme "whip://"']),
    (["--encoder", "h265_magic"], ["--encoder", "unknown encoder", "libx264"]),
    (["--size", "12x"], ["--size", "WIDTHxHEIGHT"]),
    (["--size", "0x0"], ["--size", "between 16 and 8192"]),
    (["--fps", "0"], ["--fps", "from 1 to 240"]),
    (["--fps", "abc"], ["invalid int value"]),
    (["--record", "/no/such/dir/out.mkv"], ["--record", "does not exist"]),
    (["--record", "out.avi"], ["--record", ".mkv"]),
    (["--display", "7"], ["display 7 does not exist"]),
    (["--preset", "warp9"], ["--preset", "veryfast"]),
]


@pytest.mark.parametrize("args,needles", CASES, ids=[" ".join(a)[:40] for a, _ in CASES])
def test_bad_flag(xserver: XServer, tmp_path: Path, args: list[str], needles: list[str]) -> None:
    r = run_rigcast(["stream", "--duration", "1", *args], xserver.env(), tmp_path)
    one_line_error(r, *needles)


CONFIGS = [
    ("[video\nfps = 30\n", ["not valid TOML"]),
    ('[video]\nfps = "fast"\n', ["video.fps", "whole number"]),
    ('[video]\nsize = "1280 by 720"\n', ["video.size", "WIDTHxHEIGHT"]),
    ('[video]\nframerate = 30\n', ["video.framerate", "unknown key"]),
    ('[[sources]]\nname = "g"\nkind = "webcam"\n', ["sources[0].kind", "window, display"]),
    ('[[sources]]\nname = "g"\nkind = "window"\n', ["sources[0].match", "exactly one of"]),
    ('[[sources]]\nkind = "window"\nregex = "("\n', ["sources[0].regex", "not a valid regular expression"]),
    (f'[[outputs]]\nname = "srs"\nkind = "rtmp"\nurl = "rtmpx://h/live/{SECRET}"\n',
     ["outputs[0].url", "unsupported scheme"]),
    ('[[outputs]]\nkind = "rtmp"\n', ["outputs[0].url", "missing"]),
    ('[[outputs]]\nname="a"\nkind = "record"\npath = "a.mkv"\n[[outputs]]\nname="a"\nkind = "record"\npath = "b.mkv"\n',
     ["outputs[1].name", "used twice"]),
    # Scenes: an unknown source, a missing image, a negative size, a bad colour, a bad crop.
    ('[[sources]]\nname = "g"\nkind = "display"\n[[scenes]]\nname = "A"\nitems = [ { source = "gmae" } ]\n',
     ["scenes[0].items[0].source", 'unknown source "gmae"', "known: g"]),
    ('[[sources]]\nname = "logo"\nkind = "image"\npath = "nope.png"\n', ["sources[0].path", "no such image file"]),
    ('[[sources]]\nname = "clip"\nkind = "media"\npath = "nope.mp4"\n', ["sources[0].path", "no such video file"]),
    ('[[sources]]\nname = "g"\nkind = "display"\n[[scenes]]\nitems = [ { source = "g", width = -5, height = 10 } ]\n',
     ["scenes[0].items[0].width", "from 1 to 16384"]),
    ('[[sources]]\nname = "g"\nkind = "display"\n[[scenes]]\nitems = [ { source = "g", scale = -1 } ]\n',
     ["scenes[0].items[0].scale", "above 0"]),
    ('[[sources]]\nname = "bg"\nkind = "color"\ncolor = "red"\n', ["sources[0].color", "#1e90ff"]),
    ('[[sources]]\nname = "g"\nkind = "display"\n[[scenes]]\nitems = [ { source = "g", crop = [0, -2, 0, 0] } ]\n',
     ["scenes[0].items[0].crop", "left, top, right, bottom"]),
    ('[transition]\nkind = "wipe"\n', ["transition.kind", "cut, fade"]),
    # Audio tracks: out of 1-6, none, twice; an application named by nothing.
    ('[[sources]]\nname = "d"\nkind = "desktop_audio"\ntracks = [1, 7]\n', ["sources[0].tracks", "track 7", "1 to 6"]),
    ('[[outputs]]\nname="r"\nkind = "record"\npath = "a.mkv"\naudio_tracks = []\n',
     ["outputs[0].audio_tracks", "no track listed"]),
    ('[[outputs]]\nname="r"\nkind = "record"\npath = "a.mkv"\naudio_tracks = [2, 2]\n',
     ["outputs[0].audio_tracks", "listed twice"]),
    ('[[outputs]]\nname="s"\nkind = "rtmp"\nurl = "rtmp://h/live/k"\naudio_track = 0\n',
     ["outputs[0].audio_track", "from 1 to 6"]),
    ('[[sources]]\nname = "g"\nkind = "app_audio"\napp = " "\n', ["sources[0].app", "empty"]),
]


@pytest.mark.parametrize("text,needles", CONFIGS, ids=[f"config{i}" for i in range(len(CONFIGS))])
def test_bad_config(xserver: XServer, tmp_path: Path, text: str, needles: list[str]) -> None:
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(text)
    r = run_rigcast(["stream", "--config", str(cfg), "--duration", "1"], xserver.env(), tmp_path)
    line = one_line_error(r, *needles)
    assert str(cfg) in line, "the error names the file"


def test_missing_config_file(xserver: XServer, tmp_path: Path) -> None:
    r = run_rigcast(["stream", "--config", str(tmp_path / "nope.toml")], xserver.env(), tmp_path)
    one_line_error(r, "no such file")


def test_unknown_flag(xserver: XServer, tmp_path: Path) -> None:
    one_line_error(run_rigcast(["stream", "--bogus"], xserver.env(), tmp_path), "unrecognized arguments")


def test_no_x_display(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "DISPLAY": ":77"}
    one_line_error(run_rigcast(["windows"], env, tmp_path), "cannot open X display :77")


def test_unavailable_hardware_encoder_is_one_clear_error(xserver: XServer, tmp_path: Path) -> None:
    """No GPU here: asking for NVENC by name fails cleanly and says how to fall back."""
    r = run_rigcast(["stream", "--display", "1", "--encoder", "h264_nvenc", "--record", str(tmp_path / "x.mkv"),
                     "--duration", "2"], xserver.env(), tmp_path)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("rigcast:")]
    assert len(errors) == 1 and "h264_nvenc is not usable here" in errors[0] and "--encoder auto" in errors[0]
