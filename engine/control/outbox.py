"""A client's outgoing events: a bounded queue fed by the bus and a task sending it.

Shared by every server on the bus (control protocol, obs-websocket): a client that reads too
slowly loses events once its queue is full; the engine never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from rigcast.engine.control.bus import CommandBus
from rigcast.engine.vocab.reports import BusEvent

CLIENT_QUEUE = 512

Translate = Callable[[BusEvent], list[str] | list[bytes] | list[str | bytes]]  # an event -> this client's frames


class Outbox:
    def __init__(self, bus: CommandBus, ws: Any, translate: Translate, size: int = CLIENT_QUEUE) -> None:
        self.queue: asyncio.Queue[str | bytes] = asyncio.Queue(size)
        self.translate = translate
        self._remove = bus.listen(self._on_event)
        self._task = asyncio.create_task(self._pump(ws))

    def _on_event(self, event: BusEvent) -> None:
        for msg in self.translate(event):
            self.send(msg)

    def send(self, msg: str | bytes) -> None:
        """One frame of this client's own (not from the bus), queued like the events."""
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(msg)

    async def _pump(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            while True:
                await ws.send(await self.queue.get())
        except ConnectionClosed:
            return  # the connection's own handler sees the close and cleans up

    def close(self) -> None:
        self._remove()
        self._task.cancel()
