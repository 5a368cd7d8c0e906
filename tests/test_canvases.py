"""A second canvas ([[canvases]]): a vertical picture beside the main one, from the same
sources on the same clock, with its own scenes and program, encoded for the outputs that pick
it; switched from ctl and from obs-websocket (GetCanvasList, Aitum Vertical's vendor requests,
as Companion sends them). Both streams are decoded as nginx-rtmp received them."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import obsws_python as obs
import pytest

from rigcast.config.loader import ConfigError, parse_config
from tests.harness import EngineHome, NginxRtmp, decode, free_port, looks_like, wait_for
from tests.test_obsws import PASSWORD, obs_config

RED, BLUE, GREEN = (255, 0, 0), (0, 0, 255), (0, 160, 0)
BASE = {"sources": [{"name": "r", "kind": "color", "color": "#ff0000"}],
        "scenes": [{"name": "Main", "items": [{"source": "r"}]}]}


@pytest.mark.parametrize(("doc", "at", "says"), [
    ({"canvases": [{"name": "vertical", "size": "720x1280"}]}, "canvases[0].name", "has no scene"),
    ({"canvases": [{"name": "v", "size": "720x1280", "fps": 7}],
      "scenes": [{"name": "V", "canvas": "v", "items": []}]}, "canvases[0].fps", "does not divide"),
    ({"scenes": [{"name": "V", "canvas": "nope", "items": []}]}, "scenes[1].canvas", 'no canvas named "nope"'),
    ({"outputs": [{"name": "o", "kind": "record", "path": "/tmp/x.mkv", "canvas": "nope"}]}, "outputs[0].canvas",
     'no canvas named "nope"'),
    ({"canvases": [{"name": "main", "size": "720x1280"}], "scenes": [{"name": "V", "canvas": "main", "items": []}]},
     "canvases[0].name", '"main" is the [video] canvas'),
])
def test_a_bad_canvas_is_one_line_naming_it(doc: dict, at: str, says: str) -> None:
    merged = {k: BASE.get(k, []) + doc.get(k, []) for k in ("sources", "scenes", "outputs", "canvases")}
    with pytest.raises(ConfigError) as e:
        parse_config({k: v for k, v in merged.items() if v})
    assert e.value.where == at and says in e.value.problem, str(e.value)


def test_a_vertical_canvas_streams_beside_the_main_one_and_switches_alone(
        home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> None:
    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port, '[video]\nsize = "1280x720"\nfps = 30\n') + f"""
[[sources]]
name = "blue"
kind = "color"
color = "#0000ff"
[[sources]]
name = "green"
kind = "color"
color = "#00a000"
[[sources]]
name = "red"
kind = "color"
color = "#ff0000"
[[canvases]]
name = "vertical"
size = "720x1280"
[[scenes]]
name = "Main"
items = [ {{ source = "red" }} ]
[[scenes]]
name = "V-blue"
canvas = "vertical"
items = [ {{ source = "blue" }} ]
[[scenes]]
name = "V-green"
canvas = "vertical"
items = [ {{ source = "green" }} ]
[[scenes]]
name = "V-red"
canvas = "vertical"
items = [ {{ source = "red" }} ]
[[outputs]]
name = "main"
kind = "rtmp"
url = "{nginx.url('main')}"
[[outputs]]
name = "vert"
kind = "rtmp"
url = "{nginx.url('vert')}"
canvas = "vertical"
""")
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("main") and nginx.publishing("vert"), 30, what="both canvases live")
    st = home.status()
    assert st["canvases"] == [{"name": "vertical", "size": "720x1280", "fps": 30, "program_scene": "V-blue"}]
    time.sleep(3)
    r = home.rigcast("ctl", "scene", "V-green", "--canvas", "vertical")
    assert r.returncode == 0 and "V-green on canvas vertical" in r.stdout, r.stderr
    assert home.status()["program_scene"] == "Main", "the main canvas's program is untouched"
    bad = home.rigcast("ctl", "scene", "Main", "--canvas", "vertical")
    assert bad.returncode != 0 and 'no scene named "Main"' in bad.stderr
    time.sleep(3)
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        canvases = cl.send("GetCanvasList", raw=True)["canvases"]
        assert [(c["canvasName"], c["baseWidth"], c["baseHeight"]) for c in canvases] == [
            ("Main", 1280, 720), ("vertical", 720, 1280)]
        vuuid = canvases[1]["canvasUuid"]
        listed = cl.send("GetSceneList", {"canvasUuid": vuuid}, raw=True)
        assert sorted(s["sceneName"] for s in listed["scenes"]) == ["V-blue", "V-green", "V-red"]
        assert listed["currentProgramSceneName"] is None
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_current_program_scene("V-red")  # OBS: not a main-canvas scene
        assert e.value.code == 604
        got = cl.call_vendor_request("aitum-vertical-canvas", "get_scenes", {"width": 720})
        assert [s["name"] for s in got.response_data["scenes"]] == ["V-blue", "V-green", "V-red"]
        assert cl.call_vendor_request("aitum-vertical-canvas", "switch_scene",
                                      {"scene": "V-red"}).response_data["success"] is True
        now = cl.call_vendor_request("aitum-vertical-canvas", "current_scene", {})
        assert now.response_data["scene"] == "V-red"
        assert cl.get_current_program_scene().current_program_scene_name == "Main"
    finally:
        cl.disconnect()
    time.sleep(3)
    home.down()
    nginx.stop()
    main, vert = nginx.recordings("main")[0], nginx.recordings("vert")[0]
    for path, size in ((main, (720, 1280)), (vert, (1280, 720))):
        d = decode(path)
        assert len(d.times) >= 27 * (d.times[-1] - d.times[0]), f"{path.name}: {len(d.times)} frames"
        f = decode(path, keep_every=30).frames[0]
        assert f.shape[:2] == size, f"{path.name}: {f.shape}"
    d = decode(vert, keep_every=1)
    colours = [f[f.shape[0] // 2, f.shape[1] // 2] for f in d.frames]
    seen = []
    for c in colours:  # the vertical stream's colours in order, each once
        name = next((n for n, rgb in (("blue", BLUE), ("green", GREEN), ("red", RED))
                     if looks_like(np.array(c).reshape(1, 3), rgb, 40)), None)
        if name and (not seen or seen[-1] != name):
            seen.append(name)
    assert seen == ["blue", "green", "red"], seen
    m = decode(main, keep_every=10)
    assert all(looks_like(f[300:400, 600:700], RED, 40) for f in m.frames), "the main stream stays red"
