"""``screenshot``: a PNG or JPEG of the program or one source, made by the video process.

The answer carries the picture base64-encoded (the control protocol is JSON); obs-websocket's
GetSourceScreenshot wraps the same bytes in a data URI and SaveSourceScreenshot writes them.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from rigcast.engine.control.bus import BusError, Param
from rigcast.engine.vocab import Screenshot
from rigcast.engine.vocab.video import IMAGE_FORMATS as FORMATS
from rigcast.engine.vocab.video import IMAGE_SIDES, RAW_FORMAT

MIN_SIDE, MAX_SIDE = IMAGE_SIDES

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine


def register(e: Engine) -> None:
    async def shot(args: dict[str, Any]) -> dict[str, Any]:
        fmt = str(args.get("format", "png")).lower()
        if fmt not in FORMATS and fmt != RAW_FORMAT:
            raise BusError("bad_format", f'image format "{fmt}" is not one of {", ".join(FORMATS)}')
        fmt = "jpeg" if fmt == "jpg" else fmt
        for side in ("width", "height"):
            v = args.get(side)
            if v is not None and not MIN_SIDE <= v <= MAX_SIDE:
                raise BusError("out_of_range", f"{side} must be {MIN_SIDE} to {MAX_SIDE} pixels")
        quality = args.get("quality", -1)
        if not -1 <= quality <= 100:
            raise BusError("out_of_range", "quality must be 0 to 100, or -1 for the default")
        source, scene = args.get("source"), args.get("scene")
        if source is not None and scene is not None:
            raise BusError("bad_args", "screenshot: give a source or a scene, not both")
        if source is not None and e.cfg.source(source) is None:
            raise BusError("unknown_source", f'no source named "{source}"')
        if scene is not None and all(s.name != scene for s in e.rendered.scenes):
            raise BusError("unknown_scene", f'no scene named "{scene}"')
        data = await e.video_command(Screenshot(source, args.get("width"), args.get("height"), fmt, quality, scene))
        assert data is not None
        e.screenshots += 1
        return {"source": source, "scene": scene, "format": fmt, "image_base64": base64.b64encode(data).decode()}

    e.bus.register("screenshot", shot,
                   {"source": Param((str,), required=False), "scene": Param((str,), required=False),
                    "width": Param((int,), required=False),
                    "height": Param((int,), required=False), "format": Param((str,), required=False),
                    "quality": Param((int,), required=False)},
                   summary="a PNG/JPEG of the program, another scene or one source, at a size asked (base64)")
