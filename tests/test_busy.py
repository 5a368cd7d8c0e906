"""A busy stream name is told apart from a refusal: nginx-rtmp's BadName while another
publisher (the ffmpeg CLI) holds the name, and live by itself once it lets go; the rule for
servers that just close (SRS keeping our own dropped session) on its own."""

from __future__ import annotations

import subprocess
import time
from types import SimpleNamespace
from typing import Any

from rigcast.engine.output.rtmp import BUSY_FOR_S, RtmpOutput
from tests.harness import EngineHome, NginxRtmp, XApp, decode, wait_for


def _rtmp(home: EngineHome) -> dict[str, Any]:
    return dict(next(o for o in home.status()["outputs"] if o["stream"]))


def test_a_name_another_publisher_holds_is_busy_then_live_when_it_is_free(
        home: EngineHome, nginx: NginxRtmp, gears: XApp) -> None:
    ff = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi", "-i",
                           "testsrc=size=320x240:rate=30", "-c:v", "libx264", "-preset", "ultrafast", "-f", "flv",
                           nginx.url("held")], stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: nginx.publishing("held"), 20, what="the ffmpeg CLI publishing")
        home.up("--window", "glxgears", "--url", nginx.url("held"), "--live")
        busy = wait_for(lambda: (o := _rtmp(home))["state"] == "busy" and o, 20, what="stream busy")
        assert "stream busy on server" in (busy["error"] or "") and "BadName" in busy["error"], busy
        assert "rejected" not in busy["error"]
        # Retried every second: between two tries it is "connecting" again (longer on a loaded box).
        seen = set()
        end = time.monotonic() + 3
        while time.monotonic() < end:
            seen.add(_rtmp(home)["state"])
            time.sleep(0.2)
        assert "busy" in seen and seen <= {"busy", "connecting"}, f"still busy while the name is held, never " \
                                                                 f"called a refusal: {seen}"
    finally:
        ff.terminate()
        ff.wait(15)
    wait_for(lambda: _rtmp(home)["state"] == "live", 20, what="live by itself once the name is free")
    wait_for(lambda: nginx.publishing("held"), 10, what="nginx receiving rigcast")
    time.sleep(3)
    home.down()
    nginx.stop()
    d = decode(nginx.recordings("held")[-1])  # the last publisher's: rigcast's, after the wait
    assert d.video_codec == "h264" and len(d.times) > 60, "the stream after the wait decodes"


def test_a_close_right_after_publish_soon_after_our_own_loss_is_busy_for_a_while() -> None:
    now = time.monotonic()
    out: Any = SimpleNamespace(lost_at=now - 2, busy_since=None, error=None)
    assert RtmpOutput._busy_or_rejected(out, "closed") == "busy" and "busy" in out.error
    out.busy_since = now - BUSY_FOR_S - 1  # retried long enough: now it is what it looks like
    assert RtmpOutput._busy_or_rejected(out, "closed") == "rejected" and out.error == "rejected by server: closed"
    fresh: Any = SimpleNamespace(lost_at=None, busy_since=None, error=None)  # a fresh start: a refusal
    assert RtmpOutput._busy_or_rejected(fresh, "closed") == "rejected"
    old: Any = SimpleNamespace(lost_at=now - 30, busy_since=None, error=None)  # our loss long ago
    assert RtmpOutput._busy_or_rejected(old, "closed") == "rejected"
