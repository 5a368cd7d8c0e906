"""The frame shown while a source has nothing to show (the game is restarting).

A stream that stops sending video gets dropped by servers and players, so a lost window is
replaced by this, at the canvas's size, until the window is back.
"""

from __future__ import annotations

from rigcast.engine.framering import FrameRing

# BGRA: a dark slate with a lighter band, so "no window" is visibly not a black game scene.
_BG = (0x30, 0x24, 0x1E, 0xFF)
_BAND = (0x60, 0x48, 0x3C, 0xFF)


def publish_placeholder(ring: FrameRing, width: int, height: int, pts_ns: int) -> None:
    width, height = min(width, ring.max_width), min(height, ring.max_height)
    slot = ring.begin_write()
    px = ring.slot_pixels(slot, width, height)
    px[:] = _BG
    band = max(2, height // 12)
    px[(height - band) // 2 : (height + band) // 2, :] = _BAND
    ring.commit(slot, width, height, width * 4, pts_ns)
