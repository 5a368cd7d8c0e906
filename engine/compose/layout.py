"""Where a scene item lands on the canvas: pure arithmetic, no pixels.

Kept apart from the compositor so the rules (crop, then scale or box-fit, then position;
the first item of a scene fills the canvas like OBS's "fit to screen") are unit-tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.model import SceneItem


@dataclass(frozen=True)
class Placement:
    src: tuple[int, int, int, int]  # x0, y0, x1, y1 of the source region used
    dst: tuple[int, int, int, int]  # x, y, w, h on the canvas, before clipping


def _fit(w: int, h: int, box_w: int, box_h: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of w x h scaled to fit inside the box, centred, sides even."""
    scale = min(box_w / w, box_h / h)
    fw = max(2, min(box_w, round(w * scale)) & ~1)
    fh = max(2, min(box_h, round(h * scale)) & ~1)
    return ((box_w - fw) // 2) & ~1, ((box_h - fh) // 2) & ~1, fw, fh


def place(item: SceneItem, src_w: int, src_h: int, canvas_w: int, canvas_h: int, first: bool) -> Placement | None:
    """None when nothing of the source is left after cropping."""
    left, top, right, bottom = item.crop
    x0, y0, x1, y1 = left, top, src_w - right, src_h - bottom
    cw, ch = x1 - x0, y1 - y0
    if cw <= 0 or ch <= 0:
        return None
    if item.scale is not None:
        return Placement((x0, y0, x1, y1), (item.x, item.y, max(1, round(cw * item.scale)),
                                            max(1, round(ch * item.scale))))
    if item.width is not None and item.height is not None:
        bw, bh = item.width, item.height
        if item.fit == "stretch":
            return Placement((x0, y0, x1, y1), (item.x, item.y, bw, bh))
        if item.fit == "fill":
            # Cover the box: keep the source's aspect, cut what overflows (centred).
            scale = max(bw / cw, bh / ch)
            uw, uh = min(cw, round(bw / scale)), min(ch, round(bh / scale))
            ux, uy = x0 + (cw - uw) // 2, y0 + (ch - uh) // 2
            return Placement((ux, uy, ux + uw, uy + uh), (item.x, item.y, bw, bh))
        fx, fy, fw, fh = _fit(cw, ch, bw, bh)
        return Placement((x0, y0, x1, y1), (item.x + fx, item.y + fy, fw, fh))
    if first:
        fx, fy, fw, fh = _fit(cw, ch, canvas_w, canvas_h)
        return Placement((x0, y0, x1, y1), (item.x + fx, item.y + fy, fw, fh))
    return Placement((x0, y0, x1, y1), (item.x, item.y, cw, ch))


def clip(dst: tuple[int, int, int, int], canvas_w: int, canvas_h: int) -> tuple[slice, slice, slice, slice] | None:
    """(canvas rows, canvas cols, image rows, image cols) of the visible part, or None."""
    x, y, w, h = dst
    cx0, cy0, cx1, cy1 = max(0, x), max(0, y), min(canvas_w, x + w), min(canvas_h, y + h)
    if cx0 >= cx1 or cy0 >= cy1:
        return None
    return (slice(cy0, cy1), slice(cx0, cx1), slice(cy0 - y, cy1 - y), slice(cx0 - x, cx1 - x))


def covers(dst: tuple[int, int, int, int], canvas_w: int, canvas_h: int) -> bool:
    x, y, w, h = dst
    return x <= 0 and y <= 0 and x + w >= canvas_w and y + h >= canvas_h
