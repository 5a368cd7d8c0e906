"""Automatic scene switching ([[switch]]): "while this holds, show that scene", as Advanced
Scene Switcher does for OBS, for the case a headless rig meets most: the game's window gone
(restarting, crashed, a loading screen in another window) shows the BRB scene by itself.

Rules are checked in order, four times a second, against the source states the video process
reports each second. The first rule that holds decides; when none holds any more, the scene
that was on before the first automatic switch comes back (if nobody changed it since). A scene
switched by hand (TUI, ctl, the link, obs-websocket, a hotkey) holds the rules off for
``[switcher] hold_s``. Every automatic switch is a log line (an event every client sees) and
a state change, so the TUI, the link and obs-websocket (CurrentProgramSceneChanged) follow it.
In studio mode it switches the program, as SetCurrentProgramScene does.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from rigcast.config.model import SwitchRule
from rigcast.engine.vocab import SceneSwitch, VideoCommand

log = logging.getLogger("rigcast.switcher")

CHECK_EVERY_S = 0.25


def wanted(rules: list[SwitchRule], states: Mapping[str, str]) -> tuple[int, SwitchRule] | None:
    """The first rule that holds (its 1-based number), or None. Pure: tested without an engine."""
    for i, r in enumerate(rules, 1):
        if states.get(r.source) == r.state:
            return i, r
    return None


class Switcher:
    def __init__(self, rules: list[SwitchRule], hold_s: float, program: Callable[[], str],
                 states: Callable[[], Mapping[str, str]], video: Callable[[VideoCommand], Awaitable[bytes | None]],
                 changed: Callable[[], None]) -> None:
        self.rules, self.hold_s = rules, hold_s
        self.program, self.states, self.video, self.changed = program, states, video, changed
        self.before: str | None = None  # the scene to come back to
        self.shown: str | None = None  # the scene a rule put on
        self.held_until = 0.0

    def manual(self) -> None:
        """A scene switched by hand: the rules hold off, and what was on before is forgotten."""
        self.held_until = time.monotonic() + self.hold_s
        self.before = self.shown = None
        if self.hold_s:
            log.info("scene switched by hand: automatic switching holds off for %g s", self.hold_s)

    async def check(self) -> None:
        if time.monotonic() < self.held_until:
            return
        program = self.program()
        hit = wanted(self.rules, self.states())
        if hit is not None:
            n, rule = hit
            if rule.scene != program:
                if self.before is None:
                    self.before = program
                await self._switch(rule.scene, f'rule {n}: "{rule.source}" is {rule.state}')
                self.shown = rule.scene
        elif self.before is not None:
            back, self.before = self.before, None
            if program == self.shown:
                await self._switch(back, "no rule holds any more")
            self.shown = None

    async def _switch(self, scene: str, why: str) -> None:
        await self.video(SceneSwitch(scene))
        log.info("automatic scene switch to %s (%s)", scene, why)
        self.changed()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.check()
            except Exception as e:  # one failed switch never stops the rules (or the engine)
                log.warning("automatic scene switch failed: %s", e)
            try:
                await asyncio.wait_for(stop.wait(), CHECK_EVERY_S)
            except TimeoutError:
                pass
