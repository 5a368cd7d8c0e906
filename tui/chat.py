"""The chat pane: messages the user's API relayed, newest at the bottom.

The engine has already stripped escapes and control characters; this widget still builds
plain ``rich.text.Text`` (never markup), so a message like ``[red]x[/red]`` or ``[link=...]``
shows as typed and can't style or link anything in the control room.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.widgets import RichLog

from rigcast.engine.vocab import ChatMessage

MAX_LINES = 300


class ChatPane(RichLog):
    """A user's own colour (the platform's) is kept; the stamp and users without one take the
    theme's colours (app.tcss)."""

    COMPONENT_CLASSES = {"chat--stamp", "chat--user"}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_lines=MAX_LINES, wrap=True, markup=False, highlight=False, min_width=16, **kwargs)

    def add(self, msg: ChatMessage) -> None:
        stamp = time.strftime("%H:%M", time.localtime(msg.t or time.time()))
        line = Text(f"{stamp} ", style=self.get_component_rich_style("chat--stamp"))
        line.append(msg.user, style=f"bold {msg.color}" if msg.color else self.get_component_rich_style("chat--user"))
        line.append(": " + msg.text)
        self.write(line)
