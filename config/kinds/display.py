"""``kind = "display"``: a whole monitor (1 = primary, 0 = every monitor as one)."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role

DISPLAY_METHODS: tuple[str, ...] = ("dxgi", "gdi")  # Windows; Linux has one way


@dataclass
class DisplaySettings:
    display: int = f.number(1, 0, 64, integer=True)
    method: str = f.choice("auto", ("auto", *DISPLAY_METHODS))


def describe(s: DisplaySettings) -> str:
    return f"display {s.display}"


KINDS = (KindInfo("display", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED, DisplaySettings, describe,
                  {"linux": "rigcast.engine.capture.display:X11DisplayKind", "win32": "rigcast.engine.capture.win_display:WinDisplayKind"},
                  order=2, summary="a monitor"),)
