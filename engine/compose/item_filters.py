"""A scene item's video filters as one FFmpeg filter graph over the item's own pixels.

Why this shape: the compositor already holds each item's pixels at the size they are drawn
(the scaled, cropped rectangle), cached until the source or the placement changes. The
filters run on exactly those pixels, once per new source frame, so their cost follows the
item's rectangle, never the canvas, and stops while the item is hidden. BGRA in, BGRA out:
a filter that works in YUV (chroma key, sharpen) gets its conversion from the graph itself,
inside FFmpeg's C threads, and nothing else in the compositor changes.
"""

from __future__ import annotations

import logging
from fractions import Fraction
from typing import Any

import av
import numpy as np
from av.filter import Graph

from rigcast.config.filterlist import Filter
from rigcast.config.kinds import Role, find

log = logging.getLogger("rigcast.compositor")


def filtering(filters: tuple[Filter, ...]) -> bool:
    """Whether any filter is on: what the per-frame fast paths ask (no filter strings made)."""
    return any(flt.settings.enabled for flt in filters)


def specs_of(filters: tuple[Filter, ...]) -> list[tuple[str, Any]]:
    """The FFmpeg filters of the enabled ones, in order."""
    return [spec for flt in filters if flt.settings.enabled for spec in flt.ffmpeg()]


def makes_alpha(filters: tuple[Filter, ...]) -> bool:
    """Whether the chain keys pixels out, so the item must be blended, not copied."""
    return any(flt.settings.enabled and find(Role.FILTER, flt.kind).extra.get("alpha") for flt in filters)


class ItemFilters:
    """The graph for one item at one size; made again when the chain or the size changes."""

    def __init__(self, filters: tuple[Filter, ...], width: int, height: int) -> None:
        self.key = (filters, width, height)
        self.graph = Graph()
        last = self.graph.add_buffer(width=width, height=height, format=av.VideoFormat("bgra"), time_base=Fraction(1, 1000))
        for name, args in [*specs_of(filters), ("format", "pix_fmts=bgra")]:
            node = self.graph.add(name, args) if isinstance(args, str) else self.graph.add(name, **args)
            last.link_to(node)
            last = node
        last.link_to(self.graph.add("buffersink"))
        self.graph.configure()
        self.pts = 0

    def apply(self, pixels: np.ndarray) -> np.ndarray:
        """``pixels``: (h, w, 4) BGRA; the filtered picture comes back as a new array."""
        frame = av.VideoFrame.from_numpy_buffer(np.ascontiguousarray(pixels), format="bgra")
        frame.pts = self.pts
        self.pts += 1
        self.graph.push(frame)
        out: np.ndarray = self.graph.pull().to_ndarray()
        return out
