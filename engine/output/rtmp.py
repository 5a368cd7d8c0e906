"""RTMP/RTMPS push to SRS (or any RTMP server), with reconnects.

One session = one TCP connection = one FLV container. Failures are told apart because the
streamer's fix differs: a *network error* (server down, unreachable, connection broke) is
retried on the backoff schedule and at once when a TCP probe finds the server back; a
*rejection* (the server answered ``publish`` with an error or hung up on it: wrong key, SRS's
on_publish hook said no) is reported as "rejected by server" and retried on the full backoff.
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

import av

from config.secrets import mask_url
from engine.output.backoff import PROBE_INTERVAL_S, Backoff
from engine.output.base import QueuedOutput
from engine.vocab import OutputState
from engine.output.flv_tags import FlvTagSink
from engine.output.rtmp_client import RtmpNetworkError, RtmpPublisher, RtmpRejected, RtmpTarget
from engine.untrusted import from_outside

log = logging.getLogger("rigcast.output.rtmp")

CONNECT_TIMEOUT_S = 5.0
EARLY_CLOSE_S = 3.0  # a server that hangs up this soon after accepting is refusing us
STABLE_AFTER_S = 10.0  # a session that lasted this long resets the backoff
POLL_EVERY_S = 0.1


def tcp_probe(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class RtmpOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, keyframe_wanted: Any = None) -> None:
        super().__init__(cfg, templates, keyframe_wanted)
        s = cfg.settings
        assert s.url is not None
        self.url: str = s.url
        self.rtmp = RtmpTarget.parse(self.url)
        self.backoff = Backoff(s.reconnect_initial_s, s.reconnect_factor, s.reconnect_max_s)

    def run(self) -> None:
        while not self.stopping.is_set():
            self.state = OutputState.CONNECTING
            failure = self._session()
            if self.stopping.is_set():
                break
            rejected = failure == "rejected"
            delay = self.backoff.next_delay()
            self.reconnects += 1
            self.retry_at = time.monotonic() + delay
            self.state = OutputState.REJECTED if rejected else OutputState.RECONNECTING
            log.warning("%s: %s; retrying in %.1f s", self.name, self.error, delay)
            self._wait_retry(probe=not rejected)
            self.retry_at = None
        self.state = OutputState.STOPPED
        self.connected_at = None

    def _wait_retry(self, probe: bool) -> None:
        while not self.stopping.is_set():
            self.discard_queued()  # a reconnect starts live, not with a stale backlog
            left = (self.retry_at or 0) - time.monotonic()
            if left <= 0:
                return
            self.stopping.wait(min(left, PROBE_INTERVAL_S))
            if probe and tcp_probe(self.rtmp.host, self.rtmp.port):
                log.info("%s: server is reachable again; reconnecting now", self.name)
                return

    def _session(self) -> str:
        """Connect, stream until stopped or broken. Returns "stopped", "network" or "rejected"."""
        pub = RtmpPublisher(self.url, CONNECT_TIMEOUT_S)
        try:
            pub.connect()
        except RtmpRejected as e:
            self.error = f"rejected by server: {from_outside(str(e))}"
            return "rejected"
        except RtmpNetworkError as e:
            self.error = f"network error: {from_outside(str(e))}"
            return "network"
        self.new_session()
        self.discard_queued()
        started = time.monotonic()
        self.connected_at = started
        self.error = None
        self.state = OutputState.LIVE
        log.info("%s: live on %s", self.name, mask_url(self.url))
        container = None
        last_poll = 0.0

        def idle() -> None:
            nonlocal last_poll
            now = time.monotonic()
            if now - last_poll >= POLL_EVERY_S:
                last_poll = now
                pub.poll()

        outcome = "stopped"
        try:
            container = av.open(FlvTagSink(pub.send_tag), "w", format="flv",
                                options={"flvflags": "no_duration_filesize", "flush_packets": "1"})
            streams = self.open_streams(container)
            self.mux_from_queue(container, streams, idle)
        except RtmpRejected as e:
            self.error, outcome = f"rejected by server: {from_outside(str(e))}", "rejected"
        except (RtmpNetworkError, OSError, av.FFmpegError) as e:
            if time.monotonic() - started < EARLY_CLOSE_S and pub.closed_by_server:
                after = time.monotonic() - started
                self.error = f"rejected by server: it closed the stream {after:.1f} s after accepting it (access denied?)"
                outcome = "rejected"
            else:
                self.error, outcome = f"network error: {from_outside(str(e))}", "network"
        finally:
            self.connected_at = None
            if container is not None:
                try:
                    container.close()
                except Exception:
                    pass
            pub.close()
        if time.monotonic() - started >= STABLE_AFTER_S:
            self.backoff.reset()
        return outcome
