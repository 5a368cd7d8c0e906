"""A bar graph of the last minute, one column per second, drawn with eighth blocks.

Its own small widget rather than Textual's Sparkline: it repaints in place once a second
without asking for a layout pass (a layout pass a second was most of the control room's CPU),
and it uses every row it is given, so it grows with the terminal; its title is one row (a
wrapped title used to take the only bar row at 80x24). It draws through Textual's
line API: a row is one segment, made once per second, with no text to wrap (rendering it as
rich Text went through Content's wrapping every second, for rows that never wrap).
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"
TITLE, BARS = Style.parse("#9e9e9e"), Style.parse("green")


class BarGraph(Widget):
    values: reactive[tuple[float, ...]] = reactive(tuple, layout=False)

    def __init__(self, title: str, unit: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.title, self.unit = title, unit
        self._rows: list[Strip] = []
        self._made_for: tuple[tuple[float, ...], int, int] | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._made_for = None  # a theme change: the rows are made again with its colours

    def rows(self, width: int, height: int) -> list[str]:
        """The title, then the bars top row first: plain text, one string a row."""
        vals = self.values[-width:]
        now = vals[-1] if vals else 0.0
        unit = f" {self.unit}" if self.unit else ""
        title = f"{self.title} {now:.0f}{unit}"
        full = f"{title}, last {len(self.values)} s"
        out = [full if len(full) <= width else title]  # one row: narrow, the span goes, the bars stay
        top = max(vals, default=0.0) or 1.0
        units = [round(v / top * height * 8) for v in vals]
        pad = width - len(units)
        for row in range(height, 0, -1):  # top row first
            floor = (row - 1) * 8
            out.append(" " * pad + "".join(BLOCKS[min(8, max(0, u - floor))] for u in units))
        return out

    def render_line(self, y: int) -> Strip:
        width = max(1, self.size.width)
        key = (self.values, width, self.size.height)
        if key != self._made_for:  # once a second, not once a row: rich_style walks the ancestors
            self._made_for = key
            base = self.rich_style
            rows = self.rows(width, max(1, self.size.height - 1))
            self._rows = [Strip([Segment(text, base + (TITLE if i == 0 else BARS))]).crop_extend(0, width, base)
                          for i, text in enumerate(rows)]
        return self._rows[y] if y < len(self._rows) else Strip.blank(width, self.rich_style)
