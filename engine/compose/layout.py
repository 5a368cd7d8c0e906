"""Where a scene item lands on the canvas: pure arithmetic, no pixels.

Kept apart from the compositor so the rules (crop, then scale or box-fit, then position;
the first item of a scene fills the canvas like OBS's "fit to screen") are unit-tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config.model import SceneItem


@dataclass(frozen=True)
class Placement:
    src: tuple[int, int, int, int]  # x0, y0, x1, y1 of the source region used
    dst: tuple[int, int, int, int]  # x, y, w, h on the canvas, before clipping


def fit_rect(src_w: int, src_h: int, dst_w: int, dst_h: int) -> tuple[int, int, int, int]:
    """(x, y, w, h) of the largest even-sized rectangle with the source's aspect inside dst,
    centred: OBS's "fit to screen", for a canvas and for a scene item's box alike."""
    scale = min(dst_w / src_w, dst_h / src_h)
    w = max(2, min(dst_w, round(src_w * scale)) & ~1)
    h = max(2, min(dst_h, round(src_h * scale)) & ~1)
    return ((dst_w - w) // 2) & ~1, ((dst_h - h) // 2) & ~1, w, h


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
        fx, fy, fw, fh = fit_rect(cw, ch, bw, bh)
        return Placement((x0, y0, x1, y1), (item.x + fx, item.y + fy, fw, fh))
    if first:
        fx, fy, fw, fh = fit_rect(cw, ch, canvas_w, canvas_h)
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


def visible_part(pl: Placement, canvas_w: int, canvas_h: int) -> Placement | None:
    """The part of ``pl`` that lands on the canvas, as a placement of its own: the source region
    that maps onto the visible rectangle (a pixel of margin kept for the scaler's filter), and
    where that region lands at the same scale. A 16x item over a 1280x720 window then costs
    what its visible part costs instead of a 20480x11520 scale that is mostly cropped away.
    None when nothing of it is on the canvas; ``pl`` itself when all of it is."""
    x, y, w, h = pl.dst
    box = clip(pl.dst, canvas_w, canvas_h)
    if box is None:
        return None
    if x >= 0 and y >= 0 and x + w <= canvas_w and y + h <= canvas_h:
        return pl
    x0, y0, x1, y1 = pl.src
    fx, fy = (x1 - x0) / w, (y1 - y0) / h  # source pixels per canvas pixel
    cols, rows = box[1], box[0]

    def span(lo: int, hi: int, origin: int, s0: int, s1: int, per: float) -> tuple[int, int]:
        a = max(s0, int(s0 + (lo - origin) * per) - 1)
        b = min(s1, -int(-(s0 + (hi - origin) * per) // 1) + 1)
        return a, max(b, a + 1)

    sx0, sx1 = span(cols.start, cols.stop, x, x0, x1, fx)
    sy0, sy1 = span(rows.start, rows.stop, y, y0, y1, fy)
    dx, dy = x + round((sx0 - x0) / fx), y + round((sy0 - y0) / fy)
    dw, dh = max(1, round((sx1 - sx0) / fx)), max(1, round((sy1 - sy0) / fy))
    return Placement((sx0, sy0, sx1, sy1), (dx, dy, dw, dh))
