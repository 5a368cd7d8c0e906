"""The system-FFmpeg encoder route: the distribution's ``ffmpeg`` as a child, fed raw frames,
its NUT read back into the packet path every output uses (engine/encode/system_ffmpeg.py).

Shown with ``system:libx264`` (the route itself; this machine has no GPU): a stream to
nginx-rtmp and a recording, in A/V sync, with a keyframe at least every second, surviving its
child being killed and the server restarting. VAAPI is tried and fails in one line here.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import av
import numpy as np
import pytest

from rigcast.config.kinds.encoders import system_encoder
from rigcast.engine.encode.system_ffmpeg import WARMUP, _plane_bytes, command, route_settings
from rigcast.engine.encode.video import VideoSettings
from tests.harness import (
    EngineHome,
    NginxRtmp,
    Pulse,
    XServer,
    decode,
    flash_and_click_times,
    process_tree,
    run_rigcast,
    start_flasher,
    wait_for,
)
from tests.test_audio import AVSYNC_CONFIG, audio_end

SETTINGS = VideoSettings(1280, 720, 30, 3000, 2.0, "veryfast", None, 0)


# -- rules -------------------------------------------------------------------------------------------
def test_system_names_make_records_with_their_codec() -> None:
    assert system_encoder("system:libx264").extra == {"codec": "h264", "live_bitrate": False, "route": "system",
                                                      "system_name": "libx264"}
    assert system_encoder("system:hevc_vaapi").extra["codec"] == "hevc"
    assert system_encoder("system:av1_vaapi").extra["codec"] == "av1"
    with pytest.raises(ValueError, match="can't tell which codec vp9_vaapi makes"):
        system_encoder("system:vp9_vaapi")
    with pytest.raises(ValueError, match="not an encoder name"):
        system_encoder("system:libx264 -i /etc/passwd")


def test_the_child_starts_on_a_keyframe_after_its_warm_up_with_a_gop_of_a_second() -> None:
    s = route_settings(SETTINGS)
    assert (s.gop, s.bframes) == (30, 0)
    cmd = command("system:libx264", s)
    assert cmd[cmd.index("-force_key_frames") + 1] == f"expr:eq(n,{WARMUP})"
    assert cmd[cmd.index("-g") + 1] == "30" and cmd[cmd.index("-f", cmd.index("-i")) + 1] == "nut"
    # libx264 on this route gets the same x264 options as in process (CBR as OBS does it).
    assert "nal-hrd=cbr:force-cfr=1" in cmd and cmd[cmd.index("-preset") + 1] == "veryfast"


def test_plane_rows_go_to_the_pipe_without_their_padding() -> None:
    frame = av.VideoFrame(100, 50, "yuv420p")  # rows padded to the line size
    for i, plane in enumerate(frame.planes):
        plane.update(bytes([i + 1]) * plane.buffer_size)
    sizes = [len(bytes(_plane_bytes(p, 1))) for p in frame.planes]
    assert sizes == [100 * 50, 50 * 25, 50 * 25]
    nv12 = av.VideoFrame(1280, 720, "nv12")
    assert isinstance(_plane_bytes(nv12.planes[1], 2), memoryview), "no padding: the plane itself, no copy"


# -- against real parts --------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    out = []
    for p in process_tree(pid):
        try:
            cmdline = Path(f"/proc/{p}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmdline[0].endswith(b"ffmpeg") and b"nut" in cmdline:
            out.append(p)
    return out


def _keyframe_gaps(path: Path) -> tuple[bool, float]:
    """(the first packet is a keyframe, the longest time between keyframes)."""
    with av.open(str(path)) as c:
        keys = [(float(p.pts * p.time_base), p.is_keyframe) for p in c.demux(video=0) if p.pts is not None]
    times = [t for t, k in keys if k]
    return keys[0][1], max(np.diff(times)) if len(times) > 1 else float("inf")


def test_system_libx264_streams_in_sync_survives_its_child_and_reconnects_on_a_keyframe(
        home: EngineHome, nginx: NginxRtmp, pulse: Pulse, tmp_path: Path) -> None:
    home.extra_env.update(pulse.env())
    flasher = start_flasher(home)
    rec = tmp_path / "system.mkv"
    try:
        cfg = tmp_path / "rigcast.toml"
        cfg.write_text(AVSYNC_CONFIG)
        pid = home.up("--config", str(cfg), "--encoder", "system:libx264", "--url", nginx.url("sys"),
                      "--record", str(rec), "--live")
        wait_for(lambda: nginx.publishing("sys"), 30, what="live")
        time.sleep(4)
        first = wait_for(lambda: _children(pid), 10, what="the ffmpeg child")
        os.kill(first[0], signal.SIGKILL)
        wait_for(lambda: [c for c in _children(pid) if c not in first], 30, what="a new ffmpeg child")
        time.sleep(3)
        nginx.stop()
        time.sleep(3)
        nginx.start()
        wait_for(lambda: nginx.publishing("sys"), 30, what="publishing again")
        time.sleep(5)
        log = home.log()
        home.down()
        nginx.stop()
    finally:
        flasher.terminate()
        flasher.wait(10)
    restarts = [line for line in log.splitlines() if "the system's ffmpeg (libx264) stopped" in line]
    assert len(restarts) == 1 and "stream goes on" in restarts[0], log[-3000:]
    assert "Traceback" not in log
    sessions = nginx.recordings("sys")
    assert len(sessions) == 2, "one publish before the server restart, one after"
    for path in (*sessions, rec):
        d = decode(path)
        assert d.video_codec == "h264"
        assert len(d.times) >= 27 * (d.times[-1] - d.times[0]), f"{path.name}: {len(d.times)} frames"
        starts_on_key, longest = _keyframe_gaps(path)
        assert starts_on_key, f"{path.name} must start on a keyframe"
        assert longest <= 1.0 + 1 / 30 + 1e-6, f"{path.name}: {longest:.3f} s between keyframes"
    assert np.diff(decode(rec).times).max() <= 0.5, "the recording goes on through the child's restart"
    for path, flashes in ((rec, 6), (sessions[0], 2), (sessions[1], 2)):  # the recording holds the whole run
        video, audio = flash_and_click_times(path)
        video = [v for v in video if v < audio_end(path) - 0.3]
        assert len(video) >= flashes and len(audio) >= flashes, (path.name, video, audio)
        offsets_ms = [round((min(audio, key=lambda a: abs(a - v)) - v) * 1000, 1) for v in video]
        assert all(abs(o) <= 45 for o in offsets_ms), f"{path.name}: audio - video per flash: {offsets_ms} ms"


def test_vaapi_without_a_render_node_fails_in_one_line_and_auto_falls_back(xserver: XServer, tmp_path: Path) -> None:
    r = run_rigcast(["stream", "--display", "1", "--encoder", "h264_vaapi", "--record", str(tmp_path / "v.mkv"),
                     "--duration", "2"], xserver.env(), tmp_path)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    lines = [line for line in r.stderr.splitlines() if "h264_vaapi" in line]
    assert len(lines) == 1 and "no VAAPI render node (/dev/dri/renderD*)" in lines[0], r.stderr
    r = run_rigcast(["stream", "--display", "1", "--record", str(tmp_path / "a.mkv"), "--duration", "2"],
                    xserver.env(), tmp_path)
    assert r.returncode == 0, r.stderr
    chosen = next(line for line in (r.stdout + r.stderr).splitlines() if line.startswith("rigcast: encoder:"))
    assert chosen.startswith("rigcast: encoder: libx264 (tried h264_nvenc: ") and "h264_vaapi: no VAAPI render node" in chosen
