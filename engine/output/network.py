"""What every network push shares, whatever it speaks (RTMP, SRT): the reconnect loop, the
wait between attempts, going live and ending a session.

One rule in one place: a session ends by returning (stopped, or what a kind's own rule
found) or by raising one of engine/output/errors.py's errors, which ``_session`` maps here and
nowhere else to a :class:`SessionEnd` and the line the status shows (socket and FFmpeg errors
count as the network's). The loop turns that into the output's state and the next delay (the
kind's ``retry_delay``), waits with the queue drained (a reconnect starts live, not with a
stale backlog), optionally leaving early when ``probe`` says the server is back, and resets
the backoff after a session that held. A kind implements ``session()`` and says how it probes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import av

from rigcast.config.kinds.congestion import Congestion
from rigcast.config.secrets import mask_url
from rigcast.engine.output.adaptive import BitrateController
from rigcast.engine.output.backoff import PROBE_INTERVAL_S, Backoff
from rigcast.engine.output.base import QueuedOutput
from rigcast.engine.output.errors import OutputError, SessionEnd
from rigcast.engine.untrusted import from_outside
from rigcast.engine.vocab import OutputState
from rigcast.engine.vocab.reports import OutputStatus

STABLE_AFTER_S = 10.0  # a session that lasted this long resets the backoff
LOOK_EVERY_S = 0.5  # how often an adaptive output looks at its link
# What the kernel may hold unsent for a TCP output: enough to keep the link busy between two
# writes, too little to hide delay from the output's queue, where it is measured and shed.
UNSENT_S = 0.05
MIN_UNSENT = 16 * 1024
_STATES = {SessionEnd.BUSY: OutputState.BUSY, SessionEnd.REJECTED: OutputState.REJECTED}


class NetworkOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, upstream: Any = None) -> None:
        super().__init__(cfg, templates, upstream)
        s = cfg.settings
        assert s.url is not None
        self.url: str = s.url
        self.backoff = Backoff(s.reconnect_initial_s, s.reconnect_factor, s.reconnect_max_s)
        self.log = logging.getLogger(f"rigcast.output.{cfg.kind}")
        self.congestion: Congestion | None = s if isinstance(s, Congestion) else None
        if self.congestion is not None:
            self.q.limit_s = self.congestion.max_delay_ms / 1000
        self.adapt: BitrateController | None = None
        self._seen_bytes, self._seen_at = 0, time.monotonic()

    # -- what a kind provides ----------------------------------------------------------------
    def session(self) -> SessionEnd:
        """Connect and stream until stopped (STOPPED) or broken (an OutputError raised)."""
        raise NotImplementedError

    def retry_delay(self, failure: SessionEnd) -> float:
        return self.backoff.next_delay()

    def probe(self) -> bool:
        """After a network failure: is the server reachable again (try at once)?"""
        return False

    def link_delay_s(self) -> float:
        """Media waiting to go out: this output's queue (SRT adds its own send buffer)."""
        return self.q.delay_s()

    def link_kbps(self, seconds: float) -> float:
        """What the link took over the last ``seconds``: bytes the socket accepted (SRT says
        its own send rate)."""
        return (self.bytes_out - self._seen_bytes) * 8 / 1000 / max(1e-3, seconds)

    # -- congestion ------------------------------------------------------------------------
    def unsent_bytes(self) -> int | None:
        """What a TCP output lets the kernel hold unsent; None: as much as it likes."""
        if self.congestion is None:
            return None
        kbps = self.encode.video_kbps + self.encode.audio_kbps
        return max(MIN_UNSENT, int(kbps * 1000 / 8 * UNSENT_S))

    def adapting(self, idle: Callable[[], None]) -> Callable[[], None]:
        """``idle`` plus a look at the link every LOOK_EVERY_S (engine/output/adaptive.py)."""
        look = self.every(LOOK_EVERY_S, self._look)

        def both() -> None:
            idle()
            look()

        return both

    def _look(self) -> None:
        now = time.monotonic()
        accepted = self.link_kbps(now - self._seen_at)
        self._seen_bytes, self._seen_at = self.bytes_out, now
        c = self.congestion
        if c is None or not c.adaptive or not self.encode.live_bitrate:
            return
        if self.adapt is None:
            self.adapt = BitrateController(self.encode.video_kbps, min(c.min_bitrate_kbps, self.encode.video_kbps),
                                           self.encode.audio_kbps)
        said = self.adapt.update(now, self.link_delay_s(), accepted)
        if said:
            self.upstream.want_kbps(self.adapt.target_kbps)
            self.note = said  # shown by the TUI and the link until the next change
            self.log.warning("%s: %s", self.name, said)

    def status(self) -> OutputStatus:
        st = super().status()
        st.queue_ms = round(self.link_delay_s() * 1000)
        return st

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> None:
        while not self.stopping.is_set():
            self.state = OutputState.CONNECTING
            failure = self._session()
            if self.stopping.is_set():
                break
            if failure is SessionEnd.UNAVAILABLE:  # nothing a retry could change
                self.state = OutputState.ERROR
                self.log.error("%s: %s", self.name, self.error)
                return
            delay = self.retry_delay(failure)
            self.reconnects += 1
            self.retry_at = time.monotonic() + delay
            self.state = _STATES.get(failure, OutputState.RECONNECTING)
            self.log.warning("%s: %s; retrying in %.1f s", self.name, self.error, delay)
            self._wait_retry(probe=failure is SessionEnd.NETWORK)
            self.retry_at = None
        self.state = OutputState.STOPPED
        self.connected_at = None

    def _session(self) -> SessionEnd:
        """One session; what ended it, mapped once for every kind: the error's outcome and its
        line (untrusted text from the server or a library masked on the way)."""
        try:
            return self.session()
        except OutputError as e:
            self.error = e.shown(from_outside(str(e) or type(e).__name__))
            return e.END
        except (OSError, av.FFmpegError) as e:  # the socket or the muxer under it: the network's
            self.error = f"network error: {from_outside(str(e) or type(e).__name__)}"
            return SessionEnd.NETWORK

    def _wait_retry(self, probe: bool) -> None:
        next_probe = time.monotonic() + PROBE_INTERVAL_S
        while not self.stopping.is_set():
            self.discard_queued()
            left = (self.retry_at or 0) - time.monotonic()
            if left <= 0:
                return
            self.stopping.wait(min(left, 0.1))
            if probe and time.monotonic() >= next_probe:
                next_probe = time.monotonic() + PROBE_INTERVAL_S
                if self.probe():
                    self.log.info("%s: server is reachable again; reconnecting now", self.name)
                    return

    @staticmethod
    def every(seconds: float, fn: Callable[[], None]) -> Callable[[], None]:
        """An ``idle`` for mux_from_queue that runs ``fn`` at most once per ``seconds``."""
        last = 0.0

        def idle() -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= seconds:
                last = now
                fn()

        return idle

    def went_live(self) -> float:
        """A connection stands: a fresh container from a keyframe; when it started."""
        self.new_session()
        self.discard_queued()
        started = time.monotonic()
        self.connected_at, self.error, self.state = started, None, OutputState.LIVE
        self.log.info("%s: live on %s", self.name, mask_url(self.url))
        return started

    def ended(self, container: Any, started: float) -> None:
        """The session's container closed (whatever broke), the backoff reset if it held."""
        self.connected_at = None
        if container is not None:
            try:
                container.close()
            except Exception:
                pass
        if time.monotonic() - started >= STABLE_AFTER_S:
            self.backoff.reset()
