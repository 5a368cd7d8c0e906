"""How a network output's session ends: one small hierarchy every kind raises, one enum.

In the style of httpx's ``_exceptions.py``: RTMP, SRT and WHIP each name their own errors
(``RtmpRejected``, ``SrtRejected``, ``WhipNetworkError``, ...) but derive them from these,
so the reconnect loop (engine/output/network.py) maps them to an outcome and a line for the
status in one place, the same way for every kind:

    OutputError
    ├── NetworkError     the server could not be reached, or the connection broke: retried
    │                    with backoff, early when a probe finds the server again
    └── RejectedError    the server answered and refused (bad key, hook said no): retried slowly
        └── BusyError    the name is being published already (often our own dropped session)
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar


class SessionEnd(StrEnum):
    """Why one session of a network output ended (its state and next delay follow from it)."""

    STOPPED = "stopped"  # asked to stop: not an error
    NETWORK = "network"
    REJECTED = "rejected"
    BUSY = "busy"
    UNAVAILABLE = "unavailable"  # this machine can't do it (a library missing): no retry helps


class OutputError(Exception):
    """Ends a session. ``LABEL`` starts the line the status shows (the message follows it)."""

    END: ClassVar[SessionEnd] = SessionEnd.NETWORK
    LABEL: ClassVar[str] = "network error"

    def shown(self, message: str) -> str:
        """The status line, from the message as made safe to show (untrusted text masked)."""
        return f"{self.LABEL}: {message}" if self.LABEL else message


class NetworkError(OutputError):
    """The server could not be reached, or the connection broke."""


class RejectedError(OutputError):
    """The server answered and refused the session."""

    END = SessionEnd.REJECTED
    LABEL = "rejected by server"


class UnavailableError(OutputError):
    """The output can't run on this machine (its library is missing); retrying won't change
    that, so the output stops with this line until the user fixes it and starts it again."""

    END = SessionEnd.UNAVAILABLE
    LABEL = ""


class BusyError(RejectedError):
    """The server says the stream name is being published already; its message says so."""

    END = SessionEnd.BUSY
    LABEL = ""
