"""The control room's live picture of the program, from a real engine: half-blocks at 80x24
whose colours are the program's (a BRB colour scene tints the thumbnail), asked of the video
process only while the room is attached."""

from __future__ import annotations

import asyncio
from pathlib import Path

from rigcast.tui.app import ControlRoom
from tests.harness import EngineHome
from tests.test_tui import until

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
