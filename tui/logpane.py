"""The log pane: the engine's and the video process's log lines, newest at the bottom.

Lines wrap at the pane's edge rather than being cut there: an error's fix is at its end. The
time stamp and the level colours come from app.tcss (component classes), so they follow the
theme like every other colour in the room.
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.widgets import RichLog

from rigcast.engine.vocab import LogLine

MAX_LINES = 500
LEVEL_PARTS = {"WARNING": "log--warning", "ERROR": "log--error", "CRITICAL": "log--error"}


class LogPane(RichLog):
    COMPONENT_CLASSES = {"log--stamp", "log--warning", "log--error"}

    def __init__(self, **kwargs: Any) -> None:
        # min_width: wrapped at the pane's own width (RichLog's default is 78 columns, then cut)
        super().__init__(max_lines=MAX_LINES, wrap=True, markup=False, highlight=False, min_width=16, **kwargs)

    def add(self, line: LogLine) -> None:
        stamp = time.strftime("%H:%M:%S", time.localtime(line.t))
        text = Text(f"{stamp} {line.process}: ", style=self.get_component_rich_style("log--stamp"))
        part = LEVEL_PARTS.get(line.level)
        text.append(line.msg, style=self.get_component_rich_style(part) if part else "")
        self.write(text)
