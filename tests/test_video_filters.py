"""Video filters per scene item (config/kinds/video_filters.py), through a running engine: the
program as the video process makes it, read back with ``rigcast ctl screenshot`` (PNG), and
one filter switched live over the bus."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
from PIL import Image

from rigcast.config.filterlist import Filter
from rigcast.config.kinds.video_filters import ColorCorrection, Lut
from rigcast.engine.compose.item_filters import ItemFilters
from tests.harness import EngineHome

BEHIND = (40, 90, 200)  # the colour scene beneath the keyed image: RGB


def shot(home: EngineHome, path: Path) -> np.ndarray:
    r = home.rigcast("ctl", "screenshot", str(path))
    assert r.returncode == 0, r.stderr
    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24").astype(np.int32)


def identity_cube(path: Path, n: int = 17) -> Path:
    """A 3D LUT that changes nothing, in the .cube format (red varies fastest)."""
    lines = ["TITLE \"identity\"", f"LUT_3D_SIZE {n}"]
    steps = [i / (n - 1) for i in range(n)]
    lines += [f"{r:.6f} {g:.6f} {b:.6f}" for b in steps for g in steps for r in steps]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_chroma_key_shows_the_scene_beneath_and_colour_correction_moves_the_mean(home: EngineHome,
                                                                                 tmp_path: Path) -> None:
    green = np.zeros((360, 640, 3), np.uint8)
    green[..., 1] = 255
    green[130:230, 270:370] = (255, 0, 0)  # a red card held in front of the green screen
    Image.fromarray(green).save(tmp_path / "green.png")
    Image.fromarray(np.full((360, 640, 3), 100, np.uint8)).save(tmp_path / "grey.png")
    cfg = tmp_path / "filters.toml"
    cfg.write_text(f"""[video]
size = "640x360"

[transition]
kind = "cut"

[[sources]]
name = "behind"
kind = "color"
color = "#{BEHIND[0]:02x}{BEHIND[1]:02x}{BEHIND[2]:02x}"

[[sources]]
name = "camera"
kind = "image"
path = "{tmp_path / 'green.png'}"

[[sources]]
name = "grey"
kind = "image"
path = "{tmp_path / 'grey.png'}"

[[scenes]]
name = "keyed"
items = [{{ source = "behind" }}, {{ source = "camera", filters = [{{ kind = "chroma_key", similarity = 0.2 }}] }}]

[[scenes]]
name = "graded"
items = [{{ source = "grey", filters = [{{ kind = "color_correction", brightness = 0.2 }}] }}]
""")
    home.up("--config", str(cfg))
    keyed = shot(home, tmp_path / "keyed.png")
    assert np.abs(keyed[20:100, 20:200] - BEHIND).max() <= 6, keyed[60, 60]  # green gone: the colour beneath
    red = keyed[150:210, 290:350]
    assert red[..., 0].min() > 200 and red[..., 1:].max() < 50, red[30, 30]  # the card stays

    r = home.rigcast("ctl", "filter", "camera", "chroma_key", "off", "--scene", "keyed")
    assert r.returncode == 0, r.stderr
    unkeyed = shot(home, tmp_path / "unkeyed.png")
    assert unkeyed[60, 60, 1] > 230 and unkeyed[60, 60, 0] < 30, unkeyed[60, 60]  # the green screen is back
    from rigcast.config.loader import load_config

    saved = load_config(str(cfg)).scenes[0].items[1].filters  # the change is in the file
    assert saved[0].kind == "chroma_key" and not saved[0].settings.enabled and saved[0].settings.similarity == 0.2

    assert home.rigcast("ctl", "scene", "graded").returncode == 0
    graded = shot(home, tmp_path / "graded.png")
    assert abs(graded.mean() - (100 + 0.2 * 255)) < 3, graded.mean()  # 100 + 51
    bad = home.rigcast("ctl", "filter", "grey", "sharpen", "on", "--scene", "graded")
    assert bad.returncode == 1 and 'has no filter named "sharpen"' in bad.stderr, bad.stderr
    home.down()


def photo(h: int = 270, w: int = 480) -> np.ndarray:
    """A picture with gradients, edges and noise: what a LUT must leave as it is."""
    y, x = np.mgrid[0:h, 0:w]
    rng = np.random.default_rng(1)
    img = np.stack([x * 255 // w, y * 255 // h, (x + y) * 255 // (w + h)], axis=-1)
    img = np.clip(img + rng.integers(-20, 21, img.shape), 0, 255).astype(np.uint8)
    img[100:160, 200:300] = (250, 30, 60)
    return np.concatenate([img[..., ::-1], np.full((h, w, 1), 255, np.uint8)], axis=-1)  # BGRA


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255 ** 2 / mse)


def test_identity_lut_keeps_the_picture_and_correction_moves_means_as_set(tmp_path: Path) -> None:
    """The item filters' own graph (what the compositor runs on an item's pixels)."""
    img = photo()
    lut = Filter("lut", Lut(file=str(identity_cube(tmp_path / "id.cube"))))
    out = ItemFilters((lut,), img.shape[1], img.shape[0]).apply(img)
    assert out.shape == img.shape
    assert psnr(out[..., :3], img[..., :3]) >= 45, psnr(out[..., :3], img[..., :3])

    grey = np.full((64, 64, 4), 100, np.uint8)
    grey[..., 3] = 255

    def corrected(**kw: float) -> np.ndarray:
        return ItemFilters((Filter("color_correction", ColorCorrection(**kw)),), 64, 64).apply(grey)[..., :3]

    assert abs(corrected(brightness=-0.2).mean() - (100 - 51)) < 1.5
    assert abs(corrected(contrast=2.0).mean() - (128 + (100 - 128) * 2)) < 1.5  # 72
    assert abs(corrected(gamma=2.0).mean() - 255 * (100 / 255) ** 0.5) < 1.5  # 160
    assert np.ptp(corrected(saturation=0.0)) <= 1  # grey stays grey
    colour = photo(64, 64)
    desat = ItemFilters((Filter("color_correction", ColorCorrection(saturation=0.0)),), 64, 64).apply(colour)
    assert np.abs(desat[..., 0].astype(int) - desat[..., 2]).max() <= 2  # every pixel grey now
