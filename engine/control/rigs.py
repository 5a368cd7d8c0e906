"""Which engines a client talks to: this box's, and the rigs reached over SSH.

``rigcast --host H`` (repeatable) names the rigs on the command line; otherwise the default
config's ``[[rigs]]`` adds them beside this box's engine. A ``--host`` that is a ``[[rigs]]``
name means that rig, with its remote command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from rigcast.config.model import LOCAL_RIG, RigConfig
from rigcast.engine.control.client import Endpoint
from rigcast.engine.control.sshlink import SshRoute
from rigcast.engine.vocab.reports import OutputStatus
from rigcast.engine.vocab.snapshot import IdleOutput, Snapshot


@dataclass(frozen=True)
class Rig:
    name: str
    endpoint: Endpoint | None = None  # None: this box's engine, looked up each time it is dialled

    @property
    def remote(self) -> bool:
        return self.endpoint is not None


def configured_rigs() -> list[RigConfig]:
    """``[[rigs]]`` of the default config file (none when there is no such file)."""
    from rigcast.config.loader import load_config
    from rigcast.engine import paths

    path = paths.default_config()
    return load_config(str(path)).rigs if path.is_file() else []


def over_ssh(rig: RigConfig) -> Rig:
    return Rig(rig.name, Endpoint(ssh=SshRoute(rig.host, rig.command)))


def choose_rigs(hosts: Sequence[str] = (), every: bool = True) -> list[Rig]:
    """``hosts`` given: those rigs only. Else this box, and with ``every`` the configured rigs."""
    known = configured_rigs() if hosts or every else []
    if hosts:
        by_name = {r.name: r for r in known}
        return [over_ssh(by_name[h]) if h in by_name else Rig(h, Endpoint(ssh=SshRoute(h))) for h in hosts]
    return [Rig(LOCAL_RIG), *(over_ssh(r) for r in known)]


class RigState(StrEnum):
    CONNECTING = "connecting"
    LIVE = "live"
    RECORDING = "recording"
    IDLE = "idle"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Glance:
    """A rig at a glance: the rig bar's cell and ``ctl --all status``'s line."""

    state: RigState
    kbps: float = 0.0  # sent by its stream outputs
    dropped: int = 0
    scene: str = ""
    why: str = ""  # unreachable: ssh's line, or the rig's

    @classmethod
    def of(cls, state: Snapshot, outputs: Sequence[OutputStatus | IdleOutput] = ()) -> Glance:
        rows = outputs or state.outputs
        on = RigState.LIVE if state.streaming else RigState.RECORDING if state.recording else RigState.IDLE
        return cls(on, sum(o.kbps for o in rows if o.stream and o.state.carrying),
                   sum(o.dropped for o in rows), state.program_scene)

    def line(self) -> str:
        if self.state in (RigState.UNREACHABLE, RigState.CONNECTING):
            return f"{self.state}" + (f": {self.why}" if self.why else "")
        rate = f"  {self.kbps:.0f} kbps" if self.state == RigState.LIVE else ""
        drops = f"  dropped {self.dropped}" if self.dropped else ""
        return f"{self.state}{rate}{drops}  scene {self.scene}"
