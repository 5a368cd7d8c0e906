"""What every network output does when its link can't carry the stream (engine/output/sendqueue.py
and engine/output/adaptive.py carry it out).

``max_delay``: the media its send queue may hold before video is dropped up to the next
keyframe (audio keeps flowing). ``adaptive``: lower the encoder's bitrate to what the link
takes, down to ``min_bitrate``, and climb back once it is clear.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f


@dataclass
class Congestion:
    adaptive: bool = f.flag(True)
    min_bitrate_kbps: int = f.number(300, 50, 100_000, integer=True, key="min_bitrate")
    max_delay_ms: int = f.number(700, 100, 10_000, integer=True, key="max_delay")
