"""rigcast-stripes: a rigcast plugin, and the template for writing one (docs/plugins.md).

It adds one source kind, ``kind = "stripes"``: N vertical stripes, stripe i in colour i of a
fixed palette, so a test (or a viewer) can tell each stripe by its number. A drawn source: the
compositor draws it in the video process, from the picture ``still()`` returns once.

This module holds only the record: it is imported wherever rigcast reads a config (the CLI, the
TUI's host, every worker). The drawing code, in draw.py, is imported only where pixels are made.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.values import SIZE, Size

# Stripe i is PALETTE[i % 8], RGB.
PALETTE = ((230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200),
           (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230))


@dataclass
class StripesSettings:
    """What ``[[sources]] kind = "stripes"`` takes, each with its bounds: a bad value is one
    line naming the key, from rigcast's own validation."""

    count: int = f.number(4, 1, 64, integer=True)
    size: Size | None = f.custom(None, (str,), SIZE.expect, SIZE.parse, SIZE.dump)  # None: the canvas's


def describe(s: StripesSettings) -> str:
    return f"{s.count} stripes"


KINDS = (KindInfo("stripes", Role.SOURCE, Cap.VIDEO | Cap.DRAWN, StripesSettings, describe,
                  {"": "rigcast_stripes.draw:StripesKind"}, summary="numbered stripes (the example plugin)"),)
