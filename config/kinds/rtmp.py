"""``kind = "rtmp"``: a push to an RTMP(S) server (SRS, nginx-rtmp, a platform's ingest).

With no URL the user's API hands one out at every start (a [link] must exist).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.kinds.congestion import Congestion
from rigcast.config.kinds.own_video import OwnVideo
from rigcast.config.kinds.reconnect import Reconnecting
from rigcast.config.kinds.tracks import SendsTrack
from rigcast.config.secrets import mask_url, path_secret_parts, remember_parts

PUSH_SCHEMES = ("rtmp", "rtmps")
EXPECT = "rtmp://HOST[:PORT]/APP/KEY"


def check_push_url(url: str) -> str:
    """An RTMP(S) URL, its secret parts remembered for masking; ValueError with the problem."""
    remember_parts(path_secret_parts(url))
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ValueError(f"malformed URL {mask_url(url)}; expected {EXPECT}") from None
    if not parts.scheme:
        raise ValueError(f"malformed URL {mask_url(url)}; expected {EXPECT}")
    if parts.scheme.lower() not in PUSH_SCHEMES:
        from rigcast.config.kinds import kinds  # here: the package imports this module

        schemes = [f"{x}://" for k in kinds(Role.OUTPUT, Cap.STREAM) for x in k.extra.get("schemes", ())]
        raise ValueError(f'unsupported scheme "{parts.scheme}://"; use {", ".join(schemes)}')
    try:
        port = parts.port
    except ValueError:
        raise ValueError(f"malformed URL {mask_url(url)}: the port is not a number 1-65535") from None
    if not parts.hostname:
        raise ValueError(f"malformed URL {mask_url(url)}: no host; expected {EXPECT}")
    if port == 0:
        raise ValueError(f"malformed URL {mask_url(url)}: port 0")
    if not [s for s in parts.path.split("/") if s]:
        raise ValueError(f"malformed URL {mask_url(url)}: no application; expected rtmp://HOST/APP/KEY")
    return url


@dataclass
class RtmpSettings(SendsTrack, Reconnecting, Congestion, OwnVideo):
    url: str | None = f.custom(None, (str,), "an rtmp:// URL", lambda v, _c: check_push_url(v))


def describe(s: RtmpSettings) -> str:
    return mask_url(s.url) if s.url else "URL from your API at start"


KINDS = (KindInfo("rtmp", Role.OUTPUT, Cap.STREAM | Cap.NEEDS_INGEST, RtmpSettings, describe,
                  {"": "rigcast.engine.output.rtmp:RtmpOutput"}, order=1, summary="push to an RTMP(S) server",
                  # hvc1/av01 through enhanced RTMP (PyAV's FLV muxer writes the FourCC tags)
                  extra={"schemes": PUSH_SCHEMES, "codecs": ("h264", "hevc", "av1")},
                  secret_parts=path_secret_parts),)
