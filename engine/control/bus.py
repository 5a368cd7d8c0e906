"""The command bus: the one way anything changes the engine's state.

The TUI, ``rigcast ctl``, the user's API link and (later) an obs-websocket server all end up
here: a command is looked up by name, its arguments are checked against its declared types,
and its handler runs on the engine's event loop, one at a time in arrival order. State changes
and stats leave the engine the same way for everyone: as events published here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from rigcast.engine.vocab.reports import BusEvent, EventName

log = logging.getLogger("rigcast.bus")

Handler = Callable[[dict[str, Any]], Awaitable[Any]]
Listener = Callable[[BusEvent], None]

EVENTS = tuple(EventName)

_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number",
               list: "a list", dict: "an object", type(None): "null"}


class BusError(Exception):
    """A command that can't be carried out: a stable ``code`` for programs, a line for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Param:
    types: tuple[type, ...]
    required: bool = True
    # (settings dataclass, field): the value is also checked against that field's bounds, the
    # same check the config loader and the flags make (config/fields.py), so whatever a command
    # accepts and saves loads again.
    setting: tuple[type, str] | None = None

    @classmethod
    def of(cls, settings: type, name: str, required: bool = True) -> Param:
        from rigcast.config import fields

        spec = fields.spec(fields.field_named(settings, name))
        assert spec is not None
        return cls(spec.types, required, (settings, name))

    def describe(self) -> str:
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in self.types)

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) and bool not in self.types:
            return False  # JSON true is not the integer 1
        if isinstance(value, int) and not isinstance(value, bool) and float in self.types:
            return True
        return isinstance(value, self.types)


@dataclass(frozen=True)
class Command:
    name: str
    handler: Handler
    params: dict[str, Param] = field(default_factory=dict)
    summary: str = ""
    # Slow preparation that must not hold up other commands (asking the user's API where to
    # publish): runs before the command takes its turn; its result reaches the handler as
    # args["_prepared"].
    prepare: Handler | None = None


class CommandBus:
    def __init__(self) -> None:
        self.commands: dict[str, Command] = {}
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()

    def register(self, name: str, handler: Handler, params: dict[str, Param] | None = None,
                 summary: str = "", prepare: Handler | None = None) -> None:
        self.commands[name] = Command(name, handler, params or {}, summary, prepare)

    def check_args(self, cmd: Command, args: dict[str, Any]) -> None:
        extra = sorted(set(args) - set(cmd.params))
        if extra:
            raise BusError("bad_args", f'{cmd.name}: unknown argument "{extra[0]}"; '
                                       f'it takes {", ".join(cmd.params) or "no arguments"}')
        for key, p in cmd.params.items():
            if key not in args:
                if p.required:
                    raise BusError("bad_args", f'{cmd.name}: missing argument "{key}" ({p.describe()})')
                continue
            if p.setting is None and not p.accepts(args[key]):
                raise BusError("bad_args", f'{cmd.name}: "{key}" must be {p.describe()}, '
                                           f"got {_TYPE_NAMES.get(type(args[key]), type(args[key]).__name__)}")
            if p.setting is not None:
                from rigcast.config import fields

                try:
                    args[key] = fields.check_field(*p.setting, args[key])
                except fields.SettingError as e:
                    raise BusError("bad_args", f"{cmd.name}: {e.key}: {e.problem}") from None

    async def execute(self, name: str, args: dict[str, Any] | None = None) -> Any:
        cmd = self.commands.get(name)
        if cmd is None:
            raise BusError("unknown_command", f'unknown command "{name}"; see docs/control-protocol.md')
        args = dict(args or {})
        self.check_args(cmd, args)
        if cmd.prepare is not None:
            args = args | {"_prepared": await cmd.prepare(args)}
        async with self._lock:  # one state change at a time, in arrival order
            return await cmd.handler(args)

    # -- events ----------------------------------------------------------------------------
    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def publish(self, event: BusEvent) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # one broken client must not stop the others hearing
                log.exception("event listener failed")
