"""Uplinks that bend: nginx-rtmp in a network namespace of the test's own behind a veth pair
shaped with ``tc tbf`` (tests/shaped_link.py), rigcast streaming a clip of moving noise (it fills
any bitrate) at 3000 kbps, and one continuous player (tests/player.py) timing what arrives.

With adaptation the bitrate falls below the squeezed link and climbs back once it lifts, the
delay at the player stays bounded, the stream never reconnects, and a recording with an encode
of its own keeps full bitrate with no gap. Without it, video frames are dropped up to keyframes,
the counter matches the frames missing at the server, and the delay still stays bounded.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import pytest

from tests.harness import EngineHome, NginxRtmp, require_tools, wait_for
from tests.player import Player
from tests.shaped_link import ShapedLink

FPS = 30
BITRATE = 3000
LINK_KBIT = 1500


@pytest.fixture(scope="module")
def noise_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Moving noise over a test pattern: x264 spends the whole bitrate on it, as on a busy game."""
    path = tmp_path_factory.mktemp("clip") / "noise.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size=640x360:rate={FPS},noise=alls=30:allf=t", "-t", "8", "-c:v", "libx264",
                    "-preset", "ultrafast", "-crf", "20", "-g", str(FPS), str(path)], check=True)
    return path


@pytest.fixture
def link() -> Iterator[ShapedLink]:
    missing = require_tools("ip", "tc")
    if missing:
        pytest.fail(f"missing test tools {missing}; run `bash .ci/run` (it installs iproute2)", pytrace=False)
    with ShapedLink() as shaped:
        yield shaped


@pytest.fixture
def far_nginx(link: ShapedLink, tmp_path: Path) -> Iterator[NginxRtmp]:
    server = NginxRtmp(tmp_path / "nginx", host=link.host, launcher=link.inside([]))
    server.start()
    yield server
    server.stop()


def _config(tmp_path: Path, clip: Path, url: str, extra: str = "") -> Path:
    cfg = tmp_path / "uplink.toml"
    cfg.write_text(f"""
[video]
size = "640x360"
fps = {FPS}
bitrate = {BITRATE}

[[sources]]
name = "game"
kind = "media"
path = "{clip}"

[[outputs]]
name = "stream"
kind = "rtmp"
url = "{url}"
{extra}
""")
    return cfg


class Watch:
    """``ctl status --json`` once a second: the stream's row over time."""

    def __init__(self, home: EngineHome) -> None:
        self.home = home
        self.rows: list[tuple[float, dict[str, Any]]] = []

    def sample(self) -> dict[str, Any]:
        row = dict(next(o for o in self.home.status()["outputs"] if o["name"] == "stream"))
        self.rows.append((time.monotonic(), row))
        return row

    def run_for(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.sample()
            time.sleep(max(0.0, min(1.0, end - time.monotonic())))

    def between(self, t0: float, t1: float) -> list[dict[str, Any]]:
        return [r for t, r in self.rows if t0 <= t < t1]


def _live_and_played(home: EngineHome, nginx: NginxRtmp, key: str, cfg: Path) -> tuple[Watch, Player]:
    """The engine up and live from ``cfg``, and a player reading ``key`` from the server."""
    home.up("--config", str(cfg), "--live")
    watch = Watch(home)
    wait_for(lambda: watch.sample()["state"] == "live", 30, what="the stream live")
    player = Player(nginx.url(key)).start()
    wait_for(lambda: len(player.arrivals) > 60, 20, what="the player reading")
    return watch, player


def _squeeze(link: ShapedLink, watch: Watch, before_s: float, squeeze_s: float) -> tuple[float, float]:
    """The link at LINK_KBIT for ``squeeze_s`` after ``before_s`` clear; when it began and ended."""
    watch.run_for(before_s)
    squeezed = time.monotonic()
    link.shape(LINK_KBIT)
    watch.run_for(squeeze_s)
    link.lift()
    return squeezed, time.monotonic()


def _packets(path: Path) -> tuple[list[float], list[int]]:
    """Video packet times and sizes of a file, in order."""
    times, sizes = [], []
    with av.open(str(path)) as c:
        for p in c.demux(c.streams.video[0]):
            if p.dts is not None and p.size:
                times.append(float(p.dts * p.time_base))
                sizes.append(p.size)
    return times, sizes


def _missing_frames(times: list[float]) -> int:
    """Frames absent from a run of video times at FPS: every gap of more than one frame."""
    step = 1 / FPS
    return sum(max(0, round((b - a) / step) - 1) for a, b in zip(times, times[1:]))


def test_squeezed_link_adapts_stays_live_and_recovers(home: EngineHome, link: ShapedLink, far_nginx: NginxRtmp,
                                                      noise_clip: Path, tmp_path: Path) -> None:
    rec = tmp_path / "full.mkv"
    cfg = _config(tmp_path, noise_clip, far_nginx.url("squeeze"), f"""
[[outputs]]
name = "rec"
kind = "record"
path = "{rec}"
video = {{}}
""")
    watch, player = _live_and_played(home, far_nginx, "squeeze", cfg)
    squeezed, lifted = _squeeze(link, watch, 10, 30)
    recovered = wait_for(lambda: (r := watch.sample())["bitrate_kbps"] >= 0.8 * BITRATE and r, 90,
                         what="the bitrate back toward 3000 kbps after the link lifted")
    recovered_at = watch.rows[-1][0]
    watch.run_for(5)
    home.down()
    player.stop()

    rows = [r for _, r in watch.rows]
    rows = rows[[r["state"] for r in rows].index("live"):]
    assert all(r["state"] == "live" for r in rows), [r["state"] for r in rows]
    assert rows[-1]["reconnects"] == 0, "the stream never disconnected"
    assert player.ended is None, f"the player's read broke: {player.ended}"

    during = watch.between(squeezed, lifted)
    lowest = min(r["bitrate_kbps"] for r in during)
    assert lowest < LINK_KBIT, f"the bitrate fell below the {LINK_KBIT} kbit/s link (lowest {lowest} kbps)"
    adapted_at = next(t for t, r in watch.rows if t >= squeezed and r["bitrate_kbps"] < BITRATE)
    base = player.baseline(squeezed - 8, squeezed)
    worst = player.extra_delay(base, squeezed, time.monotonic())
    assert worst < 5.0, f"the player fell {worst:.1f} s behind"
    assert player.longest_audio_gap(squeezed, lifted) < 0.5, "audio kept flowing through the squeeze"
    assert recovered["bitrate_kbps"] >= 0.8 * BITRATE
    print(f"\nsqueeze {BITRATE} kbps on {LINK_KBIT} kbit/s: worst extra delay {worst:.2f} s, bitrate fell "
          f"{adapted_at - squeezed:.1f} s after the squeeze (lowest {lowest} kbps), back to "
          f"{recovered['bitrate_kbps']} kbps {recovered_at - lifted:.1f} s after the lift; "
          f"player got {player.kbps(lifted - 15, lifted):.0f} kbps over the squeeze's last 15 s")

    times, sizes = _packets(rec)
    assert _missing_frames(times) == 0, "the recording has every frame"
    span = times[-1] - times[0]
    kbps = sum(sizes) * 8 / 1000 / span
    assert kbps > 0.8 * BITRATE, f"the recording kept its own full bitrate ({kbps:.0f} kbps)"


def test_without_adaptation_frames_are_dropped_counted_and_the_delay_stays_bounded(
        home: EngineHome, link: ShapedLink, far_nginx: NginxRtmp, noise_clip: Path, tmp_path: Path) -> None:
    cfg = _config(tmp_path, noise_clip, far_nginx.url("fixed"), "adaptive = false")
    watch, player = _live_and_played(home, far_nginx, "fixed", cfg)
    squeezed, _ = _squeeze(link, watch, 6, 20)
    watch.run_for(8)
    final = watch.sample()
    home.down()
    player.stop()
    far_nginx.stop()

    assert final["reconnects"] == 0 and final["bitrate_kbps"] == BITRATE, final
    dropped = final["dropped"]
    assert dropped > 0, "a 3000 kbps stream on a 1500 kbit/s link had to drop video"
    worst = player.extra_delay(player.baseline(squeezed - 5, squeezed), squeezed, time.monotonic())
    assert worst < 5.0, f"the player fell {worst:.1f} s behind"
    times, _ = _packets(far_nginx.recordings("fixed")[-1])
    missing = _missing_frames(times)
    assert abs(missing - dropped) <= max(3, dropped // 20), \
        f"rigcast counted {dropped} dropped video frames; {missing} are missing at the server"
    print(f"\nno adaptation: {dropped} frames dropped ({final['dropped_pct']}%), {missing} missing at the server, "
          f"worst extra delay {worst:.2f} s")
