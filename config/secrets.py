"""Masking of stream keys and other secrets.

It lives in ``config`` (the lowest layer) because the config loader's own error messages can
carry a URL, and everything above — logs, status lines, exceptions shown to the user — must
print the same masked form: ``rtmp://host/live/****``.
"""

from __future__ import annotations

import re
import threading
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


def streamid_secret_parts(streamid: str) -> list[str]:
    """The secret pieces of an SRT streamid in SRS's/the SRT access-control syntax
    (``#!::r=live/KEY,m=publish,secret=...``): the key in ``r=app/KEY``, any secret or token."""
    from urllib.parse import unquote

    sid = unquote(streamid)
    found: list[str] = []
    if sid.startswith("#!::"):
        for pair in sid[4:].split(","):
            key, _, value = pair.partition("=")
            if key == "r" and "/" in value:
                found += [value, value.split("/", 1)[1]]
            elif key in ("s", "secret", "token", "t", "key", "password"):
                found.append(value)
    elif "/" in sid:  # a plain "app/KEY" streamid
        found += [sid, sid.split("/", 1)[1]]
    return [f for f in found if f]


# Query keys of an HTTP(S) endpoint (WHIP) that name a place, not a credential (SRS's app, vhost).
_HTTP_PLAIN_KEYS = ("app", "vhost", "schema", "eip", "codec")
_HTTP_KEY_LEN = 10  # a path segment this long in an HTTP endpoint is taken as a key or token


def url_secret_parts(url: str) -> list[str]:
    """The pieces of a URL that are secret, so they can be remembered for masking."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found: list[str] = []
    if parts.scheme.lower() in ("http", "https"):
        # A WHIP endpoint's path is mostly route ("/rtc/v1/whip/"): words like "whip" must not
        # become masked everywhere. Its key is a query value (SRS: stream=KEY) or a long segment.
        found += [s for s in parts.path.split("/") if len(s) >= _HTTP_KEY_LEN]
        for pair in parts.query.split("&") if parts.query else ():
            key, _, value = pair.partition("=")
            if key.lower() not in _HTTP_PLAIN_KEYS:
                found.append(value)
        if parts.password:
            found.append(parts.password)
        return [f for f in found if f]
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) >= 2:
        found.append("/".join(segments[1:]))
        found.extend(segments[1:])
    if parts.query:
        found.append(parts.query)
        found.extend(v.split("=", 1)[-1] for v in parts.query.split("&"))
        for pair in parts.query.split("&"):
            if pair.lower().startswith("streamid="):
                found.extend(streamid_secret_parts(pair.split("=", 1)[1]))
    if parts.password:
        found.append(parts.password)
    return [f for f in found if f]
