"""Where the engine keeps its socket, pid file and log: the platform's runtime and state dirs.

One engine per user: the control endpoint's path *is* how a TUI or ``rigcast ctl`` finds it.
``RIGCAST_RUNTIME_DIR`` / ``RIGCAST_STATE_DIR`` move both (tests run engines side by side).
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from rigcast.engine.errors import RigcastError


def _private_dir(path: Path, what: str) -> Path:
    """``path``, created 0700 if missing. An existing one must be the user's own real directory:
    the socket, pid and token files live there, and in a shared /tmp another local user could
    have made ``/tmp/rigcast-UID`` first (or a symlink by that name) to read or replace them."""
    try:
        if not os.path.lexists(path):
            path.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.lstat(path)
    except OSError as e:
        raise RigcastError(f"can't use {path} as rigcast's {what} dir ({e.strerror}); "
                           f"fix it or set RIGCAST_{what.upper()}_DIR") from None
    if sys.platform == "win32":
        return path
    if not stat.S_ISDIR(st.st_mode):
        raise RigcastError(f"{path} (rigcast's {what} dir) is not a directory; remove it "
                           f"or set RIGCAST_{what.upper()}_DIR")
    if st.st_uid != os.getuid():
        raise RigcastError(f"{path} (rigcast's {what} dir) belongs to {_owner(st.st_uid)}, not to you; "
                           f"remove it or set RIGCAST_{what.upper()}_DIR to a directory of your own")
    if stat.S_IMODE(st.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def _owner(uid: int) -> str:
    if sys.platform == "win32":
        return f"uid {uid}"
    import pwd

    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def platform_dir(kind: str, platform: str, env: Mapping[str, str], home: str, tmp: str, uid: int | None) -> str:
    """Where ``kind`` ("config", "state" or "runtime") lives on ``platform``: pure, so the
    Windows answer is tested on Linux. Windows: config roams (%APPDATA%), state and the
    runtime files stay on this machine (%LOCALAPPDATA%); Linux follows the XDG base dirs."""
    if override := env.get(f"RIGCAST_{kind.upper()}_DIR"):
        return override
    if platform == "win32":
        sep = "\\"
        roaming = env.get("APPDATA") or f"{home}{sep}AppData{sep}Roaming"
        local = env.get("LOCALAPPDATA") or f"{home}{sep}AppData{sep}Local"
        return {"config": f"{roaming}{sep}rigcast", "state": f"{local}{sep}rigcast",
                "runtime": f"{local}{sep}rigcast{sep}run"}[kind]
    if kind == "config":
        return f"{env.get('XDG_CONFIG_HOME') or home + '/.config'}/rigcast"
    if kind == "state":
        return f"{env.get('XDG_STATE_HOME') or home + '/.local/state'}/rigcast"
    if xdg := env.get("XDG_RUNTIME_DIR"):
        return f"{xdg}/rigcast"
    return f"{tmp}/rigcast-{uid}"


def _dir(kind: str) -> Path:
    uid = os.getuid() if hasattr(os, "getuid") else None
    return Path(platform_dir(kind, sys.platform, os.environ, str(Path.home()), tempfile.gettempdir(), uid))


def config_dir() -> Path:
    """The default config file's folder (``rigcast.toml`` there is read when no --config)."""
    return _dir("config")


def runtime_dir() -> Path:
    """Short-lived things (socket, pid file): gone at reboot, private to the user."""
    return _private_dir(_dir("runtime"), "runtime")


def state_dir() -> Path:
    """Things worth keeping after the engine stops (its log)."""
    return _private_dir(_dir("state"), "state")


def default_config() -> Path:
    return config_dir() / "rigcast.toml"


def socket_path() -> Path:
    return runtime_dir() / "control.sock"


def pid_path() -> Path:
    return runtime_dir() / "engine.pid"


def token_path() -> Path:
    """Where the engine writes the TCP endpoint and its token, for clients on this machine."""
    return runtime_dir() / "control.json"


def log_path() -> Path:
    return state_dir() / "engine.log"


def windowless_python() -> str:
    """On Windows, ``pythonw.exe`` beside the interpreter: a GUI-subsystem Python that gets no
    console window — for the detached engine and every worker it spawns (a console Python
    started by a process without a console pops a new window up). Elsewhere: this Python."""
    if sys.platform == "win32":
        w = Path(sys.executable).with_name("pythonw.exe")
        if w.is_file():
            return str(w)
    return sys.executable


def write_private_json(path: Path, data: object) -> None:
    """``data`` as JSON in a file only its owner can read (0600), written whole or not at all:
    the state dir's secrets (a generated password, a stream key set over obs-websocket)."""
    import json

    from rigcast.engine.private_files import open_private

    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    with open_private(tmp) as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
