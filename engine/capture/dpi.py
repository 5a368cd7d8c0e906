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
