"""The engine's ways in beyond its own loop: the control socket (and loopback TCP), the
obs-websocket server, and the runtime files (pid, token) that let clients find them."""

from __future__ import annotations

import json
import logging
import os
import secrets
import sys
from typing import TYPE_CHECKING, Any

from rigcast.engine import paths

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine

log = logging.getLogger("rigcast.engine")


async def serve_control(e: Engine) -> Any:
    from rigcast.engine.control.server import ControlServer
    from rigcast.engine.runtime import VERSION
    from rigcast.engine.vocab.results import Subscribed

    server = ControlServer(e.bus, lambda: {"version": VERSION, "pid": os.getpid()},
                           lambda: Subscribed((), e.state(), tuple(e.logs), tuple(e.chat)))
    if sys.platform != "win32":
        await server.serve_unix(paths.socket_path())
    port = e.cfg.control.tcp_port
    if port or sys.platform == "win32":
        token = os.environ.get(e.cfg.control.token_env) or secrets.token_urlsafe(24)
        bound = await server.serve_tcp(port, token)
        write_private(paths.token_path(), json.dumps({"tcp": f"127.0.0.1:{bound}", "token": token}))
    write_private(paths.pid_path(), f"{os.getpid()}\n")
    obs = e.cfg.obs_websocket
    if obs.enabled:
        from rigcast.engine.control.obs.auth import resolve_password
        from rigcast.engine.control.obs.server import ObsWebsocketServer

        password = resolve_password(obs)
        e.obsws = ObsWebsocketServer(e.bus, e.state, lambda: e.stats, password.value)
        port = await e.obsws.serve(obs.bind, obs.port)
        log.info("obs-websocket v5 server on %s:%d (%s)", obs.bind, port,
                 "no password: auth = false, loopback only" if password.value is None
                 else f"password {password.source}; `rigcast ctl obs-info` shows it")
    return server


def remove_runtime_files() -> None:
    for p in (paths.socket_path(), paths.pid_path(), paths.token_path()):
        try:
            if p == paths.pid_path() and p.read_text().strip() != str(os.getpid()):
                continue
            p.unlink()
        except OSError:
            pass


def write_private(path: Any, text: str) -> None:
    """``text`` in a file only its owner can read (engine/private_files.py)."""
    from rigcast.engine.private_files import open_private

    with open_private(path) as f:
        f.write(text)
