"""Audio meters: one row per source plus the mix — peak and RMS in dBFS as block bars.

The whole panel is one widget that repaints at most once per tick of the room's repaint clock
(tui/app.py: every panel changes on that one clock, so a tick is one compositor pass), draws
rows as pre-styled segments (no markup or style parsing per frame), and skips the repaint when
nothing it would show changed (bar lengths, whole-dB figures). The engine sends this room
meter frames at the clock's rate, each holding the highest peak since the one before
(engine/control/meterrate.py), so a peak between two repaints still shows.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from rigcast.engine.vocab.reports import Levels, Meter

FLOOR_DB = -60.0  # the meters' left edge; anything quieter reads as silence
LABEL_MAX = 12
PARTS = ("low", "mid", "high", "empty", "figures", "quiet", "muted")  # colours: app.tcss, Meters > .meters--*


def _fraction(db: float) -> float:
    return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))


class Meters(Widget):
    """``master ▇▇▇▇▅▅····  -12.0 pk -18.5 rms``, then a row per audio source."""

    COMPONENT_CLASSES = {f"meters--{p}" for p in PARTS}

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._styles: dict[str, Style] = {}
        self._levels: dict[str, tuple[float, float, bool]] = {"master": (-100.0, -100.0, False)}
        self._shown: tuple[Any, ...] = ()
        self._pending = False

    def update_levels(self, meter: Meter) -> None:
        rows: dict[str, tuple[Levels, bool]] = {"master": (meter.master, False)} | {
            name: (s.levels, s.muted) for name, s in meter.sources.items()}
        levels = {name[:LABEL_MAX]: (max(lv.peak or (-100.0,)), max(lv.rms or (-100.0,)), muted)
                  for name, (lv, muted) in rows.items()}
        if levels.keys() != self._levels.keys():
            self._levels = levels
            self.refresh(layout=True)  # a source appeared: one more row
        self._levels = levels
        self._pending = True

    def paint(self) -> None:
        """A tick of the room's repaint clock: what arrived since, drawn only if it looks different."""
        if not self._pending:
            return
        self._pending = False
        shown = self._layout()
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self._levels)

    def _layout(self) -> tuple[Any, ...]:
        label_w = max(len(n) for n in self._levels)
        width = max(6, self.size.width - label_w - 23)
        return tuple((name.ljust(label_w), width, round(_fraction(p) * width), round(_fraction(r) * width),
                      round(p), round(r), muted) for name, (p, r, muted) in self._levels.items())

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = {}  # a theme or stylesheet change: looked up again at the next paint

    def _style(self, part: str) -> Style:
        """The part's colours from the stylesheet, looked up once per theme (not per row)."""
        if not self._styles:
            self._styles = {p: self.get_component_rich_style(f"meters--{p}", partial=True) for p in PARTS}
        return self._styles[part]

    def row_text(self, y: int) -> str:
        return self.render_line(y).text

    def render_line(self, y: int) -> Strip:
        rows = self._shown or self._layout()
        if y >= len(rows):
            return Strip.blank(self.size.width)
        label, width, p, r, peak, rms, muted = rows[y]
        style = self._style
        segs = [Segment(f"{label} ")]
        if muted:
            segs.append(Segment("muted".ljust(width), style("muted")))
        else:
            color = style("high" if peak > -3 else "mid" if peak > -12 else "low")
            segs += [Segment("█" * r, color), Segment("▌" * max(0, p - r), color),
                     Segment("·" * (width - max(p, r)), style("empty"))]
        if peak <= -100:
            segs.append(Segment(" silence", style("quiet")))
        else:
            segs.append(Segment(f" {peak:4d} pk {rms:4d} rms dBFS", style("figures")))
        return Strip(segs).crop(0, self.size.width)
