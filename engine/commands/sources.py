"""``source.get`` and ``source.set``: a source's settings, read and changed on a running engine.

A change is checked by the loader's own rules for the kind (config/loader.py), then carried out
by whoever holds the source: the video process draws an image, colour or text again and its
mixer takes an audio source's sync offset; a captured source (a window, a media file) or an
audio device gets its worker started again with the new settings. The change is saved to the
config file, as ``scene.item.set`` saves placements.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rigcast.config import fields as f
from rigcast.config.filterlist import filter_names
from rigcast.config.kinds import Cap
from rigcast.config.loader import ConfigError, _read
from rigcast.config.model import SourceConfig
from rigcast.engine.control.bus import BusError, Param
from rigcast.engine.vocab import MuteSet, SourceSettings, VolumeSet

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine

log = logging.getLogger("rigcast.engine")
MIXED_LIVE = ("volume_db", "muted")  # an audio source's settings its mixer input holds itself


def register(e: Engine) -> None:
    def source(name: str) -> SourceConfig:
        src = e.cfg.source(name)
        if src is None:
            raise BusError("unknown_source", f'no source named "{name}"')
        return src

    async def get(args: dict[str, Any]) -> dict[str, Any]:
        src = source(args["source"])
        return {"source": src.name, "kind": src.kind, "settings": e.source_settings(src)}

    async def set_(args: dict[str, Any]) -> dict[str, Any]:
        src = source(args["source"])
        now = e.source_settings(src)
        given: dict[str, Any] = args["settings"]
        merged = now | given if args.get("overlay", True) else given
        base = Path(e.cfg.path).resolve().parent if e.cfg.path else None
        try:
            new = SourceConfig(src.name, src.kind, _read(src.info.settings, merged, f"{src.name}: ", f.Context(base)))
        except ConfigError as err:
            raise BusError("bad_args", str(err)) from None
        changed = sorted(k for k in set(merged) | set(now) if merged.get(k) != now.get(k))
        if not changed:
            return {"source": src.name, "changed": [], "saved": False}
        if src.has(Cap.AUDIO):
            if "volume_db" in changed:
                await e.video_command(VolumeSet(src.name, new.settings.volume_db))
            if "muted" in changed:
                await e.video_command(MuteSet(src.name, new.settings.muted))
            if set(changed) - set(MIXED_LIVE):
                await e.video_command(SourceSettings(new))
                if "device" in changed:
                    e.workers.reconfigure(new)
        elif src.has(Cap.DRAWN):
            await e.video_command(SourceSettings(new))
        elif not e.workers.reconfigure(new):
            raise BusError("failed", f'"{src.name}" is not captured by any worker (it is in no scene)')
        e.cfg.sources[e.cfg.sources.index(src)] = new
        saved = False
        if e.cfg.path:
            from rigcast.config.save import save_source_settings

            try:
                saved = save_source_settings(e.cfg.path, src.name, {k: merged.get(k) for k in changed})
            except (OSError, ValueError) as err:
                log.warning("could not save the change to %s: %s", e.cfg.path, err)
        log.info("%s: settings changed (%s)", src.name, ", ".join(changed))
        e.publish_state()
        return {"source": src.name, "changed": changed, "saved": saved}

    def chain(args: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
        """(who holds the chain, its rows as the config file writes them): an audio source's,
        or with ``scene`` the video filters of that scene's item showing the source."""
        src = source(args["source"])
        if "scene" not in args:
            return src.name, [dict(r) for r in e.source_settings(src).get("filters", [])]
        item = e.rendered.item(args["scene"], src.name)
        if item is None:
            raise BusError("unknown_item", f'scene "{args["scene"]}" shows no source "{src.name}"')
        return f'{src.name} in "{args["scene"]}"', item.filter_rows()

    async def filters(args: dict[str, Any]) -> dict[str, Any]:
        _, rows = chain(args)
        return {"source": args["source"], "filters": [
            {"name": n, "kind": r["kind"], "enabled": bool(r.get("enabled", True)),
             "settings": {k: v for k, v in r.items() if k not in ("kind", "enabled")}}
            for n, r in zip(filter_names([r["kind"] for r in rows]), rows)]}

    async def filter_set(args: dict[str, Any]) -> dict[str, Any]:
        who, rows = chain(args)
        names = filter_names([r["kind"] for r in rows])
        if args["filter"] not in names:
            raise BusError("unknown_filter", f'{who} has no filter named "{args["filter"]}"; it has '
                                             + (", ".join(names) or "none"))
        row = rows[names.index(args["filter"])]
        if "enabled" in args:
            row["enabled"] = args["enabled"]
        row |= {k: v for k, v in (args.get("settings") or {}).items() if k != "kind"}
        if "scene" in args:
            item_set = e.bus.commands["scene.item.set"]  # within this command's turn: not execute()
            given = {"scene": args["scene"], "source": args["source"], "filters": rows}
            e.bus.check_args(item_set, given)
            return dict(await item_set.handler(given))
        return await set_({"source": args["source"], "settings": {"filters": rows}})

    where = {"source": Param((str,)), "scene": Param((str,), required=False)}
    e.bus.register("source.filters", filters, where,
                   summary="a source's filters (with scene: that scene item's video filters): name, kind, on or off, "
                           "settings")
    e.bus.register("source.filter.set", filter_set,
                   where | {"filter": Param((str,)), "enabled": Param((bool,), required=False),
                            "settings": Param((dict,), required=False)},
                   summary="switch one filter on or off, or change its settings (checked, applied, saved)")
    e.bus.register("source.get", get, {"source": Param((str,))}, summary="a source's kind and settings now")
    e.bus.register("source.set", set_, {"source": Param((str,)), "settings": Param((dict,)),
                                        "overlay": Param((bool,), required=False)},
                   summary="change a source's settings live (checked like the config file; saved to it)")
