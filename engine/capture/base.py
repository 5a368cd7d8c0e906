"""The source protocol and its registry: one shape for every capture kind, like libobs.

A source lives in a capture worker process and writes frames into its frame ring; the
supervisor only asks it, before anything starts, how big its frames can get (to size the ring
and, when no canvas size is given, the canvas). Kinds are looked up by the name the config
uses (``kind = "window"``), per platform, so Windows code sits behind the same names.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from config.model import Size, SourceConfig
from engine.errors import RigcastError
from engine.framering import FrameRing


@dataclass(frozen=True)
class SourceProbe:
    """What the supervisor learns before starting a source."""

    size: Size  # the content's size now
    max_size: Size  # the largest frame the source will write (sizes its ring)
    description: str


class Source(Protocol):
    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        """Write the current frame (or a placeholder) into the ring and publish it."""

    def close(self) -> None: ...


class SourceKind(Protocol):
    def probe(self, cfg: SourceConfig) -> SourceProbe: ...

    def open(self, cfg: SourceConfig, ring: FrameRing) -> Source: ...


_KINDS: dict[str, Callable[[], SourceKind]] = {}


def register_source(kind: str, platforms: tuple[str, ...]) -> Callable[[Callable[[], SourceKind]], Callable[[], SourceKind]]:
    """Register a factory for ``kind`` on the given ``sys.platform`` prefixes."""

    def deco(factory: Callable[[], SourceKind]) -> Callable[[], SourceKind]:
        if sys.platform.startswith(platforms):
            _KINDS[kind] = factory
        return factory

    return deco


def drawn_by_compositor(kind: SourceKind) -> bool:
    """Image, colour and text sources are drawn in the video process; the rest are captured
    by a worker process into a frame ring."""
    return bool(getattr(kind, "in_compositor", False))


def source_kind(kind: str) -> SourceKind:
    import engine.capture.plugins  # noqa: F401  (registers the kinds for this platform)

    if kind not in _KINDS:
        raise RigcastError(f'source kind "{kind}" is not available on {sys.platform}; '
                           f'available: {", ".join(sorted(_KINDS)) or "none"}')
    return _KINDS[kind]()
