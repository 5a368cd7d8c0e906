"""Reconnect timing: 1 s, then ×1.5 each failure, capped — and never late once the server is back.

A capped backoff alone would leave a streamer waiting up to the cap (10 s) after SRS restarts.
So between full publish attempts the output makes a cheap TCP probe every second; when the
probe connects after a *network* failure, it tries at once. After a *rejection* (the server is
up and said no) probes prove nothing, so the full backoff applies: hammering an on_publish hook
that says no helps nobody.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Backoff:
    initial_s: float = 1.0
    factor: float = 1.5
    cap_s: float = 10.0
    failures: int = 0

    def next_delay(self) -> float:
        delay = min(self.cap_s, self.initial_s * self.factor ** self.failures)
        self.failures += 1
        return delay

    def reset(self) -> None:
        self.failures = 0


PROBE_INTERVAL_S = 1.0
