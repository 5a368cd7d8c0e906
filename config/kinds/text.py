"""``kind = "text"``: TrueType text with an outline, changed live by ``text.set``."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.values import COLOUR

MAX_TEXT = 4096


@dataclass
class TextSettings:
    text: str = f.text("", "the text to show", live=True, max_len=MAX_TEXT)
    font: str | None = f.custom(None, (str,), "the path of a .ttf or .otf font", f.existing_file_as_given("font file"))
    font_size: int = f.number(48, 6, 512, integer=True)
    color: str = f.custom("#ffffffff", (str,), COLOUR.expect, COLOUR.parse)
    outline_color: str = f.custom("#000000ff", (str,), COLOUR.expect, COLOUR.parse)
    outline_width: int = f.number(0, 0, 32, integer=True)


def describe(s: TextSettings) -> str:
    return f'text "{s.text[:24]}"'


KINDS = (KindInfo("text", Role.SOURCE, Cap.VIDEO | Cap.DRAWN | Cap.TEXT, TextSettings, describe,
                  {"": "rigcast.engine.capture.still:TextKind"}, order=5, summary="a caption"),)
