"""A live picture of the program in the control room: Unicode half-blocks, two pixels a cell.

Why half-blocks: they work in every terminal rigcast is reached through, tmux and 80x24 over SSH
included, where kitty graphics and Sixel don't pass. Each cell is "▀" with the upper pixel as
its colour and the lower one as its background. The pixels are the video process's own small
downscale (the bus's screenshot in raw RGB), asked for only while this widget is on screen and
the room is attached, at ``RATE_HZ``.
"""

from __future__ import annotations

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

RATE_HZ = 2


class Preview(Widget):
    # (width, height, RGB24 rows): the picture as the video process scaled it
    image: reactive[tuple[int, int, bytes] | None] = reactive(None, layout=False)

    def wanted_size(self, aspect: float = 16 / 9) -> tuple[int, int] | None:
        """The picture to ask for: the canvas's shape fitted into the content area, a pixel a
        column and two a row (even sides, at least 8: the screenshot's bounds)."""
        cols, rows = self.content_size
        if cols < 4 or rows < 2:
            return None
        w, h = cols, rows * 2
        if w / h > aspect:
            w = round(h * aspect)
        else:
            h = round(w / aspect)
        return max(8, w - w % 2), max(8, h - h % 2)

    def render(self) -> Text:
        if self.image is None:
            return Text("no picture yet", style="dim")
        w, h, rgb = self.image
        cols, rows = self.content_size
        out = Text(no_wrap=True, overflow="crop")
        for y in range(0, min(h, rows * 2), 2):
            for x in range(min(w, cols)):
                i, j = (y * w + x) * 3, ((y + 1) * w + x) * 3 if y + 1 < h else (y * w + x) * 3
                out.append("▀", Style.from_color(Color.from_rgb(rgb[i], rgb[i + 1], rgb[i + 2]),
                                                 Color.from_rgb(rgb[j], rgb[j + 1], rgb[j + 2])))
            out.append("\n")
        return out

