"""Plugins: the example plugin (examples/rigcast-stripes) pip-installed beside rigcast, with two
broken ones, and a stream using its source decoded from what nginx received."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.harness import ROOT, EngineHome, NginxRtmp, decode, psnr, wait_for

BROKEN = {  # package name -> (entry point name, module source)
    "rigcast-broken": ("broken", "raise ImportError('needs libfoo, which is not installed')\n"),
    "rigcast-clash": ("clash", "from rigcast.config.kinds.color import KINDS\n"),  # "color" is rigcast's own
}


def pip_install(target: Path, project: Path) -> None:
    """As a plugin's user would: pip builds it (setuptools, in pip's isolated build env)."""
    r = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                        str(project)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.fixture(scope="module")
def plugins_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder pip installed the plugins into, put on PYTHONPATH for the rigcast under test."""
    root = tmp_path_factory.mktemp("plugins")
    target = root / "site"
    # A copy: building in place would leave build/ in the checkout.
    pip_install(target, Path(shutil.copytree(ROOT / "examples" / "rigcast-stripes", root / "rigcast-stripes")))
    for package, (entry, source) in BROKEN.items():
        project = root / package
        module = package.replace("-", "_")
        (project / module).mkdir(parents=True)
        (project / module / "__init__.py").write_text(source)
        (project / "pyproject.toml").write_text(
            f'[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
            f'[project]\nname = "{package}"\nversion = "0.1"\n'
            f'[project.entry-points."rigcast.plugins"]\n{entry} = "{module}"\n'
            f'[tool.setuptools]\npackages = ["{module}"]\n')
        pip_install(target, project)
    return target


def with_plugins(home: EngineHome, plugins: Path) -> None:
    home.extra_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(plugins), os.environ.get("PYTHONPATH")]))


@pytest.mark.installed
def test_rigcast_plugins_lists_each_plugin_and_why_a_broken_one_did_not_load(
        home: EngineHome, plugins_dir: Path) -> None:
    with_plugins(home, plugins_dir)
    r = home.rigcast("plugins")
    assert r.returncode == 1, "a plugin did not load: the exit status says so\n" + r.stdout + r.stderr
    out = r.stdout
    assert "stripes          rigcast-stripes 1.0.0  loaded" in out and "    source/stripes" in out, out
    assert "broken           rigcast-broken 0.1  NOT LOADED: ImportError: needs libfoo" in out, out
    assert 'clash            rigcast-clash 0.1  NOT LOADED: its source kind "color" has a name already taken' in out, out
    assert "Traceback" not in r.stdout + r.stderr


@pytest.mark.installed
def test_a_plugin_source_streams_like_a_builtin_one_beside_broken_plugins(
        home: EngineHome, nginx: NginxRtmp, plugins_dir: Path) -> None:
    with_plugins(home, plugins_dir)
    cfg = home.root / "rigcast.toml"
    cfg.write_text(f"""[video]
size = "320x180"
fps = 15
bitrate = 800
[[sources]]
name = "bars"
kind = "stripes"
count = 4
[[outputs]]
name = "push"
kind = "rtmp"
url = "{nginx.url('stripes')}"
""")
    bad = home.root / "bad.toml"
    bad.write_text(cfg.read_text().replace("count = 4", "count = 99"))
    r = home.rigcast("stream", "--config", str(bad), "--duration", "1")
    # rigcast's own validation, from the plugin's bounds: one line naming the key
    assert r.returncode == 2 and r.stderr.strip().splitlines()[-1].endswith(
        "sources[0].count: expected a whole number from 1 to 64, got 99"), r.stderr
    assert "Traceback" not in r.stderr, r.stderr

    home.up("--config", str(cfg), "--live")
    wait_for(lambda: nginx.publishing("stripes"), 30, what="the plugin source live")
    status = home.status()
    assert [(s["name"], s["kind"], s["description"]) for s in status["sources"]] == [("bars", "stripes", "4 stripes")]
    def frames_so_far() -> int:
        import av

        try:
            return len(decode(nginx.recordings("stripes")[-1]).times)
        except (av.FFmpegError, IndexError):
            return 0  # nginx has not written the header yet

    wait_for(lambda: frames_so_far() > 30, 30, what="2 s of video at nginx")
    frame = decode(nginx.recordings("stripes")[-1], keep_every=10).frames[-1]
    sys.path.insert(0, str(plugins_dir))
    try:
        from rigcast_stripes.draw import stripes_rgb
    finally:
        sys.path.remove(str(plugins_dir))
    want = np.asarray(stripes_rgb(4, 320, 180))
    assert frame.shape == want.shape
    assert psnr(frame, want) >= 30, f"{psnr(frame, want):.1f} dB"
