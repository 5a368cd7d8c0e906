"""How the control room shows a state: its label from the vocabulary, its colour from app.tcss.

Every state of :mod:`rigcast.engine.vocab.states` has a component class (``source-state--not_found``,
``output-state--rejected``, ``link-state--connected``); the colours live in app.tcss like any
other style, and a test checks that every state the engine can emit has one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from rigcast.engine.vocab import LinkState, OutputState, SourceState

PREFIXES: dict[type[StrEnum], str] = {SourceState: "source-state--", OutputState: "output-state--",
                                      LinkState: "link-state--"}


class CachedStyles(Widget):
    """A widget whose component styles are looked up once per stylesheet change, not on every
    render: a panel redrawn each second would otherwise resolve the same few styles through the
    stylesheet every time (measured: a tenth of the control room's CPU)."""

    def get_component_rich_style(self, *names: str, partial: bool = False, **kw: Any) -> Style:
        # **kw: newer Textual adds keywords (``default``); the lowest version rigcast allows has none.
        cache: dict[tuple[Any, ...], Style] = self.__dict__.setdefault("_rigcast_styles", {})
        key = (names, partial, *sorted(kw.items()))
        style = cache.get(key)
        if style is None:
            style = cache[key] = super().get_component_rich_style(*names, partial=partial, **kw)
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.__dict__.get("_rigcast_styles", {}).clear()  # a theme or stylesheet change: looked up again


def component_classes(kind: type[StrEnum]) -> set[str]:
    return {PREFIXES[kind] + member.value for member in kind}


def styled(widget: Widget, kind: type[StrEnum], value: str, width: int = 0, label: bool = True,
           on_cursor: bool = False) -> Text:
    """The state's label (or its wire value, where a column is narrow), in the style its
    component class gives it (plain if unknown); ``on_cursor``: bold in the selection
    highlight's own colours, which no state colour is sure to be legible on."""
    try:
        member = kind(value)
    except ValueError:
        return Text(f"{value:<{width}}")
    shown = getattr(member, "label", value) if label else member.value
    if on_cursor:
        return Text(f"{shown:<{width}}", style="bold")
    style: Style | str = widget.get_component_rich_style(PREFIXES[kind] + member.value, partial=True)
    return Text(f"{shown:<{width}}", style=style)
