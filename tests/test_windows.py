"""Windows, proven as far as a Linux machine can: the platform-independent rules the Windows
layer runs on (window matching, capture method order and fallback, DPI maths, encoder fallback,
dirs), that no module drags the other platform's packages in, and that every dependency
resolves as a win_amd64 wheel for Python 3.11 and 3.12. (mypy --platform win32 runs in .ci/run.)"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
import tomllib
import types
from pathlib import Path

import numpy as np
import pytest

from rigcast.config.model import SourceConfig
from rigcast.engine.capture import methods
from rigcast.engine.capture.dpi import (
    Monitor,
    Rect,
    even_size,
    monitor_of,
    scale_for,
    to_logical,
    to_physical,
)
from rigcast.engine.capture.matching import WindowInfo, exe_name, pick_window
from rigcast.engine.fallback import NoneAvailable, Unavailable, first_available
from rigcast.engine.paths import platform_dir
from tests.harness import ROOT, EngineHome, XApp, XServer, run_rigcast, wait_for

WINDOWS_ONLY_PACKAGES = {"dxcam", "windows_capture", "comtypes", "winreg", "_winapi", "msvcrt", "cv2", "winrt"}
LINUX_ONLY_PACKAGES = {"Xlib"}


def win(title: str, cls: str = "", pid: int = 1, exe: str | None = None, visible: bool = True) -> WindowInfo:
    return WindowInfo(id=hash(title) & 0xFFFF, title=title, wm_class=cls, pid=pid, x=0, y=0, width=1280, height=720,
                      visible=visible, exe=exe)


def test_window_matching_by_title_class_pid_and_exe() -> None:
    windows = [win("Steam", "SDL_app", 10, r"C:\Program Files (x86)\Steam\steam.exe"),
               win("Elden Ring™ — 144 FPS", "ELDEN RING™", 20, r"D:\Игры\ELDEN RING\Game\eldenring.exe", visible=False),
               win("Elden Ring™ — 60 FPS", "ELDEN RING™", 21, r"D:\Игры\ELDEN RING\Game\eldenring.exe")]
    by = {
        "match": SourceConfig("g", "window", match="elden ring"),
        "regex": SourceConfig("g", "window", regex=r"^elden.*\d+ fps$"),
        "class": SourceConfig("g", "window", window_class="elden ring™"),
        "pid": SourceConfig("g", "window", pid=20),
        "exe": SourceConfig("g", "window", exe="EldenRing"),
        "exe.exe": SourceConfig("g", "window", exe="eldenring.EXE"),
    }
    found = {k: pick_window(windows, cfg) for k, cfg in by.items()}
    assert {k: w.pid if w else None for k, w in found.items()} == {
        "match": 21, "regex": 21, "class": 21, "pid": 20, "exe": 21, "exe.exe": 21}  # visible ones first
    assert pick_window(windows, SourceConfig("g", "window", exe="steam_helper")) is None
    assert exe_name(r"C:\Games\Game.EXE") == exe_name("/usr/games/game") == "game"


def test_window_found_by_its_executable_on_x11(xserver: XServer, gears: XApp, tmp_path: Path) -> None:
    r = run_rigcast(["windows"], xserver.env(), tmp_path)
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if "glxgears" in line.split()[-1])
    assert " glxgears " in row  # the EXE column, from the client's pid
    r = run_rigcast(["stream", "--window-exe", "glxgears", "--record", str(tmp_path / "exe.mkv"), "--duration", "1"],
                    xserver.env(), tmp_path)
    assert r.returncode == 0 and 'window "glxgears"' in r.stdout + r.stderr, r.stderr


def test_capture_methods_are_tried_best_first_with_reasons() -> None:
    assert methods.order("window", "auto") == ("wgc", "gdi")
    assert methods.order("display", "auto") == ("dxgi", "gdi")
    assert methods.order("window", "gdi") == ("gdi",)
    with pytest.raises(ValueError, match="use one of auto, dxgi, gdi"):
        methods.order("display", "wgc")

    def open_on(build: int, gdi_ok: bool = True):  # noqa: ANN202
        def opener(name: str) -> str:
            if name == "wgc":
                methods.check_wgc(build)
                return "wgc session"
            if not gdi_ok:
                raise Unavailable("PrintWindow failed for this window")
            return "gdi grabber"
        return opener

    assert first_available(methods.order("window", "auto"), open_on(22631)) == ("wgc", "wgc session", [])
    name, _, reasons = first_available(methods.order("window", "auto"), open_on(17763))
    assert name == "gdi" and reasons == ["wgc: Windows Graphics Capture needs Windows 10 1903 (build 18362) "
                                         "or later; this is build 17763"]
    with pytest.raises(NoneAvailable) as e:
        first_available(methods.order("window", "auto"), open_on(17763, gdi_ok=False))
    assert [r.split(":")[0] for r in e.value.reasons] == ["wgc", "gdi"]
    assert not methods.wgc_border_optional(19045) and methods.wgc_border_optional(22621)


def test_dpi_maths_for_mixed_scale_monitors() -> None:
    assert scale_for(96) == 1.0 and scale_for(144) == 1.5 and scale_for(120) == 1.25
    logical = Rect(100, 50, 1280, 720)
    assert to_physical(logical, 144) == Rect(150, 75, 1920, 1080)
    assert to_logical(to_physical(logical, 120), 120) == logical
    with pytest.raises(ValueError):
        scale_for(0)
    laptop = Monitor(Rect(0, 0, 2880, 1800), dpi=192, primary=True)  # 200 %
    desk = Monitor(Rect(2880, 0, 2560, 1440), dpi=96)  # 100 %, to its right
    assert monitor_of(Rect(2600, 100, 1280, 720), [laptop, desk]) is desk  # 1000 px of 1280 on desk
    assert monitor_of(Rect(2000, 100, 1280, 720), [laptop, desk]) is laptop
    assert monitor_of(Rect(9000, 100, 640, 480), [laptop, desk]) is desk  # off-screen: the nearest
    assert monitor_of(Rect(-3000, -3000, 10, 10), [laptop, desk]) is laptop
    assert even_size(1365, 767) == (1364, 766) and even_size(1, 1) == (2, 2)


def test_encoder_fallback_and_bgra_straight_to_nvenc() -> None:
    import av

    from rigcast.engine.encode.select import choose_encoder
    from rigcast.engine.encode.video import ENCODERS, VideoSettings, probe_video_encoder

    s = VideoSettings(320, 240, 30, 1000, 2.0, "veryfast", None, 0)
    name, _, reasons = choose_encoder("auto", lambda n: probe_video_encoder(n, s))
    # No GPU here: every hardware encoder is tried, fails with FFmpeg's own reason, x264 runs
    # (on Linux VAAPI too, through the system's ffmpeg: engine/encode/system_ffmpeg.py).
    tried = ["h264_nvenc", "h264_vaapi", "h264_qsv", "h264_amf"] if sys.platform == "linux" else [
        "h264_nvenc", "h264_qsv", "h264_amf"]
    assert name == "libx264" and [r.split(":")[0] for r in reasons] == tried
    assert ENCODERS["h264_nvenc"].pix_fmt == "bgra"
    assert "bgra" in [f.name for f in av.codec.Codec("h264_nvenc", "w").video_formats]


def test_bgra_for_nvenc_is_a_copy_with_opaque_black_bars() -> None:
    """What NVENC is handed: the captured pixels themselves (not the ring slot's memory), fitted
    on opaque black when the window's aspect differs from the canvas."""
    from rigcast.engine.encode.convert import Converter
    from rigcast.engine.framering import FrameRing

    ring = FrameRing.create(64, 48)
    try:
        conv = Converter(64, 48, "bgra", "bilinear")
        ring.write_array(np.full((48, 32, 4), (10, 20, 30, 255), np.uint8), 1)
        ref = ring.acquire_latest()
        assert ref is not None
        fitted = conv.convert(ring, ref).to_ndarray(format="bgra")
        ring.release()
        assert fitted[0, 0].tolist() == [0, 0, 0, 255] and fitted[24, 32].tolist() == [10, 20, 30, 255]
        ring.write_array(np.full((48, 64, 4), (1, 2, 3, 255), np.uint8), 2)
        ref = ring.acquire_latest()
        assert ref is not None
        same = conv.convert(ring, ref)
        ring.release()
        for seq in range(3, 3 + ring.nslots):  # the ring moves on, over every slot
            ring.write_array(np.full((48, 64, 4), 99, np.uint8), seq)
        assert same.to_ndarray(format="bgra")[5, 5].tolist() == [1, 2, 3, 255]
    finally:
        ring.close()


def test_config_state_and_runtime_dirs_per_platform() -> None:
    env = {"APPDATA": r"C:\Users\Ян Ли\AppData\Roaming", "LOCALAPPDATA": r"C:\Users\Ян Ли\AppData\Local"}
    home = r"C:\Users\Ян Ли"
    assert platform_dir("config", "win32", env, home, "", None) == r"C:\Users\Ян Ли\AppData\Roaming\rigcast"
    assert platform_dir("state", "win32", env, home, "", None) == r"C:\Users\Ян Ли\AppData\Local\rigcast"
    assert platform_dir("runtime", "win32", env, home, "", None) == r"C:\Users\Ян Ли\AppData\Local\rigcast\run"
    assert platform_dir("state", "win32", {}, home, "", None) == r"C:\Users\Ян Ли\AppData\Local\rigcast"
    assert platform_dir("config", "linux", {}, "/home/me", "/tmp", 1000) == "/home/me/.config/rigcast"
    assert platform_dir("runtime", "linux", {}, "/home/me", "/tmp", 1000) == "/tmp/rigcast-1000"
    assert platform_dir("runtime", "linux", {"XDG_RUNTIME_DIR": "/run/user/1000"}, "/h", "/tmp", 1) == \
        "/run/user/1000/rigcast"


def test_paths_with_spaces_and_non_ascii(xserver: XServer, tmp_path: Path) -> None:
    folder = tmp_path / "Мои видео" / "stream night"
    folder.mkdir(parents=True)
    subprocess.run(["convert", "-size", "64x48", "xc:#0000ff", f"PNG32:{folder / 'логотип 1.png'}"], check=True)
    cfg = folder / "настройки rigcast.toml"
    cfg.write_text('[video]\nsize = "320x240"\n[[sources]]\nname = "logo"\nkind = "image"\npath = "логотип 1.png"\n'
                   '[[scenes]]\nname = "Сцена 1"\nitems = [ { source = "logo" } ]\n', encoding="utf-8")
    out = folder / "запись эфира.mkv"
    r = run_rigcast(["stream", "--config", str(cfg), "--record", str(out), "--duration", "2"], xserver.env(), tmp_path)
    assert r.returncode == 0, r.stderr
    import av

    with av.open(str(out)) as c:
        frame = next(c.decode(video=0)).to_ndarray(format="rgb24")
    assert frame.shape == (240, 320, 3) and frame[120, 160, 2] > 200  # the blue logo, fitted


# -- no module brings in the other platform's packages --------------------------------------------
def _modules() -> dict[str, Path]:
    out = {}
    for pkg in ("engine", "tui", "config"):
        for p in (ROOT / pkg).rglob("*.py"):
            out["rigcast." + ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = p
    return out


def _platform_of(tree: ast.Module) -> str | None:
    """A module asserting ``sys.platform ...`` at its top is that platform's only."""
    for node in tree.body[:6]:
        if isinstance(node, ast.Assert) and "sys.platform" in ast.unparse(node.test):
            return "win32" if "win32" in ast.unparse(node.test) else "linux"
    return None


def _imports(tree: ast.Module) -> list[tuple[str, list[tuple[str, bool]]]]:
    """(imported module, [(sys.platform condition, branch taken)] of the ifs around it)."""
    found: list[tuple[str, list[tuple[str, bool]]]] = []

    def visit(node: ast.AST, guards: list[tuple[str, bool]]) -> None:
        if isinstance(node, ast.If) and "sys.platform" in ast.unparse(node.test):
            for child in node.body:
                visit(child, [*guards, (ast.unparse(node.test), True)])
            for child in node.orelse:
                visit(child, [*guards, (ast.unparse(node.test), False)])
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, guards) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, guards))
            found.extend((f"{node.module}.{a.name}", guards) for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child, guards)

    visit(tree, [])
    return found


def _reachable_on(platform: str, guards: list[tuple[str, bool]]) -> bool:
    fake = {"sys": types.SimpleNamespace(platform=platform)}
    return all(bool(eval(test, fake)) == taken for test, taken in guards)  # noqa: S307 (our own source)


def test_no_module_imports_the_other_platforms_packages() -> None:
    mods = _modules()
    trees = {name: ast.parse(p.read_text(encoding="utf-8")) for name, p in mods.items()}
    only = {name: _platform_of(t) for name, t in trees.items()}
    assert only["rigcast.engine.capture.win_window"] == only["rigcast.engine.capture.win32_api"] == "win32"
    assert only["rigcast.engine.capture.x11"] == only["rigcast.engine.capture.xcb_shm"] == "linux"
    problems = []
    for name, tree in trees.items():
        for imported, guards in _imports(tree):
            top = imported.split(".")[0]
            needs = ("win32" if top in WINDOWS_ONLY_PACKAGES or only.get(imported) == "win32" else
                     "linux" if top in LINUX_ONLY_PACKAGES or only.get(imported) == "linux" else None)
            if needs is None or only[name] == needs:
                continue
            other = "linux" if needs == "win32" else "win32"
            if _reachable_on(other, guards):
                problems.append(f"{name} imports {imported} ({needs}-only) where {other} would run it")
    assert problems == []


def test_importing_every_module_on_linux_loads_no_windows_package() -> None:
    code = f"""
import importlib, json, sys
sys.path.insert(0, {str(ROOT)!r})
failed = {{}}
for name in {sorted(m for m in _modules() if not m.endswith("__main__"))!r}:
    try:
        importlib.import_module(name)
    except AssertionError as e:
        failed[name] = str(e)
print(json.dumps({{"failed": failed, "loaded": sorted({{m.split('.')[0] for m in sys.modules}})}}))
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout.splitlines()[-1])
    assert set(out["failed"]) == {"rigcast.engine.capture.win32_api", "rigcast.engine.capture.win_window",
                                  "rigcast.engine.capture.win_display", "rigcast.engine.audio.app_wasapi"}
    assert all("Windows-only" in why for why in out["failed"].values())
    assert not WINDOWS_ONLY_PACKAGES & set(out["loaded"])


# -- every dependency as a Windows wheel ----------------------------------------------------------
@pytest.mark.parametrize("python", ["3.11", "3.12"])
def test_every_dependency_resolves_as_a_win_amd64_wheel(python: str, tmp_path: Path) -> None:
    """pip resolves the project's dependencies (markers evaluated for Windows) for win_amd64
    without building anything: every file it would install is a win_amd64 or pure wheel.
    pip evaluates the markers of *transitive* dependencies for this machine; the project's own
    markers are evaluated here for Windows, which is where the platform-specific ones are."""
    from packaging.requirements import Requirement

    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt", "python_version": python,
           "platform_machine": "AMD64"}
    wanted = [str(Requirement(d)).split(";")[0] for d in deps
              if Requirement(d).marker is None or Requirement(d).marker.evaluate(env)]  # type: ignore[union-attr]
    assert any(w.startswith("dxcam") for w in wanted) and not any(w.startswith("python-xlib") for w in wanted)
    report = tmp_path / "report.json"
    r = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
                        "--only-binary=:all:", "--platform", "win_amd64", "--python-version", python,
                        "--implementation", "cp", "--target", str(tmp_path / "t"), "--report", str(report), *wanted],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    files = [i["download_info"]["url"].rsplit("/", 1)[-1] for i in json.loads(report.read_text())["install"]]
    names = {f.split("-")[0].lower().replace("_", "-") for f in files}
    assert {"av", "numpy", "dxcam", "windows-capture", "soundcard", "textual", "websockets", "mss"} <= names
    assert all(f.endswith(("-win_amd64.whl", "-none-any.whl")) for f in files), files


def test_the_windows_control_path_tcp_with_a_token_found_through_control_json(
        home: EngineHome, gears: XApp, tmp_path: Path) -> None:
    """Windows has no Unix socket here: clients find the engine through control.json (loopback
    TCP + token). On Linux the same path runs once the socket is out of the way."""
    from tests.harness import free_port

    cfg = tmp_path / "tcp.toml"
    cfg.write_text(f'[control]\ntcp_port = {free_port()}\n')
    home.up("--config", str(cfg), "--window", "glxgears")
    home.socket.unlink()  # as on Windows: only the TCP endpoint is left
    info = json.loads((home.run_dir / "control.json").read_text())
    assert info["tcp"].startswith("127.0.0.1:") and len(info["token"]) >= 24
    assert home.status()["engine"]["pid"] == home.pid()
    wait_for(lambda: home.status()["sources"][0]["state"] == "live", 15, what="the window live, over TCP")
    r = home.rigcast("ctl", "record", "start")
    assert r.returncode == 0, r.stderr
    assert home.rigcast("down").returncode == 0
    assert not (home.run_dir / "control.json").exists()


# -- the Windows defects' platform-independent parts ---------------------------------------------
def test_wgc_cursor_option_leaves_old_builds_alone() -> None:
    from rigcast.engine.capture.methods import wgc_cursor_option

    assert wgc_cursor_option(18362) is None and wgc_cursor_option(18363) is None  # 1903, 1909
    assert wgc_cursor_option(19041) is True and wgc_cursor_option(22631) is True


def test_wgc_frame_is_cropped_to_the_client_area() -> None:
    from rigcast.engine.capture.dpi import Rect, client_crop

    # A 1280x720 client under a 31 px title bar, 1 px borders: DWM's frame is 1282x752.
    frame, client = Rect(100, 100, 1282, 752), Rect(101, 131, 1280, 720)
    assert client_crop(frame, client, 1282, 752) == Rect(1, 31, 1280, 720)
    # A DPI-unaware process sees logical rectangles; WGC delivers physical pixels (150 %).
    assert client_crop(Rect(100, 100, 854, 500), Rect(102, 120, 852, 480), 1281, 750) == Rect(3, 30, 1278, 720)
    assert client_crop(frame, Rect(0, 0, 0, 0), 1282, 752) is None, "minimised: nothing to crop to"
    assert client_crop(frame, Rect(101, 131, 4000, 4000), 1282, 752) == Rect(1, 31, 1281, 721), "clamped"


def test_dxgi_output_is_found_by_the_monitors_rectangle() -> None:
    from rigcast.engine.capture.dpi import Rect, output_for_monitor

    laptop, external = Rect(0, 0, 1920, 1080), Rect(1920, 0, 2560, 1440)
    # A hybrid-GPU laptop: the external screen is the discrete GPU's (adapter 1) only output.
    outputs = [[laptop], [external]]
    assert output_for_monitor(external, outputs) == (1, 0)
    assert output_for_monitor(laptop, outputs) == (0, 0)
    assert output_for_monitor(Rect(1900, 0, 100, 100), outputs) == (1, 0), "the most overlap"
    assert output_for_monitor(Rect(-5000, 0, 10, 10), outputs) is None


def test_workers_are_spawned_so_terminate_reaches_them() -> None:
    """Defect 8 of issue 2/5: in a venv, the venv's pythonw.exe is a launcher stub; workers get
    the base interpreter's, told their venv through __PYVENV_LAUNCHER__."""
    from rigcast.engine.proc import WorkerInterpreter, worker_executable

    venv, base = r"C:\Users\me\rigcast\.venv\Scripts", r"C:\Python311"
    have = {venv + r"\pythonw.exe", base + r"\pythonw.exe", r"C:\Python311\python.exe"}
    exists = have.__contains__
    assert worker_executable("win32", venv + r"\pythonw.exe", False, base + r"\pythonw.exe", exists) is None
    assert worker_executable("win32", venv + r"\python.exe", True, base + r"\python.exe", exists) is None
    assert worker_executable("win32", venv + r"\python.exe", False, base + r"\python.exe", exists) == WorkerInterpreter(
        base + r"\pythonw.exe", {"__PYVENV_LAUNCHER__": venv + r"\python.exe"})
    # no venv: the interpreter's own pythonw, no variable
    assert worker_executable("win32", base + r"\python.exe", False, base + r"\python.exe", exists) == WorkerInterpreter(
        base + r"\pythonw.exe", {})
    # an embeddable or trimmed install without pythonw.exe: multiprocessing's default, never a missing file
    assert worker_executable("win32", r"D:\py\python.exe", False, r"D:\py\python.exe", exists) is None
    assert worker_executable("linux", "/usr/bin/python3", False, "/usr/bin/python3", exists) is None


def test_a_venv_layout_on_disk_gives_workers_the_base_pythonw(tmp_path: Path) -> None:
    """The same rule against a venv laid out as Windows' venv module makes it, in a temp folder."""
    from rigcast.engine.proc import worker_executable

    base, scripts = tmp_path / "Python311", tmp_path / "proj" / ".venv" / "Scripts"
    for d in (base, scripts):
        d.mkdir(parents=True)
        for exe in ("python.exe", "pythonw.exe"):
            (d / exe).write_bytes(b"MZ")
    (scripts.parent / "pyvenv.cfg").write_text(f"home = {base}\ninclude-system-site-packages = false\n")
    w = worker_executable("win32", str(scripts / "python.exe"), False, str(base / "python.exe"))
    assert w is not None and w.executable == str(base / "pythonw.exe")
    assert w.env == {"__PYVENV_LAUNCHER__": str(scripts / "python.exe")}
    (base / "pythonw.exe").unlink()
    assert worker_executable("win32", str(scripts / "python.exe"), False, str(base / "python.exe")) is None


def test_pid_alive_and_parent_watch_on_this_platform(tmp_path: Path) -> None:
    from rigcast.engine.proc import pid_alive

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    assert pid_alive(child.pid)
    child.kill()
    child.wait()
    assert not pid_alive(child.pid)
    # A grandchild watching its parent: the parent is killed, the watch says so.
    out = tmp_path / "watch.txt"
    watcher = tmp_path / "watcher.py"
    watcher.write_text("import sys, time\nsys.path.insert(0, sys.argv[1])\nfrom engine.proc import ParentWatch\n"
                       "w = ParentWatch(int(sys.argv[2]))\nwhile not w.gone():\n    time.sleep(0.05)\n"
                       "open(sys.argv[3], 'w').write('gone')\n")
    middle = tmp_path / "parent.py"
    middle.write_text("import os, subprocess, sys, time\n"
                      "subprocess.Popen([sys.executable, sys.argv[1], sys.argv[2], str(os.getpid()), sys.argv[3]])\n"
                      "time.sleep(30)\n")
    parent = subprocess.Popen([sys.executable, str(middle), str(watcher), str(ROOT), str(out)])
    time.sleep(1.5)
    assert not out.exists(), "the parent is alive: not gone"
    parent.kill()
    parent.wait()
    wait_for(lambda: out.exists(), 10, what="the orphaned watcher to notice")


def test_ssh_sessions_start_the_engine_through_task_scheduler() -> None:
    from rigcast.engine.winlaunch import (
        CREATE_BREAKAWAY_FROM_JOB,
        DETACHED_PROCESS,
        detached_flags,
        from_ssh,
        task_commands,
    )

    assert from_ssh({"SSH_CONNECTION": "10.0.0.2 50000 10.0.0.5 22"}) and not from_ssh({"USERNAME": "me"})
    flags = detached_flags()
    assert flags & CREATE_BREAKAWAY_FROM_JOB and flags & DETACHED_PROCESS and not flags & 0x08000000
    create, run = task_commands(r"C:\Users\me\AppData\Local\rigcast\engine-task.xml")
    assert create == ["schtasks", "/Create", "/F", "/TN", "rigcast engine", "/XML",
                      r"C:\Users\me\AppData\Local\rigcast\engine-task.xml"]
    assert run == ["schtasks", "/Run", "/TN", "rigcast engine"]


def test_the_engine_reads_its_arguments_from_a_private_file_and_deletes_it(home: EngineHome, tmp_path: Path) -> None:
    """What the Task Scheduler task runs (engine/winlaunch.py): `rigcast --args-file F`. The
    arguments come from the file, which is gone at once; the output goes to the engine log."""
    args = tmp_path / "engine-args.json"
    args.write_text(json.dumps(["ctl", "status"]))
    r = run_rigcast(["--args-file", str(args)], home.env(), tmp_path)
    assert r.returncode == 1 and not r.stdout and not r.stderr, (r.stdout, r.stderr)
    assert not args.exists(), "read and deleted"
    assert "no rigcast engine is running" in home.log()
