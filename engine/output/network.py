"""What every network push shares, whatever it speaks (RTMP, SRT): the reconnect loop, the
wait between attempts, going live and ending a session.

One rule in one place: a session returns why it ended ("stopped", "network", "rejected",
"busy"); the loop turns that into the output's state and the next delay (the kind's
``retry_delay``), waits with the queue drained (a reconnect starts live, not with a stale
backlog), optionally leaving early when ``probe`` says the server is back, and resets the
backoff after a session that held. A kind implements ``session()`` and says how it probes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from config.secrets import mask_url
from engine.output.backoff import PROBE_INTERVAL_S, Backoff
from engine.output.base import QueuedOutput
from engine.vocab import OutputState

STABLE_AFTER_S = 10.0  # a session that lasted this long resets the backoff
_STATES = {"busy": OutputState.BUSY, "rejected": OutputState.REJECTED}


class NetworkOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, keyframe_wanted: Any = None) -> None:
        super().__init__(cfg, templates, keyframe_wanted)
        s = cfg.settings
        assert s.url is not None
        self.url: str = s.url
        self.backoff = Backoff(s.reconnect_initial_s, s.reconnect_factor, s.reconnect_max_s)
        self.log = logging.getLogger(f"rigcast.output.{cfg.kind}")

    # -- what a kind provides ----------------------------------------------------------------
    def session(self) -> str:
        """Connect and stream until stopped or broken; why it ended."""
        raise NotImplementedError

    def retry_delay(self, failure: str) -> float:
        return self.backoff.next_delay()

    def probe(self) -> bool:
        """After a network failure: is the server reachable again (try at once)?"""
        return False

    # -- the loop ----------------------------------------------------------------------------
    def run(self) -> None:
        while not self.stopping.is_set():
            self.state = OutputState.CONNECTING
            failure = self.session()
            if self.stopping.is_set():
                break
            delay = self.retry_delay(failure)
            self.reconnects += 1
            self.retry_at = time.monotonic() + delay
            self.state = _STATES.get(failure, OutputState.RECONNECTING)
            self.log.warning("%s: %s; retrying in %.1f s", self.name, self.error, delay)
            self._wait_retry(probe=failure == "network")
            self.retry_at = None
        self.state = OutputState.STOPPED
        self.connected_at = None

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
