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
from textual.geometry import Region
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
    run of equal colours, with their styles kept between frames. Only the rows of cells whose
    pixels changed since the last picture are rebuilt and repainted, so a picture costs Textual
    its changed rows, not the whole thumbnail (a game's HUD, borders and sky stay put)."""

    # (width, height, RGB24 rows): the picture as the video process scaled it. Not repainted by
    # the reactive itself: the watcher repaints the changed rows only.
    image: reactive[tuple[int, int, bytes] | None] = reactive(None, layout=False, repaint=False)

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._rows: list[Strip] = []
        self._pairs: Any = None  # the last picture as (cell rows, w, upper+lower colour) cells
        self._styles: dict[tuple[int, ...], Style] = {}
        self._colors: dict[tuple[int, ...], Color] = {}

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
        if image is None:
            self._rows, self._pairs = [], None
            self.refresh()
            return
        import numpy as np

        w, h, rgb = image
        px = np.frombuffer(rgb, np.uint8, w * h * 3).reshape(h, w, 3)
        if self._colour_system() == "256":
            px = eight_bit(px)[..., None]  # what the terminal will show: runs of it merge
        if h % 2:
            px = np.concatenate([px, px[-1:]])  # the last row's lower half: itself
        k = px.shape[2]
        pairs = px.reshape(-1, 2, w, k).transpose(0, 2, 1, 3).reshape(-1, w, 2 * k)  # (cell rows, w, upper+lower)
        old = self._pairs
        if old is None or old.shape != pairs.shape:
            self._rows, self._pairs = self._strips(pairs, list(range(len(pairs)))), pairs
            self.refresh()
            return
        changed = np.flatnonzero((pairs != old).any(axis=(1, 2))).tolist()
        self._pairs = pairs
        for y, strip in zip(changed, self._strips(pairs, changed), strict=True):
            self._rows[y] = strip
        for y0, y1 in _runs(changed):
            self.refresh(Region(0, y0, self.size.width, y1 - y0))

    def _colour_system(self) -> str | None:
        """The terminal's colours as Textual writes them: "truecolor", "256" (TERM=*-256color
        without COLORTERM, which SSH doesn't pass on by default), ... None: not on a screen."""
        try:
            return self.app.console.color_system
        except Exception:  # not mounted
            return None

    def _color(self, key: tuple[int, ...]) -> Color:
        """A cell's colour from its key: (r, g, b), or (n,) a 256-colour palette number."""
        color = self._colors.get(key)
        if color is None:
            if len(self._colors) > 65536:
                self._colors.clear()
            color = self._colors[key] = Color.from_ansi(key[0]) if len(key) == 1 else Color.from_rgb(*key)
        return color

    def _style(self, key: tuple[int, ...]) -> Style:
        style = self._styles.get(key)
        if style is None:
            if len(self._styles) > 65536:  # a bound: a changing picture brings new colours
                self._styles.clear()
            half = len(key) // 2
            style = self._styles[key] = Style.from_color(self._color(key[:half]), self._color(key[half:]))
        return style

    def _strips(self, pairs: Any, rows: list[int]) -> list[Strip]:
        """The given rows of cells, each as one segment per run of equal (upper, lower) colour
        pairs; the runs of all rows are found by numpy at once, so Python works per run, never
        per pixel."""
        import numpy as np

        sub = pairs[rows]  # (n, w, upper+lower colour)
        n, w = sub.shape[:2]
        begin = np.ones((n, w), bool)
        begin[:, 1:] = (sub[:, 1:] != sub[:, :-1]).any(axis=2)
        flat = np.flatnonzero(begin)
        keys = sub.reshape(n * w, -1)[flat].tolist()
        cols = (flat % w).tolist()
        bounds = np.searchsorted(flat, np.arange(n + 1) * w).tolist()  # each row's runs: [bounds[i], bounds[i+1])
        style = self._style
        out = []
        for i in range(n):
            lo, hi = bounds[i], bounds[i + 1]
            cuts = cols[lo:hi] + [w]
            out.append(Strip([Segment(HALF * (cuts[j + 1] - cuts[j]), style(tuple(keys[lo + j])))  # type: ignore[arg-type]
                              for j in range(hi - lo)], w))
        return out

    def get_line_filters(self) -> Any:
        """None while a picture shows: its colours are the pixels' own, which no theme filter
        changes, and filtering a few hundred segments a frame is the thumbnail's largest cost."""
        return () if self._rows else super().get_line_filters()

    def render_line(self, y: int) -> Strip:
        if y < len(self._rows):
            return self._rows[y]  # first: the widget's own style (its ancestors walked) isn't needed
        width, base = self.size.width, self.rich_style
        if not self._rows and y == 0:
            return Strip([Segment("no picture yet"[:width], base + Style(dim=True))]).extend_cell_length(width, base)
        return Strip.blank(width, base)


def eight_bit(px: Any) -> Any:
    """RGB pixels (h, w, 3) as the 256-colour palette numbers (h, w) that rich would give each
    one when it writes truecolor to a 256-colour terminal (rich.color.Color.downgrade: a grey
    when HLS saturation is under 15 %, else the 6x6x6 cube), in numpy. Neighbours that land on
    the same number then make one run, not one segment each: the same picture on screen, with
    far fewer segments for Textual to carry."""
    import numpy as np

    f = px.astype(np.float64) / 255.0
    mx, mn = f.max(axis=2), f.min(axis=2)
    light = (mx + mn) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        sat = np.where(light <= 0.5, (mx - mn) / (mx + mn), (mx - mn) / (2.0 - mx - mn))
    sat[mx == mn] = 0.0
    grey = np.round(light * 25.0)
    grey_n = np.where(grey == 0, 16, np.where(grey == 25, 231, 231 + grey))
    c = px.astype(np.float64)
    six = np.round(np.where(c < 95, c / 95, 1 + (c - 95) / 40))
    cube_n = 16 + 36 * six[..., 0] + 6 * six[..., 1] + six[..., 2]
    return np.where(sat < 0.15, grey_n, cube_n).astype(np.uint8)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as [start, end) runs of consecutive rows: one repaint region each."""
    runs: list[list[int]] = []
    for y in rows:
        if runs and runs[-1][1] == y:
            runs[-1][1] = y + 1
        else:
            runs.append([y, y + 1])
    return [(a, b) for a, b in runs]


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
