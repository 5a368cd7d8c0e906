"""Adaptive bitrate for one network output: what it wants the encoder to make, from what its link
takes.

The link's throughput is read from what the socket actually accepted while media was waiting
(bytes handed to it per second when the link, not the encoder, was the limit: the kernel's unsent
buffer is kept small, so that is close to what the link carries; SRT's own send rate for SRT).
Congested (media waiting past ``CONGESTED_S``) means: go to ``HEADROOM`` of that throughput, minus
the audio, at once, floored at the configured minimum; again after ``CUT_EVERY_S`` only if the
wait still grows (a queue draining after a cut is not a new squeeze).
Clear (under ``CLEAR_S`` waiting) for ``CLEAR_FOR_S`` means one step up (+15%, at least 100 kbps),
up to the configured bitrate.

Why not cut on dropped frames too: the send queue drops video up to the next keyframe, so drops
go on for up to a keyframe interval after the link has room again; cutting on them cut twice for
one squeeze (measured: 3000 -> 1737 -> 567 kbps on a 1500 kbit/s link).

The pipeline gives a shared encode the highest rate any of its network outputs wants, so a
squeezed output drops frames rather than degrading another that is not squeezed; a recording
sharing the encode follows, like OBS's "same as stream" (engine/pipeline.py).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

CONGESTED_S = 0.25
CLEAR_S = 0.1
CUT_EVERY_S = 1.0
CLEAR_FOR_S = 4.0
STEP_UP = 1.15
MIN_STEP_KBPS = 100
HEADROOM = 0.85
LINK_WINDOW_S = 2.0  # the throughput is the best the link did over this long while media waited


@dataclass
class BitrateController:
    max_kbps: int
    min_kbps: int
    audio_kbps: int
    target_kbps: int = 0
    changed_at: float = -1e9
    clear_since: float | None = None
    last_delay_s: float = 0.0
    _carried: deque[tuple[float, float]] = field(default_factory=deque)  # (when, kbps) while media waited

    def __post_init__(self) -> None:
        self.target_kbps = self.target_kbps or self.max_kbps

    def update(self, now: float, delay_s: float, accepted_kbps: float) -> str | None:
        """One look at the link: ``delay_s`` of media waiting, ``accepted_kbps`` taken by the
        socket since the last look. A one-line reason when the target changed."""
        if delay_s > CLEAR_S:
            self._carried.append((now, accepted_kbps))
        while self._carried and self._carried[0][0] < now - LINK_WINDOW_S:
            self._carried.popleft()
        draining, self.last_delay_s = delay_s < self.last_delay_s, delay_s
        if delay_s > CONGESTED_S:
            self.clear_since = None
            if now - self.changed_at < CUT_EVERY_S or draining:
                return None
            link = max(k for _, k in self._carried)
            new = max(self.min_kbps, min(int(self.target_kbps * HEADROOM), int(link * HEADROOM - self.audio_kbps)))
            if new >= self.target_kbps:
                return None
            return self._set(now, new, f"congested ({delay_s * 1000:.0f} ms queued, the link took {link:.0f} kbps)")
        if delay_s >= CLEAR_S:
            self.clear_since = None
            return None
        self.clear_since = now if self.clear_since is None else self.clear_since
        if self.target_kbps < self.max_kbps and now - max(self.clear_since, self.changed_at) >= CLEAR_FOR_S:
            new = min(self.max_kbps, max(int(self.target_kbps * STEP_UP), self.target_kbps + MIN_STEP_KBPS))
            return self._set(now, new, f"the link was clear for {CLEAR_FOR_S:.0f} s")
        return None

    def _set(self, now: float, kbps: int, why: str) -> str:
        old, self.target_kbps, self.changed_at = self.target_kbps, kbps, now
        return f"bitrate {old} -> {kbps} kbps: {why}"
