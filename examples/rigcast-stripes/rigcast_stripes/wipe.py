"""The wipe transition's implementation: the coming scene slides in from the left edge. It runs
in the video process each frame while it lasts (the compositor draws both scenes and calls
``mix``), so it works on whole arrays: one slice copy a frame."""

from __future__ import annotations

from typing import Any

import numpy as np

from rigcast.engine.compose.transitions import Blend


class Wipe(Blend):
    def mix(self, a: np.ndarray, b: np.ndarray, progress: float) -> np.ndarray:
        edge = round(a.shape[1] * progress)
        a[:, :edge] = b[:, :edge]
        return a


def wipe(before: Any, after: Any, now_ns: int, duration_ns: int) -> Wipe | None:
    """Called on each scene switch: the transition in progress, or None for a cut."""
    return Wipe(before, after, now_ns, duration_ns) if duration_ns > 0 else None
