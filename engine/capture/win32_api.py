"""The Win32 calls window and display capture need, through ctypes (no pywin32 dependency).

Only the thin layer that talks to Windows lives here: finding windows (EnumWindows), their
class, process and executable, client-area size in physical pixels, DPI, minimised/cloaked
state, monitors, and a GDI ``PrintWindow`` grabber. Every decision made with these facts
(which window, which method, DPI maths) is in platform-independent modules tested on Linux.
Importing this module anywhere but Windows is a bug, and fails at once.
"""

from __future__ import annotations

import sys

assert sys.platform == "win32", "rigcast.engine.capture.win32_api is Windows-only"

import ctypes  # noqa: E402
from ctypes import wintypes  # noqa: E402
from typing import Any  # noqa: E402

from rigcast.engine.capture.dpi import BASE_DPI, Monitor, Rect, client_crop  # noqa: E402
from rigcast.engine.capture.matching import WindowInfo  # noqa: E402

user32 = ctypes.WinDLL("user32", use_last_error=True)
kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
gdi32 = ctypes.WinDLL("gdi32", use_last_error=True)
dwmapi = ctypes.WinDLL("dwmapi")

WNDENUMPROC = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)
MONITORENUMPROC = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HMONITOR, wintypes.HDC,
                                     ctypes.POINTER(wintypes.RECT), wintypes.LPARAM)
PROCESS_QUERY_LIMITED_INFORMATION = 0x1000
DWMWA_CLOAKED = 14
PW_CLIENTONLY, PW_RENDERFULLCONTENT = 0x1, 0x2
DIB_RGB_COLORS, BI_RGB = 0, 0
MONITORINFOF_PRIMARY = 1
MDT_EFFECTIVE_DPI = 0
DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2 = ctypes.c_void_p(-4)
DWMWA_EXTENDED_FRAME_BOUNDS = 9

# Handles are pointer-sized: without these, ctypes' default int return type truncates them on
# 64-bit Windows, and a DC or bitmap handle above 2**31 breaks every later call.
user32.GetDC.argtypes = [wintypes.HWND]
user32.GetDC.restype = wintypes.HDC
user32.ReleaseDC.argtypes = [wintypes.HWND, wintypes.HDC]
gdi32.CreateCompatibleDC.argtypes = [wintypes.HDC]
gdi32.CreateCompatibleDC.restype = wintypes.HDC
gdi32.CreateDIBSection.argtypes = [wintypes.HDC, ctypes.c_void_p, wintypes.UINT, ctypes.POINTER(ctypes.c_void_p),
                                   wintypes.HANDLE, wintypes.DWORD]
gdi32.CreateDIBSection.restype = wintypes.HBITMAP
gdi32.SelectObject.argtypes = [wintypes.HDC, wintypes.HGDIOBJ]
gdi32.SelectObject.restype = wintypes.HGDIOBJ
gdi32.DeleteObject.argtypes = [wintypes.HGDIOBJ]
gdi32.DeleteDC.argtypes = [wintypes.HDC]
user32.PrintWindow.argtypes = [wintypes.HWND, wintypes.HDC, wintypes.UINT]


class BITMAPINFOHEADER(ctypes.Structure):
    _fields_ = [("biSize", wintypes.DWORD), ("biWidth", wintypes.LONG), ("biHeight", wintypes.LONG),
                ("biPlanes", wintypes.WORD), ("biBitCount", wintypes.WORD), ("biCompression", wintypes.DWORD),
                ("biSizeImage", wintypes.DWORD), ("biXPelsPerMeter", wintypes.LONG),
                ("biYPelsPerMeter", wintypes.LONG), ("biClrUsed", wintypes.DWORD), ("biClrImportant", wintypes.DWORD)]


class MONITORINFOEXW(ctypes.Structure):
    _fields_ = [("cbSize", wintypes.DWORD), ("rcMonitor", wintypes.RECT), ("rcWork", wintypes.RECT),
                ("dwFlags", wintypes.DWORD), ("szDevice", wintypes.WCHAR * 32)]


def set_dpi_awareness() -> str:
    """Per-monitor v2 where Windows has it (10 1703+), so every size we read is physical."""
    try:
        if user32.SetProcessDpiAwarenessContext(DPI_AWARENESS_CONTEXT_PER_MONITOR_AWARE_V2):
            return "per-monitor v2"
    except AttributeError:
        pass
    try:
        ctypes.WinDLL("shcore").SetProcessDpiAwareness(2)
        return "per-monitor"
    except (AttributeError, OSError):
        user32.SetProcessDPIAware()
        return "system"


def windows_build() -> int:
    return int(sys.getwindowsversion().build)


def is_window(hwnd: int) -> bool:
    return bool(user32.IsWindow(wintypes.HWND(hwnd)))


def is_minimised(hwnd: int) -> bool:
    return bool(user32.IsIconic(wintypes.HWND(hwnd)))


def is_cloaked(hwnd: int) -> bool:
    """Windows hidden by the shell (other virtual desktops, suspended UWP apps) report visible."""
    cloaked = wintypes.DWORD(0)
    dwmapi.DwmGetWindowAttribute(wintypes.HWND(hwnd), DWMWA_CLOAKED, ctypes.byref(cloaked), ctypes.sizeof(cloaked))
    return bool(cloaked.value)


def client_size(hwnd: int) -> tuple[int, int]:
    r = wintypes.RECT()
    user32.GetClientRect(wintypes.HWND(hwnd), ctypes.byref(r))
    return r.right - r.left, r.bottom - r.top


def client_in_frame(hwnd: int, got_w: int, got_h: int) -> Rect | None:
    """The client area's place in a WGC frame of the whole window (``dpi.client_crop``)."""
    h = wintypes.HWND(hwnd)
    bounds = wintypes.RECT()
    if dwmapi.DwmGetWindowAttribute(h, DWMWA_EXTENDED_FRAME_BOUNDS, ctypes.byref(bounds), ctypes.sizeof(bounds)):
        return None  # not a DWM-composed window: nothing known to crop
    client = wintypes.RECT()
    origin = wintypes.POINT(0, 0)
    if not user32.GetClientRect(h, ctypes.byref(client)) or not user32.ClientToScreen(h, ctypes.byref(origin)):
        return None
    frame = Rect(bounds.left, bounds.top, bounds.right - bounds.left, bounds.bottom - bounds.top)
    return client_crop(frame, Rect(origin.x, origin.y, client.right - client.left, client.bottom - client.top),
                       got_w, got_h)


def window_dpi(hwnd: int) -> int:
    try:
        return int(user32.GetDpiForWindow(wintypes.HWND(hwnd))) or BASE_DPI
    except AttributeError:  # before Windows 10 1607
        return BASE_DPI


def process_exe(pid: int) -> str | None:
    h = kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
    if not h:
        return None  # another user's or a protected (anti-cheat) process
    try:
        size = wintypes.DWORD(32768)
        buf = ctypes.create_unicode_buffer(size.value)
        return buf.value if kernel32.QueryFullProcessImageNameW(h, 0, buf, ctypes.byref(size)) else None
    finally:
        kernel32.CloseHandle(h)


def window_info(hwnd: int) -> WindowInfo | None:
    h = wintypes.HWND(hwnd)
    if not user32.IsWindow(h):
        return None
    n = user32.GetWindowTextLengthW(h)
    title = ctypes.create_unicode_buffer(n + 1)
    user32.GetWindowTextW(h, title, n + 1)
    cls = ctypes.create_unicode_buffer(256)
    user32.GetClassNameW(h, cls, 256)
    pid = wintypes.DWORD()
    user32.GetWindowThreadProcessId(h, ctypes.byref(pid))
    w, ht = client_size(hwnd)
    origin = wintypes.POINT(0, 0)
    user32.ClientToScreen(h, ctypes.byref(origin))
    return WindowInfo(id=hwnd, title=title.value, wm_class=cls.value, pid=int(pid.value), x=origin.x, y=origin.y,
                      width=w, height=ht, visible=not user32.IsIconic(h), exe=process_exe(int(pid.value)))


def foreground_window() -> WindowInfo | None:
    """The window the user is typing into (automatic scene switching's focused window)."""
    hwnd = user32.GetForegroundWindow()
    return window_info(int(hwnd)) if hwnd else None


class LASTINPUTINFO(ctypes.Structure):
    _fields_ = [("cbSize", wintypes.UINT), ("dwTime", wintypes.DWORD)]


def idle_seconds() -> float | None:
    """How long since the last keyboard or mouse input in this session (GetLastInputInfo)."""
    li = LASTINPUTINFO(ctypes.sizeof(LASTINPUTINFO), 0)
    if not user32.GetLastInputInfo(ctypes.byref(li)):
        return None
    return ((kernel32.GetTickCount() - li.dwTime) & 0xFFFFFFFF) / 1000


def list_windows() -> list[WindowInfo]:
    """Top-level windows a user could mean, in z-order (topmost first), like Alt-Tab shows."""
    found: list[WindowInfo] = []

    def each(hwnd: Any, _lparam: Any) -> bool:
        if user32.IsWindowVisible(hwnd) and not is_cloaked(hwnd):
            info = window_info(int(hwnd))
            if info is not None and info.title:
                found.append(info)
        return True

    user32.EnumWindows(WNDENUMPROC(each), 0)
    return found


def monitors() -> list[Monitor]:
    """Every monitor in physical pixels, with its effective DPI (GetDpiForMonitor)."""
    out: list[Monitor] = []
    try:
        shcore: Any = ctypes.WinDLL("shcore")
    except OSError:
        shcore = None

    def each(hmon: Any, _hdc: Any, _rect: Any, _lparam: Any) -> bool:
        mi = MONITORINFOEXW()
        mi.cbSize = ctypes.sizeof(mi)
        user32.GetMonitorInfoW(hmon, ctypes.byref(mi))
        dpi_x, dpi_y = wintypes.UINT(BASE_DPI), wintypes.UINT(BASE_DPI)
        if shcore is not None:
            shcore.GetDpiForMonitor(hmon, MDT_EFFECTIVE_DPI, ctypes.byref(dpi_x), ctypes.byref(dpi_y))
        r = mi.rcMonitor
        out.append(Monitor(Rect(r.left, r.top, r.right - r.left, r.bottom - r.top), int(dpi_x.value),
                           bool(mi.dwFlags & MONITORINFOF_PRIMARY)))
        return True

    user32.EnumDisplayMonitors(None, None, MONITORENUMPROC(each), 0)
    return out


class GdiWindowGrabber:
    """``PrintWindow`` (with PW_RENDERFULLCONTENT, so DirectComposition content is drawn) into
    a top-down 32-bit DIB section; the caller copies its bits into the frame ring."""

    def __init__(self, hwnd: int) -> None:
        self.hwnd = hwnd
        self.size = (0, 0)
        self.memdc: Any = None
        self.bitmap: Any = None
        self.old: Any = None  # what the DC held before our bitmap: put back before deleting it
        self.view: Any = None

    def _alloc(self, w: int, h: int) -> None:
        import numpy as np

        self.close()
        hdc = user32.GetDC(wintypes.HWND(self.hwnd))
        try:
            self.memdc = gdi32.CreateCompatibleDC(hdc)
            bi = BITMAPINFOHEADER(ctypes.sizeof(BITMAPINFOHEADER), w, -h, 1, 32, BI_RGB, 0, 0, 0, 0, 0)
            bits = ctypes.c_void_p()
            self.bitmap = gdi32.CreateDIBSection(hdc, ctypes.byref(bi), DIB_RGB_COLORS, ctypes.byref(bits), None, 0)
            if not self.bitmap:
                raise OSError(ctypes.get_last_error(), "CreateDIBSection failed")
            self.old = gdi32.SelectObject(self.memdc, self.bitmap)
        finally:
            user32.ReleaseDC(wintypes.HWND(self.hwnd), hdc)
        buf = (ctypes.c_ubyte * (w * h * 4)).from_address(int(bits.value or 0))
        self.view = np.frombuffer(memoryview(buf), dtype=np.uint8).reshape(h, w, 4)
        self.size = (w, h)

    def grab(self) -> Any:
        """The window's client area as a BGRA view (valid until the next grab), or None."""
        w, h = client_size(self.hwnd)
        if w <= 0 or h <= 0:
            return None
        if (w, h) != self.size:
            self._alloc(w, h)
        if not user32.PrintWindow(wintypes.HWND(self.hwnd), self.memdc, PW_CLIENTONLY | PW_RENDERFULLCONTENT):
            return None
        return self.view

    def close(self) -> None:
        # DeleteObject fails on a bitmap still selected into a DC, and the DIB leaked on every
        # resize: deselect it first.
        if self.memdc and self.old:
            gdi32.SelectObject(self.memdc, self.old)
            self.old = None
        if self.bitmap:
            gdi32.DeleteObject(self.bitmap)
            self.bitmap = None
        if self.memdc:
            gdi32.DeleteDC(self.memdc)
            self.memdc = None
        self.view = None
