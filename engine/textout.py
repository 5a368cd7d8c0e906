"""rigcast's own text output: UTF-8 wherever it isn't a terminal, and never an exception.

On Windows, Python writes to a pipe or a file (``ssh`` without ``-t``, a script, ``| more``)
in the ANSI code page, strictly: ``ctl status`` printing "→", or ``rigcast windows`` listing a
title with emoji or CJK, ended in ``UnicodeEncodeError``. The interpreters rigcast starts run
with ``-X utf8`` (engine/proc.py); the console command itself (``rigcast.exe``) is started by
the user, so it fixes its own streams here, first thing. A terminal keeps its own encoding
(Windows' console takes Unicode anyway); what it can't show is replaced.
"""

from __future__ import annotations

import codecs
import sys
from typing import Any


def utf8_stream(stream: Any) -> None:
    """Make ``stream`` (a text stream) write UTF-8 when it is no terminal, and replace what
    its encoding can't hold when it is one."""
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is None:
        return
    try:
        utf8 = codecs.lookup(stream.encoding or "ascii").name == "utf-8"
    except LookupError:
        utf8 = False
    try:
        tty = stream.isatty()
    except (OSError, ValueError):
        tty = False
    if tty:
        if not utf8:
            reconfigure(errors="replace")
    elif not utf8:
        stream.flush()
        reconfigure(encoding="utf-8", errors="replace")


def utf8_streams() -> None:
    for stream in (sys.stdout, sys.stderr):
        utf8_stream(stream)
