"""An output's own encode (``video = { size = "640x360", fps = 30, bitrate = 800 }``): what it
changes of ``[video]``. Outputs whose settings come out equal share one encode; different ones
get their own scaled conversion and encoder from the same composited canvas, paced by the one
canvas clock (engine/encode/video_encode.py). A recording keeps full quality while the stream
adapts; a second platform gets 720p30 beside 1080p60 to SRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigcast.config import fields as f
from rigcast.config.kinds.encoders import CODECS
from rigcast.config.values import SIZE, Size


def _encoder(value: Any, ctx: f.Context) -> str:
    from rigcast.config.model import check_encoder  # the same rule as [video]'s

    return check_encoder(value, ctx)


@dataclass
class OutputVideo:
    """Each field left out is ``[video]``'s. ``fps`` must divide the canvas's frame rate."""

    size: Size | None = f.custom(None, (str,), 'a string like "1280x720"', SIZE.parse, SIZE.dump)
    fps: int | None = f.number(None, 1, 240, integer=True)
    bitrate_kbps: int | None = f.number(None, 100, 100_000, integer=True, key="bitrate")
    codec: str | None = f.choice(None, CODECS)
    encoder: str | None = f.custom(None, (str,), "an encoder name like auto or libx264", _encoder)


def _read(value: dict[str, Any], ctx: f.Context) -> OutputVideo:
    unknown = sorted(set(value) - f.keys(OutputVideo))
    if unknown:
        raise ValueError(f'unknown key "{unknown[0]}"; it takes {", ".join(sorted(f.keys(OutputVideo)))}')
    try:
        return f.read(OutputVideo, value, ctx)
    except f.SettingError as e:
        raise ValueError(f"{e.key}: {e.problem}") from None


@dataclass
class OwnVideo:
    video: OutputVideo | None = f.custom(None, (dict,), 'a table like { size = "1280x720", bitrate = 2500 }',
                                         _read, f.write)
    canvas: str | None = f.text(None, "a canvas name from [[canvases]]")  # None: the main canvas
