"""The obs-websocket v5 server, driven by obsws-python — a real third-party OBS client."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from pathlib import Path

import obsws_python as obs
import pytest
from websockets.sync.client import connect

from tests.harness import EngineHome, NginxRtmp, XApp, free_port, wait_for

PASSWORD = "obs-pass-7c1e"


def obs_config(home: EngineHome, port: int, video: str = "") -> str:
    """What the obs-websocket tests' configs share: the server on ``port`` with the password
    from MY_OBS_PASSWORD (set in the engine's environment here), and glxgears as "game"."""
    home.extra_env["MY_OBS_PASSWORD"] = PASSWORD
    return f"""{video}
[obs_websocket]
enabled = true
port = {port}
password_env = "MY_OBS_PASSWORD"

[[sources]]
name = "game"
kind = "window"
match = "glxgears"
"""


def start(home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> int:
    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port) + """
[[scenes]]
name = "Game"
items = [ { source = "game" } ]

[[scenes]]
name = "BRB"
items = [ { source = "bg", kind = "color", color = "#ff0000" } ]
""")
    home.up("--config", str(cfg), "--url", nginx.url("obs"))
    return port


def test_obsws_python_switches_scene_and_drives_the_stream(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                           tmp_path: Path) -> None:
    port = start(home, nginx, tmp_path)
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        assert cl.get_version().rpc_version == 1
        names = [s["sceneName"] for s in cl.get_scene_list().scenes]
        assert sorted(names) == ["BRB", "Game"]
        cl.set_current_program_scene("BRB")
        assert cl.get_current_program_scene().current_program_scene_name == "BRB"
        assert home.status()["program_scene"] == "BRB"

        assert cl.get_stream_status().output_active is False
        cl.start_stream()
        wait_for(lambda: nginx.publishing("obs"), 15, what="the stream started over obs-websocket")
        st = wait_for(lambda: (s := cl.get_stream_status()).output_bytes > 0 and s, 10, what="stream status")
        assert st.output_active is True and st.output_duration > 0 and st.output_timecode.startswith("00:00:")
        items = cl.get_scene_item_list("BRB").scene_items
        assert items[0]["sourceName"] == "bg" and items[0]["sceneItemEnabled"] is True
        cl.stop_stream()
        wait_for(lambda: not nginx.publishing("obs"), 15, what="the stream stopped over obs-websocket")
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.set_current_program_scene("Nope")
        assert e.value.code == 600
    finally:
        cl.disconnect()


def test_wrong_password_unknown_requests_and_events(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                    tmp_path: Path) -> None:
    port = start(home, nginx, tmp_path)
    with pytest.raises(Exception):  # noqa: B017  (obsws-python surfaces the 4009 close its own way)
        obs.ReqClient(host="127.0.0.1", port=port, password="wrong", timeout=10)

    with connect(f"ws://127.0.0.1:{port}", subprotocols=["obswebsocket.json"], proxy=None) as ws:  # type: ignore[list-item]
        hello = json.loads(ws.recv(timeout=10))["d"]
        ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": "bad"}}))
        with pytest.raises(Exception):  # noqa: B017
            ws.recv(timeout=10)
        assert ws.close_code == 4009
    assert "authentication" in hello

    with connect(f"ws://127.0.0.1:{port}", subprotocols=["obswebsocket.json"], proxy=None) as ws:  # type: ignore[list-item]
        auth = json.loads(ws.recv(timeout=10))["d"]["authentication"]
        secret = base64.b64encode(hashlib.sha256((PASSWORD + auth["salt"]).encode()).digest())
        token = base64.b64encode(hashlib.sha256(secret + auth["challenge"].encode()).digest()).decode()
        ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": token, "eventSubscriptions": 1 << 2}}))
        assert json.loads(ws.recv(timeout=10))["op"] == 2
        ws.send(json.dumps({"op": 6, "d": {"requestType": "LaunchRockets", "requestId": "x"}}))
        reply = json.loads(ws.recv(timeout=10))["d"]
        assert reply["requestId"] == "x" and reply["requestStatus"]["code"] == 204
        assert home.rigcast("ctl", "scene", "BRB").returncode == 0
        event = json.loads(ws.recv(timeout=10))
        assert event["op"] == 5 and event["d"]["eventType"] == "CurrentProgramSceneChanged"
        assert event["d"]["eventData"]["sceneName"] == "BRB"
    assert PASSWORD not in home.log()


def test_hostile_clients_on_both_servers_while_live(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                     tmp_path: Path) -> None:
    """100 connects without auth on the control TCP port and on obs-websocket, bad JSON, wrong
    types, a 1 MB message: each gets an error reply or a close; the stream goes on."""
    import asyncio

    from websockets.asyncio.client import connect as aconnect
    from websockets.exceptions import ConnectionClosed, InvalidStatus

    port = free_port()
    control_port = free_port()
    token = "ctl-tok-81be44f0"
    cfg = tmp_path / "hostile.toml"
    cfg.write_text(f'[control]\ntcp_port = {control_port}\ntoken_env = "MY_CTL_TOKEN"\n'
                   f'[obs_websocket]\nenabled = true\nport = {port}\npassword_env = "MY_OBS_PASSWORD"\n')
    home.extra_env.update({"MY_OBS_PASSWORD": PASSWORD, "MY_CTL_TOKEN": token})
    home.up("--config", str(cfg), "--window", "glxgears", "--url", nginx.url("hostile"), "--live")
    wait_for(lambda: nginx.publishing("hostile"), 15, what="live")

    async def control_unauthenticated() -> int:
        try:
            async with aconnect(f"ws://127.0.0.1:{control_port}/", proxy=None, open_timeout=20):
                return 0
        except InvalidStatus as e:
            return int(e.response.status_code)

    async def obs_unauthenticated(i: int) -> int | None:
        async with aconnect(f"ws://127.0.0.1:{port}", proxy=None, open_timeout=20, max_size=None) as ws:
            await ws.recv()  # Hello
            if i % 4 == 0:
                await ws.send(json.dumps({"op": 6, "d": {"requestType": "StartStream", "requestId": "x"}}))
            elif i % 4 == 1:
                await ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1}}))  # no authentication
            elif i % 4 == 2:
                await ws.send("{nope")
            else:
                await ws.send("x" * (1024 * 1024))
            try:
                await asyncio.wait_for(ws.recv(), 20)
            except ConnectionClosed:
                pass
            return ws.close_code

    async def storm() -> tuple[list[int], list[int | None]]:
        a = await asyncio.gather(*(control_unauthenticated() for _ in range(100)))
        b = await asyncio.gather(*(obs_unauthenticated(i) for i in range(100)))
        return list(a), list(b)

    control_codes, obs_codes = asyncio.run(storm())
    assert control_codes == [401] * 100
    assert [obs_codes[i] for i in range(4)] == [4007, 4009, 4002, 1009]
    assert sorted(set(obs_codes)) == [1009, 4002, 4007, 4009]

    # Identified, a wrong type and a missing field get request errors; the socket stays open.
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.send("SetInputMute", {"inputName": 5, "inputMuted": "yes"})
        assert e.value.code == 401
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.send("SetCurrentProgramScene", {})
        assert e.value.code == 300
        assert cl.get_stream_status().output_active is True
    finally:
        cl.disconnect()
    frames = wait_for(lambda: home.status()["stats"].get("frames", 0), 15, what="stats")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > frames + 30, 15, what="the stream going on")
    assert nginx.publishing("hostile")
    assert token not in home.log() and PASSWORD not in home.log()


def test_every_identified_client_hears_each_event(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                  tmp_path: Path) -> None:
    """Two Stream Deck-like clients at once: a scene switch reaches both, not just the first."""
    port = start(home, nginx, tmp_path)
    with contextlib.ExitStack() as stack:
        clients = []
        for _ in range(2):
            ws = stack.enter_context(connect(f"ws://127.0.0.1:{port}", subprotocols=["obswebsocket.json"],  # type: ignore[list-item]
                                             proxy=None))
            auth = json.loads(ws.recv(timeout=10))["d"]["authentication"]
            secret = base64.b64encode(hashlib.sha256((PASSWORD + auth["salt"]).encode()).digest())
            token = base64.b64encode(hashlib.sha256(secret + auth["challenge"].encode()).digest()).decode()
            ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": token,
                                               "eventSubscriptions": 1 << 2}}))
            assert json.loads(ws.recv(timeout=10))["op"] == 2
            clients.append(ws)
        assert home.rigcast("ctl", "scene", "BRB").returncode == 0
        for ws in clients:
            event = json.loads(ws.recv(timeout=10))["d"]
            assert event["eventType"] == "CurrentProgramSceneChanged" and event["eventData"]["sceneName"] == "BRB"


def _obs_config(tmp_path: Path, port: int, extra: str = "") -> Path:
    cfg = tmp_path / "obs.toml"
    cfg.write_text(f'[obs_websocket]\nenabled = true\nport = {port}\npassword_env = "UNSET_OBS_PASSWORD_VAR"\n{extra}'
                   '[[sources]]\nname = "game"\nkind = "window"\nmatch = "glxgears"\n')
    return cfg


def test_no_password_configured_means_a_generated_one_shown_only_by_obs_info(
        home: EngineHome, nginx: NginxRtmp, gears: XApp, tmp_path: Path) -> None:
    """As OBS does: enabling the server without a password generates one, kept 0600 in the state
    dir; `rigcast ctl obs-info` shows it and nothing else does."""
    port = free_port()
    home.up("--config", str(_obs_config(tmp_path, port)), "--url", nginx.url("gen"))
    with connect(f"ws://127.0.0.1:{port}", subprotocols=["obswebsocket.json"], proxy=None) as ws:  # type: ignore[list-item]
        assert "authentication" in json.loads(ws.recv(timeout=10))["d"], "a password is required"
        ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1}}))
        with pytest.raises(Exception):  # noqa: B017
            ws.recv(timeout=10)
        assert ws.close_code == 4009
    info = home.rigcast("ctl", "obs-info")
    assert info.returncode == 0, info.stderr
    fields = dict(line.split(None, 1) for line in info.stdout.splitlines())
    assert fields["server"] == "127.0.0.1" and fields["port"] == str(port)
    password = fields["password"]
    assert len(password) >= 16 and password.isalnum()
    stored = home.state_dir / "obs-websocket.json"
    assert stored.stat().st_mode & 0o077 == 0
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=password, timeout=15)
    try:
        assert cl.get_version().rpc_version == 1
    finally:
        cl.disconnect()
    status = home.rigcast("ctl", "status", "--json")
    assert json.loads(status.stdout)["obs_websocket"]["auth"] == "generated"
    for text in (home.log(), status.stdout, home.rigcast("ctl", "status").stdout):
        assert password not in text
    # The engine restarted keeps the same password (a tool's saved settings keep working).
    home.down()
    home.up("--config", str(_obs_config(tmp_path, port)), "--url", nginx.url("gen"))
    again = dict(line.split(None, 1) for line in home.rigcast("ctl", "obs-info").stdout.splitlines())
    assert again["password"] == password


def test_auth_off_only_on_loopback(home: EngineHome, nginx: NginxRtmp, gears: XApp, tmp_path: Path) -> None:
    port = free_port()
    lan = _obs_config(tmp_path, port, 'bind = "0.0.0.0"\nauth = false\n')
    r = home.rigcast("up", "--config", str(lan), "--url", nginx.url("open"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "auth" in r.stderr and "127.0.0.1" in r.stderr, r.stderr
    assert home.pid() is None

    home.up("--config", str(_obs_config(tmp_path, port, "auth = false\n")), "--url", nginx.url("open"))
    cl = obs.ReqClient(host="127.0.0.1", port=port, password="", timeout=15)
    try:
        assert cl.get_version().rpc_version == 1
    finally:
        cl.disconnect()
    assert "password none" in home.rigcast("ctl", "obs-info").stdout


def test_repeated_failed_logins_from_one_address_are_slowed_down(
        home: EngineHome, nginx: NginxRtmp, gears: XApp, tmp_path: Path) -> None:
    import time

    port = start(home, nginx, tmp_path)

    def failed_login() -> float:
        with connect(f"ws://127.0.0.1:{port}", subprotocols=["obswebsocket.json"], proxy=None) as ws:  # type: ignore[list-item]
            ws.recv(timeout=10)
            t = time.monotonic()
            ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": "guess"}}))
            with pytest.raises(Exception):  # noqa: B017
                ws.recv(timeout=30)
            assert ws.close_code == 4009
            return time.monotonic() - t

    waits = [failed_login() for _ in range(4)]
    # A lower bound only: the brake adds 0.5, 1 and then 2 s; nothing here can be faster.
    assert waits[3] >= 2.0, waits
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=30)  # the right one still works
    cl.disconnect()


def test_what_companion_asks_at_connect_is_answered_truthfully(home: EngineHome, nginx: NginxRtmp, gears: XApp,
                                                                tmp_path: Path) -> None:
    """Studio mode off and no replay buffer configured: answered as OBS answers without them (false,
    506, 604), never a fake success; the rest from the engine's real state."""
    port = start(home, nginx, tmp_path)
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        assert cl.get_studio_mode_enabled().studio_mode_enabled is False
        cl.set_studio_mode_enabled(False)
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.get_current_preview_scene()
        assert e.value.code == 506
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.trigger_studio_mode_transition()
        assert e.value.code == 506
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.get_replay_buffer_status()
        assert e.value.code == 604
        video = cl.get_video_settings()
        canvas = home.status()["engine"]["canvas"]
        assert f"{video.base_width}x{video.base_height}" == canvas and video.fps_numerator == 30
        assert cl.get_profile_list().profiles == ["rigcast"]
        names = {o["outputName"]: o["outputActive"] for o in cl.get_output_list().outputs}
        assert names == {"rtmp": False, "record": False}, names
        assert cl.toggle_record().output_active is True
        wait_for(lambda: home.status()["recording"], 10, what="recording from ToggleRecord")
        wait_for(lambda: {o["outputName"]: o["outputActive"] for o in cl.get_output_list().outputs}["record"], 10,
                 what="the record output listed as active")
        assert cl.toggle_record().output_active is False
    finally:
        cl.disconnect()
