"""A bar graph of the last minute, one column per second, drawn with eighth blocks.

Its own small widget rather than Textual's Sparkline: it repaints in place once a second
without asking for a layout pass (a layout pass a second was most of the control room's CPU),
and it uses every row it is given, so it grows with the terminal.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

BLOCKS = " ▁▂▃▄▅▆▇█"


class BarGraph(Widget):
    values: reactive[tuple[float, ...]] = reactive(tuple, layout=False)

    def __init__(self, title: str, unit: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.title, self.unit = title, unit

    def render(self) -> Text:
        width, height = max(1, self.size.width), max(1, self.size.height - 1)
        vals = self.values[-width:]
        now = vals[-1] if vals else 0.0
        unit = f" {self.unit}" if self.unit else ""
        text = Text(f"{self.title} {now:.0f}{unit}, last {len(self.values)} s", style="#9e9e9e")
        top = max(vals, default=0.0) or 1.0
        units = [round(v / top * height * 8) for v in vals]
        pad = width - len(units)
        for row in range(height, 0, -1):  # top row first
            floor = (row - 1) * 8
            line = " " * pad + "".join(BLOCKS[min(8, max(0, u - floor))] for u in units)
            text.append("\n" + line, style="green")
        return text
