"""The one validator: a setting's bounds live on its dataclass field, and every way in checks
a value against them here.

The TOML loader, the command-line flags and the command bus (and so the TUI, ``ctl``, the
link and obs-websocket) all call :func:`check`, so the same bad value gets the same one-line
problem wherever it came from, and whatever a command accepts and saves loads again. The TOML
reader and writer (:func:`read`, :func:`write`) are derived from the same fields, so what is
read is what is written back.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

META = "rigcast"
T = TypeVar("T")


class SettingError(ValueError):
    """``key``: the setting's name (TOML key / argument); ``problem``: what is wrong, one line."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class Context:
    """What some checks need: relative paths are relative to the config file's folder."""

    base_dir: Path | None = None


@dataclass(frozen=True)
class Setting:
    types: tuple[type, ...]
    expect: str  # "a whole number from 0 to 64": how the problem names what was wanted
    key: str | None = None  # the TOML key / argument name, when it isn't the field's
    lo: float | None = None
    hi: float | None = None
    lo_open: bool = False  # lo itself not allowed ("above 0")
    choices: tuple[str, ...] | None = None
    parse: Callable[[Any, Context], Any] | None = None  # converts/checks further; raises ValueError
    dump: Callable[[Any], Any] | None = None  # back to a TOML value
    required: bool = False
    write: bool = True  # written back by to_toml
    live: bool = False  # may be changed on a running engine (scene.item.set, source.volume, ...)


def spec(f: dataclasses.Field[Any]) -> Setting | None:
    s = f.metadata.get(META)
    return s if isinstance(s, Setting) else None


def key_of(f: dataclasses.Field[Any]) -> str:
    s = spec(f)
    return (s.key if s is not None and s.key else None) or f.name


def _field(default: Any, s: Setting, factory: Callable[[], Any] | None = None) -> Any:
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata={META: s})
    return dataclasses.field(default=default, metadata={META: s})


# -- field builders ---------------------------------------------------------------------------
def number(default: float | None, lo: float, hi: float, *, integer: bool = False, lo_open: bool = False,
           key: str | None = None, required: bool = False, live: bool = False, write: bool = True) -> Any:
    what = "a whole number" if integer else "a number"
    rng = f"above {lo:g} and at most {hi:g}" if lo_open else f"from {lo:g} to {hi:g}"
    return _field(default, Setting((int,) if integer else (int, float), f"{what} {rng}", key, lo, hi, lo_open,
                                   required=required, live=live, write=write))


def text(default: str | None, expect: str, *, key: str | None = None, required: bool = False,
         parse: Callable[[Any, Context], Any] | None = None, live: bool = False, max_len: int | None = None) -> Any:
    if max_len is not None and parse is None:
        def parse(v: Any, _c: Context, n: int = max_len) -> Any:
            if len(v) > n:
                raise ValueError(f"longer than {n} characters")
            return v
    return _field(default, Setting((str,), expect, key, parse=parse, required=required, live=live))


def flag(default: bool, *, key: str | None = None, live: bool = False) -> Any:
    return _field(default, Setting((bool,), "true or false", key, live=live))


def choice(default: str | None, choices: tuple[str, ...], *, key: str | None = None, live: bool = False) -> Any:
    return _field(default, Setting((str,), "one of " + ", ".join(choices), key, choices=choices, live=live))


def custom(default: Any, types: tuple[type, ...], expect: str, parse: Callable[[Any, Context], Any],
           dump: Callable[[Any], Any] | None = None, *, key: str | None = None, required: bool = False,
           live: bool = False) -> Any:
    return _field(default, Setting(types, expect, key, parse=parse, dump=dump, required=required, live=live))


# -- the check --------------------------------------------------------------------------------
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false", float: "a number",
               list: "a list", dict: "a table", type(None): "nothing"}


def _shown(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def check(s: Setting, value: Any, ctx: Context = Context()) -> Any:
    """The value as the model holds it, or ValueError with the one-line problem."""
    if isinstance(value, bool) and bool not in s.types:  # a TOML/JSON true is never a number here
        raise ValueError(f"expected {s.expect}, got {value!r}")
    if not isinstance(value, s.types):
        raise ValueError(f"expected {s.expect}, got {_shown(value)}")
    if s.lo is not None and s.hi is not None:
        assert isinstance(value, (int, float))
        low_ok = value > s.lo if s.lo_open else value >= s.lo
        if not (low_ok and value <= s.hi):
            raise ValueError(f"expected {s.expect}, got {value!r}")
        if float in s.types:
            value = float(value)
    if s.choices is not None and value not in s.choices:
        raise ValueError(f"expected {s.expect}, got {_shown(value)}")
    if s.parse is not None:
        value = s.parse(value, ctx)
    return value


def fields_of(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if spec(f) is not None]


def field_named(cls: type, name: str) -> dataclasses.Field[Any]:
    for f in fields_of(cls):
        if f.name == name or key_of(f) == name:
            return f
    raise KeyError(name)


def check_field(cls: type, name: str, value: Any, ctx: Context = Context()) -> Any:
    """``cls``'s setting ``name`` (field or key) checked; SettingError naming the key."""
    f = field_named(cls, name)
    s = spec(f)
    assert s is not None
    try:
        return check(s, value, ctx)
    except ValueError as e:
        raise SettingError(key_of(f), str(e)) from None


def read(cls: type[T], data: dict[str, Any], ctx: Context = Context(), **fixed: Any) -> T:
    """An instance of ``cls`` from a TOML table; SettingError names the first bad key. Keys the
    table has that ``cls`` doesn't take are left for the caller (it knows what else is there)."""
    values: dict[str, Any] = dict(fixed)
    for f in fields_of(cls):
        s = spec(f)
        assert s is not None
        k = key_of(f)
        if k in data:
            try:
                values[f.name] = check(s, data[k], ctx)
            except ValueError as e:
                raise SettingError(k, str(e)) from None
        elif s.required:
            raise SettingError(k, f"missing; expected {s.expect}")
    obj = cls(**values)
    validate = getattr(obj, "validate", None)
    if validate is not None:
        validate(data)  # rules across fields; raises SettingError
    return obj


def keys(cls: type) -> set[str]:
    return {key_of(f) for f in fields_of(cls)}


def write(obj: Any, skip_defaults: bool = False) -> dict[str, Any]:
    """The TOML table :func:`read` turns back into an equal ``obj``."""
    out: dict[str, Any] = {}
    for f in fields_of(type(obj)):
        s = spec(f)
        assert s is not None
        if not s.write:
            continue
        value = getattr(obj, f.name)
        if value is None:
            continue
        if skip_defaults and f.default is not dataclasses.MISSING and value == f.default:
            continue
        out[key_of(f)] = s.dump(value) if s.dump is not None else value
    return out


# -- shared value rules -----------------------------------------------------------------------
def regex(value: str, _ctx: Context) -> str:
    try:
        re.compile(value)
    except re.error as e:
        raise ValueError(f"not a valid regular expression: {e}") from None
    return value


def existing_file(what: str) -> Callable[[Any, Context], str]:
    """A file that must exist; relative to the config file's folder, stored absolute."""

    def parse(value: Any, ctx: Context) -> str:
        p = Path(value).expanduser()
        if not p.is_absolute() and ctx.base_dir is not None:
            p = ctx.base_dir / p  # relative to the config file, not to wherever rigcast was started
        if not p.is_file():
            raise ValueError(f"no such {what}: {p}")
        return str(p)

    return parse


def existing_file_as_given(what: str) -> Callable[[Any, Context], str]:
    def parse(value: Any, _ctx: Context) -> str:
        if not Path(value).expanduser().is_file():
            raise ValueError(f"no such {what}: {value}")
        return str(value)

    return parse
