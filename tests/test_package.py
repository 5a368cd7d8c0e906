"""What users install is a wheel, not this checkout: it must carry every file the code reads."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

from tests.harness import ROOT, copy_tracked


def _files_the_code_opens() -> set[str]:
    """Data files next to the code that the code names (``with_name("app.tcss")`` and the like)."""
    wanted = set()
    for folder in ("engine", "tui", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in re.findall(r"""with_name\(["']([^"']+\.(?:tcss|css|ttf|otf|png|json|toml))["']\)""",
                                   path.read_text()):
                wanted.add(f"{path.parent.relative_to(ROOT).as_posix()}/{name}")
    return wanted


def test_the_wheel_carries_every_file_the_code_opens(tmp_path: Path) -> None:
    wanted = _files_the_code_opens()
    assert "tui/app.tcss" in wanted, "the scan must find the stylesheet the control room reads"
    # From a copy of the tracked files only, as a fresh clone or an sdist has them: a checkout's own
    # build leftovers (an editable install's egg-info lists every file) would hide what is missing.
    src = tmp_path / "src"
    copy_tracked(src)
    out = tmp_path / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                   check=True, capture_output=True)
    wheel = next(out.glob("rigcast-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(wanted - names)
    assert not missing, f"the wheel lacks files the code opens: {missing}"
