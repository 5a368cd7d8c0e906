"""SRT push: MPEG-TS from PyAV's muxer, written into this output's own IO and sent as live
messages of 7 TS packets through libsrt (engine/output/srt_lib.py).

The connection handling is every network output's (engine/output/network.py): the same backoff, a fresh keyframe
and a fresh container at every connect, "rejected by server: REASON" when the listener refuses
(a bad streamid or passphrase: SRT's reject reason, or the server's own code) and a network
error otherwise. The socket's own statistics (RTT, send rate, loss, retransmits, send buffer)
are read once a second for status, the TUI and the link.
"""

from __future__ import annotations

from typing import Any

import av

from rigcast.config.kinds.srt import SrtStats
from rigcast.engine.output.errors import SessionEnd
from rigcast.engine.output.network import NetworkOutput
from rigcast.engine.output.srt_lib import LIVE_PAYLOAD, SrtCaller, SrtError, passphrase_from
from rigcast.engine.vocab.reports import OutputStatus

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


class SrtOutput(NetworkOutput):
    def __init__(self, cfg: Any, templates: Any, upstream: Any = None) -> None:
        super().__init__(cfg, templates, upstream)
        s = cfg.settings
        self.opts = s.effective()
        self.passphrase = passphrase_from(s.passphrase_env, s.passphrase_file)
        self.link_stats: SrtStats | None = None

    def link_delay_s(self) -> float:
        buffered = self.link_stats.send_buffer_ms if self.link_stats is not None else 0
        return self.q.delay_s() + buffered / 1000

    def link_kbps(self, seconds: float) -> float:
        """SRT's own send rate: its send buffer takes seconds of media before a write blocks,
        so what the socket accepted says little about the link."""
        if self.link_stats is None:
            return super().link_kbps(seconds)
        return self.link_stats.send_mbps * 1000

    def status(self) -> OutputStatus:
        st = super().status()
        st.link = self.link_stats
        return st

    def session(self) -> SessionEnd:
        """Connect and stream until stopped; a refusal (SrtRejected) or a broken link (SrtError,
        a socket or muxer error) is raised and mapped by the loop (network.py)."""
        o = self.opts
        caller = SrtCaller(o["host"], o["port"], streamid=o["streamid"], latency_ms=o["latency_ms"],
                           passphrase=self.passphrase, pbkeylen=o["pbkeylen"],
                           connect_timeout_ms=o["connect_timeout_ms"])
        started = self.went_live()

        def check() -> None:
            self.link_stats = caller.stats()
            if not caller.connected():
                raise SrtError("the SRT connection broke")

        idle = self.adapting(self.every(STATS_EVERY_S, check))
        container = None
        stopped = False
        sink = _TsSink(caller)
        try:
            container = av.open(sink, "w", format="mpegts", options={"flush_packets": "1"})
            streams = self.open_streams(container)
            self.mux_from_queue(container, streams, idle)
            stopped = True
        finally:
            self.ended(container, started)
            if stopped:  # the last frame delivered whole before the close
                try:
                    sink.flush()  # its tail, short of a whole message
                    caller.finish()
                except SrtError:
                    pass
            caller.close()
            self.link_stats = None
        return SessionEnd.STOPPED
