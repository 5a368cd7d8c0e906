"""From a BGRA frame in the ring to the encoder's pixel format at canvas size: once, in C.

The ring slot is wrapped as a PyAV frame without a copy (``from_numpy_buffer``) and swscale
does colour conversion and scaling in one pass, on its own threads. A source whose aspect
differs from the canvas (the game window was resized) is fitted and centred on black, like
OBS's "fit to screen", which costs one plane copy in numpy — never per-pixel Python.
"""

from __future__ import annotations

from typing import Any

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace, Interpolation

from rigcast.engine.compose.layout import fit_rect
from rigcast.engine.framering import FrameRef, FrameRing

INTERPOLATION = {
    "fast_bilinear": Interpolation.FAST_BILINEAR,
    "bilinear": Interpolation.BILINEAR,
    "bicubic": Interpolation.BICUBIC,
    "lanczos": Interpolation.LANCZOS,
}
# Up to 1440p one swscale thread keeps up (1080p→720p bilinear: ~4.5 ms of a 33 ms budget) and
# costs less CPU than slice threading, whose sync overhead measured +4 % of a core in W1.
ONE_THREAD_MAX_PIXELS = 2560 * 1440
# Black in limited-range YUV: Y=16, U=V=128.
_BLACK = {0: 16}
# Encoders that take the capture's own BGRA (NVENC converts to YUV on the GPU): no colour
# conversion on the CPU at all, only a copy (and scaling when the sizes differ).
PACKED_RGB = ("bgra",)


def _plane_array(plane: Any, rows: int) -> np.ndarray:
    return np.frombuffer(plane, dtype=np.uint8).reshape(rows, plane.line_size)


class Converter:
    def __init__(self, width: int, height: int, pix_fmt: str, scaler: str) -> None:
        self.width, self.height, self.pix_fmt = width, height, pix_fmt
        self.interp = INTERPOLATION[scaler]

    def black(self) -> Any:
        frame = av.VideoFrame(self.width, self.height, self.pix_fmt)
        self._fill_black(frame)
        return frame

    def _fill_black(self, frame: Any) -> None:
        if self.pix_fmt in PACKED_RGB:
            px = np.frombuffer(frame.planes[0], dtype=np.uint8)
            px[:] = 0
            px[3::4] = 255
            return
        for i, plane in enumerate(frame.planes):
            np.frombuffer(plane, dtype=np.uint8)[:] = _BLACK.get(i, 128)

    def convert(self, ring: FrameRing, ref: FrameRef) -> Any:
        pixels = ring.slot_pixels(ref.slot, ref.width, ref.height, ref.stride)
        src = av.VideoFrame.from_numpy_buffer(pixels, format="bgra")
        if (ref.width, ref.height) == (self.width, self.height):
            return self._reformat(src, self.width, self.height)
        x, y, w, h = fit_rect(ref.width, ref.height, self.width, self.height)
        if (w, h) == (self.width, self.height):
            return self._reformat(src, w, h)
        fitted = self._reformat(src, w, h)
        canvas = self.black()
        # Chroma planes of 4:2:0 formats are half size both ways (nv12 interleaves U/V, so its
        # second plane is half height but full width in bytes).
        packed = 4 if self.pix_fmt in PACKED_RGB else 1  # bytes per pixel in plane 0
        for i, (dst_plane, src_plane) in enumerate(zip(canvas.planes, fitted.planes)):
            sub_y = 1 if i == 0 else 2
            sub_x = 1 if (i == 0 or self.pix_fmt == "nv12") else 2
            dst = _plane_array(dst_plane, self.height // sub_y)
            srcp = _plane_array(src_plane, h // sub_y)
            x0, x1 = x // sub_x * packed, (x + w) // sub_x * packed
            dst[y // sub_y : (y + h) // sub_y, x0:x1] = srcp[:, : x1 - x0]
        return canvas

    def convert_region(self, pixels: np.ndarray, w: int, h: int) -> Any:
        """BGRA pixels (a view into a ring slot: rows may be strided) scaled to ``w`` x ``h`` in
        the encoder's format, in one swscale pass."""
        return self._reformat(av.VideoFrame.from_numpy_buffer(pixels, format="bgra"), w, h)

    def convert_array(self, canvas: np.ndarray) -> Any:
        """A composed BGRA canvas of exactly the canvas size → the encoder's format."""
        src = av.VideoFrame.from_numpy_buffer(canvas, format="bgra")
        return self._reformat(src, self.width, self.height)

    def _reformat(self, src: Any, w: int, h: int) -> Any:
        threads = 1 if src.width * src.height <= ONE_THREAD_MAX_PIXELS else 0
        if self.pix_fmt not in PACKED_RGB:
            return src.reformat(w, h, self.pix_fmt, src_colorspace=Colorspace.ITU709, dst_colorspace=Colorspace.ITU709,
                                src_color_range=ColorRange.JPEG, dst_color_range=ColorRange.MPEG,
                                interpolation=self.interp, threads=threads)
        # RGB to RGB: no matrix, no range.
        if (src.width, src.height, src.format.name) == (w, h, self.pix_fmt):
            # swscale would hand back the very frame, whose memory is a ring slot or the
            # compositor's canvas, both rewritten while the encoder may still hold it: copy.
            out = av.VideoFrame(w, h, self.pix_fmt)
            _plane_array(out.planes[0], h)[:, : w * 4] = _plane_array(src.planes[0], h)[:, : w * 4]
            return out
        return src.reformat(w, h, self.pix_fmt, interpolation=self.interp, threads=threads)
