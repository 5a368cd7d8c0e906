"""A borderless box around one widget, so that a repaint elsewhere doesn't re-render it.

Textual's compositor answers a repaint by re-rendering, whole, every widget whose *clip*
overlaps the repainted region, and a widget's clip is its parent's region, not its own. So a
widget that sits directly in a row (or on the screen) is re-rendered for every repaint anywhere
in that row: four times a second, the thumbnail and the graphs were re-rendered for each meter
frame beside them, and the status line and the footer for every repaint on the screen. Inside a
box of its own, a widget's clip is the box, and only the box (a blank background, cached) is
re-rendered for a repaint that doesn't touch it.

Boxes and rows have no border, padding or content of their own, and their children cover them,
so they are ``BLANK``: Textual then draws their lines as blank strips without going through the
styles cache (a blank container still cost ~0.1 ms a repaint through it).
"""

from __future__ import annotations

from textual.containers import Container, Horizontal
from textual.widget import Widget


class Box(Container):
    """Sized by the stylesheet as the widget inside it would be; the widget fills it."""

    BLANK = True
    DEFAULT_CSS = """
    Box { width: 1fr; height: 1fr; }
    Box > * { width: 100%; height: 100%; }
    """


class Row(Horizontal):
    """A row of panels, drawn blank under them (the module's docstring)."""

    BLANK = True


def show(widget: Widget, on: bool) -> None:
    """Show or hide a boxed widget: the box gives up its space, the widget its display state."""
    widget.display = on
    if isinstance(widget.parent, Box):
        widget.parent.display = on
