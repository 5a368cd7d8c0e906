"""A picture of the program or of one source, as PNG or JPEG bytes.

Why this shape: the video process owns the pixels and its clock must not stall. Between two
ticks it only scales (swscale, in C) into a frame of its own — the one copy a picture needs,
since the canvas and the capture rings are overwritten at the next tick — and the encode to
PNG/JPEG runs on a thread of its own with FFmpeg's encoders, which release the GIL.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import av
import numpy as np

from rigcast.engine.vocab.video import IMAGE_SIDES

MIN_SIDE, MAX_SIDE = IMAGE_SIDES


def target_size(src_w: int, src_h: int, width: int | None, height: int | None) -> tuple[int, int]:
    """The asked size; one side given keeps the aspect (as OBS does), none keeps the source's."""
    if width is None and height is None:
        w, h = src_w, src_h
    elif height is None:
        w, h = int(width or src_w), round(src_h * (width or src_w) / src_w)
    elif width is None:
        w, h = round(src_w * height / src_h), int(height)
    else:
        w, h = int(width), int(height)
    # yuvj420p (JPEG) wants even sides; PNG doesn't care, so one rule for both
    return max(MIN_SIDE, min(MAX_SIDE, w)) & ~1, max(MIN_SIDE, min(MAX_SIDE, h)) & ~1


def scaled(frame: Any, width: int | None, height: int | None, fmt: str) -> Any:
    """``frame`` (any pixel format) scaled into a new frame ready for ``fmt``'s encoder."""
    from av.video.reformatter import ColorRange, Colorspace

    w, h = target_size(frame.width, frame.height, width, height)
    if fmt == "rgb":  # raw RGB24 rows: the control room's live thumbnail
        return frame.reformat(w, h, "rgb24", interpolation="AREA")
    if fmt == "png":
        pix = "rgba" if frame.format.name in ("bgra", "rgba") else "rgb24"
        return frame.reformat(w, h, pix, interpolation="BICUBIC")
    # JPEG (JFIF) is full-range BT.601, whatever the canvas is (BT.709, limited): read from the
    # frame's own tags, written as every JPEG decoder reads it.
    return frame.reformat(w, h, "yuvj420p", interpolation="BICUBIC", dst_colorspace=Colorspace.ITU601,
                          dst_color_range=ColorRange.JPEG)


def from_pixels(bgra: np.ndarray) -> Any:
    """A BGRA source image (a ring slot's view or a still) as a frame; scaling it copies it."""
    return av.VideoFrame.from_numpy_buffer(np.ascontiguousarray(bgra), format="bgra")


def encode(frame: Any, fmt: str, quality: int = -1) -> bytes:
    """One picture's bytes. ``quality`` 0–100 for JPEG (-1: FFmpeg's good default, q 2);
    ``rgb``: the rows as they are, width x height x 3 bytes."""
    if fmt == "rgb":
        return bytes(frame.to_ndarray(format="rgb24").tobytes())
    name = "png" if fmt == "png" else "mjpeg"
    ctx: Any = av.CodecContext.create(name, "w")  # a video encoder: PyAV's stubs type only the base
    ctx.width, ctx.height, ctx.pix_fmt = frame.width, frame.height, frame.format.name
    ctx.time_base = Fraction(1, 30)
    if name == "mjpeg":
        q = 2 if quality < 0 else round(31 - 29 * min(100, quality) / 100)  # 100 -> q 2 (best), 0 -> q 31
        ctx.options = {"qmin": str(q), "qmax": str(q)}
    packets = ctx.encode(frame) + ctx.encode(None)
    return b"".join(bytes(p) for p in packets)
