"""The transitions the compositor runs, named by their records (config/kinds/transitions.py).

Each is ``start(before, after, now_ns, duration_ns)``: the transition in progress, or None when
the new scene simply replaces the old one on the next frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config.model import SceneConfig


@dataclass
class Fade:
    src: SceneConfig
    dst: SceneConfig
    start_ns: int
    duration_ns: int

    def progress(self, now_ns: int) -> float:
        return min(1.0, (now_ns - self.start_ns) / self.duration_ns) if self.duration_ns else 1.0


def cut(_before: SceneConfig, _after: SceneConfig, _now_ns: int, _duration_ns: int) -> None:
    return None


def fade(before: SceneConfig, after: SceneConfig, now_ns: int, duration_ns: int) -> Fade | None:
    return Fade(before, after, now_ns, duration_ns) if duration_ns > 0 else None
