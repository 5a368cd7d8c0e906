"""The control room's live picture of the program, from a real engine: half-blocks at 80x24
whose colours are the program's (a BRB colour scene tints the thumbnail), asked of the video
process only while the room is attached."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from rigcast.tui.app import ControlRoom
from tests.harness import EngineHome, wait_for
from tests.test_tui import Tmux, until

RED = (220, 20, 60)


def test_the_thumbnail_shows_the_programs_colours_in_half_blocks(home: EngineHome, tmp_path: Path) -> None:
    cfg = tmp_path / "brb.toml"
    cfg.write_text('[video]\nsize = "640x360"\n\n[[scenes]]\nname = "BRB"\n'
                   'items = [ { source = "bg", kind = "color", color = "#dc143c" } ]\n')
    home.up("--config", str(cfg))

    async def scenario() -> None:
        app = ControlRoom()
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: app.view.state, 15, "the TUI to attach")
            image = await until(lambda: app.w_preview.image, 10, "a thumbnail from the video process")
            w, h, rgb = image
            assert (w, h) == app.w_preview.wanted_size(640 / 360) and len(rgb) == w * h * 3
            px = [tuple(rgb[i:i + 3]) for i in range(0, len(rgb), 3)]
            assert all(max(abs(a - b) for a, b in zip(p, RED)) < 20 for p in px), px[:4]
            await pilot.pause(0.2)
            strips = [app.w_preview.render_line(y) for y in range(h // 2)]
            lines = [s.text for s in strips]
            assert set("".join(lines)) == {"▀"} and len(lines[0]) == w
            for seg in (seg for s in strips for seg in s):
                for colour in (seg.style.color, seg.style.bgcolor):  # type: ignore[union-attr]
                    rgb = colour.get_truecolor()  # type: ignore[union-attr]
                    assert max(abs(a - b) for a, b in zip(rgb, RED)) < 20, rgb

    asyncio.run(scenario())
    home.down()


def test_terminal_graphics_draw_the_same_picture_through_textual_image() -> None:
    """Where the terminal answers textual-image's query (kitty graphics or Sixel), the thumbnail
    is its widget fed a real picture: the room's own pixels, at the size asked for."""
    from PIL import Image as PILImage
    from textual_image.widget import SixelImage, TGPImage

    async def scenario(protocol: str, widget: type) -> None:
        app = ControlRoom(connect=False, graphics=protocol)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.2)
            size = app.w_preview.wanted_size(16 / 9)
            assert size is not None
            w, h = size
            app.w_preview.image = (w, h, bytes(RED) * (w * h))
            await pilot.pause(0.2)
            inner = app.w_preview.query_one(widget)
            assert isinstance(inner.image, PILImage.Image) and inner.image.size == (w, h)
            assert inner.image.getpixel((w // 2, h // 2)) == RED

    asyncio.run(scenario("sixel", SixelImage))
    asyncio.run(scenario("kitty", TGPImage))


def _colours(line: str) -> set[str]:
    """The thumbnail colours a terminal line of tmux's capture holds: "red", "blue"."""
    found = set()
    for r, g, b in re.findall(r"[34]8;2;(\d+);(\d+);(\d+)", line):
        rgb = int(r), int(g), int(b)
        for name, want in (("red", RED), ("blue", (0, 0, 255))):
            if max(abs(a - c) for a, c in zip(rgb, want)) < 24:
                found.add(name)
    return found


@pytest.mark.installed
def test_a_changed_band_of_the_picture_repaints_in_a_real_terminal(home: EngineHome, tmp_path: Path) -> None:
    """The thumbnail repaints only the rows of cells whose pixels changed (tui/preview.py). In
    tmux, a real terminal that keeps only what Textual sent: after a switch to a scene whose top
    quarter is blue, the thumbnail's top rows are blue and the rest stay red."""
    cfg = tmp_path / "band.toml"
    cfg.write_text('[video]\nsize = "640x360"\n\n'
                   '[[scenes]]\nname = "Red"\nitems = [ { source = "bg", kind = "color", color = "#dc143c" } ]\n\n'
                   '[[scenes]]\nname = "Band"\nitems = [ { source = "bg" },\n'
                   '          { source = "band", kind = "color", color = "#0000ff", size = "640x90", x = 0, y = 0 } ]\n')
    home.up("--config", str(cfg))
    tmux = Tmux(f"rigcast-band-{os.getpid()}", home.env(TERM="xterm-256color", COLORTERM="truecolor"))

    def thumbnail() -> list[set[str]]:
        lines = tmux.run("capture-pane", "-e", "-p", "-t", "band").stdout.splitlines()
        return [c for c in map(_colours, lines) if c]

    try:
        tmux.start_tui("band")
        rows = wait_for(lambda: (t := thumbnail()) and all(c == {"red"} for c in t) and t, 30,
                        what="a red thumbnail in the tmux pane")
        tmux.run("send-keys", "-t", "band", "2")
        after = wait_for(lambda: (t := thumbnail()) and any("blue" in c for c in t) and t, 15,
                         what="the blue band in the thumbnail after the switch")
        assert len(after) == len(rows), (rows, after)
        top = [i for i, c in enumerate(after) if "blue" in c]
        assert top[0] == 0 and top == list(range(len(top))), after  # the band is the top rows, together
        assert 1 <= len(top) <= len(after) // 4 + 1, after
        assert all(c == {"red"} for c in after[len(top) + 1:]), after  # below it nothing was repainted wrong
    finally:
        tmux.run("kill-server")
    home.down()


def test_half_block_rows_hold_every_cells_two_pixels() -> None:
    """The runs found by numpy for all rows at once (tui/preview.py ``_strips``) give each cell
    exactly its upper and lower pixel, checked cell by cell against the picture."""
    import numpy as np

    from rigcast.tui.preview import Preview

    rng = np.random.default_rng(7)
    w, h = 23, 9  # odd height: the last row's lower half is itself
    px = rng.integers(0, 3, (h, w, 3), dtype=np.uint8) * 100  # few colours: runs of several cells
    px[:, 5:12] = (10, 200, 30)
    rows = Preview()
    rows.watch_image((w, h, px.tobytes()))
    assert len(rows._rows) == (h + 1) // 2
    for y, strip in enumerate(rows._rows):
        cells = [(seg.style.color, seg.style.bgcolor) for seg in strip for _ in seg.text]  # type: ignore[union-attr]
        assert strip.text == "▀" * w and len(cells) == w
        for x, (fg, bg) in enumerate(cells):
            low = px[min(2 * y + 1, h - 1), x]
            assert fg.get_truecolor() == tuple(px[2 * y, x]) and bg.get_truecolor() == tuple(low), (x, y)  # type: ignore[union-attr]


def test_on_a_256_colour_terminal_cells_carry_the_palette_numbers_rich_would_write() -> None:
    """Over SSH, COLORTERM is not passed on, so Textual writes 256 colours. The thumbnail maps
    pixels to those numbers itself (``eight_bit``), exactly as rich downgrades each colour, so
    neighbours on the same number merge into one run."""
    import numpy as np
    from rich.color import Color, ColorSystem

    from rigcast.tui.preview import Preview, eight_bit

    rng = np.random.default_rng(3)
    px = rng.integers(0, 256, (1, 20000, 3), dtype=np.uint8)
    want = [Color.from_rgb(*p).downgrade(ColorSystem.EIGHT_BIT).number for p in px[0].tolist()]
    assert eight_bit(px)[0].tolist() == want

    w, h = 16, 4
    shade = np.repeat(np.linspace(100, 104, w, dtype=np.uint8)[None, :, None], 3, axis=2)  # a few greys apart
    pic = np.repeat(shade, h, axis=0) + np.array([0, 0, 60], np.uint8)  # bluish: the cube, not the grey ramp
    rows = Preview()
    rows._colour_system = lambda: "256"  # type: ignore[method-assign]
    rows.watch_image((w, h, pic.tobytes()))
    number = Color.from_rgb(*pic[0, 0].tolist()).downgrade(ColorSystem.EIGHT_BIT).number
    for strip in rows._rows:
        assert len(list(strip)) == 1, "one run: every cell has the same palette number"
        seg = next(iter(strip))
        assert seg.style.color.number == number and seg.style.bgcolor.number == number  # type: ignore[union-attr]
