"""The PipeWire source against a real PipeWire (and WirePlumber) session, with real producers.

By node: GStreamer's videotestsrc published as a Video/Source node named "gamescope", as
gamescope publishes its output; streamed to nginx-rtmp and decoded. Through the portal: a
stand-in that answers xdg-desktop-portal's documented ScreenCast interface on the private
session bus (tests/portal_standin.py says why and what it does not prove).
"""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from rigcast.config.model import Size
from rigcast.engine.capture.portal import CURSOR_MODES, SOURCE_TYPES, PortalError, TokenStore, pick
from rigcast.engine.capture.pw_nodes import VideoNode, parse_dump
from rigcast.engine.capture.pw_session import find_session
from rigcast.engine.errors import RigcastError
from tests.harness import NginxRtmp, Rigcast, decode, psnr, require_tools, stop_process
from tests.pipewire_parts import TOOLS, PipeWire, reference_frame

FPS = 30
# videotestsrc's SMPTE bars (full range in RGB): (x as a fraction of the width, RGB) for four of seven.
BARS = ((1 / 14, (255, 255, 255)), (3 / 14, (255, 255, 0)), (7 / 14, (0, 255, 0)), (13 / 14, (0, 0, 255)))


# -- rules, without PipeWire -----------------------------------------------------------------------
def test_session_is_ours_when_we_have_one_else_the_desktop_sessions() -> None:
    have = {"/run/user/1000/pipewire-0", "/tmp/x/pipewire-0"}.__contains__
    s = find_session({"XDG_RUNTIME_DIR": "/tmp/x"}, 1000, have)
    assert (s.runtime_dir, s.bus_address) == ("/tmp/x", "unix:path=/tmp/x/bus") and "XDG_RUNTIME_DIR" in s.how
    # Over SSH without a runtime dir: the game session's, and its bus.
    s = find_session({}, 1000, have)
    assert (s.runtime_dir, s.bus_address) == ("/run/user/1000", "unix:path=/run/user/1000/bus")
    # Our runtime dir has no PipeWire (a bare SSH login with logind): still the desktop's.
    assert find_session({"XDG_RUNTIME_DIR": "/run/user/0"}, 1000, have).runtime_dir == "/run/user/1000"
    s = find_session({"PIPEWIRE_RUNTIME_DIR": "/tmp/x", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/b"}, 1000, have)
    assert (s.runtime_dir, s.bus_address) == ("/tmp/x", "unix:path=/b")
    with pytest.raises(RigcastError, match="no PipeWire here.*/run/user/7"):
        find_session({}, 7, have)


def test_only_modes_the_portal_lists_are_asked_for() -> None:
    assert pick("embedded", 3, CURSOR_MODES) == (2, "embedded")
    assert pick("embedded", 1, CURSOR_MODES) == (1, "hidden")  # another would close the session
    assert pick("window", 1, SOURCE_TYPES) == (1, "monitor")
    with pytest.raises(PortalError, match="offers none"):
        pick("window", 4, SOURCE_TYPES)


def test_restore_tokens_are_kept_owner_only_and_replaced(tmp_path: Path) -> None:
    store = TokenStore(tmp_path / "tokens.json")
    assert store.get("game") is None
    store.put("game", "t1")
    store.put("cam", "c1")
    store.put("game", "t2")  # a token works once: the new one replaces it
    assert (store.get("game"), store.get("cam")) == ("t2", "c1")
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600
    (tmp_path / "tokens.json").write_text("not json")
    assert store.get("game") is None  # a damaged file costs one prompt, never the source


def test_a_node_is_named_by_name_serial_or_id() -> None:
    n = VideoNode(id=36, serial=61, name="gamescope", description="gamescope", size=Size(1280, 800))
    assert n.matches("gamescope") and n.matches("61") and n.matches("36")
    assert not n.matches("gamescop") and not n.matches("62")


# -- against a real PipeWire -------------------------------------------------------------------------
@pytest.fixture
def pipewire(tmp_path: Path) -> Iterator[PipeWire]:
    missing = require_tools(*TOOLS)
    if missing:
        pytest.fail(f"missing test tools {missing}; run `bash .ci/run` (it installs them)", pytrace=False)
    pw = PipeWire(tmp_path / "pw")
    pw.start()
    yield pw
    pw.stop()


def _luma(rgb: np.ndarray) -> np.ndarray:
    return np.clip(rgb.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722]), 0, 255)


def _bars(frame: np.ndarray) -> bool:
    """The SMPTE bars are on screen (at any size the canvas fitted them to)."""
    h, w = frame.shape[:2]
    return all(np.abs(frame[h // 6, int(x * w)].astype(int) - rgb).max() < 40 for x, rgb in BARS)


def test_gamescope_node_streams_survives_its_producer_and_follows_a_resize(
        pipewire: PipeWire, nginx: NginxRtmp, tmp_path: Path) -> None:
    producer = pipewire.produce("gamescope", "1280x720")
    env = pipewire.env(RIGCAST_STATE_DIR=str(tmp_path / "state"))
    listed = Rigcast(["windows"], env, tmp_path)
    assert listed.wait(60) == 0, listed.stderr()
    assert "gamescope" in listed.stdout() and "1280x720" in listed.stdout()
    rc = Rigcast(["stream", "--pipewire-node", "gamescope", "--url", nginx.url("gs"), "--size", "1280x720",
                  "--fps", str(FPS)], env, tmp_path)
    try:
        rc.wait_status(lambda l: "game: live" in l and "rtmp: live" in l, 60, "streaming the node")
        time.sleep(6)
        stop_process(producer)
        rc.wait_status(lambda l: "window not found" in l, 30, "the source to report the node gone")
        time.sleep(3)
        n_before = len(rc.status_lines())
        t0 = time.monotonic()
        producer = pipewire.produce("gamescope", "960x540")  # back, at another size
        rc.wait_status(lambda l: "game: live" in l and rc.status_lines().index(l) >= n_before, 60,
                       "the picture to come back without restarting rigcast")
        print(f"picture back {time.monotonic() - t0:.1f} s after the producer was listed again")
        time.sleep(3)
        assert rc.interrupt() == 0, rc.stderr()
    finally:
        rc.close()
        stop_process(producer)
    assert "Traceback" not in rc.stderr()
    sessions = nginx.recordings("gs")
    assert len(sessions) == 1, "one unbroken stream"
    d = decode(sessions[0], keep_every=10)
    first = [t for t in d.times if t < 6]
    assert len(first) >= 27 * (max(first) - min(first)), f"{len(first)} frames in {max(first):.1f} s"
    ref = np.frombuffer(reference_frame("smpte", "1280x720"), np.uint8).reshape(720, 1280, 3)
    bars = slice(0, 720 * 2 // 3)  # the bars; the strip below them holds noise that moves
    # On luma, as video PSNR is measured: full-saturation bar edges lose their chroma to 4:2:0.
    assert psnr(_luma(d.frames[2][bars]), _luma(ref[bars])) >= 30, "the node's own pixels"
    seen = [_bars(f) for f in d.frames]
    assert seen[2] and seen[-1], "the bars before the producer quit and after it came back"
    assert not all(seen), "the gap shows the placeholder, not a frozen frame"
    assert "960x540" in rc.stderr(), "the new size was read"


def _calls(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_portal_conversation_token_kept_and_reused(pipewire: PipeWire, tmp_path: Path) -> None:
    log = tmp_path / "portal.jsonl"
    portal = pipewire.portal("gamescope", log, "--cursor-modes", "1")  # this desktop has no embedded cursor
    state = tmp_path / "state"
    env = pipewire.env(RIGCAST_STATE_DIR=str(state))
    try:
        for run in (1, 2):
            # A producer per run: Debian 12's pipewiresink (mode=provide) feeds only its first consumer.
            producer = pipewire.produce("gamescope", "1280x720")
            rec = tmp_path / f"cast{run}.mkv"
            rc = Rigcast(["stream", "--portal", "window", "--record", str(rec), "--size", "1280x720",
                          "--fps", str(FPS), "--duration", "6"], env, tmp_path)
            try:
                assert rc.wait(90) == 0, rc.stderr()
            finally:
                rc.close()
                stop_process(producer)
            err = rc.stderr()
            assert "Traceback" not in err
            assert "prompt on the game box's own screen" in err, "the user is told where the prompt is"
            d = decode(rec, keep_every=10)
            assert _bars(d.frames[-1]), f"run {run}: the shared node's picture; rigcast said: {err[-2000:]}"
            assert len(d.times) >= 27 * (d.times[-1] - d.times[0]), f"run {run}: {len(d.times)} frames"
    finally:
        stop_process(portal)
    calls = _calls(log)
    methods = [c["method"] for c in calls if "method" in c]
    assert methods == ["CreateSession", "SelectSources", "Start", "OpenPipeWireRemote"] * 2, methods
    selects = [c["options"] for c in calls if c.get("method") == "SelectSources"]
    assert selects[0]["types"] == 2 and selects[0]["persist_mode"] == 2
    assert all(s["cursor_mode"] == 1 for s in selects), "only a listed cursor mode is asked for"
    assert "restore_token" not in selects[0] and "restore_token" in selects[1]
    assert [c["prompts"] for c in calls if "prompts" in c] == [1], "the second start asked nobody"
    assert [c["why"] for c in calls if "closed" in c] == ["Close called"] * 2, "closed by rigcast, not refused"
    assert stat.S_IMODE((state / "portal-tokens.json").stat().st_mode) == 0o600


def test_portal_prompt_cancelled_is_one_line_and_a_placeholder(pipewire: PipeWire, tmp_path: Path) -> None:
    producer = pipewire.produce("gamescope", "1280x720")
    log = tmp_path / "portal.jsonl"
    portal = pipewire.portal("gamescope", log, "--cancel")
    rec = tmp_path / "cancelled.mkv"
    try:
        rc = Rigcast(["stream", "--portal", "window", "--record", str(rec), "--size", "1280x720", "--duration", "4"],
                     pipewire.env(RIGCAST_STATE_DIR=str(tmp_path / "state")), tmp_path)
        assert rc.wait(90) == 0, rc.stderr()
    finally:
        stop_process(portal)
        stop_process(producer)
    err = rc.stderr()
    lines = [line for line in err.splitlines() if "prompt was cancelled" in line]
    assert len(lines) == 1 and "placeholder" in lines[0], err
    assert "Traceback" not in err
    d = decode(rec, keep_every=10)
    assert d.frames and not any(_bars(f) for f in d.frames), "the placeholder, never a picture"
    assert [c["prompts"] for c in _calls(log) if "prompts" in c] == [1], "asked once, not again and again"


def test_pw_dump_is_read_for_video_sources_only() -> None:
    dump = [
        {"id": 36, "type": "PipeWire:Interface:Node", "info": {"props": {
            "media.class": "Video/Source", "node.name": "gamescope", "node.description": "gamescope", "object.serial": 61},
            "params": {"EnumFormat": [{"mediaType": "video", "format": "BGRx", "size": {"width": 1280, "height": 800}}]}}},
        {"id": 40, "type": "PipeWire:Interface:Node", "info": {"props": {
            "media.class": "Audio/Sink", "node.name": "speakers", "object.serial": 70}}},
        {"id": 41, "type": "PipeWire:Interface:Node", "info": {"props": {
            "media.class": "Video/Source", "node.name": "cam", "object.serial": "72"}, "params": {}}},
        {"id": 2, "type": "PipeWire:Interface:Client", "info": {}},
    ]
    assert parse_dump(dump) == [VideoNode(36, 61, "gamescope", "gamescope", Size(1280, 800)),
                                VideoNode(41, 72, "cam", "", None)]
    assert parse_dump({"not": "a list"}) == []
