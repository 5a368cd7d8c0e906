"""Which desktop session's D-Bus and PipeWire to use: over SSH they are the game's, not ours.

An SSH login usually has no ``DBUS_SESSION_BUS_ADDRESS`` and, without systemd-logind, no
``XDG_RUNTIME_DIR``; the portal and PipeWire still live in the game session's runtime dir
(``/run/user/UID``), as its X server lives on ``:0``. So we look where that session keeps them,
the way :func:`rigcast.engine.capture.x11_windows.resolve_display` finds ``:0``, and say which
one was used. Pure (the environment and a file test are passed in) so every rule is tested.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from rigcast.engine.errors import RigcastError


@dataclass(frozen=True)
class DesktopSession:
    runtime_dir: str  # where pipewire-0 (and usually the session bus) lives
    bus_address: str  # the session bus, for the portal
    how: str  # said once in the log: "from $XDG_RUNTIME_DIR", "the session in /run/user/1000"

    @property
    def pipewire_socket(self) -> str:
        return f"{self.runtime_dir}/pipewire-0"


def find_session(env: Mapping[str, str], uid: int, exists: Callable[[str], bool]) -> DesktopSession:
    """The session to use: ours if we have one, else the one in ``/run/user/UID``."""
    remote = env.get("PIPEWIRE_REMOTE", "pipewire-0")
    for key in ("PIPEWIRE_RUNTIME_DIR", "XDG_RUNTIME_DIR"):
        d = env.get(key)
        if d and exists(f"{d}/{remote}"):
            bus = env.get("DBUS_SESSION_BUS_ADDRESS") or f"unix:path={d}/bus"
            return DesktopSession(d, bus, f"{d} (from ${key})")
    d = f"/run/user/{uid}"
    if exists(f"{d}/{remote}"):
        bus = env.get("DBUS_SESSION_BUS_ADDRESS") or f"unix:path={d}/bus"
        return DesktopSession(d, bus, f"{d} (the desktop session's)")
    raise RigcastError(f"no PipeWire here: no {remote} socket in $XDG_RUNTIME_DIR or {d}; run rigcast as the "
                       "user logged in on the game box, whose desktop runs PipeWire (GNOME, KDE, gamescope)")


def desktop_session() -> DesktopSession:
    """The game session's PipeWire, made the one this process's GStreamer connects to."""
    if sys.platform == "win32":
        raise RigcastError("PipeWire is Linux's: on Windows capture a window or a display")
    s = find_session(os.environ, os.getuid(), os.path.exists)
    os.environ["PIPEWIRE_RUNTIME_DIR"] = s.runtime_dir
    return s
