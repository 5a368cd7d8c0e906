"""Which capture method a window or display source uses, and in what order they are tried.

Platform-independent (unit-tested on Linux); the Windows sources pass in the OS build and a
function that opens one method. Like OBS's "Automatic" capture method:

- window: Windows Graphics Capture (``wgc``: per window, GPU-composited, works while the
  window is covered, sees DirectX/Vulkan/OpenGL games) first; GDI ``PrintWindow`` (``gdi``:
  works on older Windows and in sessions where WGC is refused, but sees black for many
  hardware-accelerated windows) as the fallback;
- display: DXGI Desktop Duplication (``dxgi``, through dxcam: the fast path for full-screen
  games) first; GDI BitBlt (through mss) as the fallback.
"""

from __future__ import annotations

from rigcast.config import fields
from rigcast.config.kinds import Role, find
from rigcast.engine.fallback import Unavailable

WGC_MIN_BUILD = 18362  # Windows 10 1903: CreateForWindow (capture of one HWND)
WGC_NO_BORDER_BUILD = 20348  # Windows 11 / Server 2022: the yellow capture border can be turned off
WGC_NO_CURSOR_BUILD = 19041  # Windows 10 2004: IsCursorCaptureEnabled
WGC_MIN_UPDATE_INTERVAL_BUILD = 26100  # Windows 11 24H2: GraphicsCaptureSession.MinUpdateInterval


def order(kind: str, requested: str) -> tuple[str, ...]:
    """The methods to try for a ``window`` or ``display`` source, best first."""
    spec = fields.spec(fields.field_named(find(Role.SOURCE, kind).settings, "method"))
    assert spec is not None and spec.choices is not None
    methods = tuple(m for m in spec.choices if m != "auto")  # the kind's own settings say which it has
    if requested == "auto":
        return methods
    if requested not in methods:
        raise ValueError(f'capture method "{requested}" is not one for a {kind} source; '
                         f'use one of auto, {", ".join(methods)}')
    return (requested,)


def check_wgc(build: int) -> None:
    """Raise Unavailable when this Windows can't capture a single window with WGC."""
    if build < WGC_MIN_BUILD:
        raise Unavailable(f"Windows Graphics Capture needs Windows 10 1903 (build {WGC_MIN_BUILD}) or later; "
                          f"this is build {build}")


def wgc_cursor_option(build: int) -> bool | None:
    """``cursor_capture`` for windows-capture: None (leave the session's default, which draws
    the cursor) before build 19041, where setting it at all fails — IsCursorCaptureEnabled
    does not exist there, so every session on Windows 10 1903/1909 would be refused."""
    return True if build >= WGC_NO_CURSOR_BUILD else None


def wgc_border_optional(build: int) -> bool:
    """Older builds always draw a yellow border round a captured window (viewers see it)."""
    return build >= WGC_NO_BORDER_BUILD


def wgc_update_interval(build: int, ms: int) -> int | None:
    """``minimum_update_interval`` for windows-capture: None (the session's default: a frame per
    change) before build 26100. windows-capture 2.0.1 refuses the whole session with
    ``MinimumUpdateIntervalUnsupported`` when the value is set and ``MinUpdateInterval`` is not
    present (its src/graphics_capture_api.rs checks ApiInformation.IsPropertyPresent), so setting
    it unconditionally sent every window on Windows 10 and Windows 11 up to 23H2 to GDI."""
    return ms if build >= WGC_MIN_UPDATE_INTERVAL_BUILD else None
