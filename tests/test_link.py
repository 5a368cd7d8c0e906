"""The link to the user's API, against a real websocket server in its own process
(tests/fake_api.py): commands seen in the decoded stream, chat cleaned and drawn, the link
surviving the API's death and hang, hostile messages answered, ingest URLs from the API."""

from __future__ import annotations

import json
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

from rigcast.engine.control.client import call
from tests.harness import EngineHome, FakeApi, NginxRtmp, decode, free_port, looks_like, run_rigcast, wait_for

TOKEN = "link-tok-5f2b9a0c"
GREEN, BLUE, RED = (0, 255, 0), (0, 0, 255), (255, 0, 0)


def link_schemas() -> dict[str, Any]:
    """The JSON Schemas in docs/link-protocol.md, by message type."""
    from tests.harness import ROOT

    text = (ROOT / "docs" / "link-protocol.md").read_text()
    blocks = [json.loads(b) for b in re.findall(r"```json\n(\{.*?\})\n```", text, re.S) if '"$id"' in b]
    return {b["$id"].split("/")[1]: b for b in blocks}


def check_against_docs(messages: list[dict[str, Any]]) -> None:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = link_schemas()
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
                                         for s in schemas.values())
    for msg in messages:
        jsonschema.Draft202012Validator(schemas[msg["type"]], registry=registry).validate(msg)


def link_config(tmp: Path, api: FakeApi, outputs: str = "", token: str = 'token_env = "MY_LINK_TOKEN"') -> Path:
    cfg = tmp / "rigcast.toml"
    cfg.write_text(f"""
[video]
size = "640x360"
fps = 30

[transition]
kind = "cut"

[link]
url = "{api.url}"
{token}
reconnect_max_s = 2

[[sources]]
name = "caption"
kind = "text"
text = ""
font_size = 40
color = "#00ff00"

[[sources]]
name = "chat"
kind = "chat"
size = "600x120"
font_size = 28
lifetime_s = 600

[[scenes]]
name = "Game"
items = [ {{ source = "bg", kind = "color", color = "#000000" }},
          {{ source = "caption", x = 20, y = 10 }},
          {{ source = "box", kind = "color", color = "#0000ff", size = "60x60", x = 560, y = 10 }},
          {{ source = "chat", x = 20, y = 220 }} ]

[[scenes]]
name = "BRB"
items = [ {{ source = "red", kind = "color", color = "#ff0000" }} ]
{outputs}""")
    return cfg


@pytest.fixture
def api() -> Any:
    a = FakeApi(free_port(), TOKEN)
    yield a
    a.kill()


def up(home: EngineHome, cfg: Path, *args: str) -> None:
    home.extra_env["MY_LINK_TOKEN"] = TOKEN
    home.up("--config", str(cfg), *args)


def frames_past(home: EngineHome, n: int) -> None:
    start = home.status()["stats"].get("frames", 0)
    wait_for(lambda: home.status()["stats"].get("frames", 0) > start + n, 20, what=f"{n} more frames")


def test_api_drives_the_stream_and_chat_over_the_link(home: EngineHome, nginx: NginxRtmp, api: FakeApi,
                                                      tmp_path: Path) -> None:
    up(home, link_config(tmp_path, api), "--url", nginx.url("link"))
    hello = wait_for(lambda: api.received("hello"), 20, what="hello")[0]
    assert hello["protocol"] == 1 and hello["engine"]["version"] and len(hello["engine"]["id"]) == 16
    caps = hello["engine"]["capabilities"]
    assert "switch_scene" in caps["commands"] and caps["chat"] is True
    assert hello["state"]["program_scene"] == "Game" and hello["state"]["streaming"] is False
    assert home.status()["link"]["state"] == "connected"

    r = api.command("c1", "get_state")
    assert r["ok"] is True and r["data"]["program_scene"] == "Game"
    assert api.command("c2", "start_stream") == {"type": "result", "id": "c2", "ok": True,
                                                 "data": {"streaming": True}}
    wait_for(lambda: nginx.publishing("link"), 15, what="live")
    wait_for(lambda: any(e.get("event") == "stream_state" and e["streaming"] for e in api.received("event")),
             10, what="a stream_state event")
    frames_past(home, 45)
    assert api.command("c3", "set_text", source="caption", text="WWWW")["ok"] is True
    api.send({"type": "chat", "id": "m1", "platform": "twitch", "user": "vi\x1b[31mewer", "color": "#ffcc00",
              "text": "hello \x1b]0;pwned\x07world\x1b[2J \u202eyes\x07\x00"})
    chat = wait_for(lambda: call("subscribe", {"events": ["chat"]})["chat"], 10, what="the chat message")
    assert chat[-1]["user"] == "viewer" and chat[-1]["text"] == "hello world yes"
    assert chat[-1]["platform"] == "twitch" and chat[-1]["color"] == "#ffcc00"
    frames_past(home, 45)
    assert api.command("c4", "set_item_visible", scene="Game", source="box", visible=False)["ok"] is True
    # The same id again (a retry after a reconnect): answered from the cache, not run again.
    api.send({"type": "command", "id": "c4", "command": "set_item_visible",
              "args": {"scene": "Game", "source": "box", "visible": True}})
    first, again = wait_for(lambda: len(r := [m for m in api.received("result") if m["id"] == "c4"]) == 2 and r,
                            10, what="the repeated command's answer")
    assert again == first and again["data"]["changes"] == {"visible": False}
    frames_past(home, 45)
    box = next(it for sc in home.status()["scenes"] if sc["name"] == "Game" for it in sc["items"]
               if it["source"] == "box")
    assert box["visible"] is False
    assert api.command("c5", "switch_scene", scene="BRB")["data"] == {"program_scene": "BRB"}
    wait_for(lambda: any(e.get("event") == "scene_changed" and e["scene"] == "BRB" for e in api.received("event")),
             10, what="a scene_changed event")
    bad = {cid: api.command(cid, cmd, **args)["error"]["code"] for cid, cmd, args in (
        ("c6", "switch_scene", {"scene": "Nope"}), ("c7", "fly", {}), ("c8", "set_volume", {"source": 1}),
        ("c9", "set_item_visible", {"scene": "Game", "source": "box"}))}
    assert bad == {"c6": "unknown_scene", "c7": "unknown_command", "c8": "bad_args", "c9": "bad_args"}
    frames_past(home, 45)
    assert any(e.get("event") == "stats" and e["stats"]["frames"] > 0 for e in api.received("event"))
    check_against_docs(api.received())  # every message the engine sent, as documented
    home.down()
    nginx.stop()
    assert TOKEN not in home.log()

    d = decode(nginx.recordings("link")[0], keep_every=1)
    text_px = [int(((f[10:60, 20:200, 1] > 200) & (f[10:60, 20:200, 0] < 80)).sum()) for f in d.frames]
    chat_px = [int((f[220:340, 20:620].max(axis=2) > 150).sum()) for f in d.frames]
    box_on = [looks_like(f[15:65, 565:615], BLUE, 30) for f in d.frames]
    red = [looks_like(f, RED, 12) for f in d.frames]
    assert text_px[3] < 20 and max(text_px) > 300, "the caption set over the link shows in the stream"
    assert chat_px[3] < 20 and max(chat_px) > 300, "the chat message drawn by the chat overlay"
    assert box_on[3] and not box_on[red.index(True) - 1], "the box hidden over the link"
    assert red[-1] and not red[3], "switched to BRB over the link"
    # Shown on the stream in the order the commands were sent.
    first_text = next(i for i, n in enumerate(text_px) if n > 300)
    first_chat = next(i for i, n in enumerate(chat_px) if n > 300)
    assert first_text < first_chat < box_on.index(False) < red.index(True)


def test_link_survives_hostile_input_a_burst_a_dead_and_a_hung_api(home: EngineHome, nginx: NginxRtmp,
                                                                   api: FakeApi, tmp_path: Path) -> None:
    up(home, link_config(tmp_path, api), "--url", nginx.url("linkh"), "--live")
    wait_for(lambda: api.received("hello") and nginx.publishing("linkh"), 20, what="live with the link up")

    api.send({"raw": "{not json"}, {"type": "bogus"}, {"type": "command", "command": "get_state"},
             {"type": "command", "id": "h1", "command": "switch_scene", "args": ["BRB"]}, {"junk": 1024 * 1024},
             {"raw": "[1, 2]"}, {"type": "result", "id": "nobody"}, {"type": "chat", "id": "h2", "user": 5, "text": "x"})
    errors = wait_for(lambda: len(e := api.received("error")) >= 7 and e, 20, what="error replies")
    assert [e["error"]["code"] for e in errors[:7]] == [
        "bad_json", "unknown_type", "bad_message", "too_large", "bad_message", "unknown_request", "bad_args"]
    assert api.result("h1")["error"]["code"] == "bad_args"
    # A chat flood is rate limited, not queued without end.
    api.send(*({"type": "chat", "user": "spam", "text": f"msg {i}"} for i in range(200)))
    wait_for(lambda: any(e["error"]["code"] == "rate_limited" for e in api.received("error")), 20,
             what="rate limiting")

    # 1,000 commands in a burst: every one answered, in the order sent.
    burst = [{"type": "command", "id": f"b{i}", "command": "switch_scene" if i % 100 == 0 else "get_state",
              "args": {"scene": "BRB" if i % 200 else "Game"} if i % 100 == 0 else {}} for i in range(1000)]
    t0 = time.monotonic()
    api.send(*burst)
    wait_for(lambda: len([m for m in api.received("result") if m["id"].startswith("b")]) >= 1000, 120,
             interval=0.2, what="1,000 results")
    print(f"1,000 commands answered in {time.monotonic() - t0:.1f} s")  # a figure, not an assertion
    results = [m for m in api.received("result") if m["id"].startswith("b")]
    check_against_docs(api.received())
    check_against_docs(burst[:3])  # and what an API sends
    assert [m["id"] for m in results] == [f"b{i}" for i in range(1000)]
    assert all(m["ok"] for m in results)

    # The API dies: the stream goes on, the link says so, and comes back when the API does.
    api.kill()
    wait_for(lambda: home.status()["link"]["state"] != "connected", 15, what="the link noticing the API died")
    assert nginx.publishing("linkh")
    api.start()
    wait_for(lambda: home.status()["link"]["state"] == "connected", 30, what="the link reconnecting")
    assert len(api.received("hello")) == 2 and home.status()["link"]["connects"] == 2

    # The API hangs (SIGSTOP: TCP still up, nothing answers): pings find it out.
    api.stop_process(signal.SIGSTOP)
    t0 = time.monotonic()
    st = wait_for(lambda: (s := home.status()["link"])["state"] != "connected" and s, 40, what="a hung API noticed")
    print(f"hung API noticed after {time.monotonic() - t0:.1f} s: {st['error']}")
    assert "ping" in st["error"]
    api.stop_process(signal.SIGCONT)
    assert nginx.publishing("linkh") and home.status()["streaming"] is True
    status = json.dumps(home.status())
    assert TOKEN not in status and TOKEN not in home.log()
    out = home.rigcast("ctl", "status").stdout
    assert "link" in out and api.url.split("//")[1].split("/")[0] in out


def test_ingest_url_comes_from_the_api(home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> None:
    api = FakeApi(free_port(), TOKEN, ingest=nginx.url("from-api-77"))
    try:
        token_file = tmp_path / "link token"
        token_file.write_text(TOKEN + "\n")
        token_file.chmod(0o600)
        cfg = link_config(tmp_path, api, '\n[[outputs]]\nname = "main"\nkind = "rtmp"\n',
                          token=f'token_file = "{token_file}"')
        home.up("--config", str(cfg))  # the token from a file this time, not the environment
        wait_for(lambda: home.status()["link"]["state"] == "connected", 20, what="the link")
        r = home.rigcast("ctl", "stream", "start")
        assert r.returncode == 0, r.stderr
        wait_for(lambda: nginx.publishing("from-api-77"), 15, what="publishing where the API said")
        req = api.received("request")[0]
        assert req["request"] == "ingest" and req["args"] == {"output": "main"}
        assert "from-api-77" not in home.rigcast("ctl", "status").stdout  # the key is masked
        assert home.rigcast("ctl", "stream", "stop").returncode == 0
        api.kill()
        wait_for(lambda: home.status()["link"]["state"] != "connected", 15, what="the link down")
        r = home.rigcast("ctl", "stream", "start")
        assert r.returncode != 0 and "link to your API" in r.stderr and "Traceback" not in r.stderr
    finally:
        api.kill()


def test_wss_link_verifies_the_api_certificate(home: EngineHome, tmp_path: Path) -> None:
    """TLS with the system CAs: a private certificate is refused until ca_file names it."""
    api = FakeApi(free_port(), TOKEN, tls_dir=tmp_path / "tls")
    try:
        up(home, link_config(tmp_path, api))
        st = wait_for(lambda: (s := home.status()["link"])["state"] == "disconnected" and s, 20, what="refusal")
        assert "certificate" in st["error"].lower() and not api.received("hello")
        home.down()
        assert api.cert is not None
        cfg = link_config(tmp_path, api, token=f'token_env = "MY_LINK_TOKEN"\nca_file = "{api.cert}"')
        up(home, cfg)
        wait_for(lambda: api.received("hello"), 20, what="hello over wss://")
        assert home.status()["link"]["state"] == "connected"
    finally:
        api.kill()


def test_link_config_errors_are_one_line(home: EngineHome, tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    for body, expect in (('[link]\nurl = "ws://api.example.com/x"\n', "use wss://"),
                         ('[link]\nurl = "wss://api.example.com/x"\ntoken = "abc"\n', "never written in the config"),
                         ('[[outputs]]\nkind = "rtmp"\n', "or a [link]")):
        cfg.write_text(body)
        r = home.rigcast("stream", "--config", str(cfg), "--display", "0", "--duration", "1")
        assert r.returncode != 0 and expect in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    cfg.write_text('[link]\nurl = "wss://api.example.com/x"\ntoken_env = "NOT_SET_ANYWHERE"\n')
    r = home.rigcast("up", "--config", str(cfg), "--display", "0")
    assert r.returncode != 0 and "NOT_SET_ANYWHERE is not set" in r.stderr, r.stderr


def test_chat_from_the_api_in_the_control_room(home: EngineHome, api: FakeApi, tmp_path: Path) -> None:
    import asyncio

    from rigcast.tui.app import ControlRoom

    up(home, link_config(tmp_path, api))
    wait_for(lambda: api.received("hello"), 20, what="hello")

    async def scenario() -> str:
        app = ControlRoom()
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(150):
                if app.view.state is not None and app.view.state.link.state == "connected":
                    break
                await asyncio.sleep(0.1)
            api.send({"type": "chat", "id": "t1", "platform": "twitch", "user": "\x1b]2;owned\x07nightbot",
                      "text": "[bold red]not markup[/] \x1b[5mblink\x1b[0m\x1b[?1049h ok"})
            for _ in range(150):
                if app.w_chat.lines:
                    break
                await asyncio.sleep(0.1)
            await pilot.pause(0.3)
            chat = " ".join(" ".join(line.text for line in app.w_chat.lines).split())
            return "\n".join([chat, app.w_status.render().plain, app.export_screenshot()])

    shown = asyncio.run(scenario())
    assert "nightbot: [bold red]not markup[/] blink ok" in shown
    assert "\x1b" not in shown and "owned" not in shown and "link connected" in shown


def test_foreground_stream_publishes_where_the_api_says(home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> None:
    """`rigcast stream` with a [link] and no URL anywhere: it goes live as soon as the API answers."""
    api = FakeApi(free_port(), TOKEN, ingest=nginx.url("fg-from-api"))
    try:
        cfg = link_config(tmp_path, api)
        r = run_rigcast(["stream", "--config", str(cfg), "--record", str(tmp_path / "fg.mkv"), "--duration", "6"],
                        home.env(MY_LINK_TOKEN=TOKEN), tmp_path)
        assert r.returncode == 0, r.stderr
        assert api.received("request")[0]["args"] == {"output": "stream"}
        nginx.stop()
        d = decode(nginx.recordings("fg-from-api")[0])
        assert d.video_codec == "h264" and len(d.times) > 30
    finally:
        api.kill()
