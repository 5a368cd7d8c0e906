"""An audio meter row: peak and RMS in dBFS, drawn with block characters (no per-frame layout)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

FLOOR_DB = -60.0  # the meter's left edge; anything quieter reads as silence


def _fraction(db: float) -> float:
    return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))


class MeterRow(Widget):
    """One channel group: ``name ▇▇▇▇▅▅····  -12.0 / -18.5 dBFS``."""

    levels: reactive[dict[str, Any]] = reactive(dict, layout=False)
    muted: reactive[bool] = reactive(False)

    def __init__(self, label: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.label = label

    def render(self) -> Text:
        width = max(6, self.size.width - len(self.label) - 21)  # room for the figures
        peaks = self.levels.get("peak") or [FLOOR_DB]
        rmss = self.levels.get("rms") or [FLOOR_DB]
        peak, rms = max(peaks), max(rmss)
        text = Text(f"{self.label} ")
        if self.muted:
            text.append("muted".ljust(width), style="bold red")
        else:
            p, r = round(_fraction(peak) * width), round(_fraction(rms) * width)
            style = "red" if peak > -3 else "yellow" if peak > -12 else "green"
            text.append("█" * r, style=style)
            text.append("▌" * max(0, p - r), style=style)
            text.append("·" * (width - max(p, r)), style="#5f5f5f")
        quiet = peak <= -100
        text.append(" silence" if quiet else f" {peak:5.1f} pk {rms:5.1f} rms", style="bold" if not quiet else "#808080")
        return text
