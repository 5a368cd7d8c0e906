"""The control protocol's wire format, pinned: every message a real engine sends a client is
valid against the JSON Schemas in docs/control-protocol.md.

The schemas close every object (``additionalProperties: false``) and give every state its
enum, so a field added, renamed, dropped or retyped anywhere in ``state``, ``status`` or an
event fails here. They were written from what the engine emitted before its state became
typed, so they hold the wire format still while the code behind it changes.

One engine with one source, output and feature of each family shown (a captured window, drawn
colour/text/chat sources, desktop audio on a PulseAudio null sink; RTMP to nginx, a recording,
the replay buffer; obs-websocket; studio mode), driven through the commands that change the
state while a client subscribed to every event listens.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from pathlib import Path
from typing import Any

from rigcast.engine.commands import TABLE
from rigcast.engine.control.client import AsyncControlClient
from rigcast.engine.vocab.reports import BusEvent
from rigcast.engine.vocab.results import Subscribed
from rigcast.engine.vocab.wire import to_wire, value
from tests.harness import ROOT, EngineHome, NginxRtmp, Pulse, XApp, free_port, wait_for

#: Every event of the control protocol (engine/control/bus.py EVENTS), each of which must be seen.
EVENTS = ("state", "stats", "meter", "log", "chat")


def control_schemas() -> dict[str, Any]:
    """The JSON Schemas in docs/control-protocol.md, by the name after ``rigcast-control/``."""
    text = (ROOT / "docs" / "control-protocol.md").read_text()
    blocks = [json.loads(b) for b in re.findall(r"```json\n(\{.*?\})\n```", text, re.S) if '"$id"' in b]
    return {b["$id"].split("/", 1)[1]: b for b in blocks}


def validator(name: str) -> Any:
    import jsonschema
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    schemas = control_schemas()
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s, default_specification=DRAFT202012))
                                         for s in schemas.values())
    return jsonschema.Draft202012Validator(schemas[name], registry=registry)


def _config(home: EngineHome, nginx: NginxRtmp, tmp: Path) -> Path:
    cfg = tmp / "rigcast.toml"
    (tmp / "replays").mkdir()
    cfg.write_text(f"""[video]
size = "640x360"
fps = 30

[obs_websocket]
enabled = true
port = {free_port()}
auth = false

[replay]
seconds = 5
path = "{tmp / "replays"}"

[[sources]]
name = "game"
kind = "window"
match = "glxgears"

[[sources]]
name = "card"
kind = "color"
color = "#ff0000"
size = "100x100"

[[sources]]
name = "caption"
kind = "text"
text = "hello"

[[sources]]
name = "chat"
kind = "chat"
size = "300x120"

[[sources]]
name = "desk"
kind = "desktop_audio"

[[scenes]]
name = "Play"
items = [{{ source = "game" }}, {{ source = "card", x = 10, y = 10 }}, {{ source = "caption", x = 10, y = 200 }},
         {{ source = "chat", x = 300, y = 200 }}]

[[scenes]]
name = "BRB"
items = [{{ source = "card" }}]

[[outputs]]
name = "rtmp"
kind = "rtmp"
url = "{nginx.url("schemas")}"

[[outputs]]
name = "rec"
kind = "record"
path = "{tmp / "rec.mkv"}"
""")
    return cfg


def test_every_message_the_engine_sends_matches_the_documented_schemas(
        home: EngineHome, nginx: NginxRtmp, gears: XApp, pulse: Pulse, tmp_path: Path) -> None:
    home.extra_env.update(pulse.env())
    home.up("--config", str(_config(home, nginx, tmp_path)))
    os.environ.update(pulse.env())
    got: dict[str, list[dict[str, Any]]] = {name: [] for name in EVENTS}
    typed: list[BusEvent] = []
    replies: list[tuple[str, Any]] = []
    hello: dict[str, Any] = {}

    async def drive() -> dict[str, Any]:
        c = AsyncControlClient(on_wire=lambda name, data: got.setdefault(name, []).append(data),
                               on_event=typed.append)
        await c.connect()
        hello.update(c.hello)
        try:
            replies.append(("subscribe", await c.request("subscribe", {})))
            for cmd, args in (("stream.start", {}), ("record.start", {}), ("replay.start", {}),
                              ("scene.switch", {"scene": "BRB"}), ("scene.switch", {"scene": 1}),
                              ("source.mute", {"source": "desk"}), ("studio.set", {"enabled": True}),
                              ("scene.preview", {"scene": "BRB"}), ("studio.set", {"enabled": False}),
                              ("chat.post", {"user": "viewer", "text": "hi"}),
                              ("text.set", {"source": "caption", "text": "changed"})):
                replies.append((cmd, await c.request(cmd, args)))
            await asyncio.sleep(0.5)
            await wait_async(lambda: all(got[e] for e in EVENTS) and any(
                o.get("state") == "live" for s in got["state"] for o in s["outputs"]), 30)
            return dict(await c.request("status"))
        finally:
            for cmd in ("replay.stop", "record.stop", "stream.stop"):
                replies.append((cmd, await c.request(cmd)))
            await c.close()

    status = asyncio.run(drive())
    if os.environ.get("RIGCAST_DUMP_WIRE"):  # how the schemas were first written: from real output
        Path(os.environ["RIGCAST_DUMP_WIRE"]).write_text(json.dumps(
            {"status": status, "events": got, "replies": replies, "hello": hello}, indent=1))
    problems = []
    for name, seen in got.items():
        v = validator(f"event/{name}")
        problems += [f"{name}: {e.message} at {list(e.absolute_path)}" for d in seen for e in v.iter_errors(d)]
    problems += [f"hello: {e.message} at {list(e.absolute_path)}" for e in validator("hello").iter_errors(hello)]
    stats = status.pop("stats")
    assert stats, "status carries the last stats"
    problems += [f"status: {e.message} at {list(e.absolute_path)}" for e in validator("state").iter_errors(status)]
    problems += [f"status.stats: {e.message} at {list(e.absolute_path)}"
                 for e in validator("event/stats").iter_errors(stats)]
    assert not problems, "\n".join(sorted(set(problems))[:30])
    for name in EVENTS:
        assert got[name], f"no {name} event arrived"
    states = got["state"]
    assert {o["state"] for s in states for o in s["outputs"]} >= {"off", "live", "recording"}
    assert {s["studio_mode"] for s in states} == {True, False}

    # The control client reads every event back into the engine's own types, and those types
    # make exactly the JSON that came: nothing is lost or renamed on the way.
    assert len(typed) == sum(len(v) for v in got.values())
    raw = [(name, d) for name, seen in got.items() for d in seen]
    for ev in typed:
        assert [ev.EVENT, json.loads(json.dumps(ev.wire()))] in [[n, d] for n, d in raw], ev.EVENT
    # Every command's answer is its command's result class, and makes the same JSON again.
    table = {c.name: c.args for c in TABLE}
    for cmd, data in replies:
        if cmd in table:
            back = to_wire(value(table[cmd].RESULT, data))
            assert json.loads(json.dumps(back)) == data, cmd
    assert Subscribed.from_wire(replies[0][1]).state is not None


async def wait_async(pred: Any, timeout: float) -> None:
    end = asyncio.get_running_loop().time() + timeout
    while not pred():
        assert asyncio.get_running_loop().time() < end, "timed out waiting for every event and a live output"
        await asyncio.sleep(0.1)


def assert_valid(name: str, message: dict[str, Any]) -> None:
    """``message`` (a ``status`` reply's data, or an event's) matches its documented schema."""
    message = dict(message)
    stats = message.pop("stats", None) if name == "status" else None
    errors = [f"{e.message} at {list(e.absolute_path)}"
              for e in validator("state" if name == "status" else f"event/{name}").iter_errors(message)]
    if stats:
        errors += [f"stats: {e.message} at {list(e.absolute_path)}" for e in validator("event/stats").iter_errors(stats)]
    assert not errors, "\n".join(errors[:20])


def test_the_documented_enums_are_the_engines_own() -> None:
    from rigcast.engine.vocab.reports import EventName
    from rigcast.engine.vocab.states import EngineState, LinkState, OutputState, SourceState

    schemas = control_schemas()
    state = schemas["state"]["properties"]
    assert schemas["source-state"]["enum"] == [s.value for s in SourceState]
    assert schemas["output"]["properties"]["state"]["enum"] == [s.value for s in OutputState]
    assert state["link"]["properties"]["state"]["enum"] == [s.value for s in LinkState]
    assert state["engine"]["properties"]["state"]["enum"] == [s.value for s in EngineState]
    assert set(EVENTS) == {e.value for e in EventName} == {n.removeprefix("event/") for n in schemas
                                                              if n.startswith("event/")}


def test_the_typed_state_emits_what_the_schemas_describe() -> None:
    """The snapshot tree (engine/vocab/snapshot.py) with every optional part present, and with
    every one absent, turned into JSON as a socket sends it: valid against ``state`` and the
    ``state`` event's schema."""
    from rigcast.config.kinds.srt import SrtStats
    from rigcast.engine.vocab.reports import OutputStatus, StateChanged, event_from_wire
    from rigcast.engine.vocab.snapshot import (
        EngineRow,
        IdleOutput,
        ItemRow,
        LinkRow,
        ObsWebsocketRow,
        SceneRow,
        Snapshot,
        SourceRow,
        TransitionRow,
    )
    from rigcast.engine.vocab.states import EngineState, LinkState, OutputState, SourceState

    engine = EngineRow(4242, "0.1.0", 12.5, EngineState.RUNNING, "encoder: libx264", "1280x720", 30, 3)
    scenes = (SceneRow(1, "A", (ItemRow("game", True, 0, 0, None, 1.0, None, None, "fit", (0, 0, 0, 0), ()),
                                ItemRow("cam", False, 10, 20, 0.5, 0.8, 320, 180, "fill", (1, 2, 3, 4),
                                        ({"kind": "chroma_key", "color": "#00ff00"},)))),
              SceneRow(2, "B", ()))
    full = Snapshot(
        engine, True, True, 10.0, 5.0, True, True, scenes, "A", True, "A", TransitionRow("fade", 300),
        (SourceRow("game", "window", 'window titled "x"', SourceState.LIVE, False, {"match": "x"}, (640, 480),
                   (99, 1)),
         SourceRow("desk", "desktop_audio", "what the box plays", SourceState.LIVE, True, {"volume_db": -3.0},
                   audio=True, volume_db=-3.0)),
        (OutputStatus("srt", "srt", "srt://h:9000", OutputState.LIVE, stream=True, kbps=2500.0, queue_ms=40,
                      bitrate_kbps=2400, link=SrtStats(rtt_ms=2.0, send_mbps=2.5, lost=0, retransmitted=0,
                                                       send_buffer_ms=20, dropped=0)),
         OutputStatus("rec", "record", "/r.mkv", OutputState.RECORDING)),
        LinkRow(LinkState.CONNECTED, "wss://api/x", 1.0, None, 1),
        ObsWebsocketRow(True, "127.0.0.1", 4455, "generated", "RIGCAST_OBS_PASSWORD"))
    bare = Snapshot(engine, False, False, None, None, False, False, scenes, "A", False, None, TransitionRow("cut", 0), (),
                    (IdleOutput("rtmp", "rtmp", "rtmp://h/live/****", True, False),))
    for snap in (full, bare):
        wire = json.loads(json.dumps(snap.wire()))
        assert_valid("status", wire)
        assert_valid("state", json.loads(json.dumps(StateChanged(snap).wire())))
        assert Snapshot.from_wire(wire) == snap, "a control client reads back the engine's own types"
        assert event_from_wire("state", wire) == StateChanged(snap)
