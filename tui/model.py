"""What the control room knows about the engine: built only from protocol events.

Kept apart from the widgets so the same small object feeds every panel, and so the TUI has no
way to change anything except sending a command. It holds the engine's own types (the
control client reads every event back into them), so a panel reads ``state.streaming``, not a
key that could be misspelt.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from rigcast.engine.vocab import OutputState, OutputStatus, VideoStats
from rigcast.engine.vocab.reports import Meter
from rigcast.engine.vocab.snapshot import IdleOutput, SceneRow, Snapshot, SourceRow

HISTORY_S = 60


@dataclass
class EngineView:
    state: Snapshot | None = None  # None: not attached
    stats: VideoStats | None = None
    meter: Meter | None = None
    kbps: deque[float] = field(default_factory=lambda: deque([0.0] * HISTORY_S, maxlen=HISTORY_S))
    fps: deque[float] = field(default_factory=lambda: deque([0.0] * HISTORY_S, maxlen=HISTORY_S))

    def add_stats(self, stats: VideoStats) -> None:
        self.stats = stats
        live = [o for o in stats.outputs if o.stream and o.state == OutputState.LIVE]
        total = sum(o.kbps for o in live) or sum(o.kbps for o in stats.outputs if o.state == OutputState.RECORDING)
        self.kbps.append(float(total))
        self.fps.append(float(stats.fps))

    @property
    def scenes(self) -> tuple[SceneRow, ...]:
        return self.state.scenes if self.state else ()

    @property
    def sources(self) -> tuple[SourceRow, ...]:
        return self.state.sources if self.state else ()

    @property
    def outputs(self) -> tuple[OutputStatus | IdleOutput, ...]:
        """The video process's rows while it reports them, else the configured outputs, idle."""
        if self.stats is not None and self.stats.outputs:
            return self.stats.outputs
        return self.state.outputs if self.state else ()
