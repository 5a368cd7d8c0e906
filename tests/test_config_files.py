"""Scene collections and profiles: the config files beside the running one, switched while idle
from obs-websocket (SetCurrentSceneCollection, SetCurrentProfile) and ctl, refused with the
reason while recording, and a broken file refused in one line with the engine going on."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import obsws_python as obs
import pytest

from tests.harness import EngineHome, free_port, wait_for
from tests.test_obsws import PASSWORD


def _write(path: Path, home: EngineHome, port: int, scene: str, colour: str) -> Path:
    home.extra_env["MY_OBS_PASSWORD"] = PASSWORD
    path.write_text(f"""[obs_websocket]
enabled = true
port = {port}
password_env = "MY_OBS_PASSWORD"

[[sources]]
name = "bg"
kind = "color"
color = "{colour}"

[video]
size = "320x240"
fps = 30

[[scenes]]
name = "{scene}"
items = [ {{ source = "bg" }} ]

[[outputs]]
name = "rec"
kind = "record"
path = "{path.parent / (path.stem + '.mkv')}"
""")
    return path


def _status(home: EngineHome) -> dict[str, Any] | None:
    r = home.rigcast("ctl", "status", "--json", timeout=30)
    return dict(json.loads(r.stdout)) if r.returncode == 0 else None


def _client(port: int) -> obs.ReqClient:
    return obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)


def test_switching_config_files_while_idle(home: EngineHome, tmp_path: Path) -> None:
    port = free_port()
    folder = tmp_path / "configs"
    folder.mkdir()
    alpha = _write(folder / "alpha.toml", home, port, "Alpha", "#ff0000")
    _write(folder / "beta.toml", home, port, "Beta", "#0000ff")
    (folder / "broken.toml").write_text("[video]\nfps = 'fast'\n")
    home.up("--config", str(alpha))
    cl = _client(port)
    try:
        listed = cl.get_scene_collection_list()
        assert listed.current_scene_collection_name == "alpha"
        assert listed.scene_collections == ["alpha", "beta", "broken"]
        assert cl.get_profile_list().current_profile_name == "alpha"
        cl.start_record()
        wait_for(lambda: cl.get_record_status().output_active, 30, what="recording")
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_current_scene_collection("beta")
        assert e.value.code == 500 and "stop streaming, recording" in str(e.value)
        cl.stop_record()
        wait_for(lambda: not cl.get_record_status().output_active, 30, what="the recording stopped")
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_current_scene_collection("gamma")
        assert e.value.code == 600 and "beta" in str(e.value)
        cl.set_current_scene_collection("beta")
    finally:
        try:
            cl.disconnect()
        except Exception:
            pass
    wait_for(lambda: (s := _status(home)) is not None and s["program_scene"] == "Beta", 60,
             what="the engine started again on beta.toml")
    assert "starting again on" in home.log()
    r = home.rigcast("ctl", "config")
    assert r.returncode == 0 and "* beta" in r.stdout and "  alpha" in r.stdout, r.stdout
    bad = home.rigcast("ctl", "config", "broken")
    assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1 and "broken.toml" in bad.stderr
    assert "video.fps" in bad.stderr, bad.stderr
    time.sleep(1)
    assert (_status(home) or {}).get("program_scene") == "Beta", "a broken file leaves the engine as it was"
    # And back, as a profile this time: a client reconnects to the new engine.
    cl = wait_for(lambda: _try_client(port), 30, what="obs-websocket on the restarted engine")
    try:
        cl.set_current_profile("alpha")
    finally:
        try:
            cl.disconnect()
        except Exception:
            pass
    wait_for(lambda: (s := _status(home)) is not None and s["program_scene"] == "Alpha", 60,
             what="the engine started again on alpha.toml")


def _try_client(port: int) -> obs.ReqClient | None:
    try:
        return _client(port)
    except Exception:
        return None
