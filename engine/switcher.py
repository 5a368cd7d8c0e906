"""Automatic scene switching ([[switch]]): "while this holds, show that scene", as Advanced
Scene Switcher does for OBS, for the case a headless rig meets most: the game's window gone
(restarting, crashed, a loading screen in another window) shows the BRB scene by itself.

A rule's condition is one of: a captured source's state (reported by the video process each
second), the focused window (a regex on title or class), an audio source silent for a while
(from the meters), no input on the game box for a while (engine/desktop.py), or a span of the
day. Rules are checked in order, four times a second, against those facts, gathered only for
the conditions some rule has. The first rule that holds decides; when none holds any more, the scene
that was on before the first automatic switch comes back (if nobody changed it since). A scene
switched by hand (TUI, ctl, the link, obs-websocket, a hotkey) holds the rules off for
``[switcher] hold_s``. Every automatic switch is a log line (an event every client sees) and
a state change, so the TUI, the link and obs-websocket (CurrentProgramSceneChanged) follow it.
In studio mode it switches the program, as SetCurrentProgramScene does.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from rigcast.config.model import SwitchRule
from rigcast.engine.desktop import Desktop, Focused
from rigcast.engine.vocab import SceneSwitch, VideoCommand
from rigcast.engine.vocab.reports import Meter

log = logging.getLogger("rigcast.switcher")

CHECK_EVERY_S = 0.25
SILENT_DB = -60.0  # a source's peak below this (or muted) is silence


@dataclass(frozen=True)
class Facts:
    """What the rules are checked against, at one instant."""

    states: Mapping[str, str] = field(default_factory=dict)
    focused: Focused | None = None
    quiet_s: Mapping[str, float] = field(default_factory=dict)  # how long each source with sound has been silent
    idle_s: float | None = None
    clock: datetime.time = datetime.time(12, 0)


def _in_span(span: str, t: datetime.time) -> bool:
    def at(hhmm: str) -> datetime.time:
        h, m = hhmm.strip().split(":")
        return datetime.time(int(h), int(m))

    a, _, b = span.partition("-")
    start, end = at(a), at(b)
    return start <= t < end if start <= end else (t >= start or t < end)


def holds(r: SwitchRule, facts: Facts) -> bool:
    if r.source is not None:
        return facts.states.get(r.source) == r.state
    if r.window is not None:
        f = facts.focused
        return f is not None and bool(re.search(r.window, f.title) or re.search(r.window, f.wm_class))
    if r.silent is not None:
        return facts.quiet_s.get(r.silent, 0.0) >= r.for_s
    if r.idle_s is not None:
        return facts.idle_s is not None and facts.idle_s >= r.idle_s
    if r.between is not None:
        return _in_span(r.between, facts.clock)
    return False


def why(r: SwitchRule) -> str:
    if r.source is not None:
        return f'"{r.source}" is {r.state}'
    if r.window is not None:
        return f"the focused window matches /{r.window}/"
    if r.silent is not None:
        return f'"{r.silent}" has been silent for {r.for_s:g} s'
    if r.idle_s is not None:
        return f"no input for {r.idle_s:g} s"
    return f"it is between {r.between}"


def wanted(rules: list[SwitchRule], facts: Facts | Mapping[str, str]) -> tuple[int, SwitchRule] | None:
    """The first rule that holds (its 1-based number), or None. Pure: tested without an engine
    (a mapping alone is the source states)."""
    if not isinstance(facts, Facts):
        facts = Facts(states=facts)
    for i, r in enumerate(rules, 1):
        if holds(r, facts):
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
        self.desktop = Desktop()
        self.loud_at: dict[str, float] = {}  # when each source with sound was last heard
        self.started = time.monotonic()
        self._said_blind = False

    def heard(self, meter: Meter) -> None:
        """A meter frame: each source not silent now was heard now."""
        now = time.monotonic()
        for name, s in meter.sources.items():
            if not s.muted and max(s.levels.peak or (-200.0,)) > SILENT_DB:
                self.loud_at[name] = now

    def facts(self) -> Facts:
        """What the rules need now, and nothing they don't (the desktop is asked only for them)."""
        now = time.monotonic()
        silent = {r.silent for r in self.rules if r.silent is not None}
        focused = self.desktop.focused() if any(r.window is not None for r in self.rules) else None
        idle = self.desktop.idle_s() if any(r.idle_s is not None for r in self.rules) else None
        if (any(r.window is not None or r.idle_s is not None for r in self.rules) and not self.desktop.available
                and not self._said_blind):
            log.warning("the desktop can't be asked for the focused window or idle time here; those rules never hold")
            self._said_blind = True
        return Facts(self.states(), focused, {n: now - self.loud_at.get(n, self.started) for n in silent}, idle,
                     datetime.datetime.now().time())

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
        hit = wanted(self.rules, self.facts())
        if hit is not None:
            n, rule = hit
            if rule.scene != program:
                if self.before is None:
                    self.before = program
                await self._switch(rule.scene, f"rule {n}: {why(rule)}")
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
