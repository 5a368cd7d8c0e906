# Stubs for dxcam 0.3.0, written from its wheel's dxcam/__init__.py, dxcam/dxcam.py and
# dxcam/types.py (the package ships no py.typed): the part rigcast calls
# (engine/capture/win_display.py), so that `mypy --platform win32` checks those calls.
from typing import Any, Literal, TypeAlias

import numpy
import numpy.typing as npt

ColorMode: TypeAlias = Literal["RGB", "RGBA", "BGR", "BGRA", "GRAY"]
CaptureBackend: TypeAlias = Literal["dxgi", "winrt"]
ProcessorBackend: TypeAlias = Literal["cv2", "numpy"]
Region: TypeAlias = tuple[int, int, int, int]

class DXCamera:
    def grab(self, region: Region | None = None, copy: bool = True,
             new_frame_only: bool = True) -> npt.NDArray[numpy.uint8] | None: ...
    def release(self) -> None: ...

def create(
    device_idx: int = 0,
    output_idx: int | None = None,
    region: Region | None = None,
    output_color: ColorMode = "RGB",
    max_buffer_len: int = 8,
    backend: CaptureBackend = "dxgi",
    processor_backend: ProcessorBackend = "cv2",
) -> DXCamera: ...
def device_info() -> str: ...
def output_info() -> str: ...
def __getattr__(name: str) -> Any: ...  # the module's `__factory`, read with getattr (its adapters/outputs)
