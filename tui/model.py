"""What the control room knows about the engine: built only from protocol events.

Kept apart from the widgets so the same small object feeds every panel, and so the TUI has no
way to change anything except sending a command.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from rigcast.engine.vocab import OutputState

HISTORY_S = 60


@dataclass
class EngineView:
    state: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    meter: dict[str, Any] = field(default_factory=dict)
    kbps: deque[float] = field(default_factory=lambda: deque([0.0] * HISTORY_S, maxlen=HISTORY_S))
    fps: deque[float] = field(default_factory=lambda: deque([0.0] * HISTORY_S, maxlen=HISTORY_S))

    def add_stats(self, stats: dict[str, Any]) -> None:
        self.stats = stats
        live = [o for o in stats.get("outputs", []) if o.get("stream") and o.get("state") == OutputState.LIVE]
        total = sum(o.get("kbps", 0.0) for o in live) or sum(
            o.get("kbps", 0.0) for o in stats.get("outputs", []) if o.get("state") == "recording")
        self.kbps.append(float(total))
        self.fps.append(float(stats.get("fps", 0)))

    @property
    def scenes(self) -> list[dict[str, Any]]:
        return list(self.state.get("scenes", []))

    @property
    def sources(self) -> list[dict[str, Any]]:
        return list(self.state.get("sources", []))

    @property
    def outputs(self) -> list[dict[str, Any]]:
        return list(self.stats.get("outputs") or self.state.get("outputs", []))
