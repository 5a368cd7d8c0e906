"""GetSourceScreenshot / SaveSourceScreenshot: real pixels of a scene or a source.

The program scene's name gives the picture viewers get; another scene's, that scene composed
as it would look on air; an input name, that source's own pixels. Both are made by the video process (the bus's
``screenshot``), scaled to the asked size and encoded off its clock.
"""

from __future__ import annotations

import base64
import os
import tempfile
from pathlib import Path
from typing import Any

from rigcast.engine.commands.pictures import TakeScreenshot
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    INVALID_RESOURCE_STATE,
    NOT_FOUND,
    OUT_OF_RANGE,
    RequestFailed,
    field,
)
from rigcast.engine.control.obs.requests import Ctx, request
from rigcast.engine.vocab.video import IMAGE_FORMATS as FORMATS


async def _picture(ctx: Ctx, d: dict[str, Any]) -> tuple[str, bytes]:
    name = field(d, "sourceName", str)
    fmt = field(d, "imageFormat", str).lower()
    if fmt not in FORMATS:
        raise RequestFailed(INVALID_RESOURCE_STATE, f'Unsupported image format "{fmt}"; rigcast makes '
                                                    + ", ".join(FORMATS))
    args: dict[str, Any] = {"format": fmt}
    for key, side in (("imageWidth", "width"), ("imageHeight", "height")):
        if key in d:
            v = field(d, key, int)
            if not 8 <= v <= 4096:
                raise RequestFailed(OUT_OF_RANGE, f"{key} must be 8 to 4096")
            args[side] = v
    if "imageCompressionQuality" in d:
        q = field(d, "imageCompressionQuality", int)
        if not -1 <= q <= 100:
            raise RequestFailed(OUT_OF_RANGE, "imageCompressionQuality must be -1 to 100")
        args["quality"] = q
    st = ctx.state()
    if st.scene(name) is not None:
        if name != st.program_scene:
            args["scene"] = name  # composed for the picture, as it would look on air
    elif st.source(name) is not None:
        args["source"] = name
    else:
        raise RequestFailed(NOT_FOUND, f'No source was found by the name of "{name}".')
    out = await ctx.bus.run(TakeScreenshot(**args))
    return out.format, out.data


@request("GetSourceScreenshot")
async def get_source_screenshot(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    fmt, data = await _picture(ctx, d)
    return {"imageData": f"data:image/{fmt};base64," + base64.b64encode(data).decode()}


@request("SaveSourceScreenshot")
async def save_source_screenshot(ctx: Ctx, d: dict[str, Any]) -> None:
    path = Path(field(d, "imageFilePath", str)).expanduser()
    if not path.is_absolute() or not path.parent.is_dir():
        raise RequestFailed(CANNOT_ACT, f"imageFilePath must be an absolute path in an existing directory: {path}")
    _, data = await _picture(ctx, d)
    # Written whole or not at all: a picture half-written over an older one helps nobody.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".rigcast-shot-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise RequestFailed(CANNOT_ACT, f"could not write {path}: {e.strerror}") from None
