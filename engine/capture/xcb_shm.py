"""MIT-SHM image reads through libxcb, into a frame ring slot.

Why libxcb through ctypes and not python-xlib: python-xlib speaks the X protocol over the socket
in Python and has no MIT-SHM, so a 1080p frame would be 8 MB parsed in Python. Here the X server
copies the pixels itself into our shared memory (``ShmAttachFd`` with the ring's fd, then
``ShmGetImage`` at the slot's offset): ~1 ms a 1080p frame and no copy in this process at all.
libxcb and libxcb-shm ship with every X11 desktop (Debian: libxcb1, libxcb-shm0).
"""

from __future__ import annotations

import sys

assert sys.platform.startswith("linux"), "rigcast.engine.capture.xcb_shm is Linux-only (X11)"

import ctypes
import ctypes.util
import os

from rigcast.engine.framering import FrameRing

Z_PIXMAP = 2
ALL_PLANES = 0xFFFFFFFF

# X error codes we react to.
BAD_MATCH, BAD_DRAWABLE, BAD_PIXMAP, BAD_WINDOW = 8, 9, 4, 3


class _Cookie(ctypes.Structure):
    _fields_ = [("sequence", ctypes.c_uint)]


class _ImageReply(ctypes.Structure):
    _fields_ = [
        ("response_type", ctypes.c_uint8),
        ("depth", ctypes.c_uint8),
        ("sequence", ctypes.c_uint16),
        ("length", ctypes.c_uint32),
        ("visual", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
    ]


class _Error(ctypes.Structure):
    _fields_ = [
        ("response_type", ctypes.c_uint8),
        ("error_code", ctypes.c_uint8),
        ("sequence", ctypes.c_uint16),
        ("resource_id", ctypes.c_uint32),
        ("minor_code", ctypes.c_uint16),
        ("major_code", ctypes.c_uint8),
    ]


class XcbError(Exception):
    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.code = code


def _load(name: str, soname: str) -> ctypes.CDLL:
    try:
        return ctypes.CDLL(soname)
    except OSError:
        found = ctypes.util.find_library(name)
        if not found:
            raise XcbError(f"lib{name} is not installed (Debian/Ubuntu: apt-get install lib{name}0)")
        return ctypes.CDLL(found)


class _Lib:
    _instance: _Lib | None = None

    def __init__(self) -> None:
        xcb = _load("xcb", "libxcb.so.1")
        shm = _load("xcb-shm", "libxcb-shm.so.0")
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        vp, u32, u8 = ctypes.c_void_p, ctypes.c_uint32, ctypes.c_uint8
        xcb.xcb_connect.restype, xcb.xcb_connect.argtypes = vp, [ctypes.c_char_p, ctypes.POINTER(ctypes.c_int)]
        xcb.xcb_connection_has_error.restype, xcb.xcb_connection_has_error.argtypes = ctypes.c_int, [vp]
        xcb.xcb_disconnect.restype, xcb.xcb_disconnect.argtypes = None, [vp]
        xcb.xcb_generate_id.restype, xcb.xcb_generate_id.argtypes = u32, [vp]
        xcb.xcb_request_check.restype = ctypes.POINTER(_Error)
        xcb.xcb_request_check.argtypes = [vp, _Cookie]
        xcb.xcb_flush.restype, xcb.xcb_flush.argtypes = ctypes.c_int, [vp]
        shm.xcb_shm_attach_fd_checked.restype = _Cookie
        shm.xcb_shm_attach_fd_checked.argtypes = [vp, u32, ctypes.c_int32, u8]
        shm.xcb_shm_detach.restype, shm.xcb_shm_detach.argtypes = _Cookie, [vp, u32]
        shm.xcb_shm_get_image.restype = _Cookie
        shm.xcb_shm_get_image.argtypes = [
            vp, u32, ctypes.c_int16, ctypes.c_int16, ctypes.c_uint16, ctypes.c_uint16, u32, u8, u32, u32,
        ]
        shm.xcb_shm_get_image_reply.restype = ctypes.POINTER(_ImageReply)
        shm.xcb_shm_get_image_reply.argtypes = [vp, _Cookie, ctypes.POINTER(ctypes.POINTER(_Error))]
        libc.free.restype, libc.free.argtypes = None, [vp]
        self.xcb, self.shm, self.libc = xcb, shm, libc

    @classmethod
    def get(cls) -> _Lib:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance


class XcbShmReader:
    """One X connection with a frame ring attached as an MIT-SHM segment."""

    def __init__(self, display: str | None, ring: FrameRing) -> None:
        self.lib = _Lib.get()
        screen = ctypes.c_int(0)
        name = (display or os.environ.get("DISPLAY", "")).encode() or None
        self.conn = self.lib.xcb.xcb_connect(name, ctypes.byref(screen))
        if not self.conn or self.lib.xcb.xcb_connection_has_error(self.conn):
            raise XcbError(f"cannot connect to X display {display or os.environ.get('DISPLAY', '')!r}")
        self.ring = ring
        self.seg = self.lib.xcb.xcb_generate_id(self.conn)
        fd = ring.open_fd()
        # libxcb sends the fd to the server and closes it; the server keeps its own mapping.
        cookie = self.lib.shm.xcb_shm_attach_fd_checked(self.conn, self.seg, fd, 0)
        err = self.lib.xcb.xcb_request_check(self.conn, cookie)
        if err:
            code = err.contents.error_code
            self.lib.libc.free(err)
            self.close()
            raise XcbError(f"X server refused MIT-SHM attach (error {code}); is this a local display?", code)

    def get_image(self, drawable: int, x: int, y: int, width: int, height: int, slot: int) -> int:
        """Read a rectangle of ``drawable`` into ``slot``; returns the drawable's depth."""
        lib = self.lib
        cookie = lib.shm.xcb_shm_get_image(
            self.conn, drawable, x, y, width, height, ALL_PLANES, Z_PIXMAP, self.seg, self.ring.slot_offset(slot)
        )
        err = ctypes.POINTER(_Error)()
        reply = lib.shm.xcb_shm_get_image_reply(self.conn, cookie, ctypes.byref(err))
        if not reply:
            code = err.contents.error_code if err else 0
            if err:
                lib.libc.free(err)
            if lib.xcb.xcb_connection_has_error(self.conn):
                raise XcbError("lost the connection to the X server", -1)
            raise XcbError(f"X error {code} reading drawable 0x{drawable:x}", code)
        depth = int(reply.contents.depth)
        lib.libc.free(reply)
        return depth

    def close(self) -> None:
        if self.conn:
            self.lib.shm.xcb_shm_detach(self.conn, self.seg)
            self.lib.xcb.xcb_flush(self.conn)
            self.lib.xcb.xcb_disconnect(self.conn)
            self.conn = None
