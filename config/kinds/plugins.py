"""Kinds from installed plugins: distributions declaring an entry point in ``rigcast.plugins``.

An entry point names a module exposing ``KINDS``, records exactly like this package's own
(docs/plugins.md). They are read where the registry is built (``all_kinds()``, once per
process, spawned workers included), so a plugin's kind is validated, described, saved and shown
like a built-in one, and nothing else in rigcast names it.

A plugin that fails to import, exposes no ``KINDS``, or declares a kind whose name is taken is
one line naming the plugin and its package, and none of its kinds are loaded: the rest of
rigcast goes on (a duplicate among rigcast's own kinds is still a bug that stops it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from rigcast.config.kinds.base import KindInfo, Role

GROUP = "rigcast.plugins"
log = logging.getLogger("rigcast.plugins")


@dataclass(frozen=True)
class Plugin:
    """One entry point as found: what it gave, or why it gave nothing."""

    name: str  # the entry point's name
    package: str  # its distribution
    version: str
    kinds: tuple[str, ...] = ()  # "role/name" of each kind it declares
    error: str | None = None  # None: loaded

    @property
    def loaded(self) -> bool:
        return self.error is None

    def line(self) -> str:
        return (f'plugin "{self.name}" ({self.package} {self.version}) not loaded: {self.error}; '
                "its kinds are unavailable (fix or uninstall the package)")


def _dist(ep: EntryPoint) -> tuple[str, str]:
    dist = getattr(ep, "dist", None)
    return (dist.name, dist.version) if dist is not None else ("?", "?")


def load(taken: Iterable[tuple[Role, str]]) -> tuple[list[KindInfo[Any]], list[Plugin]]:
    """The plugins' kinds that can join ``taken`` (role, name pairs), and what each plugin did."""
    seen = set(taken)
    found: list[KindInfo[Any]] = []
    plugins: list[Plugin] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        package, version = _dist(ep)
        try:
            records = tuple(getattr(ep.load(), "KINDS"))
            if not all(isinstance(k, KindInfo) for k in records):
                raise TypeError("KINDS holds something that is not a KindInfo record")
        except Exception as e:  # a plugin's bug, any kind: its own line, not rigcast's end
            plugin = Plugin(ep.name, package, version, error=f"{type(e).__name__}: {e}")
        else:
            names = tuple(f"{k.role}/{k.name}" for k in records)
            own = [(k.role, k.name) for k in records]
            # Taken by rigcast or an earlier plugin, or twice in this one.
            clash = next((k for i, k in enumerate(records) if own[i] in seen or own[i] in own[:i]), None)
            if clash is not None:
                plugin = Plugin(ep.name, package, version, names,
                                f'its {clash.role} kind "{clash.name}" has a name already taken')
            else:
                plugin = Plugin(ep.name, package, version, names)
                seen.update(own)
                found.extend(records)
        if not plugin.loaded:
            log.warning("%s", plugin.line())
        plugins.append(plugin)
    return found, plugins
