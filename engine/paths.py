"""Where the engine keeps its socket, pid file and log: the platform's runtime and state dirs.

One engine per user: the control endpoint's path *is* how a TUI or ``rigcast ctl`` finds it.
``RIGCAST_RUNTIME_DIR`` / ``RIGCAST_STATE_DIR`` move both (tests run engines side by side).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def _private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if sys.platform != "win32":
        os.chmod(path, 0o700)
    return path


def runtime_dir() -> Path:
    """Short-lived things (socket, pid file): gone at reboot, private to the user."""
    if env := os.environ.get("RIGCAST_RUNTIME_DIR"):
        return _private_dir(Path(env))
    if sys.platform == "win32":
        return _private_dir(Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "rigcast" / "run")
    if xdg := os.environ.get("XDG_RUNTIME_DIR"):
        return _private_dir(Path(xdg) / "rigcast")
    return _private_dir(Path(tempfile.gettempdir()) / f"rigcast-{os.getuid()}")


def state_dir() -> Path:
    """Things worth keeping after the engine stops (its log)."""
    if env := os.environ.get("RIGCAST_STATE_DIR"):
        return _private_dir(Path(env))
    if sys.platform == "win32":
        return _private_dir(Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local")) / "rigcast")
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return _private_dir(Path(base) / "rigcast")


def socket_path() -> Path:
    return runtime_dir() / "control.sock"


def pid_path() -> Path:
    return runtime_dir() / "engine.pid"


def token_path() -> Path:
    """Where the engine writes the TCP endpoint and its token, for clients on this machine."""
    return runtime_dir() / "control.json"


def log_path() -> Path:
    return state_dir() / "engine.log"
