"""Benchmark: the chat overlay's CPU cost — drawing a chat of 8 messages (24 px, outlined) in a
640x360 box, as the video process does — against the ffmpeg CLI's drawtext filter drawing the
same 8 outlined lines on a 640x360 transparent canvas, in the same run.

rigcast draws each message once when it arrives and only pastes strips (with the fade) after
that; ffmpeg's drawtext draws its text on every frame. The figures: rigcast's cost per message
and per redraw, ffmpeg's per frame, and what each costs for a chat of 2 messages a second on
a 30 fps stream.

    python bench/chat.py [--frames 300]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.measure import command_cpu_s, self_cpu_s  # noqa: E402
from rigcast.config.model import Size, SourceConfig  # noqa: E402
from rigcast.engine.capture.chat import ChatStill  # noqa: E402
from rigcast.engine.vocab.reports import ChatMessage  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
TEXT = "a fairly ordinary chat message, gg"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--frames", type=int, default=300)
    n = p.parse_args().frames
    cfg = SourceConfig("chat", "chat", size=Size(640, 360), font=FONT, font_size=24, color="#ffffffff",
                       lifetime_s=3600, max_lines=8)
    chat = ChatStill(cfg)
    t0 = self_cpu_s()
    for i in range(n):
        chat.post(ChatMessage(str(i), "", f"viewer{i % 50}", TEXT, "#ffcc00", float(i)), now=float(i))
    per_message = (self_cpu_s() - t0) / n
    t0 = self_cpu_s()
    for _ in range(n):
        chat.render(float(n))
    per_redraw = (self_cpu_s() - t0) / n
    lines = ",".join(f"drawtext=fontfile={FONT}:fontsize=24:fontcolor=white:borderw=1:bordercolor=black:"
                     f"x=4:y={8 + 40 * i}:text='viewer{i}\\: {TEXT.replace(',', '')}'" for i in range(8))
    peer = command_cpu_s(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "color=c=black@0.0:s=640x360:r=30,format=rgba",
                          "-vf", lines, "-frames:v", str(n), "-threads", "1", "-f", "null", "-"]) / n
    print(f"chat overlay, 8 outlined messages in 640x360, CPU ms ({n} iterations)")
    print(f"  rigcast: {per_message * 1e3:.2f} ms per message arriving, {per_redraw * 1e3:.2f} ms per redraw (fade step)")
    print(f"  ffmpeg drawtext: {peer * 1e3:.2f} ms per frame (it draws every frame)")
    ours = 2 * per_message + 2 * 8 * per_redraw  # 2 messages/s, each fading over 8 steps
    print(f"  at 2 messages/s on 30 fps: rigcast {ours * 1e3:.1f} ms/s vs ffmpeg {30 * peer * 1e3:.1f} ms/s "
          f"({ours / (30 * peer):.2f}x)")


if __name__ == "__main__":
    main()
