"""The ``chat`` overlay source: the last few chat messages, newest at the bottom, fading out.

Messages reach it already cleaned by the engine (:mod:`rigcast.engine.control.chat`) as a video-process
command. It is drawn like a text source (Pillow, outline so it reads over any game) into a box
of a fixed size, so the layout never jumps as messages come and go. It redraws only when a
message arrives or a fading message's opacity moves a step (eighths), not every frame, and
then only pastes strips: each message's text is drawn once, when it arrives.
"""

from __future__ import annotations

import collections
import textwrap
import time
from typing import TYPE_CHECKING, Any

from rigcast.config.model import Size, SourceConfig, parse_color
from rigcast.engine.capture.still import Still, _StillKind
from rigcast.engine.vocab.reports import ChatMessage

if TYPE_CHECKING:
    import numpy as np

DEFAULT_SIZE = Size(640, 360)
FADE_S = 2.0  # a message fades out over the last two seconds of its life
STEPS = 8


def _font(cfg: SourceConfig) -> Any:
    from PIL import ImageFont

    from rigcast.engine.errors import RigcastError

    try:
        return ImageFont.truetype(cfg.settings.font, cfg.settings.font_size) if cfg.settings.font else ImageFont.load_default(size=cfg.settings.font_size)
    except OSError as e:
        raise RigcastError(f'source "{cfg.name}": cannot load font {cfg.settings.font}: {e}') from None


class ChatStill(Still):
    """The overlay's picture plus the messages it shows (time of arrival, message)."""

    def __init__(self, cfg: SourceConfig) -> None:
        import numpy as np

        self.cfg = cfg
        self.size = cfg.settings.size or DEFAULT_SIZE
        self.font = _font(cfg)
        self.messages: collections.deque[tuple[float, ChatMessage, np.ndarray]] = collections.deque(
            maxlen=cfg.settings.max_lines)
        self._key: tuple[Any, ...] = ()
        super().__init__(np.zeros((self.size.height, self.size.width, 4), dtype=np.uint8), False)

    def post(self, msg: ChatMessage, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        self.messages.append((now, msg, self._strip(msg)))
        self.tick(now)

    def _alpha(self, arrived: float, now: float) -> int:
        left = self.cfg.settings.lifetime_s - (now - arrived)
        if left <= 0:
            return 0
        return STEPS if left >= FADE_S else max(1, round(STEPS * left / FADE_S))

    def tick(self, now: float) -> None:
        while self.messages and self._alpha(self.messages[0][0], now) == 0:
            self.messages.popleft()
        key = tuple((id(m), self._alpha(t, now)) for t, m, _ in self.messages)
        if key != self._key:
            self._key = key
            self.replace(self.render(now))

    def _strip(self, msg: ChatMessage) -> np.ndarray:
        """One message, wrapped to the box's width and drawn once; fading only scales its alpha
        afterwards. The outline is the glyphs' coverage dilated in numpy: FreeType's own stroke
        costs three times the drawing (~3 ms a line), which would eat a 30 fps frame's budget
        in the video process on a busy chat."""
        import numpy as np
        from PIL import Image, ImageDraw

        w = self.size.width
        line_h = int(self.cfg.settings.font_size * 1.25)
        per_line = max(8, int(w / (self.cfg.settings.font_size * 0.55)))
        stroke = max(1, self.cfg.settings.outline_width or self.cfg.settings.font_size // 16)
        fill, ring = parse_color(self.cfg.settings.color), parse_color(self.cfg.settings.outline_color)
        name = f"{msg.user}: "
        lines = textwrap.wrap(name + msg.text, per_line) or [name]
        img = Image.new("RGBA", (w, line_h * len(lines)), (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        user_rgb = parse_color(msg.color)[:3] if msg.color else (0x9C, 0xDC, 0xFE)
        for i, line in enumerate(lines):
            y, x = i * line_h, 4 + stroke
            if i == 0 and line.startswith(name.rstrip()):
                head = line[: len(name)]
                draw.text((x, y), head, font=self.font, fill=(*user_rgb, 255))
                x += int(draw.textlength(head, font=self.font))
                line = line[len(name):]
            draw.text((x, y), line, font=self.font, fill=fill)
        # Outline = the glyphs' coverage dilated (MaxFilter), in the outline colour, under them.
        cover = np.asarray(img.getchannel("A"))
        wide = cover.copy()
        for k in range(1, stroke + 1):  # separable square dilation: rows, then columns
            np.maximum(wide[:, k:], cover[:, :-k], out=wide[:, k:])
            np.maximum(wide[:, :-k], cover[:, k:], out=wide[:, :-k])
        halo = wide.copy()
        for k in range(1, stroke + 1):
            np.maximum(halo[k:], wide[:-k], out=halo[k:])
            np.maximum(halo[:-k], wide[k:], out=halo[:-k])
        if ring[3] < 255:
            halo = (halo.astype(np.uint16) * ring[3] // 255).astype(np.uint8)
        base = Image.new("RGBA", img.size, ring[:3] + (0,))
        base.putalpha(Image.fromarray(halo))
        base.alpha_composite(img)
        h = base.height
        return np.frombuffer(base.tobytes("raw", "BGRA"), dtype=np.uint8).reshape(h, w, 4).copy()

    def render(self, now: float) -> np.ndarray:
        """Newest at the bottom, older ones above, each at its own fade: numpy slices only."""
        import numpy as np

        box = np.zeros((self.size.height, self.size.width, 4), dtype=np.uint8)
        y = self.size.height
        for arrived, _msg, strip in reversed(self.messages):
            h = strip.shape[0]
            if y - h < 0:
                break
            y -= h
            box[y : y + h] = strip
            a = self._alpha(arrived, now)
            if a < STEPS:
                box[y : y + h, :, 3] = (strip[..., 3].astype(np.uint16) * a // STEPS).astype(np.uint8)
        return box


class ChatKind(_StillKind):
    def still(self, cfg: SourceConfig, canvas: Size | None) -> Still:
        return ChatStill(cfg)
