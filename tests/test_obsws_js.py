"""obs-websocket-js in Node — the library behind Bitfocus Companion's OBS module — drives rigcast.

Both of its builds: the default import (MessagePack, subprotocol ``obswebsocket.msgpack``: the
one Companion loads, and the one that threw "Server sent no subprotocol") and the JSON build.
tests/node/obs_client.mjs connects with the password and runs the sequence Companion's module
runs at connect (its batches included), then switches scenes, moves an item, starts the
stream, hides an item, changes a text, takes a screenshot, reads the meters while this test
plays a tone, and stops the stream. Each is checked here against what the engine did and what
nginx received, decoded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from tests.harness import ROOT, EngineHome, NginxRtmp, Pulse, XApp, decode, free_port, looks_like, psnr
from tests.test_obsws import PASSWORD, obs_config

NODE_DIR = ROOT / "tests" / "node"
BOX = (slice(250, 340), slice(460, 620))  # where the green box is drawn on the 640x360 canvas
WIDE_TEXT = (slice(14, 60), slice(140, 330))  # where "WWWWWWWW" reaches and "I" never does


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None or not (NODE_DIR / "node_modules" / "obs-websocket-js").is_dir():
        # Not a skip: this is the proof for the most common OBS remote tools; .ci/setup installs it.
        pytest.fail("node and tests/node/node_modules are needed; run `bash .ci/setup --test`", pytrace=False)
    return exe


def start(home: EngineHome, nginx: NginxRtmp, pulse: Pulse, tmp_path: Path) -> int:
    """A 640x360 canvas: Game (the window, a text, a green box) and BRB (red, a detailed picture)."""
    port = free_port()
    picture = tmp_path / "plasma.png"
    subprocess.run(["convert", "-size", "320x180", "-seed", "7", "plasma:fractal", str(picture)], check=True)
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port, '[video]\nsize = "640x360"') + f"""
[[sources]]
name = "title"
kind = "text"
text = "I"
font_size = 40

[[sources]]
name = "desk"
kind = "desktop_audio"

[[scenes]]
name = "Game"
items = [ {{ source = "game" }}, {{ source = "title", x = 10, y = 10 }},
          {{ source = "box", kind = "color", color = "#00ff00", width = 160, height = 90, x = 460, y = 250 }} ]

[[scenes]]
name = "BRB"
items = [ {{ source = "bg", kind = "color", color = "#c02020" }},
          {{ source = "picture", kind = "image", path = "{picture}", x = 160, y = 90 }} ]
""")
    home.extra_env.update(pulse.env())
    home.up("--config", str(cfg), "--url", nginx.url("obs"))
    return port


def bright(region: np.ndarray) -> float:
    """The share of near-white pixels (the text's fill; glxgears draws no white)."""
    return float((region.min(axis=2) > 200).mean())


@pytest.mark.parametrize("encoding", ["msgpack", "json"])
def test_obs_websocket_js_drives_rigcast_as_companion_does(node: str, home: EngineHome, nginx: NginxRtmp,
                                                           pulse: Pulse, gears: XApp, tmp_path: Path,
                                                           encoding: str) -> None:
    import av

    port = start(home, nginx, pulse, tmp_path)
    shot = tmp_path / "shot.png"
    proc = subprocess.Popen([node, str(NODE_DIR / "obs_client.mjs"), f"ws://127.0.0.1:{port}", PASSWORD, encoding,
                             str(shot)], cwd=NODE_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    steps: dict[str, dict] = {}
    tone: tuple[float, float] | None = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if not line.startswith("{"):
            continue
        s = json.loads(line)
        steps[s["step"]] = s
        if s["step"] == "metering":  # a tone from 1 s to 4 s into the 7 s of meters
            time.sleep(1)
            tone = (time.time(), time.time() + 3)
            pulse.play_tone(440, 3, 0.5)
    rc = proc.wait(60)
    assert rc == 0 and "done" in steps, json.dumps(steps)[-3000:] + proc.stderr.read() + home.log()[-3000:]

    # Connect: the subprotocol asked for; Companion's whole sequence answered, every failure one
    # OBS itself gives without the thing (no replay buffer; a video source has no audio).
    assert steps["connected"]["negotiatedRpcVersion"] == 1
    assert steps["connected"]["protocol"] == ("obswebsocket.msgpack" if encoding == "msgpack" else "obswebsocket.json")
    c = steps["companion"]
    failed = {(x["requestType"], x.get("code")) for x in c["calls"] if not x["ok"]}
    assert failed <= {("GetReplayBufferStatus", 604), ("GetInputAudioTracks", 604)}, failed
    asked = {x["requestType"] for x in c["calls"]}
    assert {"GetVersion", "GetHotkeyList", "GetMonitorList", "GetInputDefaultSettings", "GetSceneItemList",
            "GetSourceActive", "GetInputSettings", "GetInputVolume", "GetInputAudioSyncOffset",
            "GetStreamServiceSettings", "GetSceneTransitionList", "GetSpecialInputs"} <= asked, asked
    assert "png" in c["imageFormats"] and "OBSBasic.StartStreaming" in c["hotkeys"]
    assert c["monitors"] and c["monitors"][0]["monitorWidth"] > 0, "the real Xvfb display"
    assert set(c["defaults"]) == set(c["kinds"]) and "text" in c["kinds"]
    assert c["defaults"]["text"]["defaultInputSettings"]["font_size"] == 48
    assert c["service"]["key"] == "****" and "obs" not in c["service"]["server"].rsplit("/", 1)[-1], c["service"]
    assert c["transitions"] == ["Cut", "Fade"] and c["special"]["desktop1"] == "desk"
    assert c["settings"]["title"]["text"] == "I" and c["settings"]["game"]["match"] == "glxgears"
    batch = steps["batch"]["results"]
    assert [b["requestType"] for b in batch] == ["GetVersion", "Sleep", "GetInputList"]
    assert all(b["ok"] and b["code"] == 100 for b in batch), batch
    assert steps["halted"]["n"] == 1 and steps["halted"]["code"] == 204, "haltOnFailure stops at the unknown request"
    assert steps["scene"]["event"] == "BRB" and steps["scene"]["now"] == "BRB"
    t = steps["transform"]
    assert t["after"] == t["before"] + 20 and t["event"] == t["after"]
    assert steps["hidden"]["enabled"] is False
    assert steps["text"]["event"] == "WWWWWWWW" and steps["text"]["now"] == "WWWWWWWW"
    assert steps["streaming"]["active"] is True and steps["stopped"]["active"] is False
    states = steps["stopped"]["states"]
    assert states[:2] == ["OBS_WEBSOCKET_OUTPUT_STARTING", "OBS_WEBSOCKET_OUTPUT_STARTED"], states
    assert states[-1] == "OBS_WEBSOCKET_OUTPUT_STOPPED", states

    # What nginx received, decoded: the box there and then gone, the text changed, and BRB's
    # picture the screenshot shows.
    d = decode(nginx.recordings("obs")[0], keep_every=5)
    assert d.video_codec == "h264" and len(d.times) > 200, "nginx received the stream obs-websocket-js started"
    frames = d.frames
    assert looks_like(frames[2][BOX], (0, 255, 0)), "the box is on screen before it is hidden"
    assert not looks_like(frames[-3][BOX], (0, 255, 0)), "SetSceneItemEnabled(false) hid it in the stream"
    assert bright(frames[2][WIDE_TEXT]) < 0.01 < bright(frames[-3][WIDE_TEXT]), "SetInputSettings changed the text"
    with av.open(str(shot)) as f:
        picture = next(f.decode(video=0)).to_ndarray(format="rgb24")
    assert picture.shape == (360, 640, 3)
    scores = [psnr(picture, fr) for fr in frames]
    assert max(scores) >= 30, f"the screenshot matches a frame of the stream: best {max(scores):.1f} dB"
    assert psnr(picture, frames[2]) < 20, "and it is not just any frame (the Game scene's differs)"

    # The meters moved with the tone: loud while it played, silent after.
    assert tone is not None
    levels = steps["meters"]["levels"]
    playing = [v for at, v in levels if tone[0] + 0.7 < at < tone[1] - 0.3]
    after = [v for at, v in levels if at > tone[1] + 1.0]
    assert len(levels) >= 100, f"InputVolumeMeters every 50 ms: {len(levels)} in 7 s"
    assert playing and min(playing) > 0.2 and after and max(after) < 0.05, (playing, after)
