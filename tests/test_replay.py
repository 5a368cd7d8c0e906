"""The replay buffer: the last N seconds kept in memory and written to a file on "save".

The game is a clip whose frames carry their number (tests/test_encodes.py), so the saved file's
last frame can be matched to the picture on the program just before the save: the file ends at
that moment, starts on a keyframe, and lasts N s plus at most one keyframe interval. Nothing
else is live: running the buffer is what keeps the encoder going.
"""

from __future__ import annotations

import base64
import io
import time
from pathlib import Path

import av
import numpy as np
import pytest

from rigcast.engine.control.client import call
from tests.harness import EngineHome, NginxRtmp, decode, wait_for
from tests.test_encodes import frame_number, numbered_clip  # noqa: F401 (a fixture)
from tests.test_uplink import noise_clip  # noqa: F401 (a fixture)

SECONDS, KEYINT, FPS, CLIP_FRAMES = 8, 2, 30, 240


def _replay(home: EngineHome) -> dict[str, object]:
    return dict(next(o for o in home.status()["outputs"] if o["name"] == "replay"))


def test_save_writes_the_last_seconds_ending_at_the_save(home: EngineHome, numbered_clip: Path,  # noqa: F811
                                                          tmp_path: Path) -> None:
    saves = tmp_path / "replays"
    saves.mkdir()
    cfg = tmp_path / "replay.toml"
    cfg.write_text(f"""
[video]
size = "640x360"
fps = {FPS}
keyint = {KEYINT}

[[sources]]
name = "game"
kind = "media"
path = "{numbered_clip}"

[replay]
seconds = {SECONDS}
path = "{saves}"
""")
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: _replay(home)["state"] == "recording", 20, what="the replay buffer running")
    assert home.status()["streaming"] is False and home.status()["recording"] is False
    wait_for(lambda: home.status()["stats"].get("frames", 0) > (SECONDS + 4) * FPS, 30, what="more than N s encoded")
    shot = call("screenshot", {"format": "png"})
    before = frame_number(np.asarray(av.open(io.BytesIO(base64.b64decode(shot["image_base64"]))).decode(video=0)
                                     .__next__().to_ndarray(format="rgb24")))
    # Asked on the same connection type as the screenshot, at once: a `rigcast ctl` process's
    # start-up (half a second on a loaded 2-core box) would sit between the two instants.
    saved = call("replay.save")
    path = Path(saved["path"])
    assert path.parent == saves and path.suffix == ".mkv" and path.is_file(), saved
    row = wait_for(lambda: (o := _replay(home))["saved"] == str(path) and o, 10, what="status naming the file")
    home.down()

    with av.open(str(path)) as c:
        assert c.streams.video and c.streams.audio, "both tracks"
        frames = list(c.decode(video=0))
    assert frames[0].key_frame, "it starts on a keyframe"
    duration = float(frames[-1].pts * frames[-1].time_base) - float(frames[0].pts * frames[0].time_base)
    assert SECONDS - 1 / FPS <= duration <= SECONDS + KEYINT, f"{duration:.2f} s, asked {SECONDS} s"
    last = frame_number(frames[-1].to_ndarray(format="rgb24"))
    after = (last - before) % CLIP_FRAMES
    assert after <= FPS // 2, f"the file ends at clip frame {last}; the program showed {before} just before the save"
    held = float(str(row["note"]).split()[1])  # "holding 9.3 s, 3.4 MB"
    assert SECONDS <= held <= SECONDS + KEYINT + 0.5, row["note"]
    print(f"\nreplay: {duration:.2f} s, ends {after} frames after the picture taken just before the save")


def test_save_without_a_running_buffer_is_one_clear_line(home: EngineHome, numbered_clip: Path,  # noqa: F811
                                                          tmp_path: Path) -> None:
    cfg = tmp_path / "replay.toml"
    cfg.write_text(f'[[sources]]\nname = "game"\nkind = "media"\npath = "{numbered_clip}"\n\n[replay]\nseconds = 10\n')
    home.up("--config", str(cfg))
    r = home.rigcast("ctl", "replay", "save")
    assert r.returncode == 1 and r.stderr.strip() == \
        "rigcast: the replay buffer is not running; start it first (replay.start)", r.stderr
    home.down()


@pytest.mark.parametrize("bad, says", [("seconds = 1", "replay.seconds: expected a number from 5 to 600"),
                                       ('path = "/no/such/folder"', "folder /no/such/folder does not exist")])
def test_bad_replay_settings_are_one_line(home: EngineHome, tmp_path: Path, bad: str, says: str) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text(f"[replay]\n{bad}\n")
    r = home.rigcast("stream", "--config", str(cfg), "--display", "1", "--duration", "1")
    assert r.returncode != 0 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_obs_websocket_and_the_link_drive_the_replay_buffer(home: EngineHome, numbered_clip: Path,  # noqa: F811
                                                            tmp_path: Path) -> None:
    """What streamers' tools do: Companion/Streamer.bot over obs-websocket (start, save, the
    ReplayBufferSaved event, the last replay), the user's API over the link (save_replay)."""
    import obsws_python as obs

    from tests.harness import FakeApi, free_port
    from tests.test_obsws import PASSWORD, obs_config

    saves = tmp_path / "replays"
    saves.mkdir()
    port, api = free_port(), FakeApi(free_port(), "link-token-replay")
    home.extra_env["MY_LINK_TOKEN"] = "link-token-replay"
    cfg = tmp_path / "replay.toml"
    cfg.write_text(obs_config(home, port).replace('kind = "window"\nmatch = "glxgears"',
                                                   f'kind = "media"\npath = "{numbered_clip}"') + f"""
[link]
url = "{api.url}"
token_env = "MY_LINK_TOKEN"

[replay]
seconds = 5
path = "{saves}"
""")
    try:
        home.up("--config", str(cfg))
        cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
        ev = obs.EventClient(host="127.0.0.1", port=port, password=PASSWORD)
        seen: list[tuple[str, object]] = []

        def on_replay_buffer_state_changed(d: object) -> None:
            seen.append(("state", getattr(d, "output_active")))

        def on_replay_buffer_saved(d: object) -> None:
            seen.append(("saved", getattr(d, "saved_replay_path")))

        ev.callback.register([on_replay_buffer_state_changed, on_replay_buffer_saved])
        try:
            assert cl.get_replay_buffer_status().output_active is False
            with pytest.raises(obs.error.OBSSDKRequestError) as e:
                cl.save_replay_buffer()
            assert e.value.code == 501, "not running"
            cl.start_replay_buffer()
            with pytest.raises(obs.error.OBSSDKRequestError) as e:
                cl.start_replay_buffer()
            assert e.value.code == 500, "already running"
            wait_for(lambda: _replay(home)["state"] == "recording", 20, what="the buffer running")
            wait_for(lambda: home.status()["stats"].get("frames", 0) > 7 * FPS, 30, what="frames buffered")
            cl.save_replay_buffer()
            last = wait_for(lambda: next((p for k, p in seen if k == "saved"), None), 15, what="ReplayBufferSaved")
            assert cl.get_last_replay_buffer_replay().saved_replay_path == last
            assert Path(str(last)).parent == saves and Path(str(last)).is_file()
            wait_for(lambda: api.received("hello"), 20, what="the link up")
            r = api.command("r1", "save_replay")
            assert r["ok"] is True and Path(r["data"]["path"]).is_file() and r["data"]["path"] != last, r
            cl.stop_replay_buffer()
            wait_for(lambda: cl.get_replay_buffer_status().output_active is False, 10, what="stopped")
            wait_for(lambda: ("state", False) in seen, 10, what="ReplayBufferStateChanged to stopped")
            assert ("state", True) in seen
        finally:
            cl.disconnect()
            ev.disconnect()
    finally:
        home.down()
        api.kill()
    for p in saves.glob("*.mkv"):
        with av.open(str(p)) as c:
            times = [float(f.time) for f in c.decode(video=0)]
        # Seconds, not frames (a tick the loaded box lagged on is a frame fewer): at least the
        # buffer's N s, less one frame of sampling.
        span = times[-1] - times[0] + 1 / FPS
        assert span >= 5 - 1 / FPS and len(times) >= 4 * FPS, f"{p.name}: {len(times)} frames over {span:.2f} s"


def test_the_control_room_starts_and_saves_the_replay_buffer(home: EngineHome, numbered_clip: Path,  # noqa: F811
                                                              tmp_path: Path) -> None:
    import asyncio

    from rigcast.tui.app import ControlRoom
    from tests.test_tui import until

    saves = tmp_path / "replays"
    saves.mkdir()
    cfg = tmp_path / "replay.toml"
    cfg.write_text(f'[[sources]]\nname = "game"\nkind = "media"\npath = "{numbered_clip}"\n\n'
                   f'[replay]\nseconds = 5\npath = "{saves}"\n')
    home.up("--config", str(cfg))

    async def scenario() -> None:
        app = ControlRoom()
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: app.view.state, 15, "the TUI to attach")
            await pilot.press("b")
            await until(lambda: app.view.state and app.view.state.replay_buffer, 15, "b to start the replay buffer")
            await until(lambda: app.view.stats is not None and app.view.stats.frames > 6 * FPS, 30, "frames buffered")
            await pilot.press("v")
            saved = await until(lambda: list(saves.glob("*.mkv")), 15, "v to save a replay")
            await until(lambda: any(str(saved[0]) in str(n.message) for n in app._notifications), 5,
                        "the TUI to say where it went")

    asyncio.run(scenario())
    home.down()


def test_a_save_during_a_live_stream_leaves_it_continuous_and_the_buffer_within_max_mb(
        home: EngineHome, nginx: NginxRtmp, noise_clip: Path, tmp_path: Path) -> None:  # noqa: F811
    """8000 kbps of moving noise for 20 s into a buffer of at most 16 MB (10 s of it at most)
    asked to keep 60 s: it holds what fits, whole GOPs dropped from the front; a save meanwhile
    leaves the stream nginx receives one continuous session."""
    saves = tmp_path / "replays"
    saves.mkdir()
    cfg = tmp_path / "replay.toml"
    cfg.write_text(f'[video]\nsize = "640x360"\nbitrate = 8000\n\n[[sources]]\nname = "game"\nkind = "media"\n'
                   f'path = "{noise_clip}"\n\n[[outputs]]\nname = "stream"\nkind = "rtmp"\nurl = "{nginx.url("cont")}"\n'
                   f'adaptive = false\n\n[replay]\nseconds = 60\nmax_mb = 16\npath = "{saves}"\n')
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("cont"), 20, what="live")
    wait_for(lambda: home.status()["stats"].get("frames", 0) > 20 * FPS, 40, what="20 s encoded")
    held = [float(str(_replay(home)["note"]).split()[3]) for _ in range(5) if not time.sleep(0.3)]
    r = home.rigcast("ctl", "replay", "save")
    assert r.returncode == 0, r.stderr
    wait_for(lambda: home.status()["stats"]["frames"] > 25 * FPS, 20, what="5 s more")
    home.down()
    nginx.stop()
    assert max(held) <= 16, f"the buffer held {max(held)} MB of its 16"
    assert len(nginx.recordings("cont")) == 1, "one session: the save never touched the stream"
    d = decode(nginx.recordings("cont")[0])
    gaps = np.diff(d.times)
    assert gaps.max() <= 0.1, f"the stream has a {gaps.max():.2f} s gap"
    print(f"\nreplay at 8000 kbps, max_mb 16: held at most {max(held)} MB; stream continuous")

