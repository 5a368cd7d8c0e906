"""The command bus: the one way anything changes the engine's state.

The TUI, ``rigcast ctl``, the user's API link, obs-websocket and hotkeys all end up here. A
command is a frozen dataclass of its arguments (its wire name in ``NAME``) plus one
module-level handler, and :class:`Command` ties the two together in one table
(engine/commands/__init__.py). A name on the wire maps to its dataclass; the arguments are
checked against the dataclass's fields (and, for a field that is a setting, that setting's
bounds: the config loader's own check), so whatever a command accepts and saves loads again.
Handlers run on the engine's event loop, one at a time in arrival order, against the narrow
host they are given (engine/commands/host.py), not the whole engine. State changes and stats
leave the engine the same way for everyone: as events published here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
import functools
import logging
import types
import typing
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from rigcast.engine.vocab.reports import BusEvent, EventName

log = logging.getLogger("rigcast.bus")

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


class Unset(enum.Enum):
    """An argument that was not given, where ``None`` is a value of its own (``width = null``
    on a scene item means "no box")."""

    UNSET = "unset"


UNSET = Unset.UNSET


class Args(Protocol):
    """What every command's argument dataclass has: its name on the wire."""

    NAME: ClassVar[str]


A = TypeVar("A", bound=Args)
H = TypeVar("H")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Cmd(Generic[R_co]):
    """The base of every command's argument dataclass: ``R`` is the answer's type
    (engine/vocab/results.py), so ``bus.run(SwitchScene("BRB"))`` is a ``ProgramScene`` to mypy,
    and a control client reads the JSON answer back into it (``RESULT``, taken from the base
    ``Cmd[R]`` as the class is made)."""

    NAME: ClassVar[str]
    RESULT: ClassVar[Any]

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        for base in cls.__dict__.get("__orig_bases__", ()):
            given = typing.get_args(base)
            if given and not isinstance(given[0], TypeVar):
                cls.RESULT = given[0]


def setting(settings: type, name: str, default: Any = dataclasses.MISSING) -> Any:
    """An argument that is the setting ``name`` of ``settings``: checked against that field's
    bounds, the same check the config loader and the flags make (config/fields.py)."""
    return field(default=default, metadata={"setting": (settings, name)})


def internal(default_factory: Callable[[], Any]) -> Any:
    """A field a command carries that no client may send: filled in by its ``prepare`` step
    (the push URLs the user's API handed out)."""
    return field(default_factory=default_factory, metadata={"internal": True})


@dataclass(frozen=True)
class Param:
    """One wire argument, derived from a field of a command's dataclass."""

    types: tuple[type, ...]
    required: bool = True
    setting: tuple[type, str] | None = None

    def describe(self) -> str:
        return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in self.types)

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) and bool not in self.types:
            return False  # JSON true is not the integer 1
        if isinstance(value, int) and not isinstance(value, bool) and float in self.types:
            return True
        return isinstance(value, self.types)


def _wire_types(hint: Any) -> tuple[type, ...]:
    """The JSON types a field's annotation takes; ``None`` and :class:`Unset` stand for "not
    given" and are never accepted as values."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        parts = typing.get_args(hint)
    else:
        parts = (hint,)
    out: list[type] = []
    for p in parts:
        p = typing.get_origin(p) or p
        if p in (type(None), Unset):
            continue
        if p in (typing.Mapping, typing.MutableMapping) or (isinstance(p, type) and issubclass(p, dict)):
            p = dict
        elif isinstance(p, type) and issubclass(p, (list, tuple)):
            p = list
        out.append(p)
    return tuple(out)


@functools.cache
def _params(args: type) -> dict[str, Param]:
    return params_of(args)


def params_of(args: type) -> dict[str, Param]:
    """A command's wire arguments, from its dataclass's fields."""
    from rigcast.config import fields

    hints = typing.get_type_hints(args)
    out: dict[str, Param] = {}
    for f in dataclasses.fields(args):
        if f.metadata.get("internal"):
            continue
        required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        where = f.metadata.get("setting")
        if where is not None:
            spec = fields.spec(fields.field_named(*where))
            assert spec is not None, where
            out[f.name] = Param(spec.types, required, where)
        else:
            out[f.name] = Param(_wire_types(hints[f.name]), required)
    return out


@dataclass(frozen=True)
class Command(Generic[A, H]):
    """One bus command: its argument dataclass, its handler, and what ``list`` says of it.

    ``prepare`` is slow preparation that must not hold up other commands (asking the user's
    API where to publish): it runs before the command takes its turn and hands the handler a
    copy of the arguments with its internal fields filled in."""

    args: type[A]
    handler: Callable[[H, A], Awaitable[Any]]
    summary: str
    prepare: Callable[[H, A], Awaitable[A]] | None = None
    params: dict[str, Param] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", params_of(self.args))

    @property
    def name(self) -> str:
        return self.args.NAME

    def decode(self, given: dict[str, Any]) -> A:
        """The arguments as sent, checked: BusError("bad_args") naming the first problem."""
        extra = sorted(set(given) - set(self.params))
        if extra:
            raise BusError("bad_args", f'{self.name}: unknown argument "{extra[0]}"; '
                                       f'it takes {", ".join(self.params) or "no arguments"}')
        values: dict[str, Any] = {}
        for key, p in self.params.items():
            if key not in given:
                if p.required:
                    raise BusError("bad_args", f'{self.name}: missing argument "{key}" ({p.describe()})')
                continue
            value = given[key]
            if p.setting is None and not p.accepts(value):
                raise BusError("bad_args", f'{self.name}: "{key}" must be {p.describe()}, '
                                           f"got {_TYPE_NAMES.get(type(value), type(value).__name__)}")
            if p.setting is not None:
                from rigcast.config import fields

                try:
                    value = fields.check_field(*p.setting, value)
                except fields.SettingError as e:
                    raise BusError("bad_args", f"{self.name}: {e.key}: {e.problem}") from None
            values[key] = value
        return self.args(**values)


def given(args: Any) -> dict[str, Any]:
    """A typed command's arguments as a client sends them: a field left at its "not given"
    default (``UNSET``, or ``None`` where that is the default) is left out, and so is an
    internal one."""
    params = _params(typing.cast(Any, type(args)))
    out: dict[str, Any] = {}
    for f in dataclasses.fields(args):
        value = getattr(args, f.name)
        if f.name in params and value is not UNSET and not (value is None and f.default is None):
            out[f.name] = value
    return out


class CommandBus:
    """The commands, the host their handlers act on, the one lock, and the event listeners."""

    def __init__(self, host: Any = None, commands: Iterable[Command[Any, Any]] = ()) -> None:
        self.host = host
        self.commands: dict[str, Command[Any, Any]] = {}
        self.by_type: dict[type, Command[Any, Any]] = {}
        for c in commands:
            self.register(c)
        self._listeners: list[Listener] = []
        self._lock = asyncio.Lock()

    def register(self, command: Command[Any, Any]) -> None:
        self.commands[command.name] = command
        self.by_type[command.args] = command

    async def execute(self, name: str, args: dict[str, Any] | None = None) -> Any:
        """A command as it arrives on a wire: by name, with JSON arguments. The answer is typed
        (engine/vocab/results.py); the socket it goes out on makes it JSON (``to_wire``)."""
        cmd = self.commands.get(name)
        if cmd is None:
            raise BusError("unknown_command", f'unknown command "{name}"; see docs/control-protocol.md')
        return await self._run(cmd, cmd.decode(dict(args or {})))

    async def run(self, args: Cmd[R]) -> R:
        """A command given as its dataclass (obs-websocket, hotkeys): typed by the caller,
        checked the same way as one from a wire, so a setting's bounds always hold."""
        cmd = self.by_type[type(args)]
        return typing.cast(R, await self._run(cmd, cmd.decode(given(args))))

    async def _run(self, cmd: Command[Any, Any], args: Any) -> Any:
        if cmd.prepare is not None:
            args = await cmd.prepare(self.host, args)
        async with self._lock:  # one state change at a time, in arrival order
            return await cmd.handler(self.host, args)

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
