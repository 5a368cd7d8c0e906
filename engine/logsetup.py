"""Logging for every rigcast process: one format, secrets masked before anything is written."""

from __future__ import annotations

import logging
import sys

from config.secrets import mask_text


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = None
        return True


def setup_logging(level: int = logging.INFO, process: str = "") -> None:
    root = logging.getLogger()
    root.handlers.clear()
    handler = logging.StreamHandler(sys.stderr)
    prefix = f"[{process}] " if process else ""
    handler.setFormatter(logging.Formatter(f"%(asctime)s %(levelname)s {prefix}%(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(MaskingFilter())
    root.addHandler(handler)
    root.setLevel(level)
