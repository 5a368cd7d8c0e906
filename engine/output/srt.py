"""SRT push: MPEG-TS from PyAV's muxer, written into this output's own IO and sent as live
messages of 7 TS packets through libsrt (engine/output/srt_lib.py).

The connection handling is RTMP's (engine/output/rtmp.py): the same backoff, a fresh keyframe
and a fresh container at every connect, "rejected by server: REASON" when the listener refuses
(a bad streamid or passphrase: SRT's reject reason, or the server's own code) and a network
error otherwise. The socket's own statistics (RTT, send rate, loss, retransmits, send buffer)
are read once a second for status, the TUI and the link.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from typing import Any

import av

from config.secrets import mask_url
from engine.output.backoff import Backoff
from engine.output.base import QueuedOutput
from engine.output.srt_lib import LIVE_PAYLOAD, SrtCaller, SrtError, passphrase_from
from engine.untrusted import from_outside
from engine.vocab import OutputState
from engine.vocab.reports import OutputStatus

log = logging.getLogger("rigcast.output.srt")

STABLE_AFTER_S = 10.0  # a session that lasted this long resets the backoff
STATS_EVERY_S = 1.0


class _TsSink:
    """The muxer's file: whole live messages (1316 bytes) go out as the TS packets come."""

    def __init__(self, caller: SrtCaller) -> None:
        self.caller = caller
        self.buf = bytearray()

    def write(self, data: bytes) -> int:
        self.buf += data
        whole = len(self.buf) // LIVE_PAYLOAD * LIVE_PAYLOAD
        if whole:
            self.caller.send(bytes(self.buf[:whole]))
            del self.buf[:whole]
        return len(data)

    def flush(self) -> None:
        if self.buf:
            self.caller.send(bytes(self.buf))
            self.buf.clear()


class SrtOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, keyframe_wanted: Any = None) -> None:
        super().__init__(cfg, templates, keyframe_wanted)
        s = cfg.settings
        self.opts = s.effective()
        self.url: str = s.url
        self.passphrase = passphrase_from(s.passphrase_env, s.passphrase_file)
        self.backoff = Backoff(s.reconnect_initial_s, s.reconnect_factor, s.reconnect_max_s)
        self.link_stats: dict[str, Any] | None = None

    def status(self) -> OutputStatus:
        st = super().status()
        st.srt = self.link_stats
        return st

    def run(self) -> None:
        while not self.stopping.is_set():
            self.state = OutputState.CONNECTING
            failure = self._session()
            if self.stopping.is_set():
                break
            delay = self.backoff.next_delay()
            self.reconnects += 1
            self.retry_at = time.monotonic() + delay
            self.state = OutputState.REJECTED if failure == "rejected" else OutputState.RECONNECTING
            log.warning("%s: %s; retrying in %.1f s", self.name, self.error, delay)
            while not self.stopping.is_set() and time.monotonic() < self.retry_at:
                self.discard_queued()  # a reconnect starts live, not with a stale backlog
                self.stopping.wait(0.1)
            self.retry_at = None
        self.state = OutputState.STOPPED
        self.connected_at = None

    def _session(self) -> str:
        o = self.opts
        try:
            caller = SrtCaller(o["host"], o["port"], streamid=o["streamid"], latency_ms=o["latency_ms"],
                               passphrase=self.passphrase, pbkeylen=o["pbkeylen"],
                               connect_timeout_ms=o["connect_timeout_ms"])
        except SrtError as e:
            if e.refused:
                self.error = f"rejected by server: {from_outside(str(e))}"
                return "rejected"
            self.error = f"network error: {from_outside(str(e))}"
            return "network"
        self.new_session()
        self.discard_queued()
        started = time.monotonic()
        self.connected_at, self.error, self.state = started, None, OutputState.LIVE
        log.info("%s: live on %s", self.name, mask_url(self.url))
        last_stats = 0.0

        def idle() -> None:
            nonlocal last_stats
            now = time.monotonic()
            if now - last_stats >= STATS_EVERY_S:
                last_stats = now
                self.link_stats = asdict(caller.stats())
                if not caller.connected():
                    raise SrtError("the SRT connection broke")

        sink = _TsSink(caller)
        container = None
        outcome = "stopped"
        try:
            container = av.open(sink, "w", format="mpegts", options={"flush_packets": "1"})
            streams = self.open_streams(container)
            self.mux_from_queue(container, streams, idle)
        except (SrtError, OSError, av.FFmpegError) as e:
            self.error, outcome = f"network error: {from_outside(str(e))}", "network"
        finally:
            self.connected_at = None
            if container is not None:
                try:
                    container.close()
                except Exception:
                    pass
            caller.close()
            self.link_stats = None
        if time.monotonic() - started >= STABLE_AFTER_S:
            self.backoff.reset()
        return outcome
