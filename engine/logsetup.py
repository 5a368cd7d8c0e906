"""Logging for every rigcast process: one format, secrets masked before anything is written."""

from __future__ import annotations

import logging
import sys
from typing import Any

from rigcast.config.secrets import mask_text
from rigcast.engine.vocab.reports import LogLine


class MaskingFilter(logging.Filter):
    """Masks the message, and the traceback of ``log.exception`` too: an exception's text (a
    URL in an FFmpeg or socket error) is as likely as the message to quote a key."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            # Formatters use exc_text when it is set: the masked one, not a fresh clear one.
            record.exc_text = mask_text(self._formatter.formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True


class EventHandler(logging.Handler):
    """Forwards log records, masked, to the engine as ``log`` events (the TUI's log pane).

    Never blocks: a worker must not stall on a full queue because nobody reads the log."""

    def __init__(self, events: Any, process: str) -> None:
        super().__init__(logging.INFO)
        self.events = events
        self.process = process
        self.addFilter(MaskingFilter())

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.events.put_nowait(LogLine(record.created, record.levelname, self.process, record.name,
                                           record.getMessage()))
        except Exception:
            pass


def setup_logging(level: int = logging.INFO, process: str = "", events: Any = None) -> None:
    root = logging.getLogger()
    root.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    prefix = f"[{process}] " if process else ""
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {prefix}%(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    if events is not None:
        root.addHandler(EventHandler(events, process))
    root.setLevel(level)
    # The WebRTC stack logs every ICE check (INFO) and every RTP packet (DEBUG): its warnings
    # are what a streamer needs; rigcast's WHIP output says the rest in its own words.
    for chatty in ("aioice", "aiortc"):
        logging.getLogger(chatty).setLevel(max(level, logging.WARNING))
