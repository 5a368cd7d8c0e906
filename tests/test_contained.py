"""Failures stay contained and cost follows what is visible — checked in what nginx-rtmp received.

An item blown up 16x costs what its visible part costs (no 20480x11520 scale, no lagged ticks);
a media file that turns to garbage marks its item ``error`` and a SIGKILLed capture process
shows as ``lost`` and is restarted by itself, while the stream goes on.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import numpy as np

from tests.harness import (
    EngineHome,
    FakeApi,
    NginxRtmp,
    XServer,
    decode,
    free_port,
    psnr,
    sample_picture,
    show_image,
    wait_for,
)
from tests.test_scenes import H, W

SCALE = 16
SX, SY = 100, 50  # the source pixel at the canvas's top-left corner


def test_a_16x_item_shows_its_visible_part_with_no_lag(home: EngineHome, nginx: NginxRtmp, xserver: XServer,
                                                       tmp_path: Path) -> None:
    import av

    img = sample_picture(W, H)
    app = show_image(xserver, img, "zoom-target", (60, 60), tmp_path)
    try:
        cfg = tmp_path / "rigcast.toml"
        cfg.write_text(f'''[video]
size = "{W}x{H}"
[[sources]]
name = "game"
kind = "window"
regex = "^zoom-target$"
[[scenes]]
name = "Zoom"
items = [ {{ source = "game", scale = {SCALE}.0, x = {-SX * SCALE}, y = {-SY * SCALE} }} ]
''')
        home.up("--config", str(cfg), "--url", nginx.url("zoom"), "--live")
        wait_for(lambda: nginx.publishing("zoom"), 15, what="live")
        wait_for(lambda: home.status()["stats"].get("frames", 0) > 150, 30, what="five seconds of stream")
        stats = home.status()["stats"]
        home.down()
        nginx.stop()
    finally:
        app.close()
    assert stats["lagged"] == 0, stats
    d = decode(nginx.recordings("zoom")[0], keep_every=10)
    assert len(d.times) >= 140, f"{len(d.times)} frames: the 16x item must not slow the canvas clock"
    # What the old way (scale the whole source, then crop) made, by the same swscale: the reference.
    whole = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(W * SCALE, H * SCALE, "rgb24",
                                                                     interpolation="BILINEAR").to_ndarray()
    want = whole[SY * SCALE: SY * SCALE + H, SX * SCALE: SX * SCALE + W]
    got = d.frames[-2]
    assert psnr(got, want) >= 30, psnr(got, want)


def _media_clip(path: Path) -> None:
    import subprocess

    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=s=160x120:d=1:r=10",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(path)], check=True)


def test_garbage_media_and_a_killed_capture_worker_while_live(home: EngineHome, nginx: NginxRtmp, xserver: XServer,
                                                               tmp_path: Path) -> None:
    img = sample_picture(W, H)
    app = show_image(xserver, img, "contained-target", (60, 60), tmp_path)
    clip = tmp_path / "clip.mp4"
    _media_clip(clip)
    api = FakeApi(free_port(), "contained-token")  # the user's API hears of both failures too
    home.extra_env["CONTAINED_TOKEN"] = "contained-token"
    try:
        cfg = tmp_path / "rigcast.toml"
        cfg.write_text(f'''[video]
size = "{W}x{H}"
[link]
url = "{api.url}"
token_env = "CONTAINED_TOKEN"
[[sources]]
name = "game"
kind = "window"
regex = "^contained-target$"
[[sources]]
name = "clip"
kind = "media"
path = "clip.mp4"
[[scenes]]
name = "Both"
items = [ {{ source = "game" }}, {{ source = "clip", x = 300, y = 180 }} ]
''')
        home.up("--config", str(cfg), "--url", nginx.url("contained"), "--live")
        wait_for(lambda: nginx.publishing("contained"), 15, what="live")

        def source(name: str) -> dict:  # type: ignore[type-arg]
            return next(s for s in home.status()["sources"] if s["name"] == name)

        wait_for(lambda: source("clip")["state"] == "live" and source("game")["state"] == "live", 15, what="both live")
        # The media file turns to garbage: its next loop fails to decode.
        clip.write_bytes(os.urandom(64 * 1024))
        wait_for(lambda: source("clip")["state"] == "error", 15, what="the media item to show error")
        frames = home.status()["stats"]["frames"]
        wait_for(lambda: home.status()["stats"]["frames"] > frames + 60, 15, what="the stream to go on")
        # The game's capture process is killed: lost, a placeholder, then back by itself.
        game = source("game")
        os.kill(game["pid"], signal.SIGKILL)
        wait_for(lambda: source("game").get("restarts", 0) == 1, 15, what="the capture process restarted")
        wait_for(lambda: source("game")["state"] == "live" and source("game")["pid"] != game["pid"], 30,
                 what="the restarted capture to be live")
        frames = home.status()["stats"]["frames"]
        wait_for(lambda: home.status()["stats"]["frames"] > frames + 60, 15, what="the stream to go on after")
        assert nginx.publishing("contained"), "the stream never stopped"
        log = home.log()
        link_events = api.received("event")
        home.down()
        nginx.stop()
    finally:
        app.close()
        api.kill()
    errors = [e["message"] for e in link_events if e.get("event") == "error"]
    assert any("clip: capture failed" in m for m in errors), errors
    assert any("game: its capture process died" in m for m in errors), errors
    link_states = [{s["name"]: s["state"] for s in e["stats"].get("sources", [])}
                   for e in link_events if e.get("event") == "stats"]
    assert any(st.get("clip") == "error" for st in link_states), "the link's stats show the media item's error"
    # One line for each failure, not one a frame or a second.
    assert log.count("clip: capture failed") == 1, log
    assert log.count("game: its capture process died") == 1, log
    d = decode(nginx.recordings("contained")[0])
    assert len(nginx.recordings("contained")) == 1, "one publish: the stream never reconnected"
    gaps = np.diff(d.times)
    assert gaps.max() < 0.5, f"a {gaps.max():.2f} s gap in the stream"
