"""Every word the control room shows is legible on what it is drawn on, in every theme.

The control room is rendered (no engine: the layout snapshot's own events, tests/test_tui.py),
and every character of the panels that carry states, meters and the log is checked: its
colour against the background it lands on, the selection highlight included, by the WCAG
contrast ratio. Once for each of Textual's built-in themes, and once more the way a
16-colour terminal shows the default theme (xterm's own palette, default colours: black on
white), where the first report came from: a green state on the cyan highlight, the meters'
"silence" light on white.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from rich.color import Color, ColorSystem, ColorType
from rich.segment import Segment
from textual.geometry import Region

from rigcast.engine.vocab import LogLine
from rigcast.tui.app import ControlRoom
from rigcast.tui.meter import Meters
from rigcast.tui.panels import OutputsPanel, ScenesPanel, SourcesPanel, StatusBar
from tests.test_tui import feed

MIN_CONTRAST = 3.0  # WCAG 2's minimum for large text and interface parts: a state word, a meter row
# ansi-light draws in the terminal's own palette on its own (light) background: xterm's palette
# has no green or yellow that reads on white (2.2:1), and the palette is the user's choice, not
# rigcast's. textual-ansi (Textual before 8, the lowest-versions pass) likewise takes the
# terminal's own colours, its muted text a blend of the terminal's defaults that only the
# terminal resolves. Every other theme, ansi-dark included, is checked.
THEMES = sorted(set(ControlRoom().available_themes) - {"ansi-light", "textual-ansi"})
# xterm's default palette (its XTerm app-defaults), and its default colours: black on white.
XTERM = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
         (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
         (255, 0, 255), (0, 255, 255), (255, 255, 255)]
XTERM_FG, XTERM_BG = (0, 0, 0), (255, 255, 255)
# Where a theme takes the terminal's own default colours: a dark theme is chosen on a dark terminal.
DEFAULTS = {"ansi-dark": ((229, 229, 229), (0, 0, 0))}
DECORATION = set("█▌·─│╭╮╰╯▶◇ ")  # bars and frames: drawn shapes, not words


def _rgb(color: Color | None, default: tuple[int, int, int], system: ColorSystem | None) -> tuple[int, int, int]:
    if color is None or color.type == ColorType.DEFAULT:
        return default
    if system is not None:
        color = color.downgrade(system)
    if color.type == ColorType.TRUECOLOR:
        assert color.triplet is not None
        return color.triplet.red, color.triplet.green, color.triplet.blue
    assert color.number is not None
    if color.number < 16:
        return XTERM[color.number]
    t = color.get_truecolor()
    return t.red, t.green, t.blue


def _luminance(rgb: tuple[int, int, int]) -> float:
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _words(app: ControlRoom) -> Iterator[tuple[str, str, Segment, Color, Color]]:
    """(panel, line, segment, the panel's own background and text colour) for every segment with
    a word in it: a segment without a colour of its own is drawn in the panel's."""
    panels: list[Any] = [app.query_one(StatusBar), app.query_one(ScenesPanel), app.query_one(SourcesPanel),
                         app.query_one(OutputsPanel), app.query_one(Meters), app.query_one("#log")]
    for w in panels:
        background, color = (c.rich_color for c in w.colors[2:4])  # composited over the panels below
        for strip in w.render_lines(Region(0, 0, w.size.width, w.size.height)):
            text = strip.text
            for seg in strip:
                if seg.style is not None and set(seg.text) - DECORATION:
                    yield type(w).__name__, text.strip(), seg, background, color


def _problems(theme: str, system: ColorSystem | None) -> list[str]:
    found: list[str] = []

    async def scenario() -> None:
        app = ControlRoom(connect=False)
        async with app.run_test(size=(160, 48)) as pilot:
            app.theme = theme
            await feed(pilot)
            app.apply_event(LogLine(1_800_000_000, "ERROR", "video", "rigcast.video", "rtmp: rejected by server"))
            await pilot.pause(0.3)
            for panel, line, seg, background, color in _words(app):
                style = seg.style
                assert style is not None
                dfg, dbg = DEFAULTS.get(theme, (XTERM_FG, XTERM_BG))
                fg = _rgb(style.color or color, dfg, system)
                bg = _rgb(style.bgcolor or background, dbg, system)
                if style.reverse:  # the terminal swaps the colours it resolved, its defaults included
                    fg, bg = bg, fg
                ratio = contrast(fg, bg)
                if ratio < MIN_CONTRAST:
                    found.append(f"{panel}: {seg.text.strip()!r} at {ratio:.1f}:1 in {line!r}")

    asyncio.run(scenario())
    return found


@pytest.mark.parametrize("theme", THEMES)
def test_every_word_is_legible_in_each_theme(theme: str) -> None:
    problems = _problems(theme, None)
    assert not problems, f"{theme}: below {MIN_CONTRAST}:1\n" + "\n".join(problems)


def test_the_default_theme_is_legible_in_a_16_colour_xterm() -> None:
    problems = _problems(ControlRoom().theme, ColorSystem.STANDARD)
    assert not problems, f"16 colours: below {MIN_CONTRAST}:1\n" + "\n".join(problems)


def test_a_long_log_line_wraps_with_nothing_cut() -> None:
    """The end of a log line (where the fix usually is) stays on screen at 80 columns."""
    tail = "set video.profile to main and start again"

    async def scenario() -> None:
        app = ControlRoom(connect=False)
        async with app.run_test(size=(80, 24)) as pilot:
            app.apply_event(LogLine(1_800_000_000, "ERROR", "video", "rigcast.video",
                                    "whip: the endpoint takes only H.264 baseline and the encode is shared "
                                    f"with record; {tail}"))
            await pilot.pause(0.3)
            log = app.query_one("#log")
            shown = " ".join(s.text.strip() for s in log.render_lines(Region(0, 0, log.size.width, log.size.height)))
            assert tail.split()[-1] in shown and "set video.profile" in " ".join(shown.split()), shown

    asyncio.run(scenario())


def test_a_theme_is_chosen_by_flag_and_a_wrong_name_is_one_line(tmp_path: Any) -> None:
    """``rigcast tui --theme NAME`` (or RIGCAST_THEME): a light terminal gets a light room; a
    name Textual doesn't have is refused before any engine is started."""
    import os
    import subprocess
    import sys

    env = os.environ | {"RIGCAST_RUNTIME_DIR": str(tmp_path / "run"), "RIGCAST_STATE_DIR": str(tmp_path / "state")}
    r = subprocess.run([sys.executable, "-P", "-m", "rigcast.engine", "tui", "--theme", "nope"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith('rigcast: no theme named "nope"; give one of ') and "textual-light" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "run").exists(), "no engine started"
    assert ControlRoom(connect=False, theme="textual-light").theme == "textual-light"
