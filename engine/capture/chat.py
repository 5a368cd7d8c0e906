"""The ``chat`` overlay source: the last few chat messages, newest at the bottom, fading out.

Messages reach it already cleaned by the engine (:mod:`engine.control.chat`) as a video-process
command. It is drawn like a text source (Pillow, outline so it reads over any game) into a box
of a fixed size, so the layout never jumps as messages come and go. It redraws only when a
message arrives or a fading message's opacity moves a step (eighths), not every frame.
"""

from __future__ import annotations

import collections
import textwrap
import time
from typing import TYPE_CHECKING, Any

from config.model import Size, SourceConfig, parse_color
from engine.capture.base import register_source
from engine.capture.still import Still, _StillKind

if TYPE_CHECKING:
    import numpy as np

DEFAULT_SIZE = Size(640, 360)
FADE_S = 2.0  # a message fades out over the last two seconds of its life
STEPS = 8


def _font(cfg: SourceConfig) -> Any:
    from PIL import ImageFont

    from engine.errors import RigcastError

    try:
        return ImageFont.truetype(cfg.font, cfg.font_size) if cfg.font else ImageFont.load_default(size=cfg.font_size)
    except OSError as e:
        raise RigcastError(f'source "{cfg.name}": cannot load font {cfg.font}: {e}') from None


class ChatStill(Still):
    """The overlay's picture plus the messages it shows (time of arrival, message)."""

    def __init__(self, cfg: SourceConfig) -> None:
        import numpy as np

        self.cfg = cfg
        self.size = cfg.size or DEFAULT_SIZE
        self.font = _font(cfg)
        self.messages: collections.deque[tuple[float, dict[str, Any]]] = collections.deque(maxlen=cfg.max_lines)
        self._key: tuple[Any, ...] = ()
        super().__init__(np.zeros((self.size.height, self.size.width, 4), dtype=np.uint8), False)

    def post(self, msg: dict[str, Any], now: float | None = None) -> None:
        self.messages.append((time.monotonic() if now is None else now, msg))
        self.tick(time.monotonic() if now is None else now)

    def _alpha(self, arrived: float, now: float) -> int:
        left = self.cfg.lifetime_s - (now - arrived)
        if left <= 0:
            return 0
        return STEPS if left >= FADE_S else max(1, round(STEPS * left / FADE_S))

    def tick(self, now: float) -> None:
        while self.messages and self._alpha(self.messages[0][0], now) == 0:
            self.messages.popleft()
        key = tuple((id(m), self._alpha(t, now)) for t, m in self.messages)
        if key != self._key:
            self._key = key
            self.replace(self.render(now))

    def render(self, now: float) -> np.ndarray:
        import numpy as np
        from PIL import Image, ImageDraw

        w, h = self.size.width, self.size.height
        img = Image.new("RGBA", (w, h), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        line_h = int(self.cfg.font_size * 1.25)
        per_line = max(8, int(w / (self.cfg.font_size * 0.55)))
        stroke = max(1, self.cfg.outline_width or self.cfg.font_size // 16)
        fill = parse_color(self.cfg.color)
        outline = parse_color(self.cfg.outline_color)
        y = h
        for arrived, msg in reversed(self.messages):  # newest at the bottom, older ones above
            a = self._alpha(arrived, now) / STEPS
            name = f"{msg['user']}: "
            lines = textwrap.wrap(name + msg["text"], per_line) or [name]
            y -= line_h * len(lines)
            if y < 0:
                break
            user_rgb = parse_color(msg["color"])[:3] if msg.get("color") else (0x9c, 0xdc, 0xfe)
            for i, line in enumerate(lines):
                ly = y + i * line_h
                fade = (fill[0], fill[1], fill[2], int(fill[3] * a))
                ring = (outline[0], outline[1], outline[2], int(outline[3] * a))
                if i == 0:
                    draw.text((4, ly), name, font=self.font, fill=(*user_rgb, int(255 * a)), stroke_width=stroke,
                              stroke_fill=ring)
                    nx = 4 + int(draw.textlength(name, font=self.font))
                    draw.text((nx, ly), line[len(name):], font=self.font, fill=fade, stroke_width=stroke,
                              stroke_fill=ring)
                else:
                    draw.text((4, ly), line, font=self.font, fill=fade, stroke_width=stroke, stroke_fill=ring)
        rgba = np.asarray(img)
        return np.ascontiguousarray(rgba[..., [2, 1, 0, 3]])  # RGBA → BGRA


@register_source("chat", ("linux", "win32"))
class ChatKind(_StillKind):
    def still(self, cfg: SourceConfig, canvas: Size | None) -> Still:
        return ChatStill(cfg)
