"""``status`` and ``engine.stop``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import Cmd, Command
from rigcast.engine.vocab.results import Status, Stopping


@dataclass(frozen=True)
class GetStatus(Cmd[Status]):
    NAME: ClassVar = "status"


async def get_status(e: Host, _c: GetStatus) -> Status:
    return e.status()


@dataclass(frozen=True)
class StopEngine(Cmd[Stopping]):
    NAME: ClassVar = "engine.stop"


async def stop_engine(e: Host, _c: StopEngine) -> Stopping:
    asyncio.get_running_loop().call_soon(e.request_stop, "asked to over the control protocol")
    return Stopping()


COMMANDS = (
    Command(GetStatus, get_status, "the engine's whole state and its latest stats"),
    Command(StopEngine, stop_engine, "stop the engine (recordings finalised)"),
)
