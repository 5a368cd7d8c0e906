"""WHIP's HTTP half (RFC 9725): POST the SDP offer, get the answer and the session's URL,
DELETE that URL to end the session.

Blocking ``http.client`` calls, run off the event loop by the caller: two requests per session
do not earn an HTTP library. What the endpoint says decides how the output reports it: 401/403
and other 4xx answers are the server refusing (a wrong token or stream name: *rejected by
server*), while no answer, a broken connection or a 5xx is a *network error* worth retrying
on the backoff. The Bearer token goes only into the request's header, never into a message.
"""

from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from rigcast.engine.output.errors import NetworkError, RejectedError
from rigcast.engine.untrusted import from_outside

MAX_REDIRECTS = 3
MAX_ANSWER = 256 * 1024  # an SDP answer is a few KiB


class WhipNetworkError(NetworkError):
    """The endpoint could not be reached, or it failed (5xx)."""


class WhipRejected(RejectedError):
    """The endpoint answered and refused the session."""


class WhipHttpFailed(WhipNetworkError):
    """The endpoint answered with a server error (5xx): retried, but it did answer (an offer it
    can't take may be what failed)."""


@dataclass(frozen=True)
class WhipAnswer:
    sdp: str
    location: str  # the session's own URL (absolute), for DELETE


def _request(method: str, url: str, body: bytes | None, headers: dict[str, str],
             timeout_s: float) -> tuple[int, str, dict[str, str], bytes]:
    parts = urlsplit(url)
    conn: http.client.HTTPConnection
    if parts.scheme.lower() == "https":
        conn = http.client.HTTPSConnection(parts.hostname or "", parts.port, timeout=timeout_s,
                                           context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=timeout_s)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, target, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read(MAX_ANSWER)
        return resp.status, resp.reason, {k.lower(): v for k, v in resp.getheaders()}, data
    except (OSError, http.client.HTTPException) as e:
        raise WhipNetworkError(f"{type(e).__name__}: {e}" if not str(e) else str(e)) from None
    finally:
        conn.close()


def _headers(token: str | None, content_type: str | None = None) -> dict[str, str]:
    h = {"User-Agent": "rigcast"}
    if content_type:
        h["Content-Type"] = content_type
    if token:
        h["Authorization"] = f"Bearer {token}"
    return h


def post_offer(url: str, offer_sdp: str, token: str | None, timeout_s: float) -> WhipAnswer:
    """The offer to the endpoint; its answer and the session URL, or why not."""
    for _ in range(MAX_REDIRECTS + 1):
        status, reason, headers, data = _request("POST", url, offer_sdp.encode(),
                                                 _headers(token, "application/sdp") | {"Accept": "application/sdp"},
                                                 timeout_s)
        if status in (301, 302, 307, 308) and "location" in headers:
            url = urljoin(url, headers["location"])
            continue
        said = from_outside(data.decode("utf-8", "replace").strip().splitlines()[0] if data.strip() else "")
        what = f"HTTP {status} {reason}".strip() + (f": {said}" if said else "")
        if status in (401, 403):
            raise WhipRejected(f"{what} (check the Bearer token in token_env)")
        if 400 <= status < 500:
            raise WhipRejected(what)
        if status >= 500:
            raise WhipHttpFailed(what)
        if status not in (200, 201):
            raise WhipNetworkError(what)
        answer = data.decode("utf-8", "replace")
        if "v=0" not in answer:
            raise WhipRejected(f"the endpoint answered {status} without an SDP answer")
        location = headers.get("location")
        return WhipAnswer(answer, urljoin(url, location) if location else "")
    raise WhipNetworkError("too many redirects")


def delete_session(location: str, token: str | None, timeout_s: float) -> int:
    """End the session at the endpoint (its status code; 0 when it could not be reached)."""
    try:
        return _request("DELETE", location, None, _headers(token), timeout_s)[0]
    except WhipNetworkError:
        return 0
