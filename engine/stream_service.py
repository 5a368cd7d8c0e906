"""A stream's server and key set from outside the config file (obs-websocket's
SetStreamServiceSettings), kept as an override in the state dir.

Why not the TOML: a config file is shared, copied into bug reports and kept in dotfile repos;
a stream key set by a remote tool goes to a file only its owner can read (0600), beside the
generated obs-websocket password, and is applied over the config's URL at every start. The
key is never shown back: readers get the server and ``****``.
"""

from __future__ import annotations

import json
from pathlib import Path

from rigcast.config.kinds import url_secret_parts
from rigcast.config.secrets import MASK, remember_parts

FILE = "stream-service.json"


def override_file() -> Path:
    from rigcast.engine import paths

    return paths.state_dir() / FILE


def load() -> dict[str, str]:
    """output name -> push URL; empty when none was set (or the file is unreadable)."""
    try:
        data = json.loads(override_file().read_text())
    except (OSError, ValueError):
        return {}
    out = {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}
    for url in out.values():
        remember_parts(url_secret_parts(url))
    return out


def save(output: str, url: str) -> None:
    from rigcast.engine.paths import write_private_json

    remember_parts(url_secret_parts(url))
    write_private_json(override_file(), load() | {output: url})


def masked(key: str) -> str:
    return MASK if key else ""
