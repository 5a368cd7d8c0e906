"""WHIP output against a WHIP endpoint built on aiortc, a real WebRTC stack
(tests/whip_endpoint.py: POST offer -> answer, ICE, DTLS-SRTP, then it decodes what arrives).

What the endpoint decoded is checked: frames at the stream's rate, a picture matching the
window, Opus carrying the tone at its pitch; DELETE arrives on stop; a 401 is "rejected by
server"; an endpoint that vanishes is a network error and rigcast comes back to the next one.
aioice offers no loopback candidate, so the endpoint listens on a host address.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.harness import (
    EngineHome,
    Pulse,
    XServer,
    dominant_hz,
    free_port,
    psnr,
    sample_picture,
    show_image,
    wait_for,
)
from tests.test_wire_schemas import assert_valid

KEY = "whipkey5a91c3"
TOKEN = "whip-token-7f3e10"
ENDPOINT = Path(__file__).with_name("whip_endpoint.py")


def host_address() -> str:
    """A non-loopback IPv4 address of this machine (ICE needs one); a dummy interface if none."""
    import ifaddr

    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            if ip.is_IPv4 and not str(ip.ip).startswith("127."):
                return str(ip.ip)
    subprocess.run(["ip", "link", "add", "rigcast0", "type", "dummy"], check=False)
    subprocess.run(["ip", "addr", "add", "198.51.100.7/32", "dev", "rigcast0"], check=False)
    subprocess.run(["ip", "link", "set", "rigcast0", "up"], check=True)
    return "198.51.100.7"


class Endpoint:
    def __init__(self, host: str, port: int, out: Path, token: str | None = None) -> None:
        self.out = out
        args = [sys.executable, str(ENDPOINT), host, str(port), str(out)] + (["--token", token] if token else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=(out.parent / f"{out.name}.log").open("w"))
        wait_for(lambda: (out / "ready").exists(), 20, what="the WHIP endpoint")

    def stats(self) -> dict[str, Any]:
        p = self.out / "stats.json"
        return dict(json.loads(p.read_text())) if p.exists() else {"requests": [], "frames": 0}

    def stop(self, sig: int = signal.SIGTERM) -> None:
        self.proc.send_signal(sig)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@pytest.fixture
def host() -> str:
    return host_address()


def _config(tmp_path: Path, url: str, extra: str = "", sources: str = "", video: str = "") -> Path:
    cfg = tmp_path / "whip.toml"
    cfg.write_text(f"""
[video]
size = "640x360"
{video}

[[sources]]
name = "game"
kind = "window"
match = "whip-target"
{sources}

[[outputs]]
name = "web"
kind = "whip"
url = "{url}"
{extra}""")
    return cfg


def _web(home: EngineHome) -> dict[str, Any]:
    status = home.status()
    assert_valid("status", status)  # the WebRTC stats too, as docs/control-protocol.md pins them
    return dict(next(o for o in status["outputs"] if o["name"] == "web"))


def test_whip_to_aiortc_decodes_the_window_and_the_tone_and_deletes_on_stop(
        home: EngineHome, xserver: XServer, pulse: Pulse, host: str, tmp_path: Path) -> None:
    picture = sample_picture(640, 360)
    app = show_image(xserver, picture, "whip-target", (40, 40), tmp_path)
    port = free_port()
    ep = Endpoint(host, port, tmp_path / "ep", token=TOKEN)
    home.extra_env.update(pulse.env() | {"MY_WHIP_TOKEN": TOKEN})
    url = f"http://{host}:{port}/whip/?app=live&stream={KEY}"
    cfg = _config(tmp_path, url, 'token_env = "MY_WHIP_TOKEN"',
                  sources='\n[[sources]]\nname = "desk"\nkind = "desktop_audio"\n')
    tone: subprocess.Popen[bytes] | None = None
    try:
        home.up("--config", str(cfg), "--live")
        live = wait_for(lambda: (w := _web(home))["state"] == "live" and w, 30, what="live over WHIP")
        assert "constrained baseline" in (live.get("note") or ""), live  # aiortc takes only 42e01f
        tone = pulse.play_tone(440.0, 8, 0.5)
        t0, f0 = time.monotonic(), ep.stats()["frames"]
        time.sleep(8)
        rate = (ep.stats()["frames"] - f0) / (time.monotonic() - t0)
        web = _web(home)
        status = json.dumps(home.status())
    finally:
        home.down()
        if tone is not None:
            tone.kill()
        app.close()
    time.sleep(1.5)  # the endpoint writes its stats once a second
    stats = ep.stats()
    ep.stop()
    methods = [r["method"] for r in stats["requests"]]
    assert methods[0] == "POST" and "DELETE" in methods, methods
    assert all(r["auth"] == f"Bearer {TOKEN}" for r in stats["requests"]), "every request carries the token"
    assert stats["profile"] == "42e01f"
    assert stats["refused"], "the encode's own High profile was offered first, and aiortc refused it"
    assert rate >= 27, f"the endpoint decoded {rate:.1f} fps of 30"
    frame = np.load(ep.out / "frame.npy")
    assert frame.shape == (360, 640, 3)
    assert psnr(frame, picture) >= 30, f"a frame matches the window: {psnr(frame, picture):.1f} dB"
    audio = np.load(ep.out / "audio.npy")
    loud = audio[-48000 * 6:]
    assert float(np.sqrt(np.mean(loud ** 2))) > 0.05, "the tone is heard"
    assert abs(dominant_hz(loud, stats["audio_rate"]) - 440) < 5
    assert web["webrtc"] and web["webrtc"]["profile"] == "42e01f", web
    for text in (status, home.log()):
        assert KEY not in text and TOKEN not in text


def test_whip_401_is_rejected_and_a_vanished_endpoint_is_reconnected(
        home: EngineHome, xserver: XServer, host: str, tmp_path: Path) -> None:
    app = show_image(xserver, sample_picture(320, 180), "whip-target", (40, 40), tmp_path)
    port = free_port()
    locked = Endpoint(host, port, tmp_path / "locked", token=TOKEN)
    home.extra_env["MY_WHIP_TOKEN"] = "not-the-token-1"
    url = f"http://{host}:{port}/whip/?app=live&stream={KEY}"
    cfg = _config(tmp_path, url, 'token_env = "MY_WHIP_TOKEN"\nreconnect_initial = 0.5\nreconnect_max = 2',
                  video='profile = "baseline"')
    try:
        home.up("--config", str(cfg), "--live")
        rejected = wait_for(lambda: (w := _web(home))["state"] == "rejected" and w, 20, what="a 401 rejected")
        assert "401" in rejected["error"] and "token" in rejected["error"], rejected
        assert locked.stats()["frames"] == 0
        locked.stop()
        first = Endpoint(host, port, tmp_path / "first")  # no token needed: goes live on a retry
        wait_for(lambda: _web(home)["state"] == "live", 30, what="live once the endpoint takes it")
        wait_for(lambda: first.stats()["frames"] > 30, 15, what="frames at the endpoint")
        assert _web(home).get("note") is None, "the encode was baseline already: no switch"
        first.stop(signal.SIGKILL)  # vanishes: no DTLS close, no answer
        gone = time.monotonic()
        lost = wait_for(lambda: (w := _web(home))["state"] in ("reconnecting", "connecting") and w, 30,
                        what="the vanished endpoint noticed")
        noticed = time.monotonic() - gone
        second = Endpoint(host, port, tmp_path / "second")
        wait_for(lambda: _web(home)["state"] == "live", 30, what="live again on the next endpoint")
        wait_for(lambda: second.stats()["frames"] > 30, 15, what="frames at the next endpoint")
        back = _web(home)
    finally:
        home.down()
        app.close()
    second.stop()
    assert "network error" in (lost.get("error") or ""), lost
    assert noticed < 20, f"noticed after {noticed:.1f} s"
    assert back["reconnects"] >= 2, back


def test_a_whip_receiver_that_takes_only_baseline_beside_another_output_says_the_fix(
        home: EngineHome, xserver: XServer, host: str, tmp_path: Path) -> None:
    """The encode is shared with a recording whose header is already written: no switch."""
    app = show_image(xserver, sample_picture(320, 180), "whip-target", (40, 40), tmp_path)
    port = free_port()
    ep = Endpoint(host, port, tmp_path / "ep")
    rec = tmp_path / "keep.mkv"
    cfg = _config(tmp_path, f"http://{host}:{port}/whip/?app=live&stream={KEY}",
                  f'\n[[outputs]]\nname = "rec"\nkind = "record"\npath = "{rec}"\n')
    try:
        home.up("--config", str(cfg), "--live")
        refused = wait_for(lambda: (w := _web(home))["state"] == "rejected" and w, 30, what="refused")
        rec_state = next(o for o in home.status()["outputs"] if o["name"] == "rec")["state"]
    finally:
        home.down()
        app.close()
        ep.stop()
    assert 'video.profile = "baseline"' in refused["error"] and "rec" in refused["error"], refused
    assert rec_state == "recording"


@pytest.mark.parametrize("outputs, video, env, needle", [
    ('url = "rtsp://h:1/whip"', "", {}, "HTTP(S) URL"),
    ('url = "http://h:1985/rtc/v1/whip/?app=live&stream=k"', 'codec = "hevc"', {}, "carries h264"),
    ('url = "http://h:1985/rtc/v1/whip/?app=live&stream=k"', "bframes = 2", {}, "bframes = 0"),
    ('url = "http://h:1985/rtc/v1/whip/?app=live&stream=k"\ntoken_env = "NO_SUCH_WHIP_TOKEN"', "", {},
     "NO_SUCH_WHIP_TOKEN is not set"),
])
def test_bad_whip_settings_are_one_line(home: EngineHome, tmp_path: Path, outputs: str, video: str,
                                        env: dict[str, str], needle: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f'[video]\n{video}\n\n[[outputs]]\nname = "web"\nkind = "whip"\n{outputs}\n')
    r = home.rigcast("stream", "--config", str(cfg))
    assert r.returncode != 0
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0], r.stderr
    assert "Traceback" not in r.stderr
