"""Source filter requests: an audio source's filters (config/kinds/audio_filters.py) listed,
read, switched on and off and re-set, on the bus's source.filters / source.filter.set (the
change is checked like the config file, applied by the mixer and saved to the file).

Filters are named as the bus names them (its kind, numbered from the second of a kind on).
Creating, removing, renaming and reordering filters are refused: the list is the config file's.
A scene has none.
"""

from __future__ import annotations

from typing import Any

from rigcast.config import fields as f
from rigcast.config.kinds import Role, find
from rigcast.engine.commands.sources import ListFilters, SetFilter
from rigcast.engine.control.obs.protocol import NOT_FOUND, RequestFailed, field
from rigcast.engine.control.obs.requests import Ctx, request
from rigcast.engine.vocab.results import FilterRow


async def _filters(ctx: Ctx, d: dict[str, Any]) -> tuple[FilterRow, ...]:
    """The source's filters as the bus lists them (an unknown source: its 600)."""
    name = field(d, "sourceName", str)
    if ctx.state().scene(name) is not None:
        return ()
    return (await ctx.bus.run(ListFilters(name))).filters


def _row(index: int, flt: FilterRow) -> dict[str, Any]:
    return {"filterEnabled": flt.enabled, "filterIndex": index, "filterKind": flt.kind,
            "filterName": flt.name, "filterSettings": flt.settings}


async def _index(ctx: Ctx, d: dict[str, Any]) -> tuple[int, FilterRow]:
    filters = await _filters(ctx, d)
    want = field(d, "filterName", str)
    for i, flt in enumerate(filters):
        if flt.name == want:
            return i, flt
    raise RequestFailed(NOT_FOUND, f'No filter was found in the source "{d["sourceName"]}" by the name of "{want}".')


@request("GetSourceFilterList")
async def get_list(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    return {"filters": [_row(i, flt) for i, flt in enumerate(await _filters(ctx, d))]}


@request("GetSourceFilter")
async def get_one(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    i, flt = await _index(ctx, d)
    row = _row(i, flt)
    del row["filterName"]
    return row


@request("SetSourceFilterEnabled")
async def set_enabled(ctx: Ctx, d: dict[str, Any]) -> None:
    _, flt = await _index(ctx, d)
    await ctx.bus.run(SetFilter(source=d["sourceName"], filter=flt.name, enabled=field(d, "filterEnabled", bool)))


@request("SetSourceFilterSettings")
async def set_settings(ctx: Ctx, d: dict[str, Any]) -> None:
    _, flt = await _index(ctx, d)
    settings = field(d, "filterSettings", dict)
    if not d.get("overlay", True):  # replace: what isn't given goes back to its default
        defaults = f.write(find(Role.FILTER, flt.kind).settings())
        settings = {k: v for k, v in defaults.items() if k != "enabled"} | settings
    await ctx.bus.run(SetFilter(source=d["sourceName"], filter=flt.name, settings=settings))
