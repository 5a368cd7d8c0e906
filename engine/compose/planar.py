"""Items blended straight onto the encoder's 4:2:0 frame, when the bottom item covers the canvas.

Why this path exists: swscale scales in YUV, so its *packed RGB output* is the expensive part
of a scale. A 1080p BGRA-to-BGRA upscale costs ~15 ms of CPU; the same upscale written as
yuv420p costs under 1 ms. So when a scene's bottom item is an opaque captured source covering
the whole canvas — the usual game scene, zoomed or not — its visible part is scaled and
converted in one swscale pass straight into the encoder's format, and the items above it are
blended there, as ffmpeg's overlay filter does. Alpha blending commutes with the affine
RGB-to-YUV matrix, so the picture is the BGRA canvas's but for rounding and alpha at chroma
resolution at an overlay's edges.

Each overlay is placed on the even grid 4:2:0 chroma needs (a transparent column or row of
padding where its position is odd) and converted once per change of its pixels; blending is
numpy over the overlay's rectangle only, in uint16 with the colour premultiplied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from rigcast.engine.compose.layout import clip

# The 4:2:0 formats this path writes: one luma plane, two chroma planes at half size both ways.
PLANAR_420 = ("yuv420p",)


@dataclass
class PlanarOverlay:
    """An item's pixels as Y, U and V planes, placed at an even (x, y) on the canvas.

    Per plane: the values (uint8) when the item is opaque, else colour x alpha (uint16) and
    255 - alpha (uint16)."""

    x: int
    y: int
    planes: list[tuple[np.ndarray, np.ndarray | None]]


def plane_view(frame: Any, index: int) -> np.ndarray:
    """A frame's plane as a (rows, width) uint8 array over the frame's own memory."""
    plane = frame.planes[index]
    sub = 2 if index in (1, 2) else 1  # luma and alpha are full size
    rows, cols = frame.height // sub, frame.width // sub
    return np.frombuffer(plane, dtype=np.uint8).reshape(-1, plane.line_size)[:rows, :cols]


def to_yuv(bgra: np.ndarray, fmt: str) -> av.VideoFrame:
    """BGRA pixels (full range, as captured) in the encoder's limited-range BT.709 ``fmt``."""
    if bgra.strides[1:] != (4, 1):  # swscale reads whole rows (a still may be a strided view)
        bgra = np.ascontiguousarray(bgra)
    src = av.VideoFrame.from_numpy_buffer(bgra, format="bgra")
    return src.reformat(format=fmt, src_colorspace=Colorspace.ITU709, dst_colorspace=Colorspace.ITU709,
                        src_color_range=ColorRange.JPEG, dst_color_range=ColorRange.MPEG)


def crop_onto_canvas(frame: Any, dx: int, dy: int, width: int, height: int) -> av.VideoFrame:
    """The canvas-sized window of ``frame`` (a scaled base item placed at ``dx, dy`` <= 0).

    Chroma is taken at ``dx // 2``: at an odd offset it sits half a chroma sample off, as
    ffmpeg's crop filter leaves it."""
    out = av.VideoFrame(width, height, frame.format.name)
    out.color_range, out.colorspace = frame.color_range, frame.colorspace  # what the encoder is told
    for i in range(3):
        sub = 1 if i == 0 else 2
        src = plane_view(frame, i)
        dst = plane_view(out, i)
        x0, y0 = -dx // sub, -dy // sub
        h, w = dst.shape
        dst[:, :] = src[y0 : y0 + h, x0 : x0 + w]
    return out


def make_overlay(bgra: np.ndarray, x: int, y: int, opacity: float, opaque: bool) -> PlanarOverlay:
    """An item's scaled BGRA pixels, to be drawn at canvas position ``x, y``."""
    h, w = bgra.shape[:2]
    px, py = x & 1, y & 1
    pw, ph = (w + px + 1) & ~1, (h + py + 1) & ~1
    if (pw, ph) != (w, h):
        padded = np.zeros((ph, pw, 4), dtype=np.uint8)  # transparent padding onto the even grid
        padded[py : py + h, px : px + w] = bgra
        bgra, opaque = padded, False
    yuva = to_yuv(bgra, "yuv420p" if opaque else "yuva420p")
    values = [plane_view(yuva, i) for i in range(3)]
    if opaque and opacity >= 1:
        return PlanarOverlay(x - px, y - py, [(v.copy(), None) for v in values])
    # The alpha plane is full size; chroma's alpha is its 2x2 mean.
    a = plane_view(yuva, 3).astype(np.uint16) * round(opacity * 255) // 255
    ac = (a.reshape(ph // 2, 2, pw // 2, 2).sum(axis=(1, 3), dtype=np.uint16) + 2) // 4
    planes = []
    for i, v in enumerate(values):
        alpha = a if i == 0 else ac
        planes.append((v.astype(np.uint16) * alpha, 255 - alpha))
    return PlanarOverlay(x - px, y - py, planes)


def blend(frame: Any, ov: PlanarOverlay) -> None:
    """Draw ``ov`` onto ``frame`` in place, clipped to the frame."""
    for i, (values, inv_alpha) in enumerate(ov.planes):
        sub = 1 if i == 0 else 2
        dst_plane = plane_view(frame, i)
        rows_, cols_ = dst_plane.shape
        box = clip((ov.x // sub, ov.y // sub, values.shape[1], values.shape[0]), cols_, rows_)
        if box is None:
            return
        rows, cols, srows, scols = box
        if inv_alpha is None:
            dst_plane[rows, cols] = values[srows, scols]
            continue
        dst = dst_plane[rows, cols]
        out = values[srows, scols] + dst.astype(np.uint16) * inv_alpha[srows, scols]
        np.copyto(dst, out // 255, casting="unsafe")
