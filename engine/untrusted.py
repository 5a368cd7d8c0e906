"""Text from outside, made safe before a terminal or a status line shows it.

Chat, a server's reason for refusing a publish, the user's API's close reason and window
titles are all written by someone else, and end up in the streamer's terminal (the TUI,
``rigcast ctl``, the foreground status line) and in status JSON. Terminal escape sequences and
control characters are removed (an ESC sequence could retitle, clear or reprogram the
terminal), bidirectional overrides too (they reorder what is shown), whitespace is folded and
the length is capped. Text that may quote a URL or a key is masked as well.
"""

from __future__ import annotations

import re
import unicodedata

from rigcast.config.secrets import mask_text

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte escapes, and the 8-bit forms.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x9b[0-?]*[ -/]*[@-~]"
                      r"|(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
                      r"|(?:\x1b[PX^_]|[\x90\x98\x9e\x9f])[^\x1b\x9c]*(?:\x1b\\|\x9c)?"
                      r"|\x1b[ -/]*[0-~]?")


def clean(text: str, limit: int) -> str:
    """Printable text on one line: escapes and control/format characters gone, whitespace runs
    folded to one space, at most ``limit`` characters. Only a bounded prefix is looked at: the
    character loop is Python, and a message is at most 64 KiB of mostly nothing useful."""
    text = _ESCAPES.sub("", text[: limit * 8])
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\t\n\r\v\f" or cat == "Zs":
            out.append(" ")
        elif cat[0] == "C":  # Cc control, Cf format (bidi overrides, zero-width), Cs, Co, Cn
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())[:limit]


def from_outside(text: str, limit: int = 300) -> str:
    """A peer's message (a server's error, a close reason): cleaned and masked."""
    return mask_text(clean(text, limit))
