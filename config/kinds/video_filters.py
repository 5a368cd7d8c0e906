"""Video filters, one record each (``filters = [{ kind = "chroma_key" }, ...]`` on a scene
item): what OBS offers a camera or an overlay, as FFmpeg's own video filters.

Why FFmpeg's (through PyAV's filter graphs, engine/compose/item_filters.py): they run in C,
on the item's pixels only, in the wheel rigcast already has. Colour correction is ``lutrgb``
(brightness, contrast, gamma: one table lookup per channel) and ``colorchannelmixer``
(saturation and hue as one 3x3 matrix, the SVG/Rec.709 one), both on BGRA with no conversion;
PyAV's FFmpeg has no ``eq``, and ``hue`` would go through YUV and back. The keys set alpha:
an item with a key is blended, never copied (``extra["alpha"]``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rigcast.config import fields as f
from rigcast.config.filterlist import FilterBase, filter_kind
from rigcast.config.kinds.base import Cap, KindInfo
from rigcast.config.values import COLOUR, parse_color

LUT_INTERP = ("nearest", "trilinear", "tetrahedral", "pyramid", "prism")


def _hex(colour: str) -> str:
    r, g, b, _ = parse_color(colour)
    return f"0x{r:02X}{g:02X}{b:02X}"


@dataclass
class ChromaKey(FilterBase):
    key_color: str = f.custom("#00FF00", (str,), COLOUR.expect, COLOUR.parse, live=True)
    similarity: float = f.number(0.25, 0.001, 1, live=True)  # how far from the key's hue still counts as key
    smoothness: float = f.number(0.05, 0, 1, live=True)  # a soft edge instead of a hard one


@dataclass
class ColorKey(FilterBase):
    key_color: str = f.custom("#00FF00", (str,), COLOUR.expect, COLOUR.parse, live=True)
    similarity: float = f.number(0.1, 0.001, 1, live=True)  # distance in RGB
    smoothness: float = f.number(0.0, 0, 1, live=True)


@dataclass
class ColorCorrection(FilterBase):
    brightness: float = f.number(0.0, -1, 1, live=True)  # added, as a share of full white
    contrast: float = f.number(1.0, 0, 4, live=True)  # around mid grey; 1 leaves it
    gamma: float = f.number(1.0, 0.1, 10, live=True)  # above 1 lifts the mid tones
    saturation: float = f.number(1.0, 0, 5, live=True)  # 0 grey, 1 as is
    hue_deg: float = f.number(0.0, -180, 180, live=True)


@dataclass
class Lut(FilterBase):
    file: str = f.custom("", (str,), "the path of a .cube 3D LUT", f.existing_file("LUT file"), required=True)
    interp: str = f.choice("tetrahedral", LUT_INTERP)


@dataclass
class Sharpen(FilterBase):
    amount: float = f.number(1.0, 0, 5, live=True)  # unsharp mask on the luma, 5x5
    size: int = f.number(5, 3, 23, integer=True)  # the mask's side, odd

    def validate(self, data: dict[str, Any]) -> None:
        if self.size % 2 == 0:
            raise f.SettingError("size", f"the mask's side must be odd (3, 5, 7...), got {self.size}")


def _correction(s: ColorCorrection) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if (s.brightness, s.contrast, s.gamma) != (0.0, 1.0, 1.0):
        curve = f"clip((pow(val/255,{1 / s.gamma:.6f})*255-128)*{s.contrast:.6f}+128+{s.brightness * 255:.6f},0,255)"
        out.append(("lutrgb", {"r": curve, "g": curve, "b": curve}))
    if (s.saturation, s.hue_deg) != (1.0, 0.0):
        out.append(("colorchannelmixer", _mixer(s.saturation, s.hue_deg)))
    return out


def _mixer(saturation: float, hue_deg: float) -> dict[str, str]:
    """Saturation then hue rotation around the grey axis, as one matrix (SVG's feColorMatrix)."""
    lr, lg, lb = 0.213, 0.715, 0.072
    s = saturation
    sat = [[lr + (1 - lr) * s, lg - lg * s, lb - lb * s],
           [lr - lr * s, lg + (1 - lg) * s, lb - lb * s],
           [lr - lr * s, lg - lg * s, lb + (1 - lb) * s]]
    c, n = math.cos(math.radians(hue_deg)), math.sin(math.radians(hue_deg))
    hue = [[lr + c * (1 - lr) - n * lr, lg - c * lg - n * lg, lb - c * lb + n * (1 - lb)],
           [lr - c * lr + n * 0.143, lg + c * (1 - lg) + n * 0.140, lb - c * lb - n * 0.283],
           [lr - c * lr - n * (1 - lr), lg - c * lg + n * lg, lb + c * (1 - lb) + n * lb]]
    m = [[sum(hue[i][k] * sat[k][j] for k in range(3)) for j in range(3)] for i in range(3)]
    return {f"{'rgb'[i]}{'rgb'[j]}": f"{m[i][j]:.6f}" for i in range(3) for j in range(3)}


FFmpeg = Callable[[Any], list[tuple[str, Any]]]


def _record(name: str, settings: type, summary: str, ffmpeg: FFmpeg, alpha: bool = False) -> KindInfo[Any]:
    return filter_kind(name, Cap.VIDEO, settings, summary, ffmpeg, alpha=alpha)


KINDS = (
    _record("chroma_key", ChromaKey, "chroma key (FFmpeg chromakey)",
            lambda s: [("chromakey", f"color={_hex(s.key_color)}:similarity={s.similarity}:blend={s.smoothness}")],
            alpha=True),
    _record("color_key", ColorKey, "colour key (FFmpeg colorkey)",
            lambda s: [("colorkey", f"color={_hex(s.key_color)}:similarity={s.similarity}:blend={s.smoothness}")],
            alpha=True),
    _record("color_correction", ColorCorrection, "colour correction", _correction),
    _record("lut", Lut, "3D LUT from a .cube file (FFmpeg lut3d)",
            lambda s: [("lut3d", {"file": s.file, "interp": s.interp})]),
    _record("sharpen", Sharpen, "sharpen (FFmpeg unsharp)",
            lambda s: [("unsharp", f"luma_msize_x={s.size}:luma_msize_y={s.size}:luma_amount={s.amount}"
                                   ":chroma_amount=0")]),
)
