"""JSON back into the vocabulary's dataclasses: how a control client gets the engine's own types.

The engine makes JSON only at a socket (each class's ``wire()``); a client reads it back here,
into the same frozen dataclasses, so the TUI and ``ctl`` work on typed fields and a renamed
field is a type error, not a key that silently reads as missing. Decoding follows the class's
annotations: nested dataclasses, ``X | None``, tuples, lists, ``dict[str, X]`` and StrEnums. A
class whose wire shape is not its field layout (a source row's ``pid``/``restarts``, an output
row's per-kind statistics) gives its own ``from_wire`` classmethod, which this module calls.

A value the annotation can't take raises :class:`WireError` naming the field: the engine and
the client come from one wheel, so a mismatch is a bug to see, not data to guess at.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


class WireError(ValueError):
    """A message does not have the shape its type says."""


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_wire(cls: type[T], data: Any) -> T:
    """``data`` (parsed JSON) as a ``cls``; its own ``from_wire`` when it has one."""
    own = getattr(cls, "from_wire", None)
    if own is not None and callable(own):
        return typing.cast(T, own(data))
    return typing.cast(T, fields_of(cls, data))


def fields_of(cls: type[T], data: Any) -> T:
    """``cls`` from a JSON object by its fields' annotations (a key left out: its default)."""
    if not isinstance(data, Mapping):
        raise WireError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = _hints(typing.cast(type, cls))
    kw: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if not f.init or f.name not in data:
            continue
        try:
            kw[f.name] = value(hints[f.name], data[f.name])
        except WireError as e:
            raise WireError(f"{cls.__name__}.{f.name}: {e}") from None
    try:
        return cls(**kw)
    except TypeError as e:  # a field with no default was not sent
        raise WireError(f"{cls.__name__}: {e}") from None


def value(tp: Any, data: Any) -> Any:
    """One JSON value as the annotation ``tp``."""
    if tp is Any or tp is object:
        return data
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        members = typing.get_args(tp)
        if data is None:
            if type(None) in members:
                return None
            raise WireError("null where a value is needed")
        last: WireError | None = None
        for m in members:
            if m is type(None):
                continue
            try:
                return value(m, data)
            except WireError as e:
                last = e
        raise last or WireError(f"{data!r} fits none of {tp}")
    if origin is tuple:
        args = typing.get_args(tp)
        if not isinstance(data, (list, tuple)):
            raise WireError(f"expected a list, got {type(data).__name__}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(value(args[0], v) for v in data)
        if len(args) != len(data):
            raise WireError(f"expected {len(args)} items, got {len(data)}")
        return tuple(value(a, v) for a, v in zip(args, data, strict=True))
    if origin is list:
        (arg,) = typing.get_args(tp) or (Any,)
        if not isinstance(data, list):
            raise WireError(f"expected a list, got {type(data).__name__}")
        return [value(arg, v) for v in data]
    if origin is dict:
        _, arg = typing.get_args(tp) or (str, Any)
        if not isinstance(data, Mapping):
            raise WireError(f"expected an object, got {type(data).__name__}")
        return {str(k): value(arg, v) for k, v in data.items()}
    if isinstance(tp, type):
        if dataclasses.is_dataclass(tp):
            return from_wire(tp, data)
        if issubclass(tp, enum.Enum):
            try:
                return tp(data)
            except ValueError:
                raise WireError(f"{data!r} is not a {tp.__name__}") from None
        if tp is float and isinstance(data, (int, float)) and not isinstance(data, bool):
            return float(data)
        if tp is int and isinstance(data, int) and not isinstance(data, bool):
            return data
        if tp in (str, bool) and isinstance(data, tp):
            return data
        raise WireError(f"expected {tp.__name__}, got {type(data).__name__}")
    return data


def to_wire(obj: Any) -> Any:
    """A typed answer or row as JSON-ready values: a class's own ``wire()`` where it has one,
    else its fields; tuples become lists. Called only where the value leaves through a socket."""
    own = getattr(obj, "wire", None)
    if own is not None and callable(own) and dataclasses.is_dataclass(obj):
        return own()
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_wire(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_wire(v) for v in obj]
    if isinstance(obj, Mapping):
        return {k: to_wire(v) for k, v in obj.items()}
    return obj
