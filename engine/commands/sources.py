"""``source.get`` and ``source.set``: a source's settings, read and changed on a running engine.

A change is checked by the loader's own rules for the kind (config/loader.py), then carried out
by whoever holds the source: the video process draws an image, colour or text again and its
mixer takes an audio source's sync offset; a captured source (a window, a media file) or an
audio device gets its worker started again with the new settings. The change is saved to the
config file, as ``scene.item.set`` saves placements.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from rigcast.config import fields as f
from rigcast.config.filterlist import filter_names
from rigcast.config.kinds import Cap
from rigcast.config.kinds.audio import SoundSettings
from rigcast.config.loader import ConfigError, _read
from rigcast.config.model import SourceConfig
from rigcast.engine.commands.host import Host
from rigcast.engine.commands.scenes import SET_ITEM, save_change, set_item
from rigcast.engine.control.bus import BusError, Cmd, Command
from rigcast.engine.vocab import MuteSet, SourceSettings, VolumeSet
from rigcast.engine.vocab.results import FilterRow, ItemSet, SourceChanged, SourceFilters, SourceSettingsRow

log = logging.getLogger("rigcast.engine")
MIXED_LIVE = ("volume_db", "muted")  # an audio source's settings its mixer input holds itself


def source(e: Host, name: str) -> SourceConfig:
    src = e.cfg.source(name)
    if src is None:
        raise BusError("unknown_source", f'no source named "{name}"')
    return src


@dataclass(frozen=True)
class GetSource(Cmd[SourceSettingsRow]):
    NAME: ClassVar = "source.get"
    source: str


async def get_source(e: Host, c: GetSource) -> SourceSettingsRow:
    src = source(e, c.source)
    return SourceSettingsRow(src.name, src.kind, e.source_settings(src))


@dataclass(frozen=True)
class SetSource(Cmd[SourceChanged]):
    NAME: ClassVar = "source.set"
    source: str
    settings: dict[str, Any]
    overlay: bool = True  # False: the settings given replace them all


async def set_source(e: Host, c: SetSource) -> SourceChanged:
    src = source(e, c.source)
    now = e.source_settings(src)
    merged = now | c.settings if c.overlay else dict(c.settings)
    base = Path(e.cfg.path).resolve().parent if e.cfg.path else None
    try:
        new = SourceConfig(src.name, src.kind, _read(src.info.settings, merged, f"{src.name}: ", f.Context(base)))
    except ConfigError as err:
        raise BusError("bad_args", str(err)) from None
    changed = sorted(k for k in set(merged) | set(now) if merged.get(k) != now.get(k))
    if not changed:
        return SourceChanged(src.name, (), False)
    rest = set(changed) - set(MIXED_LIVE)
    if src.has(Cap.SOUND):
        if "volume_db" in changed:
            await e.video_command(VolumeSet(src.name, new.settings.volume_db))
        if "muted" in changed:
            await e.video_command(MuteSet(src.name, new.settings.muted))
        if rest:  # the mixer reads tracks, filters and offset from the config it holds
            await e.video_command(SourceSettings(new))
        rest -= f.keys(SoundSettings)
    if src.has(Cap.AUDIO):
        if "device" in changed:
            e.reconfigure(new)
    elif src.has(Cap.DRAWN):
        await e.video_command(SourceSettings(new))
    elif rest and not e.reconfigure(new):
        raise BusError("failed", f'"{src.name}" is not captured by any worker (it is in no scene)')
    e.replace_source(new)
    saved = False
    if e.cfg.path:
        from rigcast.config.save import save_source_settings

        saved = save_change(e, save_source_settings, src.name, {k: merged.get(k) for k in changed})
    log.info("%s: settings changed (%s)", src.name, ", ".join(changed))
    e.publish_state()
    return SourceChanged(src.name, tuple(changed), saved)


def chain(e: Host, name: str, scene: str | None) -> tuple[str, list[dict[str, Any]]]:
    """(who holds the chain, its rows as the config file writes them): an audio source's,
    or with ``scene`` the video filters of that scene's item showing the source."""
    src = source(e, name)
    if scene is None:
        return src.name, [dict(r) for r in e.source_settings(src).get("filters", [])]
    item = e.rendered.item(scene, src.name)
    if item is None:
        raise BusError("unknown_item", f'scene "{scene}" shows no source "{src.name}"')
    return f'{src.name} in "{scene}"', item.filter_rows()


@dataclass(frozen=True)
class ListFilters(Cmd[SourceFilters]):
    NAME: ClassVar = "source.filters"
    source: str
    scene: str | None = None


async def list_filters(e: Host, c: ListFilters) -> SourceFilters:
    _, rows = chain(e, c.source, c.scene)
    return SourceFilters(c.source, tuple(
        FilterRow(n, r["kind"], bool(r.get("enabled", True)), {k: v for k, v in r.items() if k not in ("kind", "enabled")})
        for n, r in zip(filter_names([r["kind"] for r in rows]), rows)))


@dataclass(frozen=True, kw_only=True)
class SetFilter(Cmd[ItemSet | SourceChanged]):
    NAME: ClassVar = "source.filter.set"
    source: str
    scene: str | None = None
    filter: str
    enabled: bool | None = None
    settings: dict[str, Any] | None = None


async def set_filter(e: Host, c: SetFilter) -> ItemSet | SourceChanged:
    who, rows = chain(e, c.source, c.scene)
    names = filter_names([r["kind"] for r in rows])
    if c.filter not in names:
        raise BusError("unknown_filter", f'{who} has no filter named "{c.filter}"; it has '
                                         + (", ".join(names) or "none"))
    row = rows[names.index(c.filter)]
    if c.enabled is not None:
        row["enabled"] = c.enabled
    row |= {k: v for k, v in (c.settings or {}).items() if k != "kind"}
    if c.scene is not None:  # within this command's turn: the handler itself, not the bus
        return await set_item(e, SET_ITEM.decode({"scene": c.scene, "source": c.source, "filters": rows}))
    return await set_source(e, SetSource(c.source, {"filters": rows}))

COMMANDS = (
    Command(ListFilters, list_filters,
            "a source's filters (with scene: that scene item's video filters): name, kind, on or off, settings"),
    Command(SetFilter, set_filter,
            "switch one filter on or off, or change its settings (checked, applied, saved)"),
    Command(GetSource, get_source, "a source's kind and settings now"),
    Command(SetSource, set_source, "change a source's settings live (checked like the config file; saved to it)"),
)
