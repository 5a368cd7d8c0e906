"""The stripes source's implementation: imported only in the video process, by the record's
factory path ``rigcast_stripes.draw:StripesKind``."""

from __future__ import annotations

from typing import Any

import numpy as np

from rigcast.config.values import Size
from rigcast.engine.capture.still import DrawnKind, Still, still_picture
from rigcast_stripes import PALETTE

DEFAULT_SIZE = Size(1280, 720)


def stripes_rgb(count: int, width: int, height: int) -> np.ndarray:
    """The picture, RGB: what the source shows (a test compares against it)."""
    column = (np.arange(width) * count // width) % len(PALETTE)
    row = np.asarray(PALETTE, dtype=np.uint8)[column]
    return np.broadcast_to(row, (height, width, 3))


class StripesKind(DrawnKind):
    def still(self, cfg: Any, canvas: Size | None) -> Still:
        size = cfg.settings.size or canvas or DEFAULT_SIZE
        bgra = np.empty((size.height, size.width, 4), np.uint8)
        bgra[..., :3] = stripes_rgb(cfg.settings.count, size.width, size.height)[..., ::-1]
        bgra[..., 3] = 255
        return still_picture(bgra)
