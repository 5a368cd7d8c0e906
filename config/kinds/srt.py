"""``kind = "srt"``: MPEG-TS over SRT to a listener (SRS's SRT server, ffmpeg, srt-live-transmit).

``url = "srt://host:10080"`` with ``streamid = "#!::r=live/KEY,m=publish"`` (passed verbatim, so
SRS's syntax works), or all in one URL with the streamid's ``#`` written as ``%23``: an
unencoded ``#`` starts a URL fragment, and the key would silently fall out of the query and out
of masking, so it is refused. The passphrase comes from an environment variable or a file,
never from the config itself.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs, unquote, urlsplit

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, KindStats, Role
from rigcast.config.kinds.congestion import Congestion
from rigcast.config.kinds.own_video import OwnVideo
from rigcast.config.kinds.reconnect import Reconnecting
from rigcast.config.kinds.tracks import SendsTrack
from rigcast.config.secrets import mask_url, path_secret_parts, remember_parts, remember_secret

EXPECT = "srt://HOST:PORT (streamid in streamid = ..., or ?streamid=%23!::r=APP/KEY,m=publish)"
QUERY_KEYS = ("streamid", "latency", "passphrase", "pbkeylen", "connect_timeout", "mode")


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


def srt_secret_parts(url: str) -> list[str]:
    """A push URL's secret pieces (:func:`path_secret_parts`) and those of a ``?streamid=`` in it."""
    found = path_secret_parts(url)
    for pair in urlsplit(url).query.split("&"):
        if pair.lower().startswith("streamid="):
            found += streamid_secret_parts(pair.split("=", 1)[1])
    return found


def check_srt_url(url: str) -> str:
    remember_parts(srt_secret_parts(url))
    if "#" in url:
        raise ValueError("the URL has an unencoded #: write the streamid's # as %23 "
                         "(srt://HOST:PORT?streamid=%23!::r=APP/KEY,m=publish), or use streamid = \"...\"")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValueError(f"malformed URL {mask_url(url)}; expected {EXPECT}") from None
    if parts.scheme.lower() != "srt":
        raise ValueError(f'unsupported scheme "{parts.scheme}://" for kind srt; expected {EXPECT}')
    if not parts.hostname or not port:
        raise ValueError(f"malformed URL {mask_url(url)}: it needs a host and a port; expected {EXPECT}")
    if parts.path not in ("", "/"):
        raise ValueError(f"{mask_url(url)}: an SRT URL has no path; SRT carries the key in the streamid "
                         "(streamid = \"#!::r=APP/KEY,m=publish\")")
    for key in parse_qs(parts.query):
        if key not in QUERY_KEYS:
            raise ValueError(f'unknown SRT URL option "{key}"; rigcast takes {", ".join(QUERY_KEYS)}')
    q = parse_qs(parts.query)
    if q.get("mode", ["caller"])[0] != "caller":
        raise ValueError("rigcast calls the SRT server (mode=caller); the server is the listener")
    if "passphrase" in q:
        raise ValueError("a passphrase in the URL would show in every config copy and process list; "
                         "use passphrase_env or passphrase_file")
    return url


def _streamid(value: Any, _ctx: f.Context) -> str:
    remember_parts(streamid_secret_parts(value))
    if len(value.encode()) > 512:
        raise ValueError("a streamid is at most 512 bytes")
    return str(value)


@dataclass
class SrtSettings(SendsTrack, Reconnecting, Congestion, OwnVideo):
    url: str | None = f.custom(None, (str,), "an srt://HOST:PORT URL", lambda v, _c: check_srt_url(v))
    streamid: str | None = f.custom(None, (str,), 'a streamid like "#!::r=live/KEY,m=publish"', _streamid)
    latency_ms: int = f.number(120, 20, 8000, integer=True, key="latency")
    passphrase_env: str | None = f.text(None, "the name of an environment variable holding the passphrase")
    passphrase_file: str | None = f.text(None, "the path of a file holding the passphrase")
    pbkeylen: int = f.number(16, 16, 32, integer=True)
    connect_timeout_ms: int = f.number(3000, 100, 60_000, integer=True, key="connect_timeout")

    def validate(self, data: dict[str, Any]) -> None:
        if self.pbkeylen not in (16, 24, 32):
            raise f.SettingError("pbkeylen", "expected 16, 24 or 32 (AES-128, -192, -256)")
        if self.passphrase_env and self.passphrase_file:
            raise f.SettingError("passphrase_env", "give passphrase_env or passphrase_file, not both")
        if self.passphrase_env:
            value = os.environ.get(self.passphrase_env)
            if not value:
                raise f.SettingError("passphrase_env", f"${self.passphrase_env} is not set; export the SRT "
                                                       "passphrase in it (10 to 79 characters)")
            if not 10 <= len(value) <= 79:
                raise f.SettingError("passphrase_env", f"${self.passphrase_env} holds {len(value)} characters; "
                                                       "an SRT passphrase has 10 to 79")
            remember_secret(value)

    def effective(self) -> dict[str, Any]:
        """The URL's own options over these settings: what the caller connects with."""
        parts = urlsplit(self.url or "")
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        return {"host": parts.hostname or "", "port": parts.port or 0,
                "streamid": unquote(q["streamid"]) if "streamid" in q else self.streamid,
                "latency_ms": int(q.get("latency", self.latency_ms)), "pbkeylen": int(q.get("pbkeylen", self.pbkeylen)),
                "connect_timeout_ms": int(q.get("connect_timeout", self.connect_timeout_ms))}


def describe(s: SrtSettings) -> str:
    if not s.url:
        return "URL from your API at start"
    sid = s.effective()["streamid"]
    return mask_url(s.url) + (f" streamid {_masked_streamid(sid)}" if sid and "?" not in s.url else "")


def _masked_streamid(sid: str) -> str:
    out = sid
    for part in sorted(streamid_secret_parts(sid), key=len):
        if "/" not in part:
            out = out.replace(part, "****")
    return out


@dataclass(frozen=True)
class SrtStats(KindStats):
    """SRT's own view of its connection, read from libsrt once a second while connected."""

    WIRE_KEY: ClassVar[str] = "srt"

    rtt_ms: float
    send_mbps: float
    lost: int  # packets the receiver reported lost
    retransmitted: int
    send_buffer_ms: int  # unacknowledged media in the send buffer
    dropped: int  # packets too late to send

    def summary(self) -> str:
        return (f"rtt {self.rtt_ms:.0f} ms lost {self.lost} retx {self.retransmitted} "
                f"buf {self.send_buffer_ms} ms")


KINDS = (KindInfo("srt", Role.OUTPUT, Cap.STREAM | Cap.NEEDS_INGEST, SrtSettings, describe,
                  {"": "rigcast.engine.output.srt:SrtOutput"}, order=3, summary="push MPEG-TS over SRT",
                  extra={"schemes": ("srt",), "codecs": ("h264", "hevc")}, stats=SrtStats,
                  secret_parts=srt_secret_parts),)
