# Stubs for windows-capture 2.0.1, written from its wheel's windows_capture/__init__.py (the
# package ships no py.typed): the part rigcast calls (engine/capture/win_window.py), so that
# `mypy --platform win32` checks those calls against the real signatures.
from collections.abc import Callable
from typing import Any, TypeVar

import numpy
import numpy.typing as npt

_F = TypeVar("_F", bound=Callable[..., Any])

class Frame:
    frame_buffer: npt.NDArray[numpy.uint8]  # (height, width, 4) BGRA, a view of the mapped frame
    width: int
    height: int
    timespan: int

class InternalCaptureControl:
    def stop(self) -> None: ...

class CaptureControl:
    def is_finished(self) -> bool: ...
    def wait(self) -> None: ...
    def stop(self) -> None: ...

class WindowsCapture:
    def __init__(
        self,
        cursor_capture: bool | None = True,
        draw_border: bool | None = None,
        secondary_window: bool | None = None,
        minimum_update_interval: int | None = None,
        dirty_region: bool | None = None,
        monitor_index: int | None = None,
        window_name: str | None = None,
        window_hwnd: int | None = None,
    ) -> None: ...
    def start(self) -> None: ...
    def start_free_threaded(self) -> CaptureControl: ...
    # The source types it types.FunctionType; it takes any function named on_frame_arrived or on_closed.
    def event(self, handler: _F) -> _F: ...
