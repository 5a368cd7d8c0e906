"""``status`` and ``engine.stop``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import ClassVar

from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import Command, Result


@dataclass(frozen=True)
class GetStatus:
    NAME: ClassVar = "status"


async def get_status(e: Host, _c: GetStatus) -> Result:
    return e.status()


@dataclass(frozen=True)
class StopEngine:
    NAME: ClassVar = "engine.stop"


async def stop_engine(e: Host, _c: StopEngine) -> Result:
    asyncio.get_running_loop().call_soon(e.request_stop, "asked to over the control protocol")
    return {"stopping": True}


COMMANDS = (
    Command(GetStatus, get_status, "the engine's whole state and its latest stats"),
    Command(StopEngine, stop_engine, "stop the engine (recordings finalised)"),
)
