"""``status`` and ``engine.stop``."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine


def register(e: Engine) -> None:
    async def status(_args: dict[str, Any]) -> dict[str, Any]:
        return e.status()

    async def stop(_args: dict[str, Any]) -> dict[str, Any]:
        asyncio.get_running_loop().call_soon(e.request_stop, "asked to over the control protocol")
        return {"stopping": True}

    e.bus.register("status", status, summary="the engine's whole state and its latest stats")
    e.bus.register("engine.stop", stop, summary="stop the engine (recordings finalised)")
