"""The scene made straight in the encoder's 4:2:0 format shows what the BGRA canvas shows.

When the bottom item is an opaque captured source covering the canvas, the compositor scales
it in one swscale pass into yuv420p and blends the items above it there
(engine/compose/planar.py). Here the same scene, from the same pixels, is made both ways —
the planar path as the compositor chooses it, the canvas path forced — and compared after
both are decoded to RGB: overlays at odd positions (chroma's even grid), with alpha and
opacity, partly off the canvas, over a base at scale 1 and zoomed 16x.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import av
import numpy as np
import pytest

from rigcast.config.model import SceneConfig, SceneItem, SourceConfig, TransitionConfig
from rigcast.engine.capture.still import ImageKind, TextKind
from rigcast.engine.compose.compositor import Compositor, RingLayer
from rigcast.engine.encode.convert import Converter
from rigcast.engine.framering import FrameRing

W, H = 640, 360


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> tuple[np.ndarray, Path]:
    d = tmp_path_factory.mktemp("planar")
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=s={W}x{H}", "-frames:v", "1",
                    str(d / "game.png")], check=True)
    subprocess.run(["convert", "-size", "121x61", "gradient:#ff000000-#00ff00ff", f"PNG32:{d / 'logo.png'}"],
                   check=True)
    with av.open(str(d / "game.png")) as c:
        game = next(c.decode(video=0)).to_ndarray(format="bgra")
    return game, d / "logo.png"


@pytest.mark.parametrize("zoom", [None, 16.0])
@pytest.mark.parametrize("logo_at", [(500, 20), (501, 21), (-31, 331)])
def test_planar_path_matches_the_canvas(pictures: tuple[np.ndarray, Path], zoom: float | None,
                                        logo_at: tuple[int, int]) -> None:
    game, logo = pictures
    ring = FrameRing.create(W, H)
    conv = Converter(W, H, "yuv420p", "bilinear")
    logo_cfg = SourceConfig(name="logo", kind="image", path=str(logo))
    text_cfg = SourceConfig(name="banner", kind="text", text="planar", font_size=40, color="#ffffffff",
                            outline_width=2)
    base = (SceneItem("game") if zoom is None else
            SceneItem("game", scale=zoom, x=round(W / 2 * (1 - zoom)), y=round(H / 2 * (1 - zoom))))
    items = [base, SceneItem("logo", x=logo_at[0], y=logo_at[1], opacity=0.8), SceneItem("banner", x=33, y=300)]
    stills = {"logo": ImageKind().still(logo_cfg, None), "banner": TextKind().still(text_cfg, None)}
    comp = Compositor(W, H, conv, [SceneConfig("s", items)], "s", {"game": RingLayer(ring)}, stills,
                      {"logo": logo_cfg, "banner": text_cfg}, TransitionConfig("cut", 0))
    try:
        slot = ring.begin_write()
        ring.slot_pixels(slot, W, H)[:] = game
        ring.commit(slot, W, H, W * 4, 1)
        frame, new = comp.frame(1)
        assert new and comp.composed == 1 and not comp._failed
        layer = comp.rings["game"]
        layer.acquire()
        try:
            planar = comp._over_base(comp.scene("s"))
            assert planar is not None, "this scene's bottom item covers the canvas: the planar path applies"
            canvas = conv.convert_array(comp._compose(comp.scene("s"), comp._canvases[0]))
        finally:
            layer.release()
        got, want = frame.to_ndarray(format="rgb24"), canvas.to_ndarray(format="rgb24")
        # Different only in rounding and in alpha at chroma resolution along overlay edges.
        assert _psnr(got, want) >= 40, _psnr(got, want)
        # And the overlays are really there: the logo's rectangle differs from the bare game.
        lx, ly = max(0, logo_at[0]), max(0, logo_at[1])
        bare = conv.convert_array(np.ascontiguousarray(game)).to_ndarray(format="rgb24")
        if zoom is None:
            assert _psnr(got[ly:ly + 40, lx:lx + 40], bare[ly:ly + 40, lx:lx + 40]) < 30
    finally:
        comp.close()
        ring.close()


def test_planar_path_is_not_taken_when_the_bottom_item_leaves_canvas_showing(
        pictures: tuple[np.ndarray, Path]) -> None:
    game, _ = pictures
    ring = FrameRing.create(W, H)
    conv = Converter(W, H, "yuv420p", "bilinear")
    comp = Compositor(W, H, conv, [SceneConfig("s", [SceneItem("game", scale=0.5, x=10, y=10)])], "s",
                      {"game": RingLayer(ring)}, {}, {}, TransitionConfig("cut", 0))
    try:
        slot = ring.begin_write()
        ring.slot_pixels(slot, W, H)[:] = game
        ring.commit(slot, W, H, W * 4, 1)
        comp.rings["game"].acquire()
        try:
            assert comp._over_base(comp.scene("s")) is None
        finally:
            comp.rings["game"].release()
        frame, _ = comp.frame(1)
        rgb = frame.to_ndarray(format="rgb24")
        assert rgb[H - 20:, W - 20:].max() < 20, "the canvas around a half-size item is black"
    finally:
        comp.close()
        ring.close()


def test_text_changed_later_is_drawn_on_the_planar_path(pictures: tuple[np.ndarray, Path]) -> None:
    """A text source re-rendered by ``set_text`` (its pixels a strided view) is blended too."""
    game, _ = pictures
    ring = FrameRing.create(W, H)
    conv = Converter(W, H, "yuv420p", "bilinear")
    cfg = SourceConfig(name="caption", kind="text", text="", font_size=40, color="#00ff00")
    comp = Compositor(W, H, conv, [SceneConfig("s", [SceneItem("game"), SceneItem("caption", x=200, y=120)])], "s",
                      {"game": RingLayer(ring)}, {"caption": TextKind().still(cfg, None)}, {"caption": cfg},
                      TransitionConfig("cut", 0))
    try:
        for seq in (1, 2):
            slot = ring.begin_write()
            ring.slot_pixels(slot, W, H)[:] = 40
            ring.commit(slot, W, H, W * 4, seq)
            if seq == 2:
                comp.set_text("caption", "WWWW")
            frame, _ = comp.frame(seq)
        box = frame.to_ndarray(format="rgb24")[120:170, 200:330]
        assert int(((box[..., 1] > 200) & (box[..., 0] < 80)).sum()) > 300, "the new text, in green"
        assert not comp._failed
    finally:
        comp.close()
        ring.close()
