"""Studio mode: a preview scene edited while the program stays on air, taken to air by a
transition. Shown in what a recording decodes to: the edits are absent until the take, and
fully there within the transition plus two frames of it; then through obs-websocket
(obsws-python), ``rigcast ctl`` and the control room's keys."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path
from typing import Any

import av
import numpy as np
import obsws_python as obs

from rigcast.engine.control.client import AsyncControlClient
from rigcast.tui.app import ControlRoom
from tests.harness import EngineHome, wait_for
from tests.test_encodes import frame_number, numbered_clip  # noqa: F401 (a fixture)
from tests.test_tui import until

FPS = 30
FADE_MS = 300
MARK = (slice(262, 338), slice(512, 588))  # inside the red mark's 100x100 box at (500, 250)


def redness(rgb: np.ndarray) -> float:
    """0 where the mark is absent (the clip's grey), 1 where it is fully there (red)."""
    px = rgb[MARK].reshape(-1, 3).astype(np.float64).mean(axis=0)
    return float(np.clip((px[0] - px[1]) / 200, 0, 1))


async def program(c: AsyncControlClient, scene: str | None = None) -> np.ndarray:
    data = await c.request("screenshot", {"format": "rgb", "width": 640, "height": 360}
                           | ({"scene": scene} if scene else {}))
    return np.frombuffer(base64.b64decode(data["image_base64"]), np.uint8).reshape(360, 640, 3)


def test_preview_edits_reach_the_stream_only_at_the_take(home: EngineHome, numbered_clip: Path,  # noqa: F811
                                                        tmp_path: Path) -> None:
    rec = tmp_path / "studio.mkv"
    cfg = tmp_path / "studio.toml"
    cfg.write_text(f"""[video]
size = "640x360"
fps = {FPS}

[transition]
kind = "fade"
duration_ms = {FADE_MS}

[obs_websocket]
enabled = true
port = 44571
auth = false

[[sources]]
name = "game"
kind = "media"
path = "{numbered_clip}"

[[sources]]
name = "mark"
kind = "color"
color = "#ff0000"
size = "100x100"

[[scenes]]
name = "Play"
items = [{{ source = "game" }}, {{ source = "mark", x = 300, y = 100, visible = false }}]

[[scenes]]
name = "Other"
items = [{{ source = "game" }}]

[[outputs]]
name = "rec"
kind = "record"
path = "{rec}"
""")
    home.up("--config", str(cfg), "--live")
    wait_for(lambda: home.status()["recording"] and home.status()["sources"][0]["state"] == "live", 20,
             what="the recording running")

    async def take_while_recording() -> tuple[int, dict[str, Any]]:
        c = AsyncControlClient()
        await c.connect()
        state = await c.request("studio.set", {"enabled": True})
        assert state == {"studio_mode": True, "preview_scene": "Play", "program_scene": "Play"}
        # The preview's edits: the mark shown and moved, in the scene that is on air.
        await c.request("scene.item.set", {"scene": "Play", "source": "mark", "visible": True})
        await c.request("scene.item.set", {"scene": "Play", "source": "mark", "x": 500, "y": 250})
        assert redness(await program(c, "Play")) > 0.9  # the preview shows them
        await asyncio.sleep(1.5)
        assert redness(await program(c)) == 0  # the program does not
        before = frame_number(await program(c))
        took = await c.request("studio.transition")
        await asyncio.sleep(1.5)
        await c.close()
        return before, took

    before, took = asyncio.run(take_while_recording())
    assert took["program_scene"] == "Play" and took["studio_mode"]
    assert home.rigcast("ctl", "record", "stop").returncode == 0
    wait_for(lambda: not home.status()["recording"], 20, what="the recording finalised")

    with av.open(str(rec)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    red = [redness(f) for f in frames]
    first = next(i for i, r in enumerate(red) if r > 0)
    assert first > 2 * FPS and max(red[:first]) == 0  # 1.5 s of edits never reached the recording
    at = max(i for i in range(first) if frame_number(frames[i]) == before)  # the take's own frame
    full = next(i for i in range(first, len(red)) if red[i] > 0.95)
    print(f"take at recording frame {at}; mark first seen {first - at} frames later, fully {full - at}")
    assert full - at <= FADE_MS * FPS // 1000 + 2, (at, first, full, red[at:full + 1])
    assert min(red[full:]) > 0.95

    # obs-websocket: the preview scene and the transition, as Companion's buttons use them.
    cl = obs.ReqClient(host="127.0.0.1", port=44571, timeout=10)
    try:
        assert cl.get_studio_mode_enabled().studio_mode_enabled is True
        cl.set_current_preview_scene("Other")
        assert cl.get_current_preview_scene().current_preview_scene_name == "Other"
        assert home.status()["program_scene"] == "Play"
        cl.trigger_studio_mode_transition()
        assert cl.get_current_program_scene().current_program_scene_name == "Other"
        cl.set_studio_mode_enabled(False)
        try:
            cl.get_current_preview_scene()
            raise AssertionError("a preview without studio mode")
        except obs.error.OBSSDKRequestError as e:
            assert e.code == 506
    finally:
        cl.disconnect()

    # rigcast ctl, and its one-line refusal when studio mode is off.
    r = home.rigcast("ctl", "transition")
    assert r.returncode == 1 and "studio mode is off" in r.stderr and len(r.stderr.splitlines()) == 1, r.stderr
    assert "preview Other" in home.rigcast("ctl", "studio", "on").stdout
    assert "preview Play" in home.rigcast("ctl", "preview", "1").stdout
    assert "program Play" in home.rigcast("ctl", "transition").stdout

    async def keys() -> None:
        app = ControlRoom()
        async with app.run_test(size=(80, 24)) as pilot:
            await until(lambda: app.view.state and app.view.state.preview_scene, 15, "the TUI to attach in studio mode")
            await until(lambda: app.w_studio.image, 10, "the preview's thumbnail")
            assert app.w_studio.display and not app.w_graphs.display
            await pilot.press("2")  # in studio mode a scene key sets the preview
            await until(lambda: app.view.state and app.view.state.preview_scene == "Other", 10, "2 to set the preview")
            assert app.view.state is not None and app.view.state.program_scene == "Play"
            await pilot.press("t")
            await until(lambda: app.view.state and app.view.state.program_scene == "Other", 10, "t to take it")
            await pilot.press("h")
            assert not app.w_preview.display and not app.w_studio.display and app.w_graphs.display
            await pilot.press("e")
            await until(lambda: app.view.state and app.view.state.preview_scene is None, 10, "e to leave studio mode")

    asyncio.run(keys())
    home.down()
