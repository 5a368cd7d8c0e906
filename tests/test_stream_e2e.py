"""The engine slice end to end: real windows, real nginx-rtmp, the stream decoded back."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
import pytest

from tests.harness import (
    NginxRtmp,
    Rigcast,
    XServer,
    decode,
    free_port,
    psnr,
    run_rigcast,
    sample_picture,
    show_image,
    start_glxgears,
    wait_for,
    window_geometry,
)

FPS = 30


@pytest.mark.installed
def test_covered_window_arrives_as_h264_aac_matching_pixels(xserver: XServer, nginx: NginxRtmp, tmp_path: Path) -> None:
    img = sample_picture(480, 320)
    target = show_image(xserver, img, "rigcast-target", (40, 40), tmp_path)
    # A second window on top of the first one's lower-right part.
    cover = show_image(xserver, sample_picture(300, 200, seed=7), "rigcast-cover", (300, 220), tmp_path)
    try:
        tx, ty, tw, th = window_geometry(xserver, "rigcast-target") or (0, 0, 0, 0)
        cx, cy, cw, ch = window_geometry(xserver, "rigcast-cover") or (0, 0, 0, 0)
        assert (tw, th) == (480, 320)
        assert cx < tx + tw and cy < ty + th, "the cover window must overlap the target"

        rc = Rigcast(["stream", "--window-regex", "^rigcast-tar.et$", "--url", nginx.url("covered"),
                      "--fps", str(FPS), "--duration", "8"], xserver.env(), tmp_path)
        assert rc.wait(60) == 0, rc.stderr()
        rec = nginx.recordings("covered")
        assert len(rec) == 1
        d = decode(rec[0], keep_every=30)
        assert d.video_codec == "h264"
        assert d.audio_codec == "aac" and d.audio_rate == 48000
        span = d.times[-1] - d.times[0]
        assert span > 6
        fps = (len(d.times) - 1) / span
        assert fps >= 0.9 * FPS, f"delivered {fps:.1f} fps"
        # The canvas is the window's client area: no frame, no cover window.
        assert d.frames[-1].shape == (320, 480, 3)
        scores = [psnr(f, img) for f in d.frames[1:]]
        assert min(scores) >= 30, f"PSNR {scores}"
        # And the covered corner really is the target's pixels, not the cover's.
        corner = (slice(cy - ty, th), slice(cx - tx, tw))
        assert psnr(d.frames[-1][corner], img[corner]) >= 30
    finally:
        cover.close()
        target.close()


def test_glxgears_streams_at_nominal_rate(xserver: XServer, nginx: NginxRtmp, tmp_path: Path) -> None:
    gears = start_glxgears(xserver)
    try:
        # glxgears sets no _NET_WM_PID: the PID comes from the X server (X-Resource).
        rc = Rigcast(["stream", "--window-pid", str(gears.proc.pid), "--url", nginx.url("gears"),
                      "--url", nginx.url("gears2"), "--duration", "6"], xserver.env(), tmp_path)
        assert rc.wait(60) == 0, rc.stderr()
        # Two servers (two keys here) fed from the one encode.
        second = decode(nginx.recordings("gears2")[0])
        assert second.video_codec == "h264" and len(second.times) > 150
        d = decode(nginx.recordings("gears")[0], keep_every=20)
        fps = (len(d.times) - 1) / (d.times[-1] - d.times[0])
        assert fps >= 0.9 * FPS
        assert d.frames[0].shape == (300, 400, 3)
        # The gears move: consecutive kept frames differ.
        assert any(psnr(a, b) < 40 for a, b in zip(d.frames, d.frames[1:]))
        out = rc.stdout()
        assert "libx264" in out and "h264_nvenc" in out, "auto must say what it tried and chose"
    finally:
        gears.close()


def test_server_restart_reconnects_within_6s_and_recording_has_no_gap(
    xserver: XServer, nginx: NginxRtmp, tmp_path: Path
) -> None:
    gears = start_glxgears(xserver)
    rec = tmp_path / "alongside.mkv"
    rc = Rigcast(["stream", "--window", "glxgears", "--url", nginx.url("restart"), "--record", str(rec)],
                 xserver.env(), tmp_path)
    try:
        wait_for(lambda: nginx.publishing("restart"), 30, what="first publish")
        time.sleep(3)
        nginx.stop()
        time.sleep(4)  # several failed attempts: the backoff has grown past its first step
        rc.wait_status(lambda l: "reconnecting" in l, 10, "the output to report reconnecting")
        nginx.start()
        back_at = time.monotonic()
        wait_for(lambda: nginx.publishing("restart"), 6, interval=0.05, what="publishing again ≤ 6 s after restart")
        live_after = time.monotonic() - back_at
        time.sleep(3)
        assert rc.interrupt() == 0, rc.stderr()
        assert live_after <= 6
        # Two publish sessions reached the server, each a valid stream.
        sessions = nginx.recordings("restart")
        assert len(sessions) == 2
        for s in sessions:
            assert decode(s).video_codec == "h264"
        # The local recording never noticed: no gap over 0.5 s, plays to the end.
        d = decode(rec)
        gaps = np.diff(d.times)
        assert gaps.max() <= 0.5, f"largest gap {gaps.max():.3f} s"
        assert d.times[-1] - d.times[0] >= 9
    finally:
        rc.close()
        gears.close()


def test_window_closed_and_reopened_stream_never_stops(xserver: XServer, nginx: NginxRtmp, tmp_path: Path) -> None:
    img = sample_picture(320, 240, seed=3)
    win = show_image(xserver, img, "rigcast-game", (100, 100), tmp_path)
    rc = Rigcast(["stream", "--window", "rigcast-game", "--url", nginx.url("reopen"), "--fps", str(FPS)],
                 xserver.env(), tmp_path)
    try:
        rc.wait_status(lambda l: "game: live" in l and "rtmp: live" in l, 30, "streaming")
        time.sleep(2)
        win.close()
        rc.wait_status(lambda l: "window not found" in l, 10, "the source to report the window lost")
        time.sleep(3)
        win = show_image(xserver, img, "rigcast-game", (200, 150), tmp_path)
        n_before = len(rc.status_lines())
        rc.wait_status(lambda l: "game: live" in l and rc.status_lines().index(l) >= n_before, 10,
                       "capture to resume")
        time.sleep(3)
        assert rc.interrupt() == 0, rc.stderr()
        sessions = nginx.recordings("reopen")
        assert len(sessions) == 1, "the stream must never have been interrupted"
        d = decode(sessions[0], keep_every=15)
        assert max(np.diff(d.times)) <= 0.5
        scores = [psnr(f, img) for f in d.frames]
        # Window content, then placeholder (far from it), then window content again.
        assert scores[1] >= 30 and scores[-1] >= 30
        assert min(scores) < 15, "the gap must show the placeholder, not a frozen frame"
    finally:
        rc.close()
        win.close()


def test_window_resize_is_followed_and_fitted_to_the_canvas(xserver: XServer, nginx: NginxRtmp, tmp_path: Path) -> None:
    import subprocess

    img = sample_picture(320, 240, seed=5)
    win = show_image(xserver, img, "rigcast-resize", (50, 50), tmp_path)
    rc = Rigcast(["stream", "--window", "rigcast-resize", "--url", nginx.url("resize")], xserver.env(), tmp_path)
    try:
        rc.wait_status(lambda l: "rtmp: live" in l, 30, "streaming")
        time.sleep(2)
        wid = subprocess.run(["xdotool", "search", "--name", "^rigcast-resize$"], env=xserver.env(),
                             capture_output=True, text=True).stdout.split()[0]
        subprocess.run(["xdotool", "windowsize", wid, "640", "240"], env=xserver.env(), check=True)
        wait_for(lambda: "320x240 -> 640x240" in rc.stderr(), 10, what="the resize to be noticed")
        time.sleep(2)
        assert rc.interrupt() == 0
        sessions = nginx.recordings("resize")
        assert len(sessions) == 1
        d = decode(sessions[0], keep_every=10)
        assert all(f.shape == (240, 320, 3) for f in d.frames), "the canvas keeps its size"
        assert psnr(d.frames[1], img) >= 30
        # After the resize the 2:1 window is fitted into the 4:3 canvas: black bars top and bottom.
        last = d.frames[-1].astype(int)
        assert last[:30].mean() < 25 and last[-30:].mean() < 25
        assert last[70:170].mean() > 40
    finally:
        rc.close()
        win.close()


def test_kill_9_leaves_a_playable_recording(xserver: XServer, tmp_path: Path) -> None:
    gears = start_glxgears(xserver)
    rec = tmp_path / "killed.mkv"
    rc = Rigcast(["stream", "--window", "glxgears", "--record", str(rec)], xserver.env(), tmp_path)
    try:
        rc.wait_status(lambda l: "recording" in l and l.startswith("00:00:05"), 30, "5 s of recording")
        rc.kill_group()  # supervisor, capture and video processes all die at once
        d = decode(rec)
        assert d.video_codec == "h264" and d.audio_codec == "aac"
        assert d.times[-1] - d.times[0] >= 3.5, "at most about a second may be lost"
        assert max(np.diff(d.times)) <= 0.5
    finally:
        rc.close()
        gears.close()


@pytest.mark.installed
def test_rejected_publish_is_reported_as_rejected(xserver: XServer, nginx: NginxRtmp, tmp_path: Path) -> None:
    gears = start_glxgears(xserver)
    try:
        rc = Rigcast(["stream", "--window", "glxgears", "--url", nginx.url("nokey", app="deny"),
                      "--duration", "4"], xserver.env(), tmp_path)
        assert rc.wait(60) == 1, "no stream output was ever live: the run failed"
        lines = "\n".join(rc.status_lines())
        assert "rejected by server" in lines
        summary = [line for line in rc.stderr().splitlines() if "never live" in line]
        assert len(summary) == 1 and "rtmp" in summary[0] and "rejected by server" in summary[0], rc.stderr()
        assert "network error" not in rc.stderr()
        assert "nokey" not in rc.stdout() + rc.stderr(), "the stream key must be masked"
    finally:
        gears.close()


def test_unreachable_server_fails_the_run_with_one_line_per_output(xserver: XServer, tmp_path: Path) -> None:
    """Nothing listens there: the run ends non-zero, naming the output and what it last was;
    the local recording beside it does not make a failed stream a success."""
    gears = start_glxgears(xserver)
    try:
        rec = tmp_path / "beside.mkv"
        rc = Rigcast(["stream", "--window", "glxgears", "--url", f"rtmp://127.0.0.1:{free_port()}/live/deadkey",
                      "--record", str(rec), "--duration", "4"], xserver.env(), tmp_path)
        assert rc.wait(60) == 1
        summary = [line for line in rc.stderr().splitlines() if "never live" in line]
        assert len(summary) == 1 and summary[0].startswith("rigcast: rtmp ("), rc.stderr()
        assert "deadkey" not in rc.stdout() + rc.stderr()
        assert decode(rec).times, "the recording was still made"
    finally:
        gears.close()


def test_on_publish_hook_refusal_is_rejected_and_allowed_key_goes_live(xserver: XServer, tmp_path: Path) -> None:
    """The SRS way of saying no: the server asks the streamer's backend (an HTTP on_publish
    hook) and hangs up when it answers 403."""
    import http.server
    import threading
    import urllib.parse

    asked: list[str] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
            name = urllib.parse.parse_qs(body).get("name", [""])[0]
            asked.append(name)
            self.send_response(200 if name == "goodkey" else 403)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    hook = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    server = NginxRtmp(tmp_path / "nginx", hook_port=hook.server_address[1])
    server.start()
    gears = start_glxgears(xserver)
    try:
        bad = Rigcast(["stream", "--window", "glxgears", "--url", server.url("badkey", app="hooked"),
                       "--duration", "4"], xserver.env(), tmp_path)
        assert bad.wait(60) == 1
        assert "rejected by server" in "\n".join(bad.status_lines())
        assert "badkey" in asked and "badkey" not in bad.stdout() + bad.stderr()
        good = Rigcast(["stream", "--window", "glxgears", "--url", server.url("goodkey", app="hooked"),
                        "--duration", "4"], xserver.env(), tmp_path)
        assert good.wait(60) == 0
        assert any("rtmp: live" in line for line in good.status_lines())
        assert "rejected" not in good.stdout()
    finally:
        gears.close()
        server.stop()
        hook.shutdown()


def test_rtmps_push_verifies_the_server_and_never_stalls_the_encoder(xserver: XServer, tmp_path: Path) -> None:
    server = NginxRtmp(tmp_path / "nginx", tls=True)
    server.start()
    gears = start_glxgears(xserver)
    try:
        # Trusted certificate (as a user's own CA would be, through SSL_CERT_FILE): live over TLS.
        ok = Rigcast(["stream", "--window", "glxgears", "--url", server.tls_url("tlskey"), "--duration", "5"],
                     xserver.env(SSL_CERT_FILE=str(server.cert)), tmp_path)
        assert ok.wait(60) == 0, ok.stderr()
        assert any("rtmp: live" in line for line in ok.status_lines())
        d = decode(server.recordings("tlskey")[0])
        assert d.video_codec == "h264" and len(d.times) > 90
        # Untrusted certificate: a clear network error, retried, never a crash.
        bad = Rigcast(["stream", "--window", "glxgears", "--url", server.tls_url("tlskey2"), "--duration", "4"],
                      xserver.env(), tmp_path)
        assert bad.wait(60) == 1, "never live: the run failed"
        assert "CERTIFICATE_VERIFY_FAILED" in bad.stderr() and not server.recordings("tlskey2")
        assert "was never live" in bad.stderr()
        # rtmps:// to a plain RTMP port: FFmpeg's own client hangs 60 s here with the GIL held;
        # ours times out while the encoder keeps its 30 fps.
        plain = Rigcast(["stream", "--window", "glxgears", "--url",
                         f"rtmps://localhost:{server.rtmp_port}/live/x", "--duration", "8"], xserver.env(), tmp_path)
        assert plain.wait(60) == 1
        fps = [int(line.split()[2]) for line in plain.status_lines()[1:-1]]
        assert fps and min(fps) >= 27, fps
        assert "TLS handshake" in plain.stderr()
    finally:
        gears.close()
        server.stop()


def test_no_source_no_destination_records_the_display(xserver: XServer, tmp_path: Path) -> None:
    r = run_rigcast(["stream", "--duration", "3"], xserver.env(HOME=str(tmp_path)), tmp_path)
    assert r.returncode == 0, r.stderr
    m = re.search(r"recording to (\S+\.mkv)", r.stdout)
    assert m, r.stdout
    d = decode(Path(m.group(1)))
    assert d.video_codec == "h264" and len(d.times) >= 60
    assert "canvas 1280x720" in r.stdout


def test_windows_lists_the_real_windows(xserver: XServer, tmp_path: Path) -> None:
    gears = start_glxgears(xserver, "200x150+10+10")
    try:
        r = run_rigcast(["windows"], xserver.env(), tmp_path)
        assert r.returncode == 0
        line = next(l for l in r.stdout.splitlines() if l.endswith("glxgears"))
        assert "200x150" in line and str(gears.proc.pid) in line
    finally:
        gears.close()
