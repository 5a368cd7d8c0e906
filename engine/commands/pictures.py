"""``screenshot``: a PNG or JPEG of the program or one source, made by the video process.

The answer carries the picture base64-encoded (the control protocol is JSON); obs-websocket's
GetSourceScreenshot wraps the same bytes in a data URI and SaveSourceScreenshot writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import BusError, Cmd, Command
from rigcast.engine.vocab import Screenshot
from rigcast.engine.vocab.results import Picture
from rigcast.engine.vocab.video import IMAGE_FORMATS as FORMATS
from rigcast.engine.vocab.video import IMAGE_SIDES, RAW_FORMAT

MIN_SIDE, MAX_SIDE = IMAGE_SIDES


@dataclass(frozen=True)
class TakeScreenshot(Cmd[Picture]):
    NAME: ClassVar = "screenshot"
    source: str | None = None
    scene: str | None = None
    width: int | None = None
    height: int | None = None
    format: str = "png"
    quality: int = -1


async def take_screenshot(e: Host, c: TakeScreenshot) -> Picture:
    fmt = c.format.lower()
    if fmt not in FORMATS and fmt != RAW_FORMAT:
        raise BusError("bad_format", f'image format "{fmt}" is not one of {", ".join(FORMATS)}')
    fmt = "jpeg" if fmt == "jpg" else fmt
    for side, v in (("width", c.width), ("height", c.height)):
        if v is not None and not MIN_SIDE <= v <= MAX_SIDE:
            raise BusError("out_of_range", f"{side} must be {MIN_SIDE} to {MAX_SIDE} pixels")
    if not -1 <= c.quality <= 100:
        raise BusError("out_of_range", "quality must be 0 to 100, or -1 for the default")
    if c.source is not None and c.scene is not None:
        raise BusError("bad_args", "screenshot: give a source or a scene, not both")
    if c.source is not None and e.cfg.source(c.source) is None:
        raise BusError("unknown_source", f'no source named "{c.source}"')
    if c.scene is not None and all(s.name != c.scene for s in e.rendered.scenes):
        raise BusError("unknown_scene", f'no scene named "{c.scene}"')
    data = await e.video_command(Screenshot(c.source, c.width, c.height, fmt, c.quality, c.scene))
    assert data is not None
    e.screenshot_taken()
    return Picture(c.source, c.scene, fmt, data)


COMMANDS = (
    Command(TakeScreenshot, take_screenshot,
            "a PNG/JPEG of the program, another scene or one source, at a size asked (base64)"),
)
