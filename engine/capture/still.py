"""Sources the compositor draws itself: an image, a colour, a line of text.

They have nothing to capture, so they don't get a worker process or a frame ring: each is a
BGRA array made once (text again when its text changes through the command bus) that the
compositor reads like any other layer. Their records (config/kinds/) carry ``Cap.DRAWN``;
the text kind's ``Cap.TEXT`` says it takes ``text.set``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rigcast.config.model import Size, SourceConfig, parse_color
from rigcast.engine.capture.base import SourceProbe
from rigcast.engine.errors import RigcastError

if TYPE_CHECKING:  # numpy, PyAV and Pillow load only where pixels are made: the video process
    import numpy as np

DEFAULT_COLOR_SIZE = Size(1280, 720)
# A text source is drawn whole, in memory: bounded, so set_text with 4,096 W at font 512 is an
# error for the caller, not a request for gigabytes (8192x4096 BGRA is 128 MiB at most).
MAX_TEXT_SIDE = 8192
MAX_TEXT_PIXELS = 8192 * 4096


@dataclass
class Still:
    """A BGRA picture and how many times it changed (the compositor caches on that)."""

    pixels: np.ndarray
    opaque: bool
    version: int = 1

    def replace(self, pixels: np.ndarray) -> None:
        self.pixels = pixels
        self.opaque = bool(pixels[..., 3].min() == 255)
        self.version += 1

    def tick(self, now: float) -> None:
        """Called once a frame while shown; a picture that changes with time (chat fading)
        redraws itself here and bumps ``version``. Most pictures don't."""


def _still(pixels: np.ndarray) -> Still:
    import numpy as np

    return Still(np.ascontiguousarray(pixels), bool(pixels[..., 3].min() == 255))


class _StillKind:
    def open(self, cfg: SourceConfig, ring: Any) -> Any:
        raise RigcastError(f'source "{cfg.name}" ({cfg.kind}) is drawn by the compositor, not captured')

    def probe(self, cfg: SourceConfig) -> SourceProbe:
        h, w = self.still(cfg, None).pixels.shape[:2]
        return SourceProbe(Size(w, h), Size(w, h), cfg.describe())

    def still(self, cfg: SourceConfig, canvas: Size | None) -> Still:
        raise NotImplementedError


class ImageKind(_StillKind):
    def still(self, cfg: SourceConfig, canvas: Size | None) -> Still:
        import av

        try:
            with av.open(str(cfg.settings.path)) as f:
                frame = next(f.decode(video=0))
                return _still(frame.to_ndarray(format="bgra"))
        except (OSError, av.FFmpegError, StopIteration) as e:
            raise RigcastError(f'source "{cfg.name}": cannot read image {cfg.settings.path}: {e}') from None


class ColorKind(_StillKind):
    def still(self, cfg: SourceConfig, canvas: Size | None) -> Still:
        import numpy as np

        size = cfg.settings.size or canvas or DEFAULT_COLOR_SIZE
        r, g, b, a = parse_color(cfg.settings.color)
        return _still(np.full((size.height, size.width, 4), (b, g, r, a), dtype=np.uint8))


class TextKind(_StillKind):
    """Rendered with Pillow: any TrueType/OpenType font, a fill colour and an outline."""

    def still(self, cfg: SourceConfig, canvas: Size | None) -> Still:
        return _still(self.render(cfg, cfg.settings.text))

    def set_text(self, still: Still, cfg: SourceConfig, text: str) -> None:
        still.replace(self.render(cfg, text))

    @staticmethod
    def render(cfg: SourceConfig, text: str) -> np.ndarray:
        import numpy as np
        from PIL import Image, ImageDraw, ImageFont

        try:
            font: Any = (ImageFont.truetype(cfg.settings.font, cfg.settings.font_size) if cfg.settings.font
                         else ImageFont.load_default(size=cfg.settings.font_size))
        except OSError as e:
            raise RigcastError(f'source "{cfg.name}": cannot load font {cfg.settings.font}: {e}') from None
        stroke = cfg.settings.outline_width
        probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
        x0, y0, x1, y1 = (int(v) for v in probe.multiline_textbbox((0, 0), text or " ", font=font,
                                                                   stroke_width=stroke))
        w, h = max(2, x1 - x0 + 2) + (x1 - x0) % 2, max(2, y1 - y0 + 2) + (y1 - y0) % 2
        if w > MAX_TEXT_SIDE or h > MAX_TEXT_SIDE or w * h > MAX_TEXT_PIXELS:
            raise RigcastError(f'source "{cfg.name}": text too large to draw ({w}x{h} px; at most '
                               f'{MAX_TEXT_SIDE} px a side and {MAX_TEXT_PIXELS // 1_000_000} megapixels): '
                               f'shorten it or lower font_size')
        img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        ImageDraw.Draw(img).multiline_text((1 - x0, 1 - y0), text, font=font, fill=parse_color(cfg.settings.color),
                                           stroke_width=stroke, stroke_fill=parse_color(cfg.settings.outline_color))
        rgba = np.asarray(img)
        return rgba[..., [2, 1, 0, 3]]  # RGBA → BGRA


# The plugin API for drawn sources (docs/plugins.md): subclass DrawnKind, implement
# ``still(cfg, canvas)`` and return ``still_picture(bgra)``. Kept under these names on purpose.
DrawnKind = _StillKind
still_picture = _still
