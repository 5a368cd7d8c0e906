"""Scenes and the compositor: overlays where the config puts them, scenes switched and items
hidden/moved live through the command bus — all checked in the stream nginx-rtmp received."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import numpy as np
import pytest

from tests.harness import (
    EngineHome,
    NginxRtmp,
    XServer,
    decode,
    looks_like,
    psnr,
    sample_picture,
    show_image,
    wait_for,
)

W, H = 480, 320
BLUE = (0, 0, 255)
RED = (255, 0, 0)


def png(path: Path, w: int, h: int, color: str) -> Path:
    subprocess.run(["convert", "-size", f"{w}x{h}", f"xc:{color}", f"PNG32:{path}"], check=True)
    return path


def scene_config(tmp: Path, transition: str = "cut", duration_ms: int = 0, extra_item: str = "") -> Path:
    png(tmp / "logo.png", 64, 48, "#0000ff")
    cfg = tmp / "rigcast.toml"
    cfg.write_text(f"""
[video]
fps = 30

[transition]
kind = "{transition}"
duration_ms = {duration_ms}

[[sources]]
name = "game"
kind = "window"
regex = "^scene-target$"

[[sources]]
name = "logo"
kind = "image"
path = "logo.png"

[[scenes]]
name = "Game"
items = [ {{ source = "game" }}, {{ source = "logo", x = 40, y = 30, my_note = "keep me" }}{extra_item} ]

[[scenes]]
name = "BRB"
items = [ {{ source = "bg", kind = "color", color = "#ff0000" }} ]
""")
    return cfg


@pytest.fixture
def target(xserver: XServer, tmp_path: Path) -> np.ndarray:
    img = sample_picture(W, H)
    app = show_image(xserver, img, "scene-target", (60, 60), tmp_path)
    yield img
    app.close()


def test_overlay_at_its_position_then_hidden_and_moved_live(home: EngineHome, nginx: NginxRtmp,
                                                             target: np.ndarray, tmp_path: Path) -> None:
    cfg = scene_config(tmp_path)
    home.up("--config", str(cfg), "--url", nginx.url("overlay"), "--live")
    wait_for(lambda: nginx.publishing("overlay"), 15, what="live")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > 60, 15, what="two seconds of stream")
    r = home.rigcast("ctl", "item", "Game", "logo", "--hide")
    assert r.returncode == 0 and "(saved)" in r.stdout, r.stderr
    wait_for(lambda: home.status()["stats"]["frames"] > 130, 15, what="frames without the logo")
    r = home.rigcast("ctl", "item", "Game", "logo", "--show", "--x", "300", "--y", "200")
    assert r.returncode == 0, r.stderr
    wait_for(lambda: home.status()["stats"]["frames"] > 200, 15, what="frames with the logo moved")
    home.down()
    nginx.stop()

    d = decode(nginx.recordings("overlay")[0], keep_every=1)
    at_first, moved = (slice(30, 78), slice(40, 104)), (slice(200, 248), slice(300, 364))
    phases = [("shown", True, False), ("hidden", False, False), ("moved", False, True)]
    seen = []
    for f in d.frames:
        state = next((name for name, first, second in phases
                      if looks_like(f[at_first], BLUE) == first and looks_like(f[moved], BLUE) == second), None)
        if state and (not seen or seen[-1] != state):
            seen.append(state)
    assert seen == ["shown", "hidden", "moved"], seen
    # Outside the overlay, the window's own pixels.
    first = d.frames[10]
    assert psnr(first[100:, 120:], target[100:, 120:]) >= 30
    # The change was saved to the config file, the user's unknown key kept.
    items = tomllib.loads(cfg.read_text())["scenes"][0]["items"]
    assert items[1] == {"source": "logo", "x": 300, "y": 200, "my_note": "keep me", "visible": True}


@pytest.mark.parametrize("transition,ms", [("cut", 0), ("fade", 300)])
def test_ctl_scene_switches_within_the_transition(home: EngineHome, nginx: NginxRtmp, target: np.ndarray,
                                                  tmp_path: Path, transition: str, ms: int) -> None:
    key = f"switch{transition}"
    home.up("--config", str(scene_config(tmp_path, transition, ms)), "--url", nginx.url(key), "--live")
    wait_for(lambda: nginx.publishing(key), 15, what="live")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > 45, 15, what="game frames")
    r = home.rigcast("ctl", "scene", "BRB")
    assert r.returncode == 0 and "BRB" in r.stdout, r.stderr
    assert home.status()["program_scene"] == "BRB"
    wait_for(lambda: home.status()["stats"]["frames"] > 110, 15, what="BRB frames")
    home.down()
    nginx.stop()

    d = decode(nginx.recordings(key)[0], keep_every=1)
    kinds = []
    for f in d.frames:
        if psnr(f[100:, 120:], target[100:, 120:]) >= 30:
            kinds.append("game")
        elif looks_like(f, RED, tol=12):
            kinds.append("brb")
        else:
            kinds.append("mixed")
    assert kinds[0] == "game" and kinds[-1] == "brb", kinds
    first_brb = kinds.index("brb")
    last_game = max(i for i, k in enumerate(kinds) if k == "game")
    assert last_game < first_brb, "once switched, the old scene never comes back"
    between = first_brb - last_game - 1
    allowed = round(ms / 1000 * 30) + 2  # the transition plus two frames
    assert between <= allowed, f"{between} frames between the scenes, allowed {allowed}"
    if transition == "fade":
        assert between >= allowed - 4, "a fade shows intermediate frames"


def test_text_source_updated_through_the_bus(home: EngineHome, nginx: NginxRtmp, target: np.ndarray,
                                             tmp_path: Path) -> None:
    cfg = scene_config(tmp_path, extra_item=', { source = "caption", kind = "text", text = "", '
                                            'font_size = 40, color = "#00ff00", x = 200, y = 120 }')
    home.up("--config", str(cfg), "--url", nginx.url("text"), "--live")
    wait_for(lambda: nginx.publishing("text"), 15, what="live")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > 30, 15, what="frames")
    r = home.rigcast("ctl", "text", "caption", "WWWW")
    assert r.returncode == 0, r.stderr
    wait_for(lambda: home.status()["stats"]["frames"] > 80, 15, what="frames with the text")
    home.down()
    nginx.stop()
    d = decode(nginx.recordings("text")[0], keep_every=1)
    box = (slice(120, 170), slice(200, 330))
    green = [int(((f[box][..., 1] > 200) & (f[box][..., 0] < 80)).sum()) for f in d.frames]
    assert green[5] < 20, "no text before it was set"
    assert green[-1] > 300, "the text drawn in green where the item is"


def test_media_source_loops_at_its_own_speed(home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=red:s=320x240:d=1:r=10",
                    "-f", "lavfi", "-i", "color=blue:s=320x240:d=1:r=10", "-filter_complex", "concat=n=2:v=1",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(clip)], check=True)
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text('[[sources]]\nname = "loop"\nkind = "media"\npath = "clip.mp4"\n')
    home.up("--config", str(cfg), "--url", nginx.url("media"), "--live")
    wait_for(lambda: nginx.publishing("media"), 15, what="live")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > 200, 20, what="about 7 s of stream")
    home.down()
    nginx.stop()
    d = decode(nginx.recordings("media")[0], keep_every=1)
    assert d.frames[0].shape == (240, 320, 3), "the canvas is the clip's size"
    colors = ["red" if looks_like(f, RED, 40) else "blue" if looks_like(f, BLUE, 40) else "?" for f in d.frames]
    runs: list[tuple[str, int]] = []
    for c in colors:
        if runs and runs[-1][0] == c:
            runs[-1] = (c, runs[-1][1] + 1)
        else:
            runs.append((c, 1))
    assert "?" not in colors, runs
    inner = runs[1:-1]
    assert len(inner) >= 4, f"the clip loops (red, blue, red, ...): {runs}"
    # 30 fps canvas, 1 s per colour: the 10 fps clip plays at its own speed, no gap at the loop.
    assert all(26 <= n <= 34 for _, n in inner), runs
