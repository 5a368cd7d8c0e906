from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness import EngineHome, NginxRtmp, Pulse, XApp, XServer, require_tools, start_glxgears

REAL_PARTS = ("Xvfb", "openbox", "glxgears", "display", "nginx", "xprop", "xdotool")
ROOT = Path(__file__).resolve().parent.parent


#: Fixtures that start a real part (an X server, nginx, an engine, PulseAudio).
REAL_PART_FIXTURES = frozenset({"xserver", "nginx", "home", "gears", "pulse", "pipewire"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--units", action="store_true",
                     help="only the tests that start no real part (.ci/run's lowest-versions pass)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``--units`` deselects (never skips) every test that uses a real-part fixture: what runs is
    counted as run, and nothing else is counted at all."""
    if not config.getoption("--units"):
        return
    keep, drop = [], []
    for item in items:
        uses_parts = REAL_PART_FIXTURES & set(getattr(item, "fixturenames", ()))
        (drop if uses_parts else keep).append(item)
    items[:] = keep
    config.hook.pytest_deselected(items=drop)


@pytest.fixture(scope="session", autouse=True)
def installed_rigcast() -> None:
    """With ``RIGCAST_INSTALLED`` (.ci/run's second pass), the ``rigcast`` under test must be a
    real install: its packages imported from that venv's site-packages, not from this checkout."""
    script = os.environ.get("RIGCAST_INSTALLED")
    if not script:
        return
    python = Path(script).read_text().splitlines()[0].removeprefix("#!").strip()
    code = ("import rigcast.config as c, rigcast.engine as e, rigcast.tui as t; "
            "print(e.__file__, t.__file__, c.__file__)")
    r = subprocess.run([python, "-c", code], cwd="/", capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert r.returncode == 0, r.stderr
    for path in r.stdout.split():
        assert not Path(path).resolve().is_relative_to(ROOT), f"{path}: the installed rigcast imports the checkout"
        assert "site-packages" in path, f"{path}: not an installed package"


@pytest.fixture(scope="session")
def xserver() -> Iterator[XServer]:
    missing = require_tools(*REAL_PARTS)
    if missing:
        # Not a skip: these tests are the proof, and .ci/run installs the tools.
        pytest.fail(f"missing test tools {missing}; run `bash .ci/run` (it installs them)", pytrace=False)
    x = XServer.start()
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = x.display
    yield x
    x.stop()
    if old is None:
        os.environ.pop("DISPLAY", None)
    else:
        os.environ["DISPLAY"] = old


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[NginxRtmp]:
    server = NginxRtmp(tmp_path / "nginx")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def home(xserver: XServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineHome]:
    """This test's own engine home; clients in this process (the TUI under test) find it too."""
    h = EngineHome(xserver, tmp_path)
    monkeypatch.setenv("RIGCAST_RUNTIME_DIR", str(h.run_dir))
    monkeypatch.setenv("RIGCAST_STATE_DIR", str(h.state_dir))
    yield h
    h.down()


@pytest.fixture
def gears(xserver: XServer) -> Iterator[XApp]:
    app = start_glxgears(xserver)
    yield app
    app.close()


@pytest.fixture
def pulse(tmp_path: Path) -> Iterator[Pulse]:
    missing = require_tools("pulseaudio", "pactl", "paplay", "sox")
    if missing:
        pytest.fail(f"missing test tools {missing}; run `bash .ci/run` (it installs them)", pytrace=False)
    p = Pulse(tmp_path / "pulse")
    p.start()
    yield p
    p.stop()
