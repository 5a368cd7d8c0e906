"""SRT output against real SRT listeners: the ffmpeg CLI from Debian (built with libsrt) and
srt-live-transmit from srt-tools. What they receive is decoded; the streamid must arrive
verbatim (ffmpeg's debug log says what it accepted); a listener that goes away and comes back
gets the stream again without restarting rigcast; a wrong passphrase is "rejected by server";
keys in the streamid are masked everywhere."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

from tests.harness import (
    EngineHome,
    XApp,
    XServer,
    decode,
    free_port,
    psnr,
    sample_picture,
    show_image,
    wait_for,
)
from tests.lossy_relay import LossyRelay
from tests.test_wire_schemas import assert_valid

PASSPHRASE = "srt-pass-6d2e41"
KEY = "skey-90ab77"


class FfmpegListener:
    """``ffmpeg -i srt://...?mode=listener`` copying what it receives into a TS file."""

    def __init__(self, port: int, out: Path, passphrase: str | None = PASSPHRASE, latency_ms: int = 120) -> None:
        url = f"srt://127.0.0.1:{port}?mode=listener&latency={latency_ms * 1000}"
        if passphrase:
            url += f"&passphrase={passphrase}&pbkeylen=16"
        self.out, self.log = out, out.with_suffix(".log")
        self.proc = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "debug", "-y", "-i", url, "-c", "copy",
                                      "-f", "mpegts", str(out)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("w"))
        time.sleep(0.5)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def _config(tmp_path: Path, port: int, extra: str = "") -> Path:
    cfg = tmp_path / "srt.toml"
    cfg.write_text(f"""
[video]
size = "640x360"

[[sources]]
name = "game"
kind = "window"
match = "glxgears"

[[outputs]]
name = "srt"
kind = "srt"
url = "srt://127.0.0.1:{port}"
streamid = "#!::r=live/{KEY},m=publish"
passphrase_env = "MY_SRT_PASS"
{extra}""")
    return cfg


def _srt(home: EngineHome) -> dict[str, Any]:
    status = home.status()
    assert_valid("status", status)  # the SRT stats too, as docs/control-protocol.md pins them
    return dict(next(o for o in status["outputs"] if o["name"] == "srt"))


def _fps(path: Path) -> tuple[float, Any]:
    d = decode(path, keep_every=15)
    span = d.times[-1] - d.times[0] if len(d.times) > 1 else 0
    return (len(d.times) - 1) / span if span else 0.0, d


def test_srt_to_ffmpeg_decodes_keeps_the_streamid_and_comes_back_after_the_listener(
        home: EngineHome, gears: XApp, tmp_path: Path) -> None:
    port = free_port()
    first = FfmpegListener(port, tmp_path / "first.ts")
    home.extra_env["MY_SRT_PASS"] = PASSPHRASE
    try:
        home.up("--config", str(_config(tmp_path, port)), "--live")
        wait_for(lambda: _srt(home)["state"] == "live", 20, what="live over SRT")
        stats = wait_for(lambda: (s := _srt(home).get("srt")) and s["send_mbps"] > 0 and s, 10,
                         what="SRT link statistics")
        assert stats["rtt_ms"] >= 0 and stats["lost"] >= 0 and "send_buffer_ms" in stats, stats
        time.sleep(5)
    finally:
        first.stop()
    wait_for(lambda: _srt(home)["state"] == "reconnecting", 20, what="the listener gone noticed")
    second = FfmpegListener(port, tmp_path / "second.ts")
    gone = time.monotonic()
    try:
        wait_for(lambda: _srt(home)["state"] == "live", 30, what="live again without a restart")
        back_in = time.monotonic() - gone
        time.sleep(4)
        status = json.dumps(home.status())
    finally:
        home.down()
        second.stop()
    assert back_in < 30
    print(f"\nSRT listener restarted: live again {back_in:.1f} s after it came back")
    for ts in (first.out, second.out):
        fps, d = _fps(ts)
        assert d.video_codec == "h264" and d.audio_codec == "aac", (ts, d.video_codec, d.audio_codec)
        assert fps >= 27, f"{ts.name}: {fps:.1f} fps of 30"
        frame = d.frames[len(d.frames) // 2]
        assert frame.shape == (360, 640, 3) and float(np.std(frame)) > 5, "the window's pixels, not a flat frame"
    log = first.log.read_text(errors="replace")
    assert f"accept streamid [#!::r=live/{KEY},m=publish]" in log, "the streamid arrives verbatim"
    for text in (status, home.log()):
        assert KEY not in text and PASSPHRASE not in text
    assert "r=live/****" in status


def test_hevc_over_srt_carries_the_windows_pixels(home: EngineHome, xserver: XServer, tmp_path: Path) -> None:
    """HEVC in MPEG-TS over SRT; a decoded frame matches the window it captured."""
    picture = sample_picture(640, 360)
    app = show_image(xserver, picture, "srt-target", (40, 40), tmp_path)
    port = free_port()
    listener = FfmpegListener(port, tmp_path / "hevc.ts")
    home.extra_env["MY_SRT_PASS"] = PASSPHRASE
    cfg = _config(tmp_path, port).read_text().replace('match = "glxgears"', 'match = "srt-target"')
    (tmp_path / "hevc.toml").write_text(cfg.replace('[video]', '[video]\ncodec = "hevc"'))
    try:
        home.up("--config", str(tmp_path / "hevc.toml"), "--live")
        wait_for(lambda: _srt(home)["state"] == "live", 20, what="live over SRT with HEVC")
        time.sleep(4)
    finally:
        home.down()
        listener.stop()
        app.close()
    fps, d = _fps(listener.out)
    assert d.video_codec == "hevc" and d.audio_codec == "aac" and fps >= 27, (d.video_codec, fps)
    best = max(psnr(f, picture) for f in d.frames)
    assert best >= 30, f"a frame matches the window: {best:.1f} dB"


def test_srt_through_a_lossy_link_retransmits_and_decodes_clean(home: EngineHome, gears: XApp,
                                                               tmp_path: Path) -> None:
    """5% of datagrams lost both ways and the rest 40 ms late: SRT resends within its latency,
    so what the listener gets decodes without a single error, and status counts the resends."""
    port = free_port()
    listener = FfmpegListener(port, tmp_path / "lossy.ts", latency_ms=500)
    relay = LossyRelay(port, loss=0.05, delay_s=0.04).start()
    home.extra_env["MY_SRT_PASS"] = PASSPHRASE
    cfg = _config(tmp_path, relay.port, "latency = 500")
    try:
        home.up("--config", str(cfg), "--live")
        wait_for(lambda: _srt(home)["state"] == "live", 30, what="live over the lossy link")
        time.sleep(10)
        stats = _srt(home)["srt"]
    finally:
        home.down()
        listener.stop()
        relay.stop()
    assert relay.dropped > 50, f"the relay lost {relay.dropped} datagrams"
    assert stats["retransmitted"] > 0, stats
    fps, d = _fps(listener.out)
    assert d.video_codec == "h264" and fps >= 27, (d.video_codec, fps)
    errors = subprocess.run(["ffmpeg", "-hide_banner", "-v", "error", "-i", str(listener.out), "-f", "null", "-"],
                            capture_output=True, text=True).stderr
    assert errors.strip() == "", f"decoding what arrived: {errors[:2000]}"
    print(f"\nSRT with 5% loss: {relay.dropped} datagrams lost, {stats['retransmitted']} resent, {fps:.1f} fps decoded")


def test_a_wrong_passphrase_is_rejected_by_server(home: EngineHome, gears: XApp, tmp_path: Path) -> None:
    port = free_port()
    listener = FfmpegListener(port, tmp_path / "no.ts", passphrase="another-passphrase-1")
    home.extra_env["MY_SRT_PASS"] = PASSPHRASE
    try:
        home.up("--config", str(_config(tmp_path, port)), "--live")
        out = wait_for(lambda: (o := _srt(home))["state"] == "rejected" and o, 20, what="rejected")
    finally:
        home.down()
        listener.stop()
    assert out["error"].startswith("rejected by server:") and "passphrase" in out["error"].lower(), out


def test_srt_live_transmit_receives_it(home: EngineHome, gears: XApp, tmp_path: Path) -> None:
    port = free_port()
    out = tmp_path / "slt.ts"
    slt = subprocess.Popen(["srt-live-transmit", "-q", f"srt://:{port}?mode=listener&passphrase={PASSPHRASE}",
                            "file://con"], stdin=subprocess.DEVNULL, stdout=out.open("wb"),
                           stderr=subprocess.DEVNULL)
    home.extra_env["MY_SRT_PASS"] = PASSPHRASE
    try:
        time.sleep(0.5)
        home.up("--config", str(_config(tmp_path, port)), "--live")
        wait_for(lambda: _srt(home)["state"] == "live", 20, what="live to srt-live-transmit")
        time.sleep(5)
    finally:
        home.down()
        slt.terminate()
        slt.wait(10)
    fps, d = _fps(out)
    assert d.video_codec == "h264" and d.audio_codec == "aac" and fps >= 27, (d.video_codec, fps)


def test_bad_srt_settings_are_one_line(home: EngineHome, gears: XApp, tmp_path: Path) -> None:
    for args, says in ((("--url", "srt://127.0.0.1"), "needs a host and a port"),
                       (("--url", "srt://127.0.0.1:9000?streamid=#!::r=live/k"), "unencoded #"),
                       (("--url", "srt://h:9000?passphrase=abcdefghijk"), "passphrase_env")):
        r = home.rigcast("stream", "--window", "glxgears", *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and says in r.stderr, r.stderr
    cfg = _config(tmp_path, 9000)
    home.extra_env.pop("MY_SRT_PASS", None)
    r = home.rigcast("stream", "--config", str(cfg))
    assert r.returncode == 2 and "$MY_SRT_PASS is not set" in r.stderr and len(r.stderr.strip().splitlines()) == 1, \
        r.stderr
