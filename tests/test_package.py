"""What users install is a wheel, not this checkout: it must carry every file the code reads."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.harness import ROOT, copy_tracked

PACKAGES = ("engine", "tui", "config")


def _files_the_code_opens() -> set[str]:
    """Data files next to the code that the code names (``with_name("app.tcss")`` and the like)."""
    wanted = set()
    for folder in ("engine", "tui", "config"):
        for path in (ROOT / folder).rglob("*.py"):
            for name in re.findall(r"""with_name\(["']([^"']+\.(?:tcss|css|ttf|otf|png|json|toml))["']\)""",
                                   path.read_text()):
                wanted.add(f"{path.parent.relative_to(ROOT).as_posix()}/{name}")
    return wanted


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The file names in a wheel built from a copy of the tracked files only, as a fresh clone or
    an sdist has them: a checkout's own build leftovers (an editable install's egg-info lists
    every file) would hide what is missing."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    copy_tracked(src)
    out = tmp / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                   check=True, capture_output=True)
    return set(zipfile.ZipFile(next(out.glob("rigcast-*.whl"))).namelist())


def test_the_wheel_carries_every_file_the_code_opens(wheel_names: set[str]) -> None:
    wanted = {"rigcast/" + name for name in _files_the_code_opens()}
    assert "rigcast/tui/app.tcss" in wanted, "the scan must find the stylesheet the control room reads"
    missing = sorted(wanted - wheel_names)
    assert not missing, f"the wheel lacks files the code opens: {missing}"


def test_the_wheels_only_top_level_name_is_rigcast(wheel_names: set[str]) -> None:
    """Nothing named ``engine``, ``tui`` or ``config`` lands in site-packages, where another
    distribution's package of that name (PyPI has ``config`` and ``tui``) would collide with it."""
    tops = {name.split("/")[0] for name in wheel_names}
    assert tops == {"rigcast", "rigcast-0.1.0.dist-info"}, tops
    assert {n.split("/")[1] for n in wheel_names if n.startswith("rigcast/")} == set(PACKAGES)


def test_every_subpackage_is_in_the_wheel_mapping() -> None:
    """pyproject.toml lists the subpackages by hand (a package-dir mapping can't be discovered):
    a folder added without its line would be missing from every install."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"rigcast." + ".".join(p.parent.relative_to(ROOT).parts)
             for pkg in PACKAGES for p in (ROOT / pkg).rglob("__init__.py")}
    assert listed == found


def _bare_imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                 [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level else [])
        out += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names if n.split(".")[0] in PACKAGES]
    return out


def test_nothing_imports_a_bare_engine_tui_or_config() -> None:
    """Only ``rigcast.engine`` and its siblings: a bare ``engine`` would be whatever folder of that
    name stands first on ``sys.path``, a user's own included."""
    found = [hit for folder in (*PACKAGES, "tests", "bench") for p in sorted((ROOT / folder).rglob("*.py"))
             for hit in _bare_imports(p)]
    assert found == []
    from rigcast.config.kinds import all_kinds

    paths = [path for k in all_kinds() for path in k.factories.values()]
    assert paths and all(path.startswith("rigcast.") for path in paths), paths


def test_mypy_reads_rigcast_types_not_any(tmp_path: Path) -> None:
    """With ``ignore_missing_imports``, a ``rigcast.*`` import mypy could not find would silently
    be ``Any`` and every check through it would pass. A wrong use of a rigcast function must fail,
    and a rigcast module that doesn't exist must be an error."""
    probe = tmp_path / "probe.py"
    probe.write_text("from rigcast.engine.proc import engine_command\n"
                     "x: int = engine_command('python')\n"
                     "import rigcast.engine.no_such_module\n")
    r = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
                        "--no-incremental", str(probe)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert 'variable has type "int"' in r.stdout, r.stdout + r.stderr
    missing = [line for line in r.stdout.splitlines() if line.startswith(f"{probe}:3: error:")]
    assert missing and "rigcast.engine.no_such_module" in missing[0], r.stdout + r.stderr
