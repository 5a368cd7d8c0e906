"""The rigs a control room is attached to: one connection each, kept up by its own loop.

Each rig's link redials on its own with backoff, so a rig whose SSH session died shows
``unreachable`` while the others go on. Only the rig shown hears everything (meters, log,
chat); the others hear state and stats, which is all the rig bar needs — so a second rig costs
the room one small message a second, not a second meter stream.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Protocol

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from rigcast.engine.control.bus import EVENTS, BusError
from rigcast.engine.control.client import AsyncControlClient, EngineNotRunning
from rigcast.engine.control.rigs import Glance, Rig, RigState
from rigcast.engine.vocab import EventName, Meter, StateChanged, VideoStats
from rigcast.engine.vocab.reports import BusEvent
from rigcast.engine.vocab.results import Subscribed
from rigcast.tui.model import EngineView

RECONNECT_S = 2.0
BACKOFF_MAX_S = 30.0
GLANCE_EVENTS = (EventName.STATE, EventName.STATS)  # what a rig not shown is subscribed to
ATTACH_ERRORS = (EngineNotRunning, BusError, OSError, TimeoutError)


class RigRoom(Protocol):
    """What a link tells the room."""

    def rig_event(self, link: RigLink, event: BusEvent) -> None: ...
    def rig_attached(self, link: RigLink, first: Subscribed) -> None: ...
    def rig_changed(self, link: RigLink) -> None: ...


class RigLink:
    """One rig: its connection, what the room knows of it (``view``) and its glance."""

    def __init__(self, rig: Rig, room: RigRoom, meter_hz: float) -> None:
        self.rig = rig
        self.room = room
        self.meter_hz = meter_hz
        self.view = EngineView()
        self.glance = Glance(RigState.CONNECTING)
        self.client: AsyncControlClient | None = None
        self.shown = False
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        return self.rig.name

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._stay_connected())

    async def _stay_connected(self) -> None:
        """Attach, and re-attach whenever the connection ends (engine restarted, SSH lost),
        waiting longer after each failed try, up to BACKOFF_MAX_S."""
        delay = RECONNECT_S
        while True:
            client = AsyncControlClient(on_event=self._event, endpoint=self.rig.endpoint)
            try:
                await client.connect()
                first = await self._subscribe(client)
            except ATTACH_ERRORS as e:
                with contextlib.suppress(Exception):
                    await client.close()
                self._lost(str(e))
                await asyncio.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX_S)
                continue
            delay = RECONNECT_S
            self.client = client
            self._attached(first)
            await client.closed.wait()
            self.client = None
            self._lost("the connection ended; redialling")
            await asyncio.sleep(delay)

    async def _subscribe(self, client: AsyncControlClient) -> Subscribed:
        if self.shown:
            return await client.subscribe(EVENTS, meter_hz=self.meter_hz)
        return await client.subscribe(GLANCE_EVENTS)

    def _attached(self, first: Subscribed) -> None:
        if first.state is not None:
            self.note(StateChanged(first.state))
        self.room.rig_attached(self, first)

    def _lost(self, why: str) -> None:
        self.view.state = None
        self.glance = Glance(RigState.UNREACHABLE, why=why)
        self.room.rig_changed(self)

    async def show(self, on: bool) -> None:
        """Shown: hear everything, and hand the room the state, log and chat to start from.
        Hidden: back to state and stats."""
        self.shown = on
        client = self.client
        if client is None:
            return
        try:
            if on:
                self._attached(await client.subscribe(EVENTS, meter_hz=self.meter_hz))
            else:
                await client.unsubscribe([e for e in EVENTS if e not in GLANCE_EVENTS])
        except ATTACH_ERRORS:
            pass  # the connection is going: the loop redials and subscribes as shown or not

    def _event(self, event: BusEvent) -> None:
        self.note(event)
        if self.shown:
            self.room.rig_event(self, event)

    def note(self, event: BusEvent) -> None:
        """What the room keeps of an event, shown or not."""
        v = self.view
        if isinstance(event, StateChanged):
            v.state = event.state
        elif isinstance(event, VideoStats):
            v.add_stats(event)
        elif isinstance(event, Meter):
            v.meter = event
            return
        else:
            return
        if v.state is not None:
            before = self.glance
            self.glance = Glance.of(v.state, v.stats.outputs if v.stats else ())
            if self.glance != before:
                self.room.rig_changed(self)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self.client is not None:
            with contextlib.suppress(Exception):
                await self.client.close()


class RigBar(Widget):
    """One cell per rig — name, state, bitrate, drops — the one shown marked. Shown only with
    more than one rig."""

    COMPONENT_CLASSES = {"rigbar--shown", "rigbar--live", "rigbar--recording", "rigbar--idle",
                         "rigbar--unreachable", "rigbar--connecting"}
    cells: reactive[tuple[tuple[str, Glance, bool], ...]] = reactive((), layout=False)

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, (name, glance, shown) in enumerate(self.cells):
            if i:
                out.append(" │ ")
            out.append(f"{name} ", self.get_component_rich_style("rigbar--shown") if shown else "")
            out.append(str(glance.state), self.get_component_rich_style(f"rigbar--{glance.state}"))
            if glance.state == RigState.LIVE:
                out.append(f" {glance.kbps:.0f}k")
            if glance.dropped:
                out.append(f" ↓{glance.dropped}")
        return out
