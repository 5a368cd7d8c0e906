"""Finding windows on an X11 display through EWMH, with python-xlib.

``_NET_CLIENT_LIST`` lists the application windows the window manager manages, i.e. the
client windows (not the WM's frames), which are exactly what we capture: their pixmap holds
the game's pixels without decorations.
"""

from __future__ import annotations

import sys

assert sys.platform.startswith("linux"), "rigcast.engine.capture.x11_windows is Linux-only (X11)"

import os
from pathlib import Path
from typing import Any

from rigcast.engine.capture.matching import WindowInfo
from rigcast.engine.errors import RigcastError


def resolve_display(name: str | None = None) -> str:
    """The X display to use. Over SSH ``DISPLAY`` is unset while the game runs on :0."""
    if name:
        return name
    env = os.environ.get("DISPLAY")
    if env:
        return env
    if Path("/tmp/.X11-unix/X0").exists():
        return ":0"
    raise RigcastError("no X display: DISPLAY is not set and no X server runs on :0; "
                       "run rigcast where the game's X session is, or set DISPLAY=:N")


def open_display(name: str | None = None) -> Any:
    from Xlib import display as xdisplay
    from Xlib.error import DisplayError

    resolved = resolve_display(name)
    try:
        return xdisplay.Display(resolved)
    except (DisplayError, OSError, Exception) as e:  # python-xlib raises several kinds
        raise RigcastError(f"cannot open X display {resolved}: {e}; is the X server running and "
                           f"are you allowed to use it (xhost/XAUTHORITY)?")


def _text_prop(d: Any, win: Any, names: tuple[str, ...]) -> str:
    for name in names:
        atom = d.intern_atom(name)
        prop = win.get_full_property(atom, 0)
        if prop is not None and prop.value:
            value = prop.value
            if isinstance(value, bytes):
                return value.decode("utf-8", "replace")
            return str(value)
    return ""


def window_info(d: Any, wid: int) -> WindowInfo | None:
    from Xlib import X
    from Xlib.error import XError

    try:
        win = d.create_resource_object("window", wid)
        attrs = win.get_attributes()
        geom = win.get_geometry()
        pos = win.translate_coords(d.screen().root, 0, 0)
        title = _text_prop(d, win, ("_NET_WM_NAME", "WM_NAME"))
        cls = win.get_wm_class() or ()
        pid_prop = win.get_full_property(d.intern_atom("_NET_WM_PID"), X.AnyPropertyType)
        pid = int(pid_prop.value[0]) if pid_prop is not None and len(pid_prop.value) else _client_pid(d, wid)
    except (XError, AttributeError, TypeError):
        return None  # vanished while we looked
    return WindowInfo(
        id=wid,
        title=title,
        wm_class=".".join(c for c in cls if c),
        pid=pid,
        x=-pos.x,
        y=-pos.y,
        width=geom.width,
        height=geom.height,
        visible=attrs.map_state == X.IsViewable,
        exe=_exe(pid),
    )


def _exe(pid: int | None) -> str | None:
    """The program a local client runs (for ``exe = "..."``), as it was started: argv[0], which
    is what the streamer typed or the launcher ran (``glxgears``, not the ``glxgears.x86_64-linux-gnu``
    it links to; ``C:\\...\\game.exe`` under Wine/Proton). None for remote clients."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0", 1)[0].decode(errors="replace")
        return argv0 or os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return None


def _client_pid(d: Any, wid: int) -> int | None:
    """The PID of the client owning ``wid``, from the server (X-Resource), for the many games
    that never set _NET_WM_PID (glxgears, SDL and Wine builds among them)."""
    if not d.has_extension("X-Resource"):
        return None
    from Xlib.error import XError
    from Xlib.ext import res

    try:
        reply = d.res_query_client_ids([{"client": wid, "mask": res.LocalClientPIDMask}])
    except XError:
        return None
    for client in reply.ids:
        if client.spec.mask == res.LocalClientPIDMask and client.value:
            return int(client.value[0])
    return None


def list_windows(d: Any) -> list[WindowInfo]:
    root = d.screen().root
    prop = root.get_full_property(d.intern_atom("_NET_CLIENT_LIST"), 0)
    if prop is not None:
        ids = [int(w) for w in prop.value]
    else:
        # No EWMH window manager: top-level children of the root that are mapped.
        ids = [w.id for w in root.query_tree().children]
    out = []
    for wid in ids:
        info = window_info(d, wid)
        if info is not None and (prop is not None or info.visible):
            out.append(info)
    return out
