"""An audio meter row: peak and RMS in dBFS, drawn with block characters.

Meter frames arrive ~15 times a second per source, so this row is built for that: it draws
itself as one strip of pre-styled segments (no markup or style parsing per frame), and it
repaints only when what it would show — bar lengths and the figures to 0.1 dB — changed.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

FLOOR_DB = -60.0  # the meter's left edge; anything quieter reads as silence
STYLES = {
    "label": Style(),
    "green": Style(color="#3cb371"),
    "yellow": Style(color="#e5c07b"),
    "red": Style(color="#e06c75"),
    "empty": Style(color="#5f5f5f"),
    "figures": Style(bold=True),
    "quiet": Style(color="#808080"),
    "muted": Style(color="#e06c75", bold=True),
}


def _fraction(db: float) -> float:
    return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))


class MeterRow(Widget):
    """One source: ``name ▇▇▇▇▅▅····  -12.0 pk -18.5 rms``."""

    def __init__(self, label: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.label = label
        self._peak = self._rms = -100.0
        self._muted = False
        self._shown: tuple[Any, ...] = ()

    def update_levels(self, levels: dict[str, Any], muted: bool = False) -> None:
        self._peak = max(levels.get("peak") or [-100.0])
        self._rms = max(levels.get("rms") or [-100.0])
        self._muted = muted
        shown = self._layout()
        if shown != self._shown:
            self._shown = shown
            self.refresh()

    def _layout(self) -> tuple[Any, ...]:
        width = max(6, self.size.width - len(self.label) - 21)
        return (width, round(_fraction(self._peak) * width), round(_fraction(self._rms) * width),
                round(self._peak, 1), round(self._rms, 1), self._muted, self.label)

    def render_line(self, y: int) -> Strip:
        if y != 0:
            return Strip.blank(self.size.width)
        width, p, r, peak, rms, muted, label = self._layout()
        segs = [Segment(f"{label} ", STYLES["label"])]
        if muted:
            segs.append(Segment("muted".ljust(width), STYLES["muted"]))
        else:
            color = STYLES["red" if peak > -3 else "yellow" if peak > -12 else "green"]
            segs += [Segment("█" * r, color), Segment("▌" * max(0, p - r), color),
                     Segment("·" * (width - max(p, r)), STYLES["empty"])]
        if peak <= -100:
            segs.append(Segment(" silence", STYLES["quiet"]))
        else:
            segs.append(Segment(f" {peak:5.1f} pk {rms:5.1f} rms", STYLES["figures"]))
        return Strip(segs).crop(0, self.size.width)
