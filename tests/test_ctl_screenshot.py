"""``rigcast ctl screenshot FILE [--source NAME] [--size WxH]``: a PNG or JPEG of the program or
one source, made by the video process, written where the user asked; bad requests are one line."""

from __future__ import annotations

from pathlib import Path

import av

from tests.harness import EngineHome, wait_for
from tests.test_encodes import frame_number, numbered_clip  # noqa: F401 (a fixture)


def test_ctl_screenshot_writes_the_program_or_a_source(home: EngineHome, numbered_clip: Path,  # noqa: F811
                                                       tmp_path: Path) -> None:
    cfg = tmp_path / "shot.toml"
    cfg.write_text(f'[video]\nsize = "640x360"\n\n[[sources]]\nname = "game"\nkind = "media"\npath = "{numbered_clip}"\n')
    home.up("--config", str(cfg))
    wait_for(lambda: home.status()["sources"][0]["state"] == "live", 20, what="the clip playing")
    out = tmp_path / "program.png"
    r = home.rigcast("ctl", "screenshot", str(out), "--size", "320x180")
    assert r.returncode == 0 and out.is_file(), r.stderr
    with av.open(str(out)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert frame.shape == (180, 320, 3) and 0 <= frame_number(frame) < 256
    src = tmp_path / "game.jpg"
    assert home.rigcast("ctl", "screenshot", str(src), "--source", "game").returncode == 0 and src.stat().st_size
    for args, says in (([str(tmp_path / "x.bmp")], "name a .png or .jpg file"),
                       ([str(out), "--size", "big"], "--size: expected"),
                       ([str(out), "--source", "nope"], 'no source named "nope"')):
        r = home.rigcast("ctl", "screenshot", *args)
        assert r.returncode == 1 and says in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    home.down()
