"""DPI maths for Windows capture, kept apart from the Win32 calls so it is tested anywhere.

rigcast's capture process declares itself per-monitor DPI aware (v2), so Win32 hands it
*physical* pixels: a 1280x720 window on a 150 % monitor is captured as 1920x1080, sharp, not
as a blurry upscale of a 1280x720 bitmap. Coordinates that come from a DPI-unaware source (a
config written by hand from what Windows Settings shows, or an unaware app's own numbers) are
*logical* and scaled by the monitor's DPI / 96. A window spanning two monitors with different
scales is sized by the monitor holding most of it, as Windows itself does.
"""

from __future__ import annotations

from dataclasses import dataclass

BASE_DPI = 96


@dataclass(frozen=True)
class Rect:
    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    def overlap(self, other: Rect) -> int:
        w = min(self.right, other.right) - max(self.left, other.left)
        h = min(self.bottom, other.bottom) - max(self.top, other.top)
        return max(0, w) * max(0, h)


@dataclass(frozen=True)
class Monitor:
    rect: Rect  # physical pixels, virtual-desktop coordinates
    dpi: int = BASE_DPI
    primary: bool = False

    @property
    def scale(self) -> float:
        return scale_for(self.dpi)


def scale_for(dpi: int) -> float:
    """100 % = 96 DPI; Windows offers 100-500 % in 25 % steps (and custom values)."""
    if dpi <= 0:
        raise ValueError(f"a DPI must be positive, got {dpi}")
    return dpi / BASE_DPI


def to_physical(r: Rect, dpi: int) -> Rect:
    s = scale_for(dpi)
    return Rect(round(r.left * s), round(r.top * s), round(r.width * s), round(r.height * s))


def to_logical(r: Rect, dpi: int) -> Rect:
    s = scale_for(dpi)
    return Rect(round(r.left / s), round(r.top / s), round(r.width / s), round(r.height / s))


def monitor_of(r: Rect, monitors: list[Monitor]) -> Monitor:
    """The monitor holding most of ``r`` (MonitorFromRect's MONITOR_DEFAULTTONEAREST rule)."""
    if not monitors:
        raise ValueError("no monitors")
    best = max(monitors, key=lambda m: m.rect.overlap(r))
    if best.rect.overlap(r) > 0:
        return best
    cx, cy = r.left + r.width / 2, r.top + r.height / 2

    def distance(m: Monitor) -> float:
        dx = max(m.rect.left - cx, 0, cx - m.rect.right)
        dy = max(m.rect.top - cy, 0, cy - m.rect.bottom)
        return float(dx * dx + dy * dy)

    return min(monitors, key=distance)


def even_size(width: int, height: int) -> tuple[int, int]:
    """Capture sizes go to 4:2:0 encoders: both sides even, never zero."""
    return max(2, width - width % 2), max(2, height - height % 2)


def client_crop(frame: Rect, client: Rect, got_w: int, got_h: int) -> Rect | None:
    """Where the client area sits in a Windows Graphics Capture frame of the whole window.

    WGC captures the window as DWM draws it — title bar and borders included (DWM's extended
    frame bounds, ``frame``) — while the canvas is sized from the client area (``client``, in
    the same screen coordinates). A frame whose size differs from ``frame`` (a DPI-unaware
    process gets logical rectangles, WGC delivers physical pixels) is scaled to match. None
    when the client area isn't inside the frame (a window being resized, minimised)."""
    if frame.width <= 0 or frame.height <= 0 or client.width <= 0 or client.height <= 0:
        return None
    sx, sy = got_w / frame.width, got_h / frame.height
    left, top = round((client.left - frame.left) * sx), round((client.top - frame.top) * sy)
    right, bottom = min(got_w, left + round(client.width * sx)), min(got_h, top + round(client.height * sy))
    left, top = max(0, left), max(0, top)
    if right - left < 2 or bottom - top < 2:
        return None
    return Rect(left, top, right - left, bottom - top)


def output_for_monitor(monitor: Rect, outputs: list[list[Rect]]) -> tuple[int, int] | None:
    """(adapter, output) of the DXGI output showing ``monitor`` — matched by its desktop
    rectangle, because mss numbers monitors its own way and DXGI numbers outputs per adapter
    (on a hybrid-GPU laptop the external screen may be adapter 1's output 0). The output with
    the same rectangle, else the one overlapping it most; None when none overlaps."""
    best: tuple[int, tuple[int, int]] | None = None
    for a, rects in enumerate(outputs):
        for o, r in enumerate(rects):
            if r == monitor:
                return (a, o)
            area = r.overlap(monitor)
            if area and (best is None or area > best[0]):
                best = (area, (a, o))
    return best[1] if best else None
