"""Every kind rigcast knows, found by its record (see :mod:`rigcast.config.kinds.base`).

Each module of this package declares ``KINDS``, a tuple of records. They are collected here by
walking the package, so a new kind is a new module and nothing else in this package changes.
Installed plugins add theirs the same way (config/kinds/plugins.py).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import TYPE_CHECKING, Any

from rigcast.config.kinds.base import Cap, KindInfo, KindStats, Role

if TYPE_CHECKING:
    from rigcast.config.kinds.plugins import Plugin

__all__ = ["Cap", "KindInfo", "KindStats", "Role", "all_kinds", "find", "first", "installed_plugins", "kinds", "names", "output_kind_for_url", "stats_class", "stats_wire_keys",
           "url_secret_parts"]


@cache
def _own_kinds() -> tuple[KindInfo[Any], ...]:
    """rigcast's own records, one module each; a name declared twice among them is a bug."""
    found: list[KindInfo[Any]] = []
    for mod in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if mod.name in ("base", "plugins"):
            continue
        found.extend(getattr(importlib.import_module(f"{__name__}.{mod.name}"), "KINDS", ()))
    seen: set[tuple[Role, str]] = set()
    for k in found:
        if (k.role, k.name) in seen:
            raise RuntimeError(f"{k.role} kind {k.name} is declared twice")
        seen.add((k.role, k.name))
    return tuple(found)


@cache
def all_kinds() -> tuple[KindInfo[Any], ...]:
    return tuple(sorted((*_own_kinds(), *installed_plugins()[0]), key=lambda k: (k.role, k.order, k.name)))


@cache
def installed_plugins() -> tuple[tuple[KindInfo[Any], ...], tuple[Plugin, ...]]:
    """The plugins' kinds (those that loaded) and every plugin found, read once per process."""
    from rigcast.config.kinds import plugins

    found, each = plugins.load((k.role, k.name) for k in _own_kinds())
    return tuple(found), tuple(each)


def kinds(role: Role, cap: Cap | None = None) -> tuple[KindInfo[Any], ...]:
    return tuple(k for k in all_kinds() if k.role == role and (cap is None or k.has(cap)))


def names(role: Role, cap: Cap | None = None) -> tuple[str, ...]:
    return tuple(k.name for k in kinds(role, cap))


def find(role: Role, name: str) -> KindInfo[Any]:
    for k in all_kinds():
        if k.role == role and k.name == name:
            return k
    raise KeyError(f"{role} kind {name}")


def first(role: Role, cap: Cap) -> KindInfo[Any]:
    """The first kind (in the records' order) that has ``cap``: what a bare flag like
    ``--record`` or ``--window`` makes."""
    found = kinds(role, cap)
    if not found:
        raise KeyError(f"no {role} kind can {cap}")
    return found[0]


def output_kind_for_url(url: str) -> KindInfo[Any]:
    """The stream output kind whose record claims the URL's scheme (``extra["schemes"]``); with
    none, the first stream kind, whose own URL check then names what is wrong."""
    scheme = url.partition("://")[0].lower() if "://" in url else ""
    for k in kinds(Role.OUTPUT, Cap.STREAM):
        if scheme in k.extra.get("schemes", ()):
            return k
    return first(Role.OUTPUT, Cap.STREAM)


@cache
def stats_wire_keys() -> tuple[str, ...]:
    """The keys an output row has on the wire for the kinds' own statistics (``srt``, ...)."""
    return tuple(k.stats.WIRE_KEY for k in kinds(Role.OUTPUT) if k.stats is not None)


def stats_class(wire_key: str) -> type[KindStats]:
    """The statistics class whose rows go under ``wire_key`` (``srt``, ``webrtc``)."""
    return next(k.stats for k in kinds(Role.OUTPUT) if k.stats is not None and k.stats.WIRE_KEY == wire_key)


def url_secret_parts(url: str) -> list[str]:
    """The secret pieces of a push URL, by the rule of the output kind that takes its scheme."""
    from rigcast.config.secrets import path_secret_parts

    rule = output_kind_for_url(url).secret_parts
    return (rule or path_secret_parts)(url)
