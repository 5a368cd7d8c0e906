"""User-facing errors: the CLI prints ``str(error)`` as one line and exits non-zero."""

from __future__ import annotations

from rigcast.config.secrets import mask_text


class RigcastError(Exception):
    """A problem the user can fix; its message names the problem and the fix.

    The message is masked on the way in so a stream key in an underlying library's error
    text never reaches the terminal.
    """

    def __init__(self, message: str) -> None:
        super().__init__(mask_text(message))
