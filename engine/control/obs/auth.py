"""Who may drive rigcast through obs-websocket: its password, and a brake on guessing it.

An obs-websocket client can start and stop the stream, so an open port is an open door — to
every local user (around the 0600 control socket and the TCP token) and, with a LAN bind, to
the LAN. So, as OBS does, enabling the server without a password configured generates one
on first enable and keeps it in the state dir (0600); ``rigcast ctl obs-info`` shows it, as
OBS's "Show Connect Info" does, and nothing else ever prints it. Turning authentication off
takes ``auth = false``, which the config model accepts only with a loopback bind.

Failed logins from one address are slowed down: each failure doubles the wait before that
address's next answer (from 0.5 s, at most 8 s), forgotten a minute after the last failure.
"""

from __future__ import annotations

import json
import os
import secrets
import string
import time
from dataclasses import dataclass, field
from pathlib import Path

from rigcast.config.model import ObsWebsocketConfig
from rigcast.config.secrets import remember_secret

PASSWORD_FILE = "obs-websocket.json"
GENERATED_LENGTH = 16  # OBS's own generated passwords are 16 letters and digits
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 8.0
FORGET_AFTER_S = 60.0


@dataclass(frozen=True)
class ObsPassword:
    value: str | None  # None: authentication is off (auth = false, loopback only)
    source: str  # where it came from, for people: "generated", "environment variable X", "off"


def password_file() -> Path:
    from rigcast.engine import paths

    return paths.state_dir() / PASSWORD_FILE


def stored_password(create: bool) -> str | None:
    """The generated password kept in the state dir; made (0600) when missing and ``create``."""
    path = password_file()
    try:
        value = json.loads(path.read_text()).get("password")
        if isinstance(value, str) and value:
            return value
    except (OSError, ValueError, AttributeError):
        pass
    if not create:
        return None
    alphabet = string.ascii_letters + string.digits
    value = "".join(secrets.choice(alphabet) for _ in range(GENERATED_LENGTH))
    from rigcast.engine.paths import write_private_json

    write_private_json(path, {"password": value})
    return value


def resolve_password(cfg: ObsWebsocketConfig, create: bool = True) -> ObsPassword:
    """The password the server asks for: the environment variable's when set, else the stored
    (or newly generated) one; none only with ``auth = false``."""
    if not cfg.auth:
        return ObsPassword(None, "off")
    env = os.environ.get(cfg.password_env)
    if env:
        remember_secret(env)
        return ObsPassword(env, f"environment variable {cfg.password_env}")
    value = stored_password(create)
    if value is not None:
        remember_secret(value)
    return ObsPassword(value, f"generated, kept in {password_file()}")


@dataclass
class FailureBrake:
    """Per address: how long to wait before answering its next login attempt."""

    failures: dict[str, tuple[int, float]] = field(default_factory=dict)  # address -> (count, last time)

    def delay(self, address: str, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        count, last = self.failures.get(address, (0, 0.0))
        if count == 0 or now - last > FORGET_AFTER_S:
            return 0.0
        return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (count - 1))

    def failed(self, address: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        count, last = self.failures.get(address, (0, 0.0))
        self.failures[address] = (1 if now - last > FORGET_AFTER_S else count + 1, now)
        if len(self.failures) > 4096:  # a flood of addresses: keep the newest
            for old in sorted(self.failures, key=lambda a: self.failures[a][1])[:2048]:
                del self.failures[old]

    def succeeded(self, address: str) -> None:
        self.failures.pop(address, None)
