"""``kind = "chat"``: the last messages from the user's API, newest at the bottom, fading out."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.values import COLOUR, SIZE, Size


@dataclass
class ChatSettings:
    size: Size | None = f.custom(None, (str,), SIZE.expect, SIZE.parse, SIZE.dump)
    font: str | None = f.custom(None, (str,), "the path of a .ttf or .otf font", f.existing_file_as_given("font file"))
    font_size: int = f.number(24, 6, 512, integer=True)
    color: str = f.custom("#ffffffff", (str,), COLOUR.expect, COLOUR.parse)
    outline_color: str = f.custom("#000000ff", (str,), COLOUR.expect, COLOUR.parse)
    outline_width: int = f.number(0, 0, 32, integer=True)
    max_lines: int = f.number(8, 1, 100, integer=True)
    lifetime_s: float = f.number(60.0, 3, 86_400)


def describe(s: ChatSettings) -> str:
    return f"chat overlay (last {s.max_lines} messages)"


KINDS = (KindInfo("chat", Role.SOURCE, Cap.VIDEO | Cap.DRAWN | Cap.CHAT, ChatSettings, describe,
                  {"": "rigcast.engine.capture.chat:ChatKind"}, order=6, summary="chat messages"),)
