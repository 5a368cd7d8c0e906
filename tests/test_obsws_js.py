"""obs-websocket-js in Node — the library behind Bitfocus Companion's OBS module — drives rigcast.

Both of its builds: the default import (MessagePack, subprotocol ``obswebsocket.msgpack``: the
one Companion loads, and the one that threw "Server sent no subprotocol") and the JSON build.
tests/node/obs_client.mjs connects with the password, runs a request batch as Companion does at
connect (with a Sleep, and one halted on failure), switches the scene and waits for the event,
then starts and stops the stream, which nginx must have received.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.harness import ROOT, EngineHome, NginxRtmp, XApp, decode
from tests.test_obsws import PASSWORD, start

NODE_DIR = ROOT / "tests" / "node"


@pytest.fixture(scope="module")
def node() -> str:
    exe = shutil.which("node")
    if exe is None or not (NODE_DIR / "node_modules" / "obs-websocket-js").is_dir():
        # Not a skip: this is the proof for the most common OBS remote tools; .ci/setup installs it.
        pytest.fail("node and tests/node/node_modules are needed; run `bash .ci/setup --test`", pytrace=False)
    return exe


@pytest.mark.parametrize("encoding", ["msgpack", "json"])
def test_obs_websocket_js_drives_rigcast(node: str, home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                         tmp_path: Path, encoding: str) -> None:
    port = start(home, nginx, tmp_path)  # the obsws-python tests' engine: scenes Game and BRB, a password
    r = subprocess.run([node, str(NODE_DIR / "obs_client.mjs"), f"ws://127.0.0.1:{port}", PASSWORD, encoding],
                       cwd=NODE_DIR, capture_output=True, text=True, timeout=120)
    steps = {s["step"]: s for s in (json.loads(line) for line in r.stdout.splitlines() if line.startswith("{"))}
    assert r.returncode == 0 and "done" in steps, r.stdout + r.stderr + home.log()[-3000:]

    assert steps["connected"]["negotiatedRpcVersion"] == 1
    assert steps["connected"]["protocol"] == ("obswebsocket.msgpack" if encoding == "msgpack" else "obswebsocket.json")
    batch = steps["batch"]["results"]
    assert [b["requestType"] for b in batch] == ["GetVersion", "GetSceneList", "GetStreamStatus", "GetRecordStatus",
                                                 "Sleep", "GetInputList"]
    assert all(b["ok"] and b["code"] == 100 for b in batch), batch
    assert sorted(steps["batch"]["scenes"]) == ["BRB", "Game"]
    assert steps["halted"] == {"step": "halted", "n": 1, "code": 204}, "haltOnFailure stops at the unknown request"
    assert steps["scene"]["event"] == "BRB" and steps["scene"]["now"] == "BRB"
    assert home.status()["program_scene"] == "BRB"
    assert steps["streaming"]["active"] is True and steps["stopped"]["active"] is False
    d = decode(nginx.recordings("obs")[0])
    assert d.video_codec == "h264" and len(d.times) > 30, "nginx received the stream obs-websocket-js started"
