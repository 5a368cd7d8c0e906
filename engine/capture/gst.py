"""GStreamer, as the PipeWire source uses it: loaded once, and buffers read without a copy.

Why GStreamer (through PyGObject): its ``pipewiresrc`` is the PipeWire client GNOME's own
recorders use, so rigcast speaks no PipeWire protocol itself; ``videoconvert`` turns what a
node offers (RGBx, NV12 from gamescope) into the ring's BGRx in C, and passes BGRx through
untouched; ``appsink`` hands over the newest frame when the capture clock asks.

PyGObject gives a mapped buffer's bytes as a new ``bytes`` object (a copy of every frame), so the
mapping is done through ``gst_buffer_map`` by ctypes and the one copy a frame costs is the one
into the ring, as ``FrameRing.write_array`` costs for mss and dxcam. The pointer of a boxed
GStreamer object is what PyGObject hashes it by; :func:`load` checks that on a buffer of known
bytes and falls back to PyGObject's own copy if it ever stops being so.
"""

from __future__ import annotations

import ctypes
import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing

log = logging.getLogger("rigcast.capture.gst")

INSTALL_HINT = ("install GStreamer's PipeWire plugin and Python bindings: `bash .ci/setup` does, or apt install "
                "gstreamer1.0-pipewire gstreamer1.0-plugins-base gir1.2-gst-plugins-base-1.0 and "
                "pip install 'rigcast[pipewire]'")
_MAP_READ = 1


class _MapInfo(ctypes.Structure):
    _fields_ = [("memory", ctypes.c_void_p), ("flags", ctypes.c_int), ("data", ctypes.c_void_p),
                ("size", ctypes.c_size_t), ("maxsize", ctypes.c_size_t), ("user_data", ctypes.c_void_p * 4),
                ("_gst_reserved", ctypes.c_void_p * 4)]


@dataclass(frozen=True)
class GstApi:
    Gst: Any
    GstVideo: Any
    GLib: Any
    Gio: Any
    lib: Any  # libgstreamer-1.0, for gst_buffer_map; None: PyGObject's copying map


@cache
def load() -> GstApi:
    """GStreamer with the elements the source needs, or one line saying what to install."""
    try:
        import gi

        gi.require_version("Gst", "1.0")
        gi.require_version("GstVideo", "1.0")
        gi.require_version("GstApp", "1.0")
        from gi.repository import Gio, GLib, Gst, GstApp, GstVideo  # noqa: F401 (GstApp: appsink's methods)
    except (ImportError, ValueError) as e:
        raise RigcastError(f"the pipewire source can't load GStreamer ({e}); {INSTALL_HINT}") from None
    Gst.init(None)
    missing = [n for n in ("pipewiresrc", "videoconvert", "appsink") if Gst.ElementFactory.find(n) is None]
    if missing:
        raise RigcastError(f"GStreamer has no {', '.join(missing)} element; {INSTALL_HINT}")
    return GstApi(Gst, GstVideo, GLib, Gio, _buffer_lib(Gst))


def _buffer_lib(Gst: Any) -> Any:
    try:
        lib = ctypes.CDLL("libgstreamer-1.0.so.0")
        lib.gst_buffer_map.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo), ctypes.c_int]
        lib.gst_buffer_map.restype = ctypes.c_int
        lib.gst_buffer_unmap.argtypes = [ctypes.c_void_p, ctypes.POINTER(_MapInfo)]
        probe = b"rigcast-map-probe"
        info = _MapInfo()
        buf = Gst.Buffer.new_wrapped(probe)
        ptr = _pointer(buf)
        if lib.gst_buffer_map(ptr, ctypes.byref(info), _MAP_READ):
            same = ctypes.string_at(info.data, info.size) == probe
            lib.gst_buffer_unmap(ptr, ctypes.byref(info))
            if same:
                return lib
    except (OSError, AttributeError, ValueError):
        pass
    log.warning("GStreamer buffers are read through PyGObject (one more copy per frame)")
    return None


def _pointer(boxed: Any) -> int:
    return hash(boxed) & ((1 << (8 * ctypes.sizeof(ctypes.c_void_p))) - 1)


def copy_sample(api: GstApi, sample: Any, ring: FrameRing, pts_ns: int) -> tuple[int, int]:
    """Copy a BGRx/BGRA sample into the next ring slot and publish it; its size (cropped to the
    ring's largest frame). The copy is numpy's, in C, row by row when strides differ."""
    import numpy as np

    info = api.GstVideo.VideoInfo.new_from_caps(sample.get_caps())
    width, height, stride = info.width, info.height, info.stride[0]
    buf = sample.get_buffer()
    w, h = min(width, ring.max_width), min(height, ring.max_height)
    slot = ring.begin_write()
    dst = ring.slot_pixels(slot, w, h)
    if api.lib is not None:
        ptr, mi = _pointer(buf), _MapInfo()
        if not api.lib.gst_buffer_map(ptr, ctypes.byref(mi), _MAP_READ):
            ring.abort(slot)
            return 0, 0
        try:
            raw = (ctypes.c_uint8 * mi.size).from_address(mi.data)
            src = np.ndarray((h, w, 4), np.uint8, raw, 0, (stride, 4, 1))
            dst[:] = src
        finally:
            api.lib.gst_buffer_unmap(ptr, ctypes.byref(mi))
    else:
        ok, mi = buf.map(api.Gst.MapFlags.READ)
        if not ok:
            ring.abort(slot)
            return 0, 0
        try:
            dst[:] = np.ndarray((h, w, 4), np.uint8, mi.data, 0, (stride, 4, 1))
        finally:
            buf.unmap(mi)
    ring.commit(slot, w, h, w * 4, pts_ns)
    return w, h
