"""Chat messages from the user's API, made safe before anything shows them.

Chat is text typed by strangers. It ends up in a terminal (the TUI's chat pane, ``rigcast ctl``)
and on the stream (the ``chat`` overlay source), so it is cleaned once, on the way in: terminal
escape sequences and control characters are removed (an ESC sequence could retitle, clear or
reprogram the streamer's terminal), bidirectional overrides too (they reorder what is shown),
lengths are capped and a token bucket caps the rate, so a flood can't starve the engine.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from rigcast.engine.untrusted import clean
from rigcast.engine.vocab.reports import ChatMessage

MAX_TEXT = 500
MAX_USER = 40
MAX_PLATFORM = 24
RATE_PER_S = 20.0  # sustained messages per second
BURST = 40

_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def make_message(raw: dict[str, object], now: float | None = None) -> ChatMessage:
    """A clean message from an untrusted one. Raises ValueError naming what is wrong."""
    for key in ("user", "text"):
        if not isinstance(raw.get(key), str):
            raise ValueError(f'chat: "{key}" must be a string')
    text = clean(str(raw["text"]), MAX_TEXT)
    if not text:
        raise ValueError("chat: the text is empty once control characters are removed")
    color = raw.get("color")
    mid = raw.get("id")
    platform = raw.get("platform", "")
    return ChatMessage(id=clean(mid, 64) if isinstance(mid, str) else "",
                       platform=clean(platform, MAX_PLATFORM) if isinstance(platform, str) else "",
                       user=clean(str(raw["user"]), MAX_USER) or "?",
                       text=text,
                       color=color if isinstance(color, str) and _COLOR.match(color) else None,
                       t=time.time() if now is None else now)


@dataclass
class RateLimit:
    """A token bucket: ``burst`` at once, ``rate`` a second after that; the rest are counted."""

    rate: float = RATE_PER_S
    burst: float = BURST
    tokens: float = BURST
    last: float = field(default_factory=time.monotonic)
    dropped: int = 0

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.dropped += 1
        return False
