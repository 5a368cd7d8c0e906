"""obs-websocket's rules on their own: the coverage table against the registry, transforms
both ways, output phases as OBS's states, the stream service's server/key split."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from rigcast.engine.control.changes import changes
from rigcast.engine.control.obs import coverage, server  # noqa: F401  (server: every request module registers)
from rigcast.engine.control.obs.events import obs_events
from rigcast.engine.control.obs.protocol import SUB_ALL, RequestFailed
from rigcast.engine.control.obs.requests import NOTES, REQUESTS
from rigcast.engine.control.obs.transform import item_changes, transform_of
from rigcast.engine.vocab import EngineState, OutputState
from rigcast.engine.vocab.snapshot import EngineRow, IdleOutput, ItemRow, Snapshot, TransitionRow
from tests.harness import ROOT


def test_every_request_of_the_protocol_is_answered_and_the_doc_is_current() -> None:
    names = coverage.all_requests()
    assert len(names) == 147 and len(set(names)) == 147
    missing = [n for n in names if n not in REQUESTS and n != "Sleep"]
    assert not missing, f"registered nowhere (they'd answer 204): {missing}"
    assert not set(REQUESTS) - set(names), "a request the protocol doesn't have"
    assert (ROOT / "docs" / "obs-websocket.md").read_text() == coverage.render(), \
        "run: python -m rigcast.engine.control.obs.coverage > docs/obs-websocket.md"


def test_every_event_is_accounted_for_and_the_sent_ones_are_made() -> None:
    events = coverage.all_events()
    assert len(events) == 60
    assert set(coverage.EVENTS_SENT) | set(coverage.EVENTS_NOT_SENT) == set(events)
    assert not set(coverage.EVENTS_SENT) & set(coverage.EVENTS_NOT_SENT)
    made = set(re.findall(r'"([A-Z][A-Za-z]+)"', (ROOT / "engine/control/obs/events.py").read_text()))
    assert set(coverage.EVENTS_SENT) <= made, set(coverage.EVENTS_SENT) - made


def test_a_refused_request_is_refused_with_its_status() -> None:
    import asyncio

    from rigcast.engine.control.obs.requests import Ctx, answer

    refused = [n for n, (kind, _) in NOTES.items() if kind == "refused"]
    assert "StartVirtualCam" in refused and "GetReplayBufferStatus" not in refused
    ctx = Ctx(None, dict, dict)  # type: ignore[arg-type]  (a refusal never touches the bus or the state)
    for name in refused:
        out = asyncio.run(answer(ctx, {"requestType": name, "requestId": "1"}))
        code = int(NOTES[name][1].split(":")[0])
        assert out["requestStatus"] == {"result": False, "code": code, "comment": NOTES[name][1].split(": ", 1)[1]}


ROW = ItemRow(source="g", visible=True, x=0, y=0, scale=None, opacity=1.0, width=None, height=None, fit="fit",
              crop=(0, 0, 0, 0), filters=())


@pytest.mark.parametrize("row,index", [(ROW, 0), (replace(ROW, scale=0.5, x=10, y=20), 1),
                                       (replace(ROW, width=300, height=100, fit="fill", crop=(2, 0, 0, 4)), 1)])
def test_a_transform_sent_back_unchanged_changes_nothing(row: ItemRow, index: int) -> None:
    t = transform_of(row, (640, 480), (1280, 720), index)
    assert item_changes(t, row, (640, 480), (1280, 720), index) == {}


def test_transforms_map_to_item_fields() -> None:
    t = transform_of(ROW, (640, 480), (1280, 720), 0)
    assert (t["positionX"], t["scaleX"], t["width"], t["boundsType"]) == (160, 1.5, 960, "OBS_BOUNDS_NONE")
    assert item_changes({"positionX": 170}, ROW, (640, 480), (1280, 720), 0) == {"x": 10}, "fit offset kept"
    assert item_changes({"scaleX": 0.5, "scaleY": 0.5, "positionX": 100}, ROW, (640, 480), (1280, 720), 0) == {
        "scale": 0.5, "x": 100}
    assert item_changes({"boundsType": "OBS_BOUNDS_SCALE_INNER", "boundsWidth": 320, "boundsHeight": 180},
                        ROW, (640, 480), (1280, 720), 1) == {"fit": "fit", "width": 320, "height": 180}
    assert item_changes({"cropTop": 8}, ROW, (640, 480), (1280, 720), 1) == {"crop": [0, 8, 0, 0]}
    for bad in ({"rotation": 90}, {"scaleX": 1, "scaleY": 2}, {"boundsType": "OBS_BOUNDS_MAX_ONLY"},
                {"alignment": 0}):
        with pytest.raises(RequestFailed) as e:
            item_changes(bad, ROW, (640, 480), (1280, 720), 1)
        assert e.value.code == 703, bad
    with pytest.raises(RequestFailed) as e:
        item_changes({"positionX": "far"}, ROW, (640, 480), (1280, 720), 1)
    assert e.value.code == 401


def _st(streaming: bool, state: str, recording: bool = False, paused: bool = False) -> Snapshot:
    engine = EngineRow(1, "0", 0.0, EngineState.RUNNING, "libx264", "1280x720", 30, 0)
    return Snapshot(engine, streaming, recording, None, None, paused, False, (), "A", False, None,
                    TransitionRow("cut", 0), (), (
                        IdleOutput("rtmp", "rtmp", "x", True, False, OutputState(state)),
                        IdleOutput("record", "record", "/r.mkv", False, False,
                                   OutputState.RECORDING if recording else OutputState.OFF)))


def _states(a: Snapshot, b: Snapshot) -> list[str]:
    return [e["d"]["eventData"]["outputState"].removeprefix("OBS_WEBSOCKET_OUTPUT_")
            for e in obs_events(changes(a, b), SUB_ALL, b)]


def test_output_phases_are_told_as_obs_states() -> None:
    assert _states(_st(False, "off"), _st(True, "off")) == ["STARTING"]
    assert _states(_st(True, "connecting"), _st(True, "live")) == ["STARTED"]
    assert _states(_st(False, "off"), _st(True, "live")) == ["STARTING", "STARTED"], "a jump told step by step"
    assert _states(_st(True, "live"), _st(True, "reconnecting")) == ["RECONNECTING"]
    assert _states(_st(True, "reconnecting"), _st(True, "live")) == ["RECONNECTED"]
    assert _states(_st(True, "live"), _st(False, "stopping")) == ["STOPPING"]
    assert _states(_st(False, "stopping"), _st(False, "stopped")) == ["STOPPED"]
    assert _states(_st(True, "live"), _st(False, "off")) == ["STOPPING", "STOPPED"]
    assert _states(_st(False, "off", True), _st(False, "off", True, paused=True)) == ["PAUSED"]
    assert _states(_st(False, "off", True, paused=True), _st(False, "off", True)) == ["RESUMED"]


def test_the_stream_service_splits_a_url_as_obs_does() -> None:
    from rigcast.config.kinds import Role, find

    split, join = find(Role.OUTPUT, "rtmp").service.split, find(Role.OUTPUT, "rtmp").service.join
    assert split("rtmp://h:1935/live/key?x=1") == ("rtmp://h:1935/live", "key?x=1")
    assert split("rtmp://h/live") == ("rtmp://h/live", "")
    assert join("rtmp://h/live/", "/k") == "rtmp://h/live/k"
    assert join(*split("rtmps://h/app/sub/key")) == "rtmps://h/app/sub/key"
