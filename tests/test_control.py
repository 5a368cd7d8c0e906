"""The engine as a daemon and its control protocol: real engine processes, real nginx-rtmp."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import unix_connect

from tests.harness import EngineHome, NginxRtmp, XApp, alive, decode, wait_for


def one_line_error(r: object) -> str:
    lines = [ln for ln in getattr(r, "stderr").splitlines() if ln.strip()]  # noqa: B009
    assert len(lines) == 1 and lines[0].startswith("rigcast: "), lines
    assert "Traceback" not in getattr(r, "stderr")  # noqa: B009
    return lines[0]


def test_ctl_and_down_without_an_engine(home: EngineHome) -> None:
    for args in (("ctl", "status"), ("ctl", "stream", "start"), ("ctl", "scene", "2"), ("ctl", "status", "--json")):
        r = home.rigcast(*args)
        assert r.returncode == 1
        assert "no rigcast engine is running" in one_line_error(r)
        assert "rigcast up" in r.stderr
    r = home.rigcast("down")
    assert r.returncode == 0 and "nothing to stop" in r.stdout


def test_up_bad_source_fails_in_the_terminal(home: EngineHome) -> None:
    r = home.rigcast("up", "--window", "no-such-window-anywhere")
    assert r.returncode != 0
    assert "no-such-window-anywhere" in one_line_error(r)
    assert home.pid() is None and not home.socket.exists()


def test_up_idle_live_record_down(home: EngineHome, nginx: NginxRtmp, gears: XApp, tmp_path: Path) -> None:
    rec = tmp_path / "daemon.mkv"
    key = "daemonkey"
    r = home.rigcast("up", "--window", "glxgears", "--url", nginx.url(key), "--record", str(rec))
    assert r.returncode == 0, r.stderr + home.log()
    assert "engine up" in r.stdout and "idle" in r.stdout
    pid = home.pid()
    assert pid is not None and alive(pid)
    # Detached: its own session, so the terminal's hangup never reaches it.
    assert os.getsid(pid) != os.getsid(0)
    assert oct(home.socket.stat().st_mode & 0o777) == "0o600"

    # Idle: sources run, nothing is published or recorded.
    st = home.status()
    assert not st["streaming"] and not st["recording"]
    assert [o["state"] for o in st["outputs"]] == ["off", "off"]
    wait_for(lambda: home.status()["sources"][0]["state"] == "live", 15, what="the source to be live while idle")
    assert not nginx.publishing(key) and not rec.exists()

    r = home.rigcast("ctl", "stream", "start")
    assert r.returncode == 0 and "stream started" in r.stdout, r.stderr
    wait_for(lambda: nginx.publishing(key), 15, what="nginx to see the publish")
    r = home.rigcast("ctl", "record", "start")
    assert r.returncode == 0, r.stderr
    wait_for(lambda: rec.exists() and rec.stat().st_size > 50_000, 15, what="the recording to grow")

    # SIGHUP (the terminal going away) does not stop a daemon.
    os.kill(pid, signal.SIGHUP)
    time.sleep(1.5)
    assert alive(pid)
    st = wait_for(lambda: (s := home.status())["stream_uptime_s"] and s, 10, what="status")
    assert st["streaming"] and st["recording"]
    live = next(o for o in st["outputs"] if o["name"] == "rtmp")
    assert live["state"] == "live" and live["target"].endswith("/live/****")
    assert key not in json.dumps(st) and key not in home.log()

    text = home.rigcast("ctl", "status").stdout
    assert "LIVE" in text and "REC" in text and key not in text

    r = home.rigcast("ctl", "stream", "stop")
    assert r.returncode == 0 and "stream stopped" in r.stdout
    wait_for(lambda: not nginx.publishing(key), 15, what="the publish to end")
    assert home.status()["recording"], "stopping the stream must not stop the recording"

    r = home.rigcast("ctl", "scene", "7")
    assert r.returncode == 1 and "no scene 7" in one_line_error(r)
    r = home.rigcast("ctl", "scene", "1")
    assert r.returncode == 0

    r = home.rigcast("down")
    assert r.returncode == 0 and "engine stopped" in r.stdout
    assert not alive(pid) and not home.socket.exists() and home.pid() is None
    d = decode(rec, keep_every=1000)
    assert d.video_codec == "h264" and d.times[-1] - d.times[0] > 2


def test_up_live_starts_streaming_and_a_second_engine_is_refused(home: EngineHome, nginx: NginxRtmp,
                                                                  gears: XApp) -> None:
    r = home.rigcast("up", "--window", "glxgears", "--url", nginx.url("livekey"), "--live")
    assert r.returncode == 0, r.stderr + home.log()
    wait_for(lambda: nginx.publishing("livekey"), 15, what="the stream to go live by itself")
    r = home.rigcast("up", "--window", "glxgears")
    assert r.returncode == 1 and "already running" in one_line_error(r)
    r = home.rigcast("engine", "--window", "glxgears")
    assert r.returncode == 1 and "already running" in one_line_error(r)


class Raw:
    """A protocol client that sends whatever it is told to, for hostile-input tests."""

    def __init__(self, home: EngineHome) -> None:
        self.ws = unix_connect(str(home.socket), "ws://localhost/", max_size=None, compression=None).__enter__()
        self.hello = json.loads(self.ws.recv(timeout=10))

    def send(self, raw: str | bytes) -> None:
        self.ws.send(raw)

    def reply(self, timeout: float = 10) -> dict[str, object]:
        while True:
            msg = json.loads(self.ws.recv(timeout=timeout))
            if msg["type"] == "reply":
                return dict(msg)

    def ask(self, raw: str) -> dict[str, object]:
        self.send(raw)
        return self.reply()


def test_protocol_hostile_input_gets_error_replies_and_the_stream_goes_on(home: EngineHome, nginx: NginxRtmp,
                                                                          gears: XApp) -> None:
    r = home.rigcast("up", "--window", "glxgears", "--url", nginx.url("hostile"), "--live")
    assert r.returncode == 0, r.stderr + home.log()
    wait_for(lambda: nginx.publishing("hostile"), 15, what="live")
    c = Raw(home)
    assert c.hello["type"] == "hello" and c.hello["protocol"] == 1

    def error(raw: str | bytes) -> dict[str, object]:
        rep = c.ask(raw) if isinstance(raw, str) else (c.send(raw), c.reply())[1]
        assert rep["ok"] is False, rep
        err = rep["error"]
        assert isinstance(err, dict)
        return err

    assert error("{not json")["code"] == "bad_json"
    assert error("[1, 2]")["code"] == "bad_request"
    assert error('{"id": 1}')["code"] == "bad_request"
    assert error('{"id": [1], "cmd": "status"}')["code"] == "bad_request"
    assert error('{"id": 2, "cmd": "status", "args": "x"}')["code"] == "bad_request"
    assert error('{"v": 99, "id": 3, "cmd": "status"}')["code"] == "unsupported_version"
    rep = c.ask('{"id": "u1", "cmd": "launch.missiles"}')
    assert rep["id"] == "u1" and rep["error"]["code"] == "unknown_command"  # type: ignore[index]
    assert error('{"id": 4, "cmd": "scene.switch", "args": {"scene": true}}')["code"] == "bad_args"
    assert error('{"id": 5, "cmd": "scene.switch", "args": {}}')["code"] == "bad_args"
    assert error('{"id": 6, "cmd": "source.mute", "args": {"source": "game", "muted": "yes"}}')["code"] == "bad_args"
    assert error('{"id": 7, "cmd": "status", "args": {"extra": 1}}')["code"] == "bad_args"
    assert error('{"id": 8, "cmd": "subscribe", "args": {"events": ["nope"]}}')["code"] == "bad_args"
    big = json.dumps({"id": 9, "cmd": "status", "args": {"pad": "x" * 1_000_000}})
    assert error(big)["code"] == "too_large"
    assert error(b"\xff\xfe binary")["code"] == "bad_json"

    # Many requests in flight on one connection: every one answered, in order.
    for i in range(300):
        c.send(json.dumps({"id": i, "cmd": "status"}))
    assert [c.reply()["id"] for _ in range(300)] == list(range(300))

    # A frame too big to be worth reading closes that connection, and only that one.
    c.send("x" * 5_000_000)
    with pytest.raises(ConnectionClosed):
        c.reply()

    c2 = Raw(home)
    frames0 = wait_for(lambda: home.status()["stats"].get("frames"), 10, what="stats")
    time.sleep(2)
    st = home.status()
    assert st["streaming"] and st["stats"]["frames"] > frames0 and nginx.publishing("hostile")
    assert "Traceback" not in home.log()
    c2.ws.close()


def test_events_state_stats_meters_logs(home: EngineHome, nginx: NginxRtmp, gears: XApp) -> None:
    r = home.rigcast("up", "--window", "glxgears", "--url", nginx.url("events"))
    assert r.returncode == 0, r.stderr + home.log()
    c = Raw(home)
    rep = c.ask('{"id": "s", "cmd": "subscribe", "args": {"events": ["state", "stats", "meter", "log"]}}')
    assert rep["ok"] and rep["data"]["state"]["streaming"] is False  # type: ignore[index]
    # A second client asks for meters at 2 a second: it gets no more than that, each summing
    # the frames between (engine/control/meterrate.py); a rate out of bounds is one clear line.
    slow = Raw(home)
    bad = slow.ask('{"id": "b", "cmd": "subscribe", "args": {"events": ["meter"], "meter_hz": 0}}')
    assert not bad["ok"] and bad["error"]["message"] == (  # type: ignore[index]
        '"meter_hz" must be a number from 1 to 60 (meter frames a second)')
    assert slow.ask('{"id": "m", "cmd": "subscribe", "args": {"events": ["meter"], "meter_hz": 2}}')["ok"]
    slow_since = time.monotonic()
    c.send('{"id": "go", "cmd": "stream.start"}')
    seen: dict[str, list[dict[str, object]]] = {"state": [], "stats": [], "meter": [], "log": []}
    after = dict.fromkeys(seen, 0)
    started: float | None = None
    while started is None or time.monotonic() < started + 4:
        msg = json.loads(c.ws.recv(timeout=30))
        if msg["type"] == "reply" and msg["id"] == "go":
            assert msg["ok"], msg
            started = time.monotonic()
        elif msg["type"] == "event":
            seen[msg["event"]].append(msg["data"])
            if started is not None:
                after[msg["event"]] += 1
    assert any(s["streaming"] for s in seen["state"]), "a state event says the stream started"
    # Rates, not timings: stats about once a second, meter frames several times as often.
    assert 2 <= after["stats"] <= 10, after
    assert after["meter"] >= 2 * after["stats"], after
    slow_meters = 0
    with contextlib.suppress(TimeoutError):
        while True:
            msg = json.loads(slow.ws.recv(timeout=0.5))
            slow_meters += msg.get("event") == "meter"
    slow_s = time.monotonic() - slow_since
    assert 1 <= slow_meters <= 2 * slow_s + 2, (slow_meters, slow_s)
    assert len(seen["meter"]) > slow_meters, "the first client, asking no rate, gets every frame"
    slow.ws.close()
    # The audio track is silence until audio capture exists: the meters say so.
    assert all(m["master"]["peak"] == [-100.0, -100.0] for m in seen["meter"])  # type: ignore[index]
    assert any("stream started" in str(line["msg"]) for line in seen["log"])
    s = seen["stats"][-1]
    out = next(o for o in s["outputs"] if o["name"] == "rtmp")  # type: ignore[attr-defined]
    assert {"state", "kbps", "dropped", "retry_in_s", "uptime_s"} <= set(out)
    assert s["budget_ms"] == pytest.approx(33.33, abs=0.01) and s["encode_ms"] > 0
    c.ws.close()


def test_tcp_endpoint_needs_the_token_and_never_logs_it(home: EngineHome, gears: XApp, tmp_path: Path) -> None:
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    from tests.harness import free_port

    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(f'[control]\ntcp_port = {port}\ntoken_env = "MY_RIGCAST_TOKEN"\n')
    token = "tok-3f9a1c77e2"
    r = run_with_env(home, {"MY_RIGCAST_TOKEN": token}, "up", "--config", str(cfg), "--window", "glxgears",
                     "--record", str(tmp_path / "t.mkv"))
    assert r.returncode == 0, r.stderr + home.log()

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
        with pytest.raises(InvalidStatus) as e:
            connect(f"ws://127.0.0.1:{port}/", additional_headers=headers, proxy=None, open_timeout=5).__enter__()
        assert e.value.response.status_code == 401
    with connect(f"ws://127.0.0.1:{port}/", additional_headers={"Authorization": f"Bearer {token}"},
                 proxy=None, open_timeout=5) as ws:
        assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        ws.send('{"id": 1, "cmd": "status"}')
        assert json.loads(ws.recv(timeout=5))["ok"] is True
    info = home.run_dir / "control.json"
    assert oct(info.stat().st_mode & 0o777) == "0o600"
    assert token not in home.log() and token not in home.rigcast("ctl", "status", "--json").stdout


def run_with_env(home: EngineHome, extra: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    import sys

    return subprocess.run([sys.executable, "-m", "rigcast.engine", *args], env=home.env(**extra), cwd=home.root,
                          capture_output=True, text=True, timeout=90)
