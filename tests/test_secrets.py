"""A stream key given to rigcast appears nowhere a local user or a screen could read it.

One engine started by ``rigcast up`` with a known key in its URL, live to nginx, a second
output refused by the server (its error text goes to status and the TUI), the control room
attached: the key is searched for in the whole log, the crash log, the status JSON, the
control room's screen, and the command line of the engine and of every worker process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from pathlib import Path

from rigcast.engine.logsetup import MaskingFilter
from rigcast.tui.app import ControlRoom
from tests.harness import EngineHome, NginxRtmp, XApp, process_tree, wait_for

KEY = "sk_live_9f8e7d6c5b4a"



def test_the_key_is_nowhere_to_be_read(home: EngineHome, nginx: NginxRtmp, gears: XApp, tmp_path: Path) -> None:
    pid = home.up("--window", "glxgears", "--url", nginx.url(KEY), "--url", nginx.url(KEY + "x", app="deny"),
                  "--live")
    wait_for(lambda: nginx.publishing(KEY), 15, what="live")
    status = wait_for(lambda: (s := home.status()) and any(o["state"] == "rejected" for o in s["outputs"]) and s,
                      30, what="the second output refused")
    processes = process_tree(pid)
    assert len(processes) >= 3, "the engine, its video process and its capture worker"
    cmdlines = {p: open(f"/proc/{p}/cmdline", "rb").read().replace(b"\0", b" ").decode() for p in processes}

    async def screen() -> str:
        app = ControlRoom()
        async with app.run_test(size=(120, 40)) as pilot:
            end = time.monotonic() + 15
            while time.monotonic() < end and not any(o.state == "rejected" for o in app.view.outputs):
                await asyncio.sleep(0.1)
            await pilot.pause(1.0)
            return app.export_screenshot()

    tui = asyncio.run(screen())
    assert "rejected" in tui, "the control room shows the refused output"
    json_status = home.rigcast("ctl", "status", "--json").stdout
    assert json.loads(json_status)["outputs"], json_status
    home.down()
    places = {"engine.log": home.log(), "status JSON": json_status, "status": json.dumps(status),
              "the control room": tui, **{f"/proc/{p}/cmdline": c for p, c in cmdlines.items()}}
    crash = home.state_dir / "crash.log"
    if crash.exists():
        places["crash.log"] = crash.read_text()
    found = [where for where, text in places.items() if KEY in text]
    assert not found, f"the stream key is readable in: {found}"
    assert "/live/****" in home.log() or "****" in json_status


def test_a_traceback_in_the_log_is_masked_too(tmp_path: Path) -> None:
    from rigcast.config.secrets import remember_secret

    remember_secret(KEY)
    log_file = tmp_path / "log"
    handler = logging.FileHandler(log_file)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("rigcast.test-secrets")
    logger.addHandler(handler)
    try:
        try:
            raise ConnectionError(f"could not reach rtmp://example.invalid/live/{KEY}?token={KEY}")
        except ConnectionError:
            logger.exception("publishing failed")
    finally:
        logger.removeHandler(handler)
        handler.close()
    text = log_file.read_text()
    assert "Traceback" in text and "ConnectionError" in text
    assert KEY not in text, text


def test_the_url_can_come_from_the_environment(home: EngineHome, nginx: NginxRtmp, gears: XApp) -> None:
    """`--url` on a command line is readable by local users while it runs; $RIGCAST_URL is not."""
    home.extra_env["RIGCAST_URL"] = nginx.url(KEY)
    pid = home.up("--window", "glxgears", "--live")
    wait_for(lambda: nginx.publishing(KEY), 15, what="live from $RIGCAST_URL")
    for p in process_tree(pid):
        assert KEY not in open(f"/proc/{p}/cmdline", "rb").read().decode(errors="replace")


def test_up_rewrites_only_the_subcommand() -> None:
    from rigcast.engine.cli import engine_argv

    assert engine_argv(["up", "--window", "up"]) == ["engine", "--window", "up"]
    assert engine_argv(["-v", "up", "--live", "--record", "up.mkv"]) == ["-v", "engine", "--live", "--record", "up.mkv"]


def test_text_from_outside_is_cleaned_and_masked() -> None:
    from rigcast.config.secrets import remember_secret
    from rigcast.engine.capture.matching import WindowInfo
    from rigcast.engine.untrusted import from_outside

    remember_secret(KEY)
    said = from_outside(f"\x1b]0;owned\x07NetStream.Publish.BadName \x1b[2J{KEY}\r\nnext\u202e line")
    assert "\x1b" not in said and "\r" not in said and "\u202e" not in said
    assert KEY not in said and "NetStream.Publish.BadName" in said
    assert len(from_outside("W" * 100_000)) == 300
    win = WindowInfo(1, "Game\x1b[31m red\x07", "cls", None, 0, 0, 10, 10)
    assert win.label == "Game red" and "\x1b" in win.title, "matching still sees the title as it is"
