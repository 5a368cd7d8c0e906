"""The transitions the compositor runs, named by their records (config/kinds/transitions.py).

Each is ``start(before, after, now_ns, duration_ns)``: the transition in progress, or None when
the new scene simply replaces the old one on the next frame. A transition in progress is a
:class:`Blend`: each frame until its progress reaches 1 the compositor draws both scenes
and hands them to its ``mix``. Plugins' transitions (docs/plugins.md) subclass it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rigcast.config.model import SceneConfig


@dataclass
class Blend:
    src: SceneConfig
    dst: SceneConfig
    start_ns: int
    duration_ns: int

    def progress(self, now_ns: int) -> float:
        return min(1.0, (now_ns - self.start_ns) / self.duration_ns) if self.duration_ns else 1.0

    def mix(self, a: np.ndarray, b: np.ndarray, progress: float) -> np.ndarray:
        """The frame at ``progress`` (0 to 1) from ``a`` (the scene leaving) and ``b`` (the one
        coming), both BGRA canvases it may write into: runs in the video process each frame
        while it lasts, so whole-array numpy work only, never a Python loop over pixels."""
        raise NotImplementedError


@dataclass
class Fade(Blend):
    def mix(self, a: np.ndarray, b: np.ndarray, progress: float) -> np.ndarray:
        p = round(progress * 256)
        # a += (b - a) * p / 256, in place, in uint16: two full-frame passes, only while fading.
        mixed = (a.astype(np.uint16) * (256 - p) + b.astype(np.uint16) * p) >> 8
        np.copyto(a, mixed, casting="unsafe")
        return a


def cut(_before: SceneConfig, _after: SceneConfig, _now_ns: int, _duration_ns: int) -> None:
    return None


def fade(before: SceneConfig, after: SceneConfig, now_ns: int, duration_ns: int) -> Fade | None:
    return Fade(before, after, now_ns, duration_ns) if duration_ns > 0 else None
