"""A window that flashes white at the instant a click is heard: the A/V sync test's subject.

Audio: a continuous low-latency PulseAudio stream (silence, and a 5 ms click now and then),
written in 10 ms blocks. Right after the click block is written, the stream's latency says when
its first sample will reach the sink; the window turns white at exactly that moment (X draws
at once), stays white 200 ms, and turns black again.

    python tests/flasher.py [--interval 1.5] [--count 0 (forever)]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import soundcard as sc
from Xlib import X, display

RATE, BLOCK = 48000, 480
W, H = 320, 240


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--interval", type=float, default=1.5)
    ap.add_argument("--count", type=int, default=0)
    a = ap.parse_args()

    d = display.Display()
    screen = d.screen()
    win = screen.root.create_window(0, 0, W, H, 0, screen.root_depth, X.InputOutput, X.CopyFromParent,
                                    background_pixel=screen.black_pixel)
    win.set_wm_name("rigcast-avsync")
    win.map()
    white = win.create_gc(foreground=screen.white_pixel)
    black = win.create_gc(foreground=screen.black_pixel)
    d.sync()

    def paint(gc: object) -> None:
        win.fill_rectangle(gc, 0, 0, W, H)
        d.sync()

    silence = np.zeros((BLOCK, 2), dtype=np.float32)
    click = silence.copy()
    click[:240] = 0.8  # 5 ms of full-scale-ish square: an unmistakable onset
    flashes = 0
    with sc.default_speaker().player(samplerate=RATE, channels=2, blocksize=BLOCK) as player:
        for _ in range(30):
            player.play(silence)  # fill the stream's buffer: latency settles
        next_at = time.monotonic() + 1.0
        while a.count == 0 or flashes < a.count:
            if time.monotonic() < next_at:
                player.play(silence)
                continue
            player.play(click)
            onset = time.monotonic() + player.latency - BLOCK / RATE
            while time.monotonic() < onset:
                time.sleep(0.0005)
            paint(white)
            dark_at = onset + 0.2
            while time.monotonic() < dark_at:
                player.play(silence)
            paint(black)
            flashes += 1
            next_at = onset + a.interval
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
