"""Several encodes for several destinations: one 1280x720@30 3000 kbps stream and one 640x360@30
800 kbps stream (an output with a ``video`` table of its own) from the same scene, to nginx-rtmp.

Both are decoded at their own size and rate, and both show a scene switch on the same canvas
tick. Which tick a frame is from is read off the picture: the game is a clip whose frames carry
their number as eight black/white blocks, so the two streams are compared by content, not by
timestamps each output rebases to its own start.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from tests.harness import EngineHome, NginxRtmp, decode, looks_like, wait_for

BITS = 8
BLUE = (0, 0, 255)


@pytest.fixture(scope="module")
def numbered_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Frame n shows n's bits as white blocks on grey, left to right, most significant first."""
    path = tmp_path_factory.mktemp("clip") / "numbered.mp4"
    boxes = ",".join(f"drawbox=x={40 + 70 * i}:y=40:w=60:h=60:color=white:t=fill:"
                     f"enable='eq(mod(floor(n/{2 ** (BITS - 1 - i)}),2),1)'" for i in range(BITS))
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"color=c=gray:s=640x360:r=30,{boxes}", "-t", "8", "-c:v", "libx264", "-preset", "ultrafast",
                    "-qp", "0", str(path)], check=True)
    return path


def marked_scenes(clip: Path, size: str, extra: str = "") -> str:
    """A config of two scenes over the numbered clip: "play" shows it alone, "marked" adds a
    blue box in its lower-right quarter; cut between them. ``extra``: more TOML after it."""
    w, h = (int(v) for v in size.split("x"))
    return f"""
[video]
size = "{size}"
fps = 30
bitrate = 3000

[transition]
kind = "cut"

[[sources]]
name = "game"
kind = "media"
path = "{clip}"

[[scenes]]
name = "play"
items = [ {{ source = "game" }} ]

[[scenes]]
name = "marked"
items = [ {{ source = "game" }}, {{ source = "mark", kind = "color", color = "#0000ff", size = "{w // 4}x{h // 4}", x = {w * 3 // 4}, y = {h * 3 // 4} }} ]
""" + extra


def frame_number(rgb: np.ndarray) -> int:
    """The number a frame of the clip carries (the clip fills the canvas, whatever its size)."""
    h, w = rgb.shape[:2]
    n = 0
    for i in range(BITS):
        x, y = int((70 + 70 * i) / 640 * w), int(70 / 360 * h)
        n = n * 2 + int(rgb[y, x].mean() > 200)
    return n


def test_two_destinations_get_two_encodes_at_their_own_size_and_the_same_switch(
        home: EngineHome, nginx: NginxRtmp, numbered_clip: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "two.toml"
    cfg.write_text(marked_scenes(numbered_clip, "1280x720", f"""
[[outputs]]
name = "main"
kind = "rtmp"
url = "{nginx.url("big")}"

[[outputs]]
name = "second"
kind = "rtmp"
url = "{nginx.url("small")}"
video = {{ size = "640x360", bitrate = 800 }}
"""))
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("big") and nginx.publishing("small"), 20, what="both streams live")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > 90, 20, what="frames flowing")
    status = {o["name"]: o for o in home.status()["outputs"]}
    assert status["second"]["encode"].startswith("640x360@30 800 kbps"), status["second"]
    assert status["main"]["encode"] is None and status["main"]["bitrate_kbps"] == 3000, status["main"]
    r = home.rigcast("ctl", "scene", "marked")
    assert r.returncode == 0, r.stderr
    wait_for(lambda: home.status()["stats"]["frames"] > 180, 20, what="frames after the switch")
    home.down()
    nginx.stop()

    switched = {}
    for key, size in (("big", (1280, 720)), ("small", (640, 360))):
        d = decode(nginx.recordings(key)[-1], keep_every=1)
        assert d.frames[0].shape[1::-1] == size, f"{key}: decoded at {d.frames[0].shape[1::-1]}, not {size}"
        fps = (len(d.times) - 1) / (d.times[-1] - d.times[0])
        assert 27 <= fps <= 31, f"{key}: {fps:.1f} fps"
        w, h = size
        marked = [looks_like(f[int(h * 0.8):, int(w * 0.8):], BLUE, tol=40) for f in d.frames]
        assert not marked[0] and marked[-1], f"{key}: the switch is in the stream"
        first = marked.index(True)
        assert all(marked[first:]), f"{key}: once switched it stays switched"
        switched[key] = (frame_number(d.frames[first - 1]), frame_number(d.frames[first]))
    big, small = switched["big"], switched["small"]
    print(f"\nthe switch: clip frames (before, at) {switched}")
    # The clip's number at the first marked frame: the same canvas tick in both (a clip frame
    # may show on two ticks when its worker repeats one, hence "within one").
    assert abs(big[1] - small[1]) <= 1, f"the switch in the 720p stream at clip frame {big}, in the 360p one at {small}"
