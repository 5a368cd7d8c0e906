"""Windows display capture: DXGI Desktop Duplication through dxcam, GDI BitBlt through mss.

Desktop Duplication is the fast path for full-screen games (the GPU hands over the composed
desktop; no GDI readback). It is refused in some sessions (RDP, a secure desktop, another
adapter driving the monitor), so, like OBS's display capture, GDI is the automatic fallback,
with the reason logged. Monitors are numbered as mss numbers them on every platform
(1 = first, 0 = all as one); 0 always uses GDI (Desktop Duplication works per output).
"""

from __future__ import annotations

import sys

assert sys.platform == "win32", "rigcast.engine.capture.win_display is Windows-only"

import logging  # noqa: E402
from typing import Any  # noqa: E402

from rigcast.config.model import Size, SourceConfig  # noqa: E402
from rigcast.engine.capture import methods, win32_api  # noqa: E402
from rigcast.engine.capture.base import SourceProbe  # noqa: E402
from rigcast.engine.capture.dpi import Rect, output_for_monitor  # noqa: E402
from rigcast.engine.errors import RigcastError  # noqa: E402
from rigcast.engine.fallback import NoneAvailable, Unavailable, describe, first_available  # noqa: E402
from rigcast.engine.framering import FrameRing, SourceState  # noqa: E402

log = logging.getLogger("rigcast.capture.display")


def _monitor(index: int) -> dict[str, int]:
    import mss

    with mss.mss() as sct:
        mons = sct.monitors
    if not 0 <= index < len(mons):
        raise RigcastError(f"display {index} does not exist; this machine has displays 1-{len(mons) - 1} "
                           "(0 = all of them)")
    return dict(mons[index])


def _rect(r: Any) -> Rect:
    return Rect(int(r.left), int(r.top), int(r.right - r.left), int(r.bottom - r.top))


class _Dxgi:
    def __init__(self, index: int) -> None:
        if index == 0:
            raise Unavailable("Desktop Duplication captures one display at a time; display 0 is all of them")
        try:
            import dxcam
        except ImportError as e:
            raise Unavailable(f"the dxcam package is missing ({e}); pip install dxcam") from None
        except Exception as e:  # dxcam enumerates adapters at import: a COMError in some sessions
            raise Unavailable(f"DXGI could not list the graphics adapters here ({e})") from None
        mon = _monitor(index)
        factory = getattr(dxcam, "__factory")  # dxcam's adapters and outputs, as it enumerated them
        rects = [[_rect(out.desc.DesktopCoordinates) for out in outs] for outs in factory.outputs]
        where = output_for_monitor(Rect(mon["left"], mon["top"], mon["width"], mon["height"]), rects)
        if where is None:
            raise Unavailable(f"no DXGI output shows display {index}")
        try:
            self.cam = dxcam.create(device_idx=where[0], output_idx=where[1], output_color="BGRA",
                                         processor_backend="numpy")
        except Exception as e:  # no duplication in this session (RDP, secure desktop, hybrid GPU)
            raise Unavailable(f"Desktop Duplication unavailable: {e}") from None
        if self.cam is None:
            raise Unavailable("Desktop Duplication unavailable for this output")

    def grab(self) -> Any:
        return self.cam.grab(copy=False)  # None when nothing changed: the ring keeps the last frame

    def close(self) -> None:
        try:
            self.cam.release()
        except Exception:
            pass


class _Gdi:
    def __init__(self, index: int) -> None:
        import mss

        self.sct = mss.mss()
        self.mon = self.sct.monitors[index]

    def grab(self) -> Any:
        import numpy as np

        shot = self.sct.grab(self.mon)
        return np.frombuffer(shot.raw, dtype=np.uint8).reshape(shot.height, shot.width, 4)

    def close(self) -> None:
        self.sct.close()


class WinDisplaySource:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        win32_api.set_dpi_awareness()
        _monitor(cfg.settings.display)
        openers: dict[str, Any] = {"dxgi": _Dxgi, "gdi": _Gdi}
        try:
            name, self.method, reasons = first_available(methods.order("display", cfg.settings.method),
                                                         lambda m: openers[m](cfg.settings.display))
        except NoneAvailable as e:
            raise RigcastError(f"{cfg.name}: cannot capture display {cfg.settings.display}: {e}") from None
        ring.set_state(SourceState.LIVE)
        log.info("%s: %s; display %d", cfg.name, describe("capture method", name, reasons), cfg.settings.display)

    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        px = self.method.grab()
        if px is not None:
            ring.write_array(px, pts_ns)

    def close(self) -> None:
        self.method.close()


class WinDisplayKind:
    def probe(self, cfg: SourceConfig) -> SourceProbe:
        win32_api.set_dpi_awareness()
        mon = _monitor(cfg.settings.display)
        size = Size(mon["width"], mon["height"])
        return SourceProbe(size, size, f"display {cfg.settings.display}")

    def open(self, cfg: SourceConfig, ring: FrameRing) -> WinDisplaySource:
        return WinDisplaySource(cfg, ring)


