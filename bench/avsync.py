"""Benchmark: A/V sync over a long run (default 10 minutes) — a window flashing white at the
instant a click is heard (tests/flasher.py, on a private PulseAudio), streamed to nginx-rtmp;
prints audio-minus-video per flash for the first and the last minute, and how far it moved.

    python bench/avsync.py [--seconds 600]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness import (  # noqa: E402
    AVSYNC_CONFIG,
    EngineHome,
    NginxRtmp,
    Pulse,
    XServer,
    flash_and_click_times,
    start_flasher,
    wait_for,
)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=600)
    a = ap.parse_args()
    x = XServer.start()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pulse = Pulse(root / "pulse")
        pulse.start()
        nginx = NginxRtmp(root / "nginx")
        nginx.start()
        home = EngineHome(x, root)
        home.extra_env.update(pulse.env())
        flasher = start_flasher(home)
        try:
            cfg = root / "rigcast.toml"
            cfg.write_text(AVSYNC_CONFIG)
            home.up("--config", str(cfg), "--url", nginx.url("avsync"), "--live")
            wait_for(lambda: nginx.publishing("avsync"), 15, what="live")
            time.sleep(a.seconds)
            home.down()
        finally:
            flasher.terminate()
            nginx.stop()
            pulse.stop()
            x.stop()
        video, audio = flash_and_click_times(nginx.recordings("avsync")[0])
    offsets = [(v, (min(audio, key=lambda t: abs(t - v)) - v) * 1000) for v in video]
    first = [o for v, o in offsets if v < 60]
    last = [o for v, o in offsets if v > video[-1] - 60]
    print(f"{len(offsets)} flashes over {video[-1]:.0f} s; audio - video (ms), median [min, max]")
    print(f"first minute: {statistics.median(first):6.1f} [{min(first):.1f}, {max(first):.1f}]")
    print(f"last minute:  {statistics.median(last):6.1f} [{min(last):.1f}, {max(last):.1f}]")
    print(f"worst: {max(abs(o) for _, o in offsets):.1f} ms; moved {statistics.median(last) - statistics.median(first):+.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
