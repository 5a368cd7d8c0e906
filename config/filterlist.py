"""A chain of filters as configured: ``filters = [{ kind = "compressor", ratio = 4 }, ...]``.

Why one module for both chains: an audio source's filters (config/kinds/audio_filters.py) and
a scene item's (config/kinds/video_filters.py) are read, written, named and toggled the same
way; only which records a chain may hold differs (the record's AUDIO or VIDEO flag). Each
record's ``extra["ffmpeg"]`` turns its settings into FFmpeg filters; nothing else knows them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role


@dataclass
class FilterBase:
    enabled: bool = f.flag(True, live=True)


# Where each chain runs: the audio one in the mixer, the video one on a scene item's pixels.
_CHAINS = {Cap.AUDIO: "rigcast.engine.audio.filters:FilterChain",
           Cap.VIDEO: "rigcast.engine.compose.item_filters:ItemFilters"}


def filter_kind(name: str, cap: Cap, settings: type, summary: str, ffmpeg: Callable[[Any], Any],
                *, alpha: bool = False) -> KindInfo[Any]:
    """A filter's record, rigcast's own or a plugin's (docs/plugins.md): ``cap`` is
    ``Cap.AUDIO`` or ``Cap.VIDEO``, ``ffmpeg`` turns its settings into one FFmpeg filter
    ``(name, arguments)`` or a list of them, ``alpha`` says a video filter makes pixels
    transparent (the item is then blended, never copied)."""
    extra: dict[str, Any] = {"ffmpeg": ffmpeg} | ({"alpha": alpha} if cap == Cap.VIDEO else {})
    return KindInfo(name, Role.FILTER, cap, settings, lambda _s: summary, {"": _CHAINS[cap]}, summary=summary,
                    extra=extra)


@dataclass(frozen=True)
class Filter:
    """One filter of a chain, as configured: its kind's record says the rest."""

    kind: str
    settings: Any

    def ffmpeg(self) -> list[tuple[str, Any]]:
        """The FFmpeg filters it is made of, each with its arguments (a string, or a dict of
        options given one by one, so a path needs no escaping)."""
        from rigcast.config.kinds import find

        spec = find(Role.FILTER, self.kind).extra["ffmpeg"](self.settings)
        return spec if isinstance(spec, list) else [spec]


def filter_names(kinds: list[str]) -> list[str]:
    """What each filter of a chain is called: its kind, numbered from the second of a kind on
    ("compressor 2"). Filters have no names of their own; the bus, ctl and obs-websocket all
    name them this way."""
    seen: dict[str, int] = {}
    out = []
    for kind in kinds:
        seen[kind] = seen.get(kind, 0) + 1
        out.append(kind if seen[kind] == 1 else f"{kind} {seen[kind]}")
    return out


def dump_chain(filters: tuple[Filter, ...]) -> list[dict[str, Any]]:
    """A chain as the config file writes it: ``[{ kind = "...", setting = ... }, ...]``."""
    return [{"kind": flt.kind} | f.write(flt.settings) for flt in filters]


def chain_field(cap: Cap, example: str, *, live: bool = False) -> Any:
    """A ``filters`` setting holding the filter kinds that have ``cap``."""

    def parse(value: list[Any], ctx: f.Context) -> tuple[Filter, ...]:
        from rigcast.config.kinds import find, names

        kinds = names(Role.FILTER, cap)
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or item.get("kind") not in kinds:
                raise ValueError(f"filters[{i}]: expected a table like {example} with a kind of {', '.join(kinds)}")
            cls = find(Role.FILTER, item["kind"]).settings
            rest = {k: v for k, v in item.items() if k != "kind"}
            unknown = sorted(set(rest) - f.keys(cls))
            if unknown:
                raise ValueError(f'filters[{i}] ({item["kind"]}): unknown key "{unknown[0]}"; it takes '
                                 f'{", ".join(sorted(f.keys(cls)))}')
            try:
                out.append(Filter(item["kind"], f.read(cls, rest, ctx)))
            except f.SettingError as e:
                raise ValueError(f'filters[{i}] ({item["kind"]}): {e.key}: {e.problem}') from None
        return tuple(out)

    return f.custom((), (list,), f"a list like [{example}]", parse, dump_chain, live=live)
