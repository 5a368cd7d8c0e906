"""The control room: pilot tests against a real engine, layout snapshots, and a tmux session
killed like a dropped SSH connection while the stream goes on."""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from rigcast.engine.vocab import (
    ChatMessage,
    EngineState,
    LinkState,
    LogLine,
    Meter,
    OutputState,
    OutputStatus,
    SourceState,
    StateChanged,
    VideoStats,
)
from rigcast.engine.vocab.reports import Levels, SourceLevels
from rigcast.engine.vocab.reports import SourceRow as ReportedSource
from rigcast.engine.vocab.snapshot import EngineRow, LinkRow, SceneRow, Snapshot, SourceRow, TransitionRow
from rigcast.tui.app import ControlRoom
from tests.harness import ROOT, EngineHome, NginxRtmp, XApp, alive, decode, rigcast_command, wait_for


async def until(pred: Callable[[], Any], timeout: float, what: str) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def test_every_key_drives_the_real_engine(home: EngineHome, nginx: NginxRtmp, gears: XApp, tmp_path: Path) -> None:
    rec = tmp_path / "tui.mkv"
    pid = home.up("--window", "glxgears", "--url", nginx.url("tuikey"), "--record", str(rec))

    async def scenario() -> None:
        app = ControlRoom()
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: app.view.state, 15, "the TUI to attach")
            assert app.view.state is not None and not app.view.state.streaming

            await pilot.press("s")
            await until(lambda: nginx.publishing("tuikey"), 15, "s to start the stream")
            await until(lambda: app.view.state and app.view.state.streaming, 5, "the TUI to show it live")

            await pilot.press("r")
            await until(lambda: rec.exists() and rec.stat().st_size > 20_000, 15, "r to start recording")
            await until(lambda: app.view.state and app.view.state.recording, 5, "the TUI to show recording")

            await pilot.press("m")
            await until(lambda: app.view.sources[0].muted, 5, "m to mute the selected source")
            await pilot.press("m")
            await until(lambda: not app.view.sources[0].muted, 5, "m again to unmute")

            await pilot.press("1")
            await pilot.press("2")  # there is one scene: an error note, nothing changes
            await until(lambda: any("no scene 2" in str(n.message) for n in app._notifications), 5,
                        "the error for a scene that doesn't exist")
            assert app.view.state is not None and app.view.state.program_scene == "game"

            # What the panels show: live output with its masked URL, the log, the meters.
            await until(lambda: any(o.state == "live" for o in app.view.outputs), 10, "the output live")
            await pilot.pause(1.5)
            outputs = str(app.query_one("#outputs").render())
            assert "live" in outputs and "/live/****" in outputs and "tuikey" not in outputs
            assert "LIVE" in str(app.query_one("#status").render())
            assert "master" in app.query_one("#meters").row_text(0) and "silence" in app.query_one("#meters").row_text(0)

            await pilot.press("s")
            await until(lambda: not nginx.publishing("tuikey"), 15, "s to stop the stream")
            await pilot.press("r")
            await until(lambda: app.view.state and not app.view.state.recording, 15, "r to stop recording")

            await pilot.press("q")  # detach
        assert app.return_value == 0

    asyncio.run(scenario())
    assert alive(pid), "q detaches: the engine keeps running"
    assert home.status()["engine"]["pid"] == pid


def test_shift_q_asks_then_stops_the_engine(home: EngineHome, gears: XApp, tmp_path: Path) -> None:
    pid = home.up("--window", "glxgears", "--record", str(tmp_path / "q.mkv"), "--live")

    async def scenario() -> None:
        app = ControlRoom()
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: app.view.state, 15, "the TUI to attach")
            await pilot.press("Q")
            await pilot.pause(0.3)
            assert "Stop the engine?" in str(app.screen.query_one("#confirm-question").render())
            await pilot.press("n")
            await pilot.pause(0.5)
            assert alive(pid)
            await pilot.press("Q")
            await pilot.pause(0.3)
            await pilot.press("y")
            await until(lambda: not alive(pid), 30, "the engine to stop")

    asyncio.run(scenario())
    assert not home.socket.exists()


# -- layout snapshots ----------------------------------------------------------------------------
STATE = Snapshot(
    engine=EngineRow(4242, "0.1.0", 3723.0, EngineState.RUNNING, "encoder: libx264", "1280x720", 30, 0),
    streaming=True, recording=True, stream_uptime_s=3601.0, record_uptime_s=62.0, record_paused=False,
    replay_buffer=False, scenes=(SceneRow(1, "game", ()),), program_scene="game", studio_mode=False,
    preview_scene=None, transition=TransitionRow("fade", 300),
    sources=(SourceRow("game", "window", 'window titled "*Dota*"', SourceState.LIVE, False, {}),),
    outputs=(), link=LinkRow(LinkState.CONNECTED, "wss://api.example.com/rigcast", 0, None, 1))
OUTPUTS = (
    OutputStatus("rtmp", "rtmp", "rtmp://srs.example.com/live/****", OutputState.LIVE, stream=True, kbps=3012.4,
                 bytes=1, dropped=3, dropped_pct=0.1, queue_ms=40, bitrate_kbps=2400, reconnects=1, uptime_s=3500.0),
    OutputStatus("backup", "rtmp", "rtmp://10.0.0.2/live/****", OutputState.RECONNECTING, stream=True, reconnects=4,
                 retry_in_s=6.0),
    OutputStatus("record", "record", "/home/me/Videos/dota.mkv", OutputState.RECORDING, kbps=3000.1, bytes=1,
                 uptime_s=62.0),
)


def _stats(i: int) -> VideoStats:
    game = ReportedSource("game", SourceState.LIVE)
    return VideoStats(uptime_s=float(i), fps=30 - (i % 7 == 0), frames=30 * i, repeated=2, skipped=1, lagged=0,
                      encoder="libx264", encode_ms=6.2, convert_ms=1.1, compose_ms=0.0, capture_ms=0.4,
                      budget_ms=33.33, source=game, sources=(game,), audio={}, program_scene="game",
                      outputs=tuple(replace(o, kbps=o.kbps * (0.8 + 0.2 * ((i * 7) % 5) / 4)) for o in OUTPUTS))


async def feed(pilot: Any) -> None:
    app: ControlRoom = pilot.app
    app.apply_event(StateChanged(STATE))
    for i in range(1, 61):
        app.apply_event(_stats(i))
    app.apply_event(Meter(Levels((-6.0, -9.5), (-18.0, -20.0)), {
        "desk": SourceLevels(Levels((-8.0, -9.0), (-20.0, -21.0)), False, 0.0),
        "mic": SourceLevels(Levels((-30.0, -30.0), (-40.0, -40.0)), True, 0.0)}))
    for t, level, msg in ((0, "INFO", "rtmp: live on rtmp://srs.example.com/live/****"),
                          (5, "WARNING", "backup: network error: connection refused; retry in 6 s"),
                          (9, "INFO", "record: recording to /home/me/Videos/dota.mkv")):
        app.apply_event(LogLine(1_800_000_000 + t, level, "video", "rigcast.video", msg))
    for t, user, color, text in ((3, "nightbot", "#ff4500", "!commands for the list"),
                                 (4, "viewer42", None, "[bold red]markup stays literal[/] gg")):
        app.apply_event(ChatMessage(f"m{t}", "twitch", user, text, color, 1_800_000_000 + t))
    await pilot.pause(0.6)  # past a tick of the room's repaint clock (tui/app.py REPAINT_HZ)
    w, h = app.w_preview.wanted_size() or (8, 8)  # a BRB scene on the program: the thumbnail tinted red
    app.w_preview.image = (w, h, bytes([200, 30, 30]) * (w * h))
    await pilot.pause(0.1)


@pytest.fixture
def utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
def test_layout_snapshot(snap_compare: Any, size: tuple[int, int], utc: None) -> None:
    assert snap_compare(ControlRoom(connect=False), terminal_size=size, run_before=feed)


# -- over SSH: tmux as the terminal, killed like a dropped connection ----------------------------
class Tmux:
    def __init__(self, sock: str, env: dict[str, str]) -> None:
        self.sock, self.env = sock, env

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["tmux", "-L", self.sock, *args], env=self.env, capture_output=True, text=True)

    def start_tui(self, session: str) -> None:
        cwd = ROOT if "RIGCAST_INSTALLED" not in os.environ else Path(self.env["RIGCAST_STATE_DIR"]).parent
        cmd = f"cd {shlex.quote(str(cwd))} && exec {shlex.join(rigcast_command())} tui"
        r = self.run("new-session", "-d", "-s", session, "-x", "100", "-y", "30", cmd)
        assert r.returncode == 0, r.stderr

    def screen(self, session: str) -> str:
        return self.run("capture-pane", "-p", "-t", session).stdout

    def pane_pid(self, session: str) -> int:
        return int(self.run("display-message", "-p", "-t", session, "#{pane_pid}").stdout.strip())


@pytest.mark.installed
def test_tmux_session_killed_stream_survives_and_a_new_tui_reattaches(
        home: EngineHome, nginx: NginxRtmp, gears: XApp) -> None:
    r = home.rigcast("up", "--window", "glxgears", "--url", nginx.url("sshkey"), "--live")
    assert r.returncode == 0, r.stderr + home.log()
    wait_for(lambda: nginx.publishing("sshkey"), 15, what="live")
    tmux = Tmux(f"rigcast-test-{os.getpid()}", home.env(TERM="xterm-256color"))
    try:
        tmux.start_tui("room")
        tmux.start_tui("room2")  # several control rooms may be attached at once
        wait_for(lambda: "LIVE" in tmux.screen("room"), 30, what="the TUI to show LIVE")
        wait_for(lambda: "LIVE" in tmux.screen("room2"), 30, what="the second TUI to show LIVE")
        screen = tmux.screen("room")
        assert "sshkey" not in screen, screen
        wait_for(lambda: "Detach" in tmux.screen("room"), 10, what="the footer")
        tui_pid = tmux.pane_pid("room")

        tmux.run("send-keys", "-t", "room", "r")
        wait_for(lambda: "REC" in tmux.screen("room"), 15, what="r to show REC")
        wait_for(lambda: "REC" in tmux.screen("room2"), 15, what="the other TUI to show REC too")
        assert home.status()["recording"]

        # The SSH session dies: the terminal and everything in it go away.
        tmux.run("kill-server")
        wait_for(lambda: not alive(tui_pid), 10, what="the TUI to die with its terminal")
        rec = nginx.recordings("sshkey")[-1]
        before = decode(rec).times[-1]
        time.sleep(10)
        assert nginx.publishing("sshkey"), "the stream must survive the terminal"
        times = decode(rec).times
        assert times[-1] - before >= 9, "and nginx kept receiving frames for those 10 s"
        gaps = np.diff([t for t in times if t >= before - 1])
        assert gaps.max() < 0.5, f"without a gap: {gaps.max():.2f} s"

        # Log in again: a new control room shows the stream live, with its uptime.
        tmux.start_tui("again")
        wait_for(lambda: "LIVE" in tmux.screen("again"), 30, what="the new TUI to show LIVE")
        text = tmux.screen("again")
        m = re.search(r"LIVE (\d\d):(\d\d):(\d\d)", text)
        assert m, text
        assert int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) >= 10
        assert "REC" in text
    finally:
        tmux.run("kill-server")


@pytest.mark.installed
def test_tui_starts_an_engine_when_none_is_running(home: EngineHome) -> None:
    tmux = Tmux(f"rigcast-solo-{os.getpid()}", home.env(TERM="xterm-256color"))
    try:
        tmux.start_tui("solo")
        wait_for(lambda: "OFF AIR" in tmux.screen("solo"), 60, what="the TUI attached to an engine it started")
        pid = home.pid()
        assert pid is not None and alive(pid)
        wait_for(lambda: "display" in tmux.screen("solo"), 10, what="the default source: the primary display")
        tmux.run("send-keys", "-t", "solo", "Q")
        wait_for(lambda: "Stop the engine?" in tmux.screen("solo"), 10, what="the confirmation")
        tmux.run("send-keys", "-t", "solo", "y")
        wait_for(lambda: not alive(pid), 30, what="the engine to stop")
    finally:
        tmux.run("kill-server")


async def feed_rigs(pilot: Any) -> None:
    """Three rigs: the shown one fed as above; the others' glances as their links would set them."""
    from rigcast.engine.control.rigs import Glance, RigState

    app: ControlRoom = pilot.app
    app.links[1].glance = Glance(RigState.RECORDING, scene="Desk")
    app.links[2].glance = Glance(RigState.UNREACHABLE, why="attic: Connection refused")
    await feed(pilot)
    app.rig_changed(app.links[1])


def test_layout_snapshot_with_rigs(snap_compare: Any, utc: None) -> None:
    """The rig bar takes one row; the room still fits 80x24, every key in the footer."""
    from rigcast.engine.control.client import Endpoint
    from rigcast.engine.control.rigs import Rig
    from rigcast.engine.control.sshlink import SshRoute

    rigs = [Rig(name, Endpoint(ssh=SshRoute(name))) for name in ("den", "studio", "attic")]
    assert snap_compare(ControlRoom(connect=False, rigs=rigs), terminal_size=(80, 24), run_before=feed_rigs)
