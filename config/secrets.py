"""Masking of stream keys and other secrets.

It lives in ``config`` (the lowest layer) because the config loader's own error messages can
carry a URL, and everything above — logs, status lines, exceptions shown to the user — must
print the same masked form: ``rtmp://host/live/****``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import urlsplit

MASK = "****"

# A URL ends before whitespace/quotes, and never on sentence punctuation that follows it.
_URL_RE = re.compile(r"\b(?:rtmps?|srt|rtsp|https?|wss?)://[^\s'\"<>]*[^\s'\"<>.,;:)]", re.IGNORECASE)
_known: set[str] = set()
_lock = threading.Lock()


def mask_url(url: str) -> str:
    """Hide the stream key (last path segment), any query string and any password.

    ``rtmp://host/app/key?secret=x`` → ``rtmp://host/app/****``. A URL with only an app
    segment keeps it: the app name is not secret and tells the user which server it is.
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if "@" in netloc:
        netloc = MASK + "@" + netloc.rsplit("@", 1)[1]
    segments = parts.path.split("/")
    # ['', 'app', 'key'] → mask from the second real segment on.
    if len(segments) > 2 and any(segments[2:]):
        segments = segments[:2] + [MASK]
    path = "/".join(segments)
    query = "?" + MASK if parts.query else ""
    scheme = parts.scheme + "://" if parts.scheme else ""
    return f"{scheme}{netloc}{path}{query}"


def remember_secret(value: str) -> None:
    """Register a literal secret (a key given apart from a URL) so :func:`mask_text` hides it."""
    if value and len(value) >= 4:
        with _lock:
            _known.add(value)


def mask_text(text: str) -> str:
    """Mask every URL and every remembered secret in free text (log lines, errors)."""
    out = _URL_RE.sub(lambda m: mask_url(m.group(0)), text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        # Whole tokens only: a key "gears" must not turn "glxgears" into "glx****".
        out = re.sub(rf"(?<![\w-]){re.escape(secret)}(?![\w-])", MASK, out)
    return out


def path_secret_parts(url: str) -> list[str]:
    """The secret pieces of a URL laid out as ``scheme://host/app/KEY?query``: everything after
    the app segment, every query value, a password. The rule of a push URL (RTMP); a kind whose
    URLs carry secrets elsewhere says so in its record (``KindInfo.secret_parts``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found: list[str] = []
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2:
        found.append("/".join(segments[1:]))
        found.extend(segments[1:])
    if parts.query:
        found.append(parts.query)
        found.extend(v.split("=", 1)[-1] for v in parts.query.split("&"))
    if parts.password:
        found.append(parts.password)
    return [f for f in found if f]


def remember_parts(parts: Iterable[str]) -> None:
    """Remember each secret piece (what a kind's ``secret_parts`` found) for :func:`mask_text`."""
    for part in parts:
        remember_secret(part)
