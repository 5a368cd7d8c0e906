"""obs-websocket requests beyond the connect sequence, driven by obsws-python: scene items
placed by transforms, source settings changed live, transitions, hotkeys, screenshots, the
stream service with its key kept secret, the record folder, a real record pause, outputs by
name; and hostile input on both encodings. Each change is checked in what the engine does
(its status, its config file, the files it writes, what nginx receives), not in the answer."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import tomllib
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
import obsws_python as obs
import pytest
from websockets.sync.client import connect

from tests.harness import EngineHome, NginxRtmp, XApp, decode, free_port, wait_for
from tests.test_obsws import PASSWORD, obs_config

KEY = "k-7f3a9c2e51d0"  # a stream key set over obs-websocket: never to be seen again


def _start(home: EngineHome, tmp_path: Path, *args: str) -> tuple[int, Path]:
    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port, '[video]\nsize = "640x360"') + """
[[sources]]
name = "title"
kind = "text"
text = "hello"

[[scenes]]
name = "Game"
items = [ { source = "game" }, { source = "title", x = 10, y = 10 } ]

[[scenes]]
name = "BRB"
items = [ { source = "bg", kind = "color", color = "#2040c0" } ]
""")
    home.up("--config", str(cfg), *args)
    return port, cfg


def _client(port: int) -> obs.ReqClient:
    return obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=20)


def _send(cl: obs.ReqClient, name: str, data: dict[str, Any] | None = None) -> Any:
    return cl.send(name, data, raw=True)


def _code(cl: obs.ReqClient, name: str, data: dict[str, Any] | None = None) -> int:
    with pytest.raises(obs.error.OBSSDKRequestError) as e:
        cl.send(name, data)
    return int(e.value.code)


def _item(cfg: Path, scene: str, source: str) -> dict[str, Any]:
    doc = tomllib.loads(cfg.read_text())
    sc = next(s for s in doc["scenes"] if s["name"] == scene)
    return dict(next(it for it in sc["items"] if it["source"] == source))


def _source(home: EngineHome, name: str) -> dict[str, Any]:
    return dict(next(s for s in home.status()["sources"] if s["name"] == name))


def test_items_sources_transitions_hotkeys_and_screenshots(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                           tmp_path: Path) -> None:
    import av

    port, cfg = _start(home, tmp_path, "--url", nginx.url("items"))
    cl = _client(port)
    try:
        # Scene items: found by source, placed by a transform, saved to the config file.
        title = _send(cl, "GetSceneItemId", {"sceneName": "Game", "sourceName": "title"})["sceneItemId"]
        assert title == 2 and _code(cl, "GetSceneItemId", {"sceneName": "Game", "sourceName": "nope"}) == 600
        t = wait_for(lambda: (x := _send(cl, "GetSceneItemTransform", {"sceneName": "Game", "sceneItemId": title})
                              ["sceneItemTransform"])["sourceWidth"] > 0 and x, 15, what="the text's size")
        assert (t["positionX"], t["positionY"], t["scaleX"], t["width"]) == (10, 10, 1.0, t["sourceWidth"])
        _send(cl, "SetSceneItemTransform", {"sceneName": "Game", "sceneItemId": title,
                                            "sceneItemTransform": {"scaleX": 2.0, "scaleY": 2.0, "positionX": 30}})
        t2 = _send(cl, "GetSceneItemTransform", {"sceneName": "Game", "sceneItemId": title})["sceneItemTransform"]
        assert t2["width"] == 2 * t["sourceWidth"] and t2["positionX"] == 30
        assert _item(cfg, "Game", "title") == {"source": "title", "x": 30, "y": 10, "scale": 2.0}
        for bad in ({"rotation": 45.0}, {"scaleX": 1.0, "scaleY": 2.0}, {"alignment": 0}):
            assert _code(cl, "SetSceneItemTransform", {"sceneName": "Game", "sceneItemId": title,
                                                       "sceneItemTransform": bad}) == 703, bad
        _send(cl, "SetSceneItemTransform", {"sceneName": "Game", "sceneItemId": title, "sceneItemTransform": {
            "boundsType": "OBS_BOUNDS_STRETCH", "boundsWidth": 200, "boundsHeight": 50, "cropLeft": 4}})
        t3 = _send(cl, "GetSceneItemTransform", {"sceneName": "Game", "sceneItemId": title})["sceneItemTransform"]
        assert (t3["boundsType"], t3["width"], t3["height"], t3["cropLeft"]) == ("OBS_BOUNDS_STRETCH", 200, 50, 4)
        saved = _item(cfg, "Game", "title")
        assert saved["width"] == 200 and saved["fit"] == "stretch" and saved["crop"] == [4, 0, 0, 0]
        assert "scale" not in saved, "a box replaces the scale"

        # Source settings, live and saved: a text's text; a window matched another way.
        assert _send(cl, "GetInputSettings", {"inputName": "title"})["inputSettings"]["text"] == "hello"
        _send(cl, "SetInputSettings", {"inputName": "title", "inputSettings": {"text": "bye"}})
        assert _send(cl, "GetInputSettings", {"inputName": "title"})["inputSettings"]["text"] == "bye"
        doc = tomllib.loads(cfg.read_text())
        assert next(s for s in doc["sources"] if s["name"] == "title")["text"] == "bye"
        assert _code(cl, "SetInputSettings", {"inputName": "title", "inputSettings": {"font_size": 100000}}) == 400
        assert _code(cl, "SetInputSettings", {"inputName": "title", "inputSettings": {"colour": "red"}}) == 400
        wait_for(lambda: _source(home, "game")["state"] == "live", 15, what="the window live")
        _send(cl, "SetInputSettings", {"inputName": "game", "inputSettings": {"match": "no-such-window-4b1"}})
        wait_for(lambda: _source(home, "game")["state"] == "not_found", 20, what="the window matched anew")
        _send(cl, "SetInputSettings", {"inputName": "game", "inputSettings": {"match": "glxgears"}})
        wait_for(lambda: _source(home, "game")["state"] == "live", 20, what="the window found again")
        assert _code(cl, "GetInputVolume", {"inputName": "game"}) == 604, "a window has no audio"
        assert _code(cl, "GetInputSettings", {"inputName": "nope"}) == 600

        # Transitions: Cut and Fade, the duration bounded, saved.
        _send(cl, "SetCurrentSceneTransition", {"transitionName": "Cut"})
        assert _send(cl, "GetCurrentSceneTransition")["transitionName"] == "Cut"
        assert _code(cl, "SetCurrentSceneTransitionDuration", {"transitionDuration": 500}) == 703
        _send(cl, "SetCurrentSceneTransition", {"transitionName": "Fade"})
        _send(cl, "SetCurrentSceneTransitionDuration", {"transitionDuration": 500})
        assert _send(cl, "GetCurrentSceneTransition")["transitionDuration"] == 500
        assert tomllib.loads(cfg.read_text())["transition"] == {"kind": "fade", "duration_ms": 500}
        assert _code(cl, "SetCurrentSceneTransitionDuration", {"transitionDuration": 30}) == 402
        assert _code(cl, "SetCurrentSceneTransition", {"transitionName": "Stinger"}) == 600

        # Hotkeys run the bus's commands; displays are the real ones; tools' data persists.
        _send(cl, "TriggerHotkeyByName", {"hotkeyName": "OBSBasic.SelectScene", "contextName": "BRB"})
        assert home.status()["program_scene"] == "BRB"
        time.sleep(1)  # the 500 ms fade over
        assert _code(cl, "TriggerHotkeyByName", {"hotkeyName": "OBSBasic.Nope"}) == 600
        monitors = _send(cl, "GetMonitorList")["monitors"]
        assert monitors and (monitors[0]["monitorWidth"], monitors[0]["monitorHeight"]) == (1280, 720), monitors  # the test Xvfb screen
        _send(cl, "SetPersistentData", {"realm": "OBS_WEBSOCKET_DATA_REALM_GLOBAL", "slotName": "deck",
                                        "slotValue": {"page": 3}})
        assert _send(cl, "GetPersistentData", {"realm": "OBS_WEBSOCKET_DATA_REALM_GLOBAL",
                                               "slotName": "deck"})["slotValue"] == {"page": 3}
        stats = _send(cl, "GetStats")
        assert stats["memoryUsage"] > 10 and stats["availableDiskSpace"] > 0 and stats["cpuUsage"] >= 0

        # Screenshots: the program (BRB: solid blue) and one source, at the asked size.
        img = _send(cl, "GetSourceScreenshot", {"sourceName": "BRB", "imageFormat": "jpeg", "imageWidth": 320})
        assert img["imageData"].startswith("data:image/jpeg;base64,")
        jpeg = tmp_path / "brb.jpg"
        jpeg.write_bytes(base64.b64decode(img["imageData"].split(",", 1)[1]))
        with av.open(str(jpeg)) as f:
            px = next(f.decode(video=0)).to_ndarray(format="rgb24")
        assert px.shape == (180, 320, 3) and np.abs(px.reshape(-1, 3).mean(axis=0) - (0x20, 0x40, 0xc0)).max() < 8
        other = tmp_path / "game.png"  # not the program: composed for the picture, as it would be on air
        _send(cl, "SaveSourceScreenshot", {"sourceName": "Game", "imageFormat": "png", "imageFilePath": str(other)})
        with av.open(str(other)) as f:
            game = next(f.decode(video=0)).to_ndarray(format="rgb24")
        assert game.shape == (360, 640, 3) and home.status()["program_scene"] == "BRB"
        box = game[10:60, 34:230]  # the title, boxed 200x50 at (30, 10), its left 4 px cropped
        assert (box.min(axis=2) > 200).mean() > 0.05, "the title's white text is in the picture"
        assert np.abs(game.reshape(-1, 3).mean(axis=0) - (0x20, 0x40, 0xc0)).max() > 40, "and it is not BRB"
        assert _code(cl, "GetSourceScreenshot", {"sourceName": "BRB", "imageFormat": "bmp"}) == 604
        png = tmp_path / "title.png"
        _send(cl, "SaveSourceScreenshot", {"sourceName": "title", "imageFormat": "png", "imageFilePath": str(png)})
        with av.open(str(png)) as f:
            frame = next(f.decode(video=0))
        now = _send(cl, "GetSceneItemTransform", {"sceneName": "Game", "sceneItemId": title})["sceneItemTransform"]
        assert (frame.width, frame.height) == (now["sourceWidth"], now["sourceHeight"]), "the text's own pixels"
    finally:
        cl.disconnect()


def _mkv_times(path: Path) -> tuple[list[float], list[float]]:
    import av

    with av.open(str(path)) as c:
        video = [float(p.pts * p.time_base) for p in c.demux(video=0) if p.pts is not None]
    with av.open(str(path)) as c:
        audio = [float(p.pts * p.time_base) for p in c.demux(audio=0) if p.pts is not None]
    return sorted(video), sorted(audio)


def test_stream_service_record_folder_pause_and_outputs_by_name(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                                tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    port, cfg = _start(home, tmp_path, "--url", nginx.url("orig"), "--record", str(first / "show.mkv"))
    toml_before = cfg.read_text()
    cl = _client(port)
    try:
        # The stream service: the key masked, a new one kept 0600 in the state dir, never in the TOML.
        svc = _send(cl, "GetStreamServiceSettings")
        assert svc["streamServiceType"] == "rtmp_custom" and svc["streamServiceSettings"]["key"] == "****"
        server = svc["streamServiceSettings"]["server"]
        _send(cl, "SetStreamServiceSettings", {"streamServiceType": "rtmp_custom",
                                               "streamServiceSettings": {"server": server, "key": KEY}})
        override = home.state_dir / "stream-service.json"
        assert override.stat().st_mode & 0o077 == 0 and KEY in override.read_text()
        assert cfg.read_text() == toml_before
        _send(cl, "SetStreamServiceSettings", {"streamServiceType": "rtmp_custom",
                                               "streamServiceSettings": {"server": server, "key": "****"}})
        assert KEY in override.read_text(), "**** (what a reader is shown) keeps the key"
        assert _code(cl, "SetStreamServiceSettings", {"streamServiceType": "rtmp_common",
                                                      "streamServiceSettings": {"service": "Twitch"}}) == 703
        _send(cl, "StartStream")
        wait_for(lambda: nginx.publishing(KEY), 20, what="the stream at the key set over obs-websocket")
        assert _code(cl, "SetStreamServiceSettings", {"streamServiceType": "rtmp_custom",
                                                      "streamServiceSettings": {"server": server}}) == 500

        # Outputs by name.
        names = {o["outputName"] for o in _send(cl, "GetOutputList")["outputs"]}
        assert names == {"rtmp", "record"}
        st = wait_for(lambda: (s := _send(cl, "GetOutputStatus", {"outputName": "rtmp"}))["outputBytes"] > 0 and s,
                      15, what="bytes out")
        assert st["outputActive"] is True
        assert _code(cl, "StartOutput", {"outputName": "rtmp"}) == 500
        assert _code(cl, "GetOutputStatus", {"outputName": "nope"}) == 600

        # The record folder, then a real pause: the file goes on with no gap.
        assert _send(cl, "GetRecordDirectory")["recordDirectory"] == str(first)
        _send(cl, "SetRecordDirectory", {"recordDirectory": str(second)})
        assert _send(cl, "GetRecordDirectory")["recordDirectory"] == str(second)
        assert _code(cl, "SetRecordDirectory", {"recordDirectory": str(tmp_path / "missing")}) == 400
        _send(cl, "StartOutput", {"outputName": "record"})
        assert _code(cl, "SetRecordDirectory", {"recordDirectory": str(first)}) == 604, "not while recording"
        started = time.monotonic()
        wait_for(lambda: _send(cl, "GetRecordStatus")["outputBytes"] > 0, 15, what="recording")
        time.sleep(2)
        _send(cl, "PauseRecord")
        assert _send(cl, "GetRecordStatus")["outputPaused"] is True and home.status()["record_paused"] is True
        assert _code(cl, "PauseRecord") == 502
        wait_for(lambda: any(o["state"] == "paused" for o in home.status()["outputs"]), 10, what="paused shown")
        time.sleep(3)
        r = home.rigcast("ctl", "record", "resume")  # ctl and obs-websocket: clients of one command
        assert r.returncode == 0 and "recording resumed" in r.stdout, r.stderr
        assert _send(cl, "GetRecordStatus")["outputPaused"] is False
        time.sleep(2)
        _send(cl, "StopOutput", {"outputName": "record"})
        wall = time.monotonic() - started
        assert _code(cl, "ResumeRecord") == 501
        _send(cl, "StopStream")
        wait_for(lambda: not nginx.publishing(KEY), 15, what="stream stopped")
    finally:
        cl.disconnect()
    rec = second / "show.mkv"
    wait_for(lambda: rec.exists() and rec.stat().st_size > 0, 10, what="the recording in the new folder")
    assert not (first / "show.mkv").exists()
    assert KEY not in json.dumps(home.status()) and KEY not in home.rigcast("ctl", "status").stdout
    home.down()
    video, audio = _mkv_times(rec)
    gaps = [b - a for a, b in zip(video, video[1:], strict=False)]
    assert len(video) > 60 and max(gaps) < 0.2, f"no gap in the video where the pause was: {max(gaps):.2f} s"
    agaps = [b - a for a, b in zip(audio, audio[1:], strict=False)]
    assert audio and max(agaps) < 0.2, f"nor in the audio: {max(agaps):.2f} s"
    assert video[-1] < wall - 2.0, f"the 3 s pause is not in the file: {video[-1]:.1f} s of {wall:.1f} s"
    d = decode(rec)
    assert d.video_codec == "h264" and len(d.times) == len(video), "every frame decodes: it resumed on a keyframe"
    # The key never shows: not in the log, the status (above), the config file.
    assert KEY not in home.log() and KEY not in cfg.read_text()


def _identify(ws: Any, codec: str) -> None:
    def recv() -> dict[str, Any]:
        raw = ws.recv(timeout=10)
        return dict(msgpack.unpackb(raw) if codec == "msgpack" else json.loads(raw))

    auth = recv()["d"]["authentication"]
    secret = base64.b64encode(hashlib.sha256((PASSWORD + auth["salt"]).encode()).digest())
    token = base64.b64encode(hashlib.sha256(secret + auth["challenge"].encode()).digest()).decode()
    _out(ws, codec, {"op": 1, "d": {"rpcVersion": 1, "authentication": token, "eventSubscriptions": 0}})
    assert recv()["op"] == 2


def _out(ws: Any, codec: str, msg: dict[str, Any]) -> None:
    ws.send(msgpack.packb(msg) if codec == "msgpack" else json.dumps(msg))


def _in(ws: Any, codec: str) -> dict[str, Any]:
    raw = ws.recv(timeout=60)
    return dict(msgpack.unpackb(raw) if codec == "msgpack" else json.loads(raw))


@pytest.mark.parametrize("codec", ["msgpack", "json"])
def test_hostile_input_on_both_encodings_while_live(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                    tmp_path: Path, codec: str) -> None:
    port, _ = _start(home, tmp_path, "--url", nginx.url("hostile"), "--live")
    wait_for(lambda: nginx.publishing("hostile"), 15, what="live")
    url, proto = f"ws://127.0.0.1:{port}", [f"obswebsocket.{codec}"]

    with connect(url, subprotocols=proto, proxy=None, max_size=None) as ws:  # type: ignore[arg-type]
        _identify(ws, codec)
        ws.send(b"\xc1\xff\x00garbage" if codec == "msgpack" else "{nope")  # 0xc1: never valid msgpack
        with pytest.raises(Exception):  # noqa: B017
            ws.recv(timeout=10)
        assert ws.close_code == 4002

    with connect(url, subprotocols=proto, proxy=None, max_size=None) as ws:  # type: ignore[arg-type]
        _identify(ws, codec)
        # Sleep past the spec's bounds, Sleep outside a serial batch, wrong types: each refused.
        _out(ws, codec, {"op": 8, "d": {"requestId": "b", "executionType": 0, "requests": [
            {"requestType": "Sleep", "requestData": {"sleepMillis": 60_000}},
            {"requestType": "SetInputMute", "requestData": {"inputName": 5, "inputMuted": "yes"}},
            {"requestType": "GetSceneItemTransform", "requestData": {"sceneName": "Game", "sceneItemId": "1"}},
            {"requestType": "SetSceneItemTransform", "requestData": {
                "sceneName": "Game", "sceneItemId": 2, "sceneItemTransform": {"positionX": "far"}}},
            {"requestType": "GetVersion"}]}})
        codes = [r["requestStatus"]["code"] for r in _in(ws, codec)["d"]["results"]]
        assert codes == [402, 401, 401, 401, 100], codes
        _out(ws, codec, {"op": 8, "d": {"requestId": "p", "executionType": 2, "requests": [
            {"requestType": "Sleep", "requestData": {"sleepMillis": 10}}]}})
        assert _in(ws, codec)["d"]["results"][0]["requestStatus"]["code"] == 206
        # 1000 requests: answered, in order.
        _out(ws, codec, {"op": 8, "d": {"requestId": "k", "requests": [
            {"requestType": "GetStats", "requestId": str(i)} for i in range(1000)]}})
        results = _in(ws, codec)["d"]["results"]
        assert [r["requestId"] for r in results] == [str(i) for i in range(1000)]
        assert all(r["requestStatus"]["result"] for r in results)
        # 10,000: refused whole, before any runs.
        _out(ws, codec, {"op": 8, "d": {"requestId": "x", "requests": [
            {"requestType": "GetStats", "requestId": str(i)} for i in range(10_000)]}})
        with pytest.raises(Exception):  # noqa: B017
            ws.recv(timeout=20)
        assert ws.close_code == 4005

    # The engine streams on, and answers.
    frames = wait_for(lambda: home.status()["stats"].get("frames", 0), 15, what="stats")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > frames + 30, 15, what="the stream going on")
    assert nginx.publishing("hostile")
    cl = _client(port)
    try:
        assert cl.get_stream_status().output_active is True
    finally:
        cl.disconnect()
    assert os.path.exists(home.socket)
