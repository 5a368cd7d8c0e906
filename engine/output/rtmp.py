"""RTMP/RTMPS push to SRS (or any RTMP server), with reconnects.

One session = one TCP connection = one FLV container. Failures are told apart because the
streamer's fix differs: a *network error* (server down, unreachable, connection broke) is
retried on the backoff schedule and at once when a TCP probe finds the server back; a
*rejection* (the server answered ``publish`` with an error or hung up on it: wrong key, SRS's
on_publish hook said no) is reported as "rejected by server" and retried on the full backoff.

*Busy* is neither. After a network drop SRS keeps the old publisher for a few seconds, and it
answers the new publish with Publish.Start and then closes, exactly as when its hook refuses.
So a close right after publish within BUSY_AFTER_LOSS_S of this output's own lost connection
is taken as busy and retried every first backoff step for up to BUSY_FOR_S before it counts as
a rejection; nginx-rtmp says so outright (Publish.BadName), which is busy for as long as it
lasts. Either way the output goes live as soon as the old session is gone.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import av

from rigcast.engine.output.errors import SessionEnd
from rigcast.engine.output.flv_tags import FlvTagSink
from rigcast.engine.output.network import NetworkOutput
from rigcast.engine.output.rtmp_client import (
    RtmpBusy,
    RtmpNetworkError,
    RtmpPublisher,
    RtmpRejected,
    RtmpTarget,
)
from rigcast.engine.untrusted import from_outside

CONNECT_TIMEOUT_S = 5.0
EARLY_CLOSE_S = 3.0  # a server that hangs up this soon after accepting is refusing us
POLL_EVERY_S = 0.1
BUSY_AFTER_LOSS_S = 10.0  # a close right after publish this soon after our own loss: busy
BUSY_FOR_S = 15.0  # how long that guess holds before it is called a rejection


def tcp_probe(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class RtmpOutput(NetworkOutput):
    def __init__(self, cfg: Any, templates: Any, upstream: Any = None) -> None:
        super().__init__(cfg, templates, upstream)
        self.rtmp = RtmpTarget.parse(self.url)
        self.lost_at: float | None = None  # when this output's own live session last broke
        self.busy_since: float | None = None

    def retry_delay(self, failure: SessionEnd) -> float:
        if failure is not SessionEnd.BUSY:
            self.busy_since = None
            return self.backoff.next_delay()
        return self.backoff.initial_s  # the old session goes within seconds: the first step again

    def probe(self) -> bool:
        return tcp_probe(self.rtmp.host, self.rtmp.port)

    def _busy_or_rejected(self, why: str) -> SessionEnd:
        """A close right after publish: busy while it follows our own loss closely enough
        (and for at most BUSY_FOR_S of retries), else the rejection it looks like."""
        now = time.monotonic()
        if self.lost_at is not None and now - self.lost_at < BUSY_AFTER_LOSS_S:
            self.busy_since = self.busy_since or now
        if self.busy_since is not None and now - self.busy_since < BUSY_FOR_S:
            self.error = ("stream busy on server: it still has the session that just dropped "
                          "(it closed this one right after accepting it); retrying")
            return SessionEnd.BUSY
        self.busy_since = None
        self.error = f"rejected by server: {why}"
        return SessionEnd.REJECTED

    def session(self) -> SessionEnd:
        """Connect, stream until stopped or broken. A close right after publish is told apart
        here (busy or rejected, by RTMP's own rule); every other error is raised, and mapped
        by the loop (network.py)."""
        pub = RtmpPublisher(self.url, CONNECT_TIMEOUT_S, self.unsent_bytes())
        try:
            pub.connect()
        except RtmpRejected as e:
            if isinstance(e, RtmpBusy) or "right after accepting publish" not in str(e):
                raise
            return self._busy_or_rejected(from_outside(str(e)))
        started = self.went_live()
        self.busy_since = None
        container = None
        idle = self.adapting(self.every(POLL_EVERY_S, pub.poll))
        try:
            container = av.open(FlvTagSink(pub.send_tag), "w", format="flv",
                                options={"flvflags": "no_duration_filesize", "flush_packets": "1"})
            streams = self.open_streams(container)
            self.mux_from_queue(container, streams, idle)
        except RtmpRejected:
            raise
        except (RtmpNetworkError, OSError, av.FFmpegError):
            if time.monotonic() - started < EARLY_CLOSE_S and pub.closed_by_server:
                after = time.monotonic() - started
                return self._busy_or_rejected(f"it closed the stream {after:.1f} s after accepting it "
                                              "(access denied?)")
            self.lost_at = time.monotonic()
            raise
        finally:
            self.ended(container, started)
            pub.close()
        return SessionEnd.STOPPED
