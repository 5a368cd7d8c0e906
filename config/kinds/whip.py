"""``kind = "whip"``: WebRTC publish over WHIP (RFC 9725) to SRS or any WHIP endpoint.

``url = "http://host:1985/rtc/v1/whip/?app=live&stream=KEY"`` (SRS) or any endpoint's URL, with
an optional Bearer token read from an environment variable (``token_env``), never from the
config. WebRTC carries H.264 without B-frames and Opus, so a codec or a B-frame setting the kind
can't carry is a config error decided from this record before going live (config.loader).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import urlsplit

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, KindStats, Role
from rigcast.config.kinds.own_video import OwnVideo
from rigcast.config.kinds.reconnect import Reconnecting
from rigcast.config.kinds.tracks import SendsTrack
from rigcast.config.secrets import mask_url, remember_parts, remember_secret

EXPECT = "http(s)://HOST[:PORT]/PATH (SRS: http://HOST:1985/rtc/v1/whip/?app=live&stream=KEY)"


# Query keys of an HTTP(S) endpoint that name a place, not a credential (SRS's app, vhost).
_HTTP_PLAIN_KEYS = ("app", "vhost", "schema", "eip", "codec")
_HTTP_KEY_LEN = 10  # a path segment this long in an HTTP endpoint is taken as a key or token


def whip_secret_parts(url: str) -> list[str]:
    """A WHIP endpoint's secret pieces. Its path is mostly route ("/rtc/v1/whip/"): words like
    "whip" must not become masked everywhere. Its key is a query value (SRS: stream=KEY) or a
    long path segment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    found = [s for s in parts.path.split("/") if len(s) >= _HTTP_KEY_LEN]
    for pair in parts.query.split("&") if parts.query else ():
        key, _, value = pair.partition("=")
        if key.lower() not in _HTTP_PLAIN_KEYS:
            found.append(value)
    if parts.password:
        found.append(parts.password)
    return [f for f in found if f]


def check_whip_url(url: str) -> str:
    remember_parts(whip_secret_parts(url))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"malformed URL {mask_url(url)}; expected {EXPECT}") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f'a WHIP endpoint is an HTTP(S) URL, not "{parts.scheme}://"; expected {EXPECT}')
    if not parts.hostname or port == 0:
        raise ValueError(f"malformed URL {mask_url(url)}: it needs a host; expected {EXPECT}")
    return url


@dataclass
class WhipSettings(SendsTrack, Reconnecting, OwnVideo):
    url: str | None = f.custom(None, (str,), "a WHIP endpoint's http(s):// URL", lambda v, _c: check_whip_url(v))
    token_env: str | None = f.text(None, "the name of an environment variable holding the Bearer token")
    connect_timeout_ms: int = f.number(10_000, 1000, 60_000, integer=True, key="connect_timeout")
    stun: str | None = f.text(None, 'a STUN server for ICE behind NAT, like "stun:stun.example.net:3478"')

    def validate(self, data: dict[str, Any]) -> None:
        if self.token_env:
            value = os.environ.get(self.token_env)
            if not value:
                raise f.SettingError("token_env", f"${self.token_env} is not set; export the WHIP Bearer token "
                                                  "in it, or leave token_env out if the endpoint needs none")
            remember_secret(value)

    def token(self) -> str | None:
        return os.environ.get(self.token_env) if self.token_env else None


def describe(s: WhipSettings) -> str:
    return mask_url(s.url) if s.url else "URL from your API at start"


@dataclass(frozen=True)
class WebRtcStats(KindStats):
    """What the WHIP endpoint's RTCP receiver reports say, and what rigcast sent."""

    WIRE_KEY: ClassVar[str] = "webrtc"

    rtt_ms: float | None  # none until the first receiver report
    lost: int
    sent_packets: int
    profile: str | None  # the H.264 profile-level-id the answer took
    handoff_dropped: int  # packets the sender's queue let go (the peer fell behind)

    def summary(self) -> str:
        return (f"rtt {self.rtt_ms:.0f} ms " if self.rtt_ms is not None else "") + f"lost {self.lost}"


KINDS = (KindInfo("whip", Role.OUTPUT, Cap.STREAM | Cap.NEEDS_INGEST, WhipSettings, describe,
                  {"": "rigcast.engine.output.whip:WhipOutput"}, order=4, summary="publish over WebRTC (WHIP)",
                  # WebRTC: H.264 packets as encoded (no B-frames: RTP has no reordering), Opus audio
                  extra={"schemes": ("http", "https"), "codecs": ("h264",), "bframes": False, "audio": "opus"},
                  stats=WebRtcStats, secret_parts=whip_secret_parts),)
