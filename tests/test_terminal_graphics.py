"""The control room's thumbnail in real terminals: xterm as a VT340 (Sixel graphics), xterm as
itself (no graphics, so half-blocks) and kitty, each running ``rigcast tui`` on the Xvfb
display, read back as the X server shows it.

The program is 24 horizontal stripes, red and blue. A thumbnail a few text rows tall can show
them only in real pixels: Sixel resolves every stripe, half-blocks (two pixels a row) cannot.
The stripes also catch colours painted wrong (xterm paints a newly defined Sixel colour's first
run in the one selected before unless it is selected again: tui/preview.py)."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.harness import EngineHome, require_tools, rigcast_command

RED, BLUE = (220, 20, 60), (30, 144, 255)
STRIPES = 24


def stripes(path: Path) -> Path:
    img = np.zeros((360, 640, 3), np.uint8)
    for i in range(STRIPES):
        img[i * 15:(i + 1) * 15] = RED if i % 2 == 0 else BLUE
    Image.fromarray(img).save(path)
    return path


def screen(home: EngineHome, path: Path) -> np.ndarray:
    subprocess.run(["import", "-window", "root", str(path)], env=home.env(), check=True, timeout=30)
    return np.asarray(Image.open(path).convert("RGB")).astype(np.int32)


def runs_down_the_thumbnail(shot: np.ndarray) -> list[tuple[str, int]]:
    """(colour, length) runs down the middle column of the thumbnail. A pixel of the thumbnail
    is red, blue or a mix of the two (a downscale blends stripes it cannot keep apart); it is
    counted as the one it is nearer."""
    red, blue = np.array(RED), np.array(BLUE)
    d = blue - red
    a = np.clip(((shot - red) @ d) / (d @ d), 0, 1)  # 0: red, 1: blue
    off = np.abs(shot - (red + a[..., None] * d)).max(axis=-1)
    ours = off < 30
    ys, xs = np.nonzero(ours)
    assert len(ys) > 200, "no thumbnail on the screen"
    x = int(np.median(xs))
    # The thumbnail: the longest unbroken stretch of such pixels down that column (a border or
    # a label elsewhere may share a colour, never a stretch).
    best, start = (0, 0), None
    for y in range(shot.shape[0] + 1):
        if y < shot.shape[0] and ours[y, x]:
            start = y if start is None else start
        elif start is not None:
            best, start = max(best, (y - start, start)), None
    length, top = best
    assert length >= 40, "no thumbnail on the screen"
    column = ["red" if a[y, x] < 0.5 else "blue" for y in range(top, top + length)]
    runs: list[tuple[str, int]] = []
    for c in column:
        if runs and runs[-1][0] == c:
            runs[-1] = (c, runs[-1][1] + 1)
        else:
            runs.append((c, 1))
    return runs


def xterm(*args: str) -> list[str]:
    # 24-bit colour, as desktop terminals have it: xterm drops COLORTERM from its children's
    # environment (so it is given inside) and maps colours to its 256 unless told otherwise.
    return ["xterm", "-xrm", "XTerm*directColor: true", *args, "-geometry", "100x30+0+0",
            "-e", "env", "COLORTERM=truecolor"]


KITTY = ["kitty", "-o", "initial_window_width=100c", "-o", "initial_window_height=30c"]


def thumbnail_in(home: EngineHome, tmp_path: Path, terminal: list[str], name: str) -> list[tuple[str, int]]:
    term = subprocess.Popen([*terminal, *rigcast_command(), "tui"], env=home.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            shot = screen(home, tmp_path / f"{name}.png")
            try:
                runs = runs_down_the_thumbnail(shot)
                if runs:
                    time.sleep(1.5)  # a few more frames: the picture must hold, not just appear once
                    return runs_down_the_thumbnail(screen(home, tmp_path / f"{name}.png"))
            except AssertionError:
                pass
            assert term.poll() is None, f"the control room in {name} ended (see the crash log)"
            assert time.monotonic() < deadline, f"no thumbnail in {name} after 30 s"
            time.sleep(1)
    finally:
        term.terminate()
        term.wait(10)


def test_sixel_shows_what_half_blocks_cannot(home: EngineHome, tmp_path: Path) -> None:
    missing = require_tools("xterm", "kitty", "import")
    if missing:
        pytest.fail(f"missing test tools {missing}; run `bash .ci/run` (it installs them)", pytrace=False)
    cfg = tmp_path / "stripes.toml"
    cfg.write_text(f'[video]\nsize = "640x360"\n\n[[scenes]]\nname = "Stripes"\n'
                   f'items = [ {{ source = "s", kind = "image", path = "{stripes(tmp_path / "s.png")}" }} ]\n')
    home.up("--config", str(cfg))

    sixel = thumbnail_in(home, tmp_path, xterm("-ti", "vt340"), "xterm as a VT340")
    coloured = sixel
    print("sixel runs:", sixel)
    assert len(coloured) == STRIPES, sixel  # every stripe, no band painted in the wrong colour
    assert [c for c, _ in coloured] == ["red", "blue"] * (STRIPES // 2), sixel
    lengths = [n for _, n in coloured]
    assert max(lengths) <= 2 * min(lengths) + 2, sixel  # evenly spaced, as on the canvas

    halves = thumbnail_in(home, tmp_path, xterm(), "xterm")
    print("half-block runs:", halves)
    assert len(halves) < STRIPES  # two pixels a row cannot show 24 stripes
    # Debian 12's kitty (0.26) has kitty graphics but not the Unicode placeholders textual-image
    # places them with (boxes, not a picture): the room asks its version and draws half-blocks.
    found = re.search(r"kitty (\d+)\.(\d+)", subprocess.run(["kitty", "--version"], capture_output=True, text=True).stdout)
    assert found, "kitty --version said no version"
    kitty = thumbnail_in(home, tmp_path, KITTY, "kitty")
    print(found.group(0), "runs:", kitty)
    if (int(found.group(1)), int(found.group(2))) < (0, 28):
        assert 2 <= len(kitty) < STRIPES, kitty  # half-blocks, in the program's colours
    else:
        assert len(kitty) == STRIPES, kitty  # kitty graphics
    home.down()
