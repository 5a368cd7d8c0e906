"""A live picture of the program (and in studio mode of the preview) in the control room.

Two ways to draw it, one interface (``image``, ``wanted_size``):
- Unicode half-blocks, two pixels a cell, in every terminal rigcast is reached through, tmux and
  80x24 over SSH included, where kitty graphics and Sixel don't pass. Each cell is "▀" with the
  upper pixel as its colour and the lower one as its background.
- The terminal's own graphics (kitty's protocol or Sixel) through textual-image, when the
  terminal answers its query before Textual starts (``terminal_graphics``): real pixels, at the
  cells' pixel size.
The pixels are the video process's own small downscale (the bus's screenshot in raw RGB), asked
for only while the widget is shown and the room is attached, at ``RATE_HZ``.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

RATE_HZ = 2  # pictures a second (the room's repaint clock, tui/app.py, is a multiple of it)
HALF = "▀"  # upper half block: the upper pixel its colour, the lower one its background
GRAPHICS_MAX_W = 480  # pixels a graphics thumbnail is asked at, at most: what crosses SSH twice a second


def terminal_graphics() -> str | None:
    """"sixel" or "kitty" when this terminal draws images (asked once, before Textual takes the
    terminal, as textual-image needs); None: half-blocks."""
    try:
        import textual_image.widget  # noqa: F401  (asks the cell size now, while it still can)
        from textual_image.renderable import Image, SixelImage, TGPImage
    except Exception:  # no textual-image, or a terminal that answers nothing sensible
        return None
    if Image is SixelImage:
        return "sixel"
    if Image is TGPImage and not _kitty_without_placeholders(terminal_version()):
        return "kitty"
    return None


def terminal_version() -> str | None:
    """The terminal's name and version as it answers XTVERSION (``kitty(0.26.5)``,
    ``XTerm(379)``), or None when it does not answer within 0.1 s."""
    import sys

    try:
        from textual_image._terminal import capture_terminal_response

        with capture_terminal_response(start_marker="\x1bP>|", end_marker="\x1b\\", timeout=0.1) as reply:
            assert sys.__stdout__ is not None
            sys.__stdout__.write("\x1b[>q")
            sys.__stdout__.flush()
        return str(reply.sequence)[4:-2] or None  # between ESC P >| and ESC \
    except Exception:  # no answer, not a terminal
        return None


def _kitty_without_placeholders(version: str | None) -> bool:
    """kitty before 0.28 (Debian 12 ships 0.26.5) has the graphics protocol but not the Unicode
    placeholders textual-image places its images with: it shows boxes. Half-blocks there."""
    m = re.fullmatch(r"kitty\((\d+)\.(\d+)[^)]*\)", version or "")
    return m is not None and (int(m.group(1)), int(m.group(2))) < (0, 28)


class Preview(Widget):
    """Half-blocks, drawn line by line (Textual's line API): each row is a few segments, one per
    run of equal colours, with their styles kept between frames, so a picture costs Textual
    little more than its changed cells."""

    # (width, height, RGB24 rows): the picture as the video process scaled it
    image: reactive[tuple[int, int, bytes] | None] = reactive(None, layout=False)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._rows: list[Strip] = []
        self._styles: dict[tuple[int, int, int, int, int, int], Style] = {}

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

    def watch_image(self, image: tuple[int, int, bytes] | None) -> None:
        self._rows = [] if image is None else self._strips(*image)

    def _style(self, key: tuple[int, int, int, int, int, int]) -> Style:
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) > 65536:  # a bound: a changing picture brings new colours
                self._styles.clear()
            style = self._styles[key] = Style.from_color(Color.from_rgb(*key[:3]), Color.from_rgb(*key[3:]))
        return style

    def _strips(self, w: int, h: int, rgb: bytes) -> list[Strip]:
        """Each row of cells as one segment per run of equal (upper, lower) colour pairs; the
        runs are found by numpy, so Python works per run, never per pixel."""
        import numpy as np

        px = np.frombuffer(rgb, np.uint8, w * h * 3).reshape(h, w, 3)
        if h % 2:
            px = np.concatenate([px, px[-1:]])  # the last row's lower half: itself
        pairs = px.reshape(-1, 2, w, 3).transpose(0, 2, 1, 3).reshape(-1, w, 6)  # (cell rows, w, top+low RGB)
        starts = np.ones((pairs.shape[0], w), bool)
        starts[:, 1:] = (pairs[:, 1:] != pairs[:, :-1]).any(axis=2)
        out = []
        for row, begin in zip(pairs, starts, strict=True):
            cuts = np.flatnonzero(begin).tolist() + [w]
            keys = row[cuts[:-1]].tolist()
            out.append(Strip([Segment(HALF * (b - a), self._style(tuple(k)))  # type: ignore[arg-type]
                              for a, b, k in zip(cuts, cuts[1:], keys, strict=False)], w))
        return out

    def get_line_filters(self) -> Any:
        """None while a picture shows: its colours are the pixels' own, which no theme filter
        changes, and filtering a few hundred segments a frame is the thumbnail's largest cost."""
        return () if self._rows else super().get_line_filters()

    def render_line(self, y: int) -> Strip:
        width, base = self.size.width, self.rich_style
        if not self._rows:
            if y == 0:
                return Strip([Segment("no picture yet"[:width], base + Style(dim=True))]).extend_cell_length(width, base)
            return Strip.blank(width, base)
        return self._rows[y] if y < len(self._rows) else Strip.blank(width, base)


_DEFINE = re.compile(r"#(\d+);2;\d+;\d+;\d+")


def select_after_define(sixels: str) -> str:
    """Sixel data with each colour register selected again right after it is defined. The
    spec leaves a defined register selected, but xterm (379, as vt340) and WezTerm paint the
    next run in the colour selected before: a thumbnail came out with a wrong-coloured band.
    textual-image 0.13 does this itself (``explicit_color_select``)."""
    return _DEFINE.sub(lambda m: m.group(0) + "#" + m.group(1), sixels)


@cache
def sixel_widget() -> type[Widget]:
    """textual-image's Sixel widget, with colour registers selected explicitly: through its
    own option where it has one, else through the encoder hook its widget has had since 0.12."""
    from textual_image._sixel import SixelOptions
    from textual_image.widget.sixel import Image, _ImageSixelImpl, _NoopRenderable

    if "explicit_color_select" in getattr(SixelOptions, "__dataclass_fields__", {}):
        class Explicit(Image, Renderable=_NoopRenderable):
            def __init__(self) -> None:
                super().__init__(sixel_options=SixelOptions(explicit_color_select=True))  # type: ignore[call-arg]

        return Explicit

    class Impl(_ImageSixelImpl):
        def _image_to_sixels(self, image: Any, sixel_options: Any = None, background: Any = None) -> str:
            return select_after_define(super()._image_to_sixels(image, sixel_options, background))

    class Selected(Image, Renderable=_NoopRenderable):
        def compose(self) -> Any:
            yield Impl(self.image, self._sixel_options)

    return Selected


class GraphicsPreview(Widget):
    """The same picture through textual-image's widget: kitty graphics or Sixel."""

    DEFAULT_CSS = "GraphicsPreview > * { width: auto; height: auto; }"
    image: reactive[tuple[int, int, bytes] | None] = reactive(None, layout=False)

    def __init__(self, protocol: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.protocol = protocol

    def compose(self) -> Any:
        from textual_image.widget import TGPImage

        yield sixel_widget()() if self.protocol == "sixel" else TGPImage()

    def wanted_size(self, aspect: float = 16 / 9) -> tuple[int, int] | None:
        from textual_image._terminal import get_cell_size

        cols, rows = self.content_size
        if cols < 4 or rows < 2:
            return None
        cell = get_cell_size()
        box_w, box_h = cols * max(cell.width, 1), rows * max(cell.height, 2)
        w = min(box_w, round(box_h * aspect), GRAPHICS_MAX_W)  # the canvas's shape, fitted and capped
        h = round(w / aspect)
        return max(8, w - w % 2), max(8, h - h % 2)

    def watch_image(self, image: tuple[int, int, bytes] | None) -> None:
        from PIL import Image as PILImage

        if image is not None and self.children:
            w, h, rgb = image
            self.children[0].image = PILImage.frombytes("RGB", (w, h), rgb)  # type: ignore[attr-defined]
