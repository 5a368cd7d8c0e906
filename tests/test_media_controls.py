"""Media controls on a real file: paused, moved and restarted from obs-websocket and ctl, and
seen in what nginx received. The file shows one colour a second (red, green, blue, white), so
the decoded stream says where the file was: a pause is one colour held past its second, a seek
jumps to its colour, a restart brings red back."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import numpy as np
import obsws_python as obs
import pytest

from tests.harness import EngineHome, NginxRtmp, decode, free_port, wait_for
from tests.test_obsws import PASSWORD, obs_config

COLOURS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "white": (255, 255, 255)}
ORDER = list(COLOURS)


def _clip(path: Path) -> Path:
    inputs = [a for c in ORDER for a in ("-f", "lavfi", "-i", f"color=c={c}:s=320x240:r=30:d=1")]
    subprocess.run(["ffmpeg", "-v", "error", "-y", *inputs, "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                    "-filter_complex", "[0][1][2][3]concat=n=4:v=1:a=0[v]", "-map", "[v]", "-map", "4:a", "-t", "4",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "15", "-c:a", "aac", "-ac", "2", str(path)],
                   check=True, timeout=120)
    return path


def _runs(path: Path) -> list[tuple[str, float]]:
    """The stream's colours in order, each with how long it stayed."""
    d = decode(path, keep_every=1)
    runs: list[list[object]] = []
    for t, f in zip(d.kept_times, d.frames, strict=True):
        px = f[f.shape[0] // 2 - 5: f.shape[0] // 2 + 5, f.shape[1] // 2 - 5: f.shape[1] // 2 + 5].reshape(-1, 3).mean(0)
        name = min(COLOURS, key=lambda c: float(np.abs(px - np.array(COLOURS[c])).max()))
        if runs and runs[-1][0] == name:
            runs[-1][2] = t
        else:
            runs.append([name, t, t])
    return [(str(n), float(b) - float(a) + 1 / 30) for n, a, b in runs]


def test_a_media_file_is_paused_moved_and_restarted(home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> None:
    port = free_port()
    clip = _clip(tmp_path / "colours.mkv")
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port).replace('kind = "window"\nmatch = "glxgears"', 'kind = "color"\ncolor = "#000000"')
                   + f'\n[[sources]]\nname = "clip"\nkind = "media"\npath = "{clip}"\n'
                   '[video]\nsize = "320x240"\nfps = 30\n'
                   '[[scenes]]\nname = "S"\nitems = [ { source = "game" }, { source = "clip" } ]\n'
                   f'[[outputs]]\nname = "live"\nkind = "rtmp"\nurl = "{nginx.url("media")}"\n')
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("media"), 30, what="live")
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    ev = obs.EventClient(host="127.0.0.1", port=port, password=PASSWORD)
    seen: list[str] = []

    def on_media_input_action_triggered(d: object) -> None:
        seen.append(getattr(d, "media_action"))

    def on_media_input_playback_started(_d: object) -> None:
        seen.append("started")

    ev.callback.register([on_media_input_action_triggered, on_media_input_playback_started])
    try:
        st = cl.get_media_input_status("clip")
        assert st.media_state == "OBS_MEDIA_STATE_PLAYING" and 3900 <= st.media_duration <= 4100, vars(st)
        time.sleep(2.5)
        cl.trigger_media_input_action("clip", "OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PAUSE")
        st = cl.get_media_input_status("clip")
        assert st.media_state == "OBS_MEDIA_STATE_PAUSED", vars(st)
        held = ORDER[min(3, st.media_cursor // 1000)]
        time.sleep(0.5)
        assert cl.get_media_input_status("clip").media_cursor == st.media_cursor, "paused: the cursor stays"
        time.sleep(1.5)
        target = next(i for i in (1, 2, 3) if ORDER[i] != held)
        cl.set_media_input_cursor("clip", target * 1000 + 500)  # paused still, on the target's colour
        st = cl.get_media_input_status("clip")
        assert st.media_state == "OBS_MEDIA_STATE_PAUSED" and abs(st.media_cursor - (target * 1000 + 500)) <= 50
        time.sleep(2)
        r = home.rigcast("ctl", "media", "clip", "restart")
        assert r.returncode == 0 and "clip playing at" in r.stdout, r.stderr
        wait_for(lambda: "started" in seen and "OBS_WEBSOCKET_MEDIA_INPUT_ACTION_PAUSE" in seen, 10,
                 what="MediaInputActionTriggered and MediaInputPlaybackStarted")
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.trigger_media_input_action("clip", "OBS_WEBSOCKET_MEDIA_INPUT_ACTION_NEXT")
        assert e.value.code == 703 and "playlist" in str(e.value)
        bad = home.rigcast("ctl", "media", "clip", "seek", "soon")
        assert bad.returncode != 0 and len(bad.stderr.strip().splitlines()) == 1 and "seconds" in bad.stderr
        time.sleep(3)
    finally:
        ev.disconnect()
        cl.disconnect()
    home.down()
    nginx.stop()
    runs = _runs(nginx.recordings("media")[0])
    long = [i for i, (name, length) in enumerate(runs) if length >= 1.7]
    assert long, f"a pause holds a colour past its second: {runs}"
    first = long[0]
    assert runs[first][0] == held, (held, runs)
    after = runs[first + 1:]
    assert after and after[0][0] == ORDER[target] and after[0][1] >= 1.5, f"the seek, held: {runs}"
    assert len(after) > 1 and after[1][0] == "red", f"the restart starts at red: {runs}"
    assert [n for n, _ in after[1:5]] == ["red", "green", "blue", "white"][: len(after[1:5])], runs
