"""HEVC and AV1: chosen by ``video.codec``, sent over enhanced RTMP (hvc1/av01 FourCC tags) to
PyAV's own FFmpeg 8 listening as an RTMP server, recorded beside it, and decoded; a codec an
output can't carry or an encoder of another codec is one line before anything starts."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.harness import EngineHome, XApp, free_port, wait_for

DECODES = {"hevc": ("hevc",), "av1": ("libdav1d", "av1", "libaom-av1")}


def _listen(port: int, got: dict[str, Any]) -> None:
    """FFmpeg's RTMP server (listen=1): one publisher, decoded to the end."""
    import av

    try:
        with av.open(f"rtmp://127.0.0.1:{port}/live/cam", "r", options={"listen": "1"}, timeout=60) as c:
            v = c.streams.video[0]
            got["codec"] = v.codec_context.name
            got["frames"] = 0
            for _ in c.decode(v):
                got["frames"] += 1
    except Exception as e:
        # FFmpeg's RTMP server reports the publisher leaving as EIO: after frames, that's the end
        if not got.get("frames"):
            got["error"] = repr(e)


@pytest.mark.parametrize("codec", ["hevc", "av1"])
def test_enhanced_rtmp_carries_the_codec_to_ffmpegs_listener_and_the_recording(
        home: EngineHome, gears: XApp, tmp_path: Path, codec: str) -> None:
    import av

    port = free_port()
    got: dict[str, Any] = {}
    listener = threading.Thread(target=_listen, args=(port, got), daemon=True)
    listener.start()
    time.sleep(1)
    rec = tmp_path / f"{codec}.mkv"
    home.up("--window", "glxgears", "--size", "640x360", "--codec", codec, "--url",
            f"rtmp://127.0.0.1:{port}/live/cam", "--record", str(rec), "--live")
    wait_for(lambda: any(o["state"] == "live" for o in home.status()["outputs"]), 30, what="live over E-RTMP")
    note = home.status()["engine"]["encoder"]  # no GPU here: the hardware ones tried, failed cleanly, fell back
    assert note.startswith(f"encoder: {'libx265' if codec == 'hevc' else 'libsvtav1'}") and f"{codec}_nvenc" in note, note
    wait_for(lambda: got.get("frames", 0) > 90, 30, what="frames decoded by the listener")
    home.down()
    listener.join(30)
    assert got["codec"] in DECODES[codec] and "error" not in got, got
    with av.open(str(rec)) as c:
        v = c.streams.video[0]
        assert v.codec_context.name in DECODES[codec]
        assert sum(1 for _ in c.decode(v)) > 90, "the recording decodes too"


@pytest.mark.parametrize("args,says", [
    (("--codec", "vp9"), "--codec"),
    (("--codec", "hevc", "--encoder", "libx264"), "libx264 makes h264, not hevc"),
])
def test_a_codec_that_cant_be_made_is_one_line(home: EngineHome, gears: XApp, args: tuple[str, ...],
                                               says: str) -> None:
    r = home.rigcast("stream", "--window", "glxgears", "--url", "rtmp://127.0.0.1:1/live/x", *args)
    assert r.returncode == 2, r.stdout + r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0] and "Traceback" not in r.stderr, r.stderr
