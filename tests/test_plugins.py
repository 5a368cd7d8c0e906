"""Plugins: the example plugin (examples/rigcast-stripes) pip-installed beside rigcast, with two
broken ones and one whose sources fail while running, and streams using every kind it adds,
decoded from what nginx received and from the file its output wrote."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.harness import (
    ROOT,
    EngineHome,
    NginxRtmp,
    decode,
    decode_audio,
    free_port,
    looks_like,
    psnr,
    wait_for,
)

BROKEN = {  # package name -> (entry point name, module source)
    "rigcast-broken": ("broken", "raise ImportError('needs libfoo, which is not installed')\n"),
    "rigcast-clash": ("clash", "from rigcast.config.kinds.color import KINDS\n"),  # "color" is rigcast's own
}

# Loads, and its sources fail while running: one raises on every frame in its own process, one
# hangs there, one can't be probed, one can't be opened, one (drawn in the video process) can't
# make its picture.
FAULTY = '''
import time
from dataclasses import dataclass
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.values import Size

@dataclass
class Nothing:
    pass

class Raises:
    def probe(self, cfg):
        from rigcast.engine.capture.base import SourceProbe  # not at the top: a record's module stays light

        return SourceProbe(Size(64, 36), Size(64, 36), "raises")
    def open(self, cfg, ring):
        return self
    def grab(self, ring, pts_ns):
        raise RuntimeError("the plugin's own bug")
    def close(self):
        pass

class Hangs(Raises):
    def grab(self, ring, pts_ns):
        time.sleep(3600)

class BadProbe(Raises):
    def probe(self, cfg):
        raise KeyError("size")

class BadOpen(Raises):
    def open(self, cfg, ring):
        raise OSError("no such device")

class BadStill:
    def still(self, cfg, canvas):
        raise ValueError("no picture today")

KINDS = (
    KindInfo("raises", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED, Nothing, lambda s: "raises", {"": "rigcast_faulty:Raises"}),
    KindInfo("hangs", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED, Nothing, lambda s: "hangs", {"": "rigcast_faulty:Hangs"}),
    KindInfo("bad_probe", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED, Nothing, lambda s: "p", {"": "rigcast_faulty:BadProbe"}),
    KindInfo("bad_open", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED, Nothing, lambda s: "o", {"": "rigcast_faulty:BadOpen"}),
    KindInfo("bad_still", Role.SOURCE, Cap.VIDEO | Cap.DRAWN, Nothing, lambda s: "bad", {"": "rigcast_faulty:BadStill"}),
)
'''


def pip_install(target: Path, project: Path) -> None:
    """As a plugin's user would: pip builds it (setuptools, in pip's isolated build env)."""
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                        str(project)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture(scope="module")
def plugins_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder pip installed the plugins into, put on PYTHONPATH for the rigcast under test."""
    root = tmp_path_factory.mktemp("plugins")
    target = root / "site"
    # A copy: building in place would leave build/ in the checkout.
    pip_install(target, Path(shutil.copytree(ROOT / "examples" / "rigcast-stripes", root / "rigcast-stripes")))
    for package, (entry, source) in {**BROKEN, "rigcast-faulty": ("faulty", FAULTY)}.items():
        project = root / package
        module = package.replace("-", "_")
        (project / module).mkdir(parents=True)
        (project / module / "__init__.py").write_text(source)
        (project / "pyproject.toml").write_text(
            f'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
            f'[project]\nname = "{package}"\nversion = "0.1"\n'
            f'[project.entry-points."rigcast.plugins"]\n{entry} = "{module}"\n'
            f'[tool.setuptools]\npackages = ["{module}"]\n')
        pip_install(target, project)
    return target


def band_db(x: np.ndarray, rate: int, hz: float) -> float:
    """The level of ``x`` around ``hz``, dB (relative: for comparing bands and channels)."""
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x)))) / len(x)
    i = round(hz * len(x) / rate)
    return float(20 * np.log10(spectrum[max(0, i - 3):i + 4].max() + 1e-12))


def first_nal_types(flv: Path) -> list[int]:
    """The type of the first NAL unit of each H.264 packet in ``flv`` (length-prefixed, as FLV
    carries them)."""
    import av

    with av.open(str(flv)) as c:
        return [bytes(p)[4] & 0x1F for p in c.demux(video=0) if p.size > 4]


def with_plugins(home: EngineHome, plugins: Path) -> None:
    home.extra_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")]))


@pytest.mark.installed
def test_rigcast_plugins_lists_each_plugin_and_why_a_broken_one_did_not_load(
        home: EngineHome, plugins_dir: Path) -> None:
    with_plugins(home, plugins_dir)
    r = home.rigcast("plugins")
    assert r.returncode == 1, "a plugin did not load: the exit status says so\n" + r.stdout + r.stderr
    out = r.stdout
    assert "stripes          rigcast-stripes 1.0.0  loaded" in out and "    source/stripes" in out, out
    added = ("source/ticker", "source/tone", "output/packet_file", "encoder/x264_lowlatency", "transition/wipe",
             "filter/swap_channels", "filter/invert")
    assert all(f"    {k}\n" in out for k in added), out
    assert "faulty           rigcast-faulty 0.1  loaded" in out, out
    assert "broken           rigcast-broken 0.1  NOT LOADED: ImportError: needs libfoo" in out, out
    assert 'clash            rigcast-clash 0.1  NOT LOADED: its source kind "color" has a name already taken' in out, out
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.installed
def test_a_plugin_source_streams_like_a_builtin_one_beside_broken_plugins(
        home: EngineHome, nginx: NginxRtmp, plugins_dir: Path) -> None:
    with_plugins(home, plugins_dir)
    cfg = home.root / "rigcast.toml"
    cfg.write_text(f"""[video]
size = "320x180"
fps = 15
bitrate = 800
encoder = "x264_lowlatency"
[[sources]]
name = "bars"
kind = "stripes"
count = 4
[[outputs]]
name = "push"
kind = "rtmp"
url = "{nginx.url('stripes')}"
""")
    bad = home.root / "bad.toml"
    bad.write_text(cfg.read_text().replace("count = 4", "count = 99"))
    r = home.rigcast("stream", "--config", str(bad), "--duration", "1")
    # rigcast's own validation, from the plugin's bounds: one line naming the key
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].endswith(
        "sources[0].count: expected a whole number from 1 to 64, got 99"), r.stderr
    assert "Traceback" not in r.stderr, r.stderr

    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("stripes"), 30, what="the plugin source live")
    status = home.status()
    assert [(s["name"], s["kind"], s["description"]) for s in status["sources"]] == [("bars", "stripes", "4 stripes")]
    def frames_so_far() -> int:
        import av

        try:
            return len(decode(nginx.recordings("stripes")[-1]).times)
        except (av.FFmpegError, IndexError):
            return 0  # nginx has not written the header yet

    wait_for(lambda: frames_so_far() > 30, 30, what="2 s of video at nginx")
    frame = decode(nginx.recordings("stripes")[-1], keep_every=10).frames[-1]
    sys.path.insert(0, str(plugins_dir))
    try:
        from rigcast_stripes.draw import stripes_rgb
    finally:
        sys.path.remove(str(plugins_dir))
    want = np.asarray(stripes_rgb(4, 320, 180))
    assert frame.shape == want.shape
    assert psnr(frame, want) >= 30, f"{psnr(frame, want):.1f} dB"
    # The plugin's encoder made it: its options reached x264, which put an access unit
    # delimiter (NAL type 9) first in every frame nginx received; rigcast's own profile doesn't.
    assert status["engine"]["encoder"] == "encoder: x264_lowlatency", status["engine"]
    first_nals = first_nal_types(nginx.recordings("stripes")[-1])
    assert len(first_nals) > 30 and set(first_nals) == {9}, first_nals[:10]


@pytest.mark.installed
def test_every_plugin_shape_runs_and_a_failing_plugin_source_costs_only_itself(
        home: EngineHome, nginx: NginxRtmp, plugins_dir: Path, tmp_path: Path) -> None:
    with_plugins(home, plugins_dir)
    clip = tmp_path / "left.mp4"  # a tiny picture with a tone on the left channel only
    subprocess.run(["ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=64x36:r=15",
                    "-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*440*t)|0:s=48000", "-t", "4",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", str(clip)], check=True, timeout=120)
    out = tmp_path / "packets.ts"
    port = free_port()
    home.extra_env["PLUGIN_OBS_PASSWORD"] = "obs-pass-plugins"
    cfg = home.root / "rigcast.toml"
    cfg.write_text(f"""[video]
size = "320x180"
fps = 15
bitrate = 800
[obs_websocket]
enabled = true
port = {port}
password_env = "PLUGIN_OBS_PASSWORD"
[[sources]]
name = "bars"
kind = "stripes"
count = 4
[[sources]]
name = "tick"
kind = "ticker"
size = "64x36"
[[sources]]
name = "tone"
kind = "media"
path = "{clip}"
filters = [ {{ kind = "swap_channels" }} ]
[[sources]]
name = "beep"
kind = "tone"
freq = 1000
level_db = -20
[[sources]]
name = "raiser"
kind = "raises"
[[sources]]
name = "hanger"
kind = "hangs"
[[sources]]
name = "blank"
kind = "bad_still"
[[sources]]
name = "unprobed"
kind = "bad_probe"
[[sources]]
name = "unopened"
kind = "bad_open"
[[scenes]]
name = "All"
items = [ {{ source = "bars" }}, {{ source = "tick", x = 256, y = 144 }}, {{ source = "tone", x = 128, y = 144, filters = [ {{ kind = "invert" }} ] }},
          {{ source = "raiser", x = 0, y = 144 }}, {{ source = "hanger", x = 64, y = 144 }},
          {{ source = "blank", x = 192, y = 144 }} ]
[[sources]]
name = "white"
kind = "color"
color = "#ffffff"
[[scenes]]
name = "Spare"
items = [ {{ source = "unprobed" }}, {{ source = "unopened" }} ]
[[scenes]]
name = "White"
items = [ {{ source = "white" }} ]
[transition]
kind = "wipe"
duration_ms = 3000
[[outputs]]
name = "push"
kind = "rtmp"
url = "{nginx.url('plugins')}"
[[outputs]]
name = "dump"
kind = "packet_file"
path = "{out}"
""")
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("plugins"), 30, what="the stream live")

    def rows() -> dict[str, dict]:  # type: ignore[type-arg]
        return {s["name"]: s for s in home.status()["sources"]}

    failing = ("raiser", "blank", "unprobed", "unopened")
    wait_for(lambda: all(rows()[n]["state"] == "error" for n in failing), 30,
             what=f"the failing plugin sources ({', '.join(failing)}) to show error")
    r = home.rigcast("ctl", "record", "start")
    assert r.returncode == 0, r.stdout + r.stderr
    frames = home.status()["stats"]["frames"]
    wait_for(lambda: home.status()["stats"]["frames"] > frames + 60, 30, what="4 s more of the canvas clock")
    st = rows()
    assert st["tick"]["state"] == "live" and st["bars"]["state"] == "live", st
    # Captured plugin sources each run in a worker process of their own, not the engine's.
    pids = {st[n]["pid"] for n in ("tick", "raiser", "hanger")}
    assert len(pids) == 3 and home.status()["engine"]["pid"] not in pids, st
    outputs = {o["name"]: o for o in home.status()["outputs"]}
    assert outputs["dump"]["state"] == "recording" and outputs["dump"]["target"] == str(out), outputs
    r = home.rigcast("ctl", "record", "stop")
    assert r.returncode == 0, r.stdout + r.stderr
    # The tools streamers own see plugin kinds as any other: listed, read, changed (bounds
    # checked by rigcast from the plugin's settings) and saved to the config file.
    import obsws_python as obs

    cl = obs.ReqClient(host="127.0.0.1", port=port, password="obs-pass-plugins", timeout=20)
    try:
        assert {"stripes", "ticker"} <= set(cl.send("GetInputKindList").input_kinds)
        listed = {i["inputName"]: i["inputKind"] for i in cl.send("GetInputList").inputs}
        assert listed["bars"] == "stripes" and listed["tick"] == "ticker", listed
        assert cl.send("GetInputSettings", {"inputName": "bars"}).input_settings["count"] == 4
        assert "Wipe" in [t["transitionName"] for t in cl.send("GetSceneTransitionList").transitions]
        with pytest.raises(obs.error.OBSSDKRequestError) as refused:
            cl.send("SetInputSettings", {"inputName": "tick", "inputSettings": {"step": 999}})
        assert "step: expected a whole number from 1 to 256, got 999" in str(refused.value), refused.value
        cl.send("SetInputSettings", {"inputName": "tick", "inputSettings": {"step": 10}})
    finally:
        cl.disconnect()
    wait_for(lambda: rows()["tick"]["description"] == "a bar moving 10 px a frame", 15, what="the ticker's new step")
    saved = tomllib.loads(cfg.read_text())
    assert next(s for s in saved["sources"] if s["name"] == "tick")["step"] == 10, cfg.read_text()
    wait_for(lambda: rows()["tick"]["state"] == "live", 30, what="the ticker live again in its new worker")
    # The plugin's transition, there and back: the coming scene slides in from the left.
    for scene in ("White", "All"):
        r = home.rigcast("ctl", "scene", scene)
        assert r.returncode == 0, r.stdout + r.stderr
        frames = home.status()["stats"]["frames"]
        wait_for(lambda: home.status()["stats"]["frames"] > frames + 75, 30, what=f"the wipe to {scene} and 2 s")
    log = home.log()
    home.down()
    # One line each, naming the source and the plugin's own error.
    assert log.count("raiser: capture failed: RuntimeError: the plugin's own bug") == 1, log
    assert log.count("blank: could not be drawn (ValueError: no picture today)") == 1, log
    assert log.count("unprobed: could not be probed (KeyError: 'size')") == 1, log
    assert log.count("unopened: could not start (OSError: no such device)") == 1, log
    assert "Traceback" not in log, log

    shown = decode(nginx.recordings("plugins")[-1], keep_every=3)
    assert len(shown.times) > 60, "frames went on arriving at nginx"
    sys.path.insert(0, str(plugins_dir))
    try:
        from rigcast_stripes.draw import stripes_rgb
    finally:
        sys.path.remove(str(plugins_dir))
    want = np.asarray(stripes_rgb(4, 320, 180))[:140]
    last = shown.frames[-1]
    assert psnr(last[:140], want) >= 30, f"{psnr(last[:140], want):.1f} dB above the row of small items"
    # The plugin's video filter on the clip's item: red inverted is cyan.
    assert looks_like(last[148:176, 132:188], (0, 255, 255), tol=40), last[148:176, 132:188].reshape(-1, 3).mean(0)
    # Mid-wipe: white already on the left, the stripes' last (blue) still on the right. A fade
    # would show a blend of the two, a cut neither.
    assert any(looks_like(f[40:140, 0:40], (255, 255, 255)) and looks_like(f[40:140, 280:320], (0, 130, 200))
               for f in shown.frames), "no frame half wiped"
    # The ticker's bar moves: its corner differs between frames a few apart.
    corners = [f[148:176, 260:316].astype(int) for f in shown.frames[-6:]]
    assert any(np.abs(a - b).mean() > 20 for a, b in zip(corners, corners[1:])), "the ticker's bar did not move"

    # The plugin output's file decodes: pictures, and the tone on the right (the filter swapped it).
    written = decode(out)
    assert written.video_codec == "h264" and len(written.times) > 45, written.times[:3]
    # The plugin's audio source (1 kHz, both sides) mixed in; the clip's 440 Hz, on its left,
    # came out on the right only: the plugin's filter swapped it.
    sound, rate = decode_audio(out)
    level = {(side, hz): band_db(sound[i, rate // 2:], rate, hz) for i, side in enumerate("LR") for hz in (440, 1000)}
    shown_levels = ", ".join(f"{side} {hz} Hz {db:.0f} dB" for (side, hz), db in level.items())
    assert level["R", 440] - level["L", 440] > 20, shown_levels
    assert level["L", 1000] - level["L", 440] > 20 and abs(level["L", 1000] - level["R", 1000]) < 3, shown_levels
