"""``kind = "color"``: a flat colour (a background, a BRB screen), the canvas's size by default."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.values import COLOUR, SIZE, Size


@dataclass
class ColorSettings:
    color: str = f.custom("#000000ff", (str,), COLOUR.expect, COLOUR.parse)
    size: Size | None = f.custom(None, (str,), SIZE.expect, SIZE.parse, SIZE.dump)


def describe(s: ColorSettings) -> str:
    return f"colour {s.color}"


KINDS = (KindInfo("color", Role.SOURCE, Cap.VIDEO | Cap.DRAWN, ColorSettings, describe,
                  {"": "rigcast.engine.capture.still:ColorKind"}, order=4, summary="a flat colour"),)
