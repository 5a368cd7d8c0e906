"""Small value types whose rules every caller shares: sizes and colours.

Each has its parse rule once, used by the settings fields (:mod:`rigcast.config.fields`) of whichever
kinds take one, and by the command-line flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_SIZE_RE = re.compile(r"^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$")
_COLOR_RE = re.compile(r"^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")


def parse_color(text: str) -> tuple[int, int, int, int]:
    """``#RRGGBB`` or ``#RRGGBBAA`` → (r, g, b, a)."""
    m = _COLOR_RE.match(text.strip())
    if not m:
        raise ValueError(f'expected a colour like "#1e90ff" or "#1e90ff80", got "{text}"')
    rgb = int(m.group(1), 16)
    return rgb >> 16, (rgb >> 8) & 255, rgb & 255, int(m.group(2) or "ff", 16)


@dataclass(frozen=True)
class Size:
    """A canvas or capture size; encoders want both sides even (4:2:0 chroma)."""

    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Size:
        m = _SIZE_RE.match(text)
        if not m:
            raise ValueError(f'expected "WIDTHxHEIGHT" like "1280x720", got "{text}"')
        w, h = int(m.group(1)), int(m.group(2))
        if not (16 <= w <= 8192 and 16 <= h <= 8192):
            raise ValueError(f"each side must be between 16 and 8192 pixels, got {w}x{h}")
        return cls(w, h)

    def even(self) -> Size:
        return Size(self.width - self.width % 2, self.height - self.height % 2)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass(frozen=True)
class ValueRule:
    expect: str

    @staticmethod
    def parse(value: Any, _ctx: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def dump(value: Any) -> Any:
        return value


class _SizeRule(ValueRule):
    @staticmethod
    def parse(value: Any, _ctx: Any) -> Size:
        return Size.parse(value)

    @staticmethod
    def dump(value: Any) -> str:
        return str(value)


class _ColourRule(ValueRule):
    @staticmethod
    def parse(value: Any, _ctx: Any) -> str:
        parse_color(value)
        return str(value)


SIZE = _SizeRule('a size like "1280x720"')
COLOUR = _ColourRule('a colour like "#1e90ff"')
