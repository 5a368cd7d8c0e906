"""The control room's panels. Each is a small widget redrawn only when its own data changes:
scenes and outputs on state/stats events (1–2 Hz), meters on meter frames (~15 Hz), graphs
once a second — never on a timer of its own."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rigcast.config.kinds import stats_summary
from rigcast.engine.status import clock
from rigcast.engine.vocab import LinkState, OutputState, SourceState
from rigcast.tui.graph import BarGraph
from rigcast.tui.states import component_classes, styled


class StatusBar(Widget):
    """LIVE / REC with uptimes, encoder load against its budget, fps."""

    COMPONENT_CLASSES = component_classes(LinkState) | {"status--live", "status--off-air", "status--rec",
                                                         "status--warn", "status--bad", "status--detail"}

    data: reactive[dict[str, Any]] = reactive(dict, layout=False)

    def render(self) -> Text:
        st, stats = self.data.get("state", {}), self.data.get("stats", {})
        style = self.get_component_rich_style
        t = Text()
        if not st:
            t.append(self.data.get("note", "connecting to the engine…"), style=style("status--warn"))
            return t
        if st.get("streaming"):
            t.append(f" LIVE {clock(st.get('stream_uptime_s'))} ", style=style("status--live"))
        else:
            t.append(" OFF AIR ", style=style("status--off-air"))
        t.append(" ")
        if st.get("recording"):
            paused = " PAUSED" if st.get("record_paused") else ""
            t.append(f" REC{paused} {clock(st.get('record_uptime_s'))} ", style=style("status--rec"))
            t.append(" ")
        eng = st.get("engine", {})
        if stats:
            load = 100 * stats.get("encode_ms", 0) / max(0.01, stats.get("budget_ms", 1))
            t.append(f" {stats.get('encoder', '?')} {stats.get('encode_ms', 0):.1f}/{stats.get('budget_ms', 0):.1f} ms "
                     f"({load:.0f}%)", style=style("status--bad") if load > 80 else "")
            t.append(f"  {stats.get('fps', 0)}/{eng.get('fps', '?')} fps")
            if stats.get("repeated") or stats.get("skipped"):
                t.append(f"  rep {stats.get('repeated', 0)} skip {stats.get('skipped', 0)}", style=style("status--detail"))
        t.append(f"  {eng.get('canvas', '')}", style=style("status--detail"))
        link = st.get("link", {}).get("state", LinkState.OFF)
        if link != LinkState.OFF:
            t.append("  link ", style=style("status--detail"))
            t.append_text(styled(self, LinkState, link, label=False))
        return t


class ScenesPanel(Widget):
    """The scenes, numbered as keys 1-9 pick them; the program marked, and in studio mode the
    preview too (its colours are the stylesheet's, through the component classes)."""

    COMPONENT_CLASSES = {"scenes--program", "scenes--preview"}
    data: reactive[dict[str, Any]] = reactive(dict, layout=False)

    def render(self) -> Text:
        t = Text()
        program, preview = self.data.get("program_scene"), self.data.get("preview_scene")
        for s in self.data.get("scenes", []):
            t.append(f"{s['index']} ", style="bold")
            if s["name"] == program:
                t.append(f"▶ {s['name']}\n", style=self.get_component_rich_style("scenes--program"))
            elif s["name"] == preview:
                t.append(f"◇ {s['name']}\n", style=self.get_component_rich_style("scenes--preview"))
            else:
                t.append(f"  {s['name']}\n")
        return t


class SourcesPanel(OptionList):
    """Arrow keys pick the source that ``m`` mutes. The row under the cursor shows its state in
    the highlight's own colours (bold): a state colour on the highlight can be unreadable (green
    on a cyan cursor), and the word still says it."""

    COMPONENT_CLASSES = OptionList.COMPONENT_CLASSES | component_classes(SourceState) | {"sources--muted"}

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._rows: list[dict[str, Any]] = []
        self._plain: int | None = None  # the row drawn without state colours

    def _prompt(self, s: dict[str, Any], on_cursor: bool) -> Text:
        t = Text(f"{s['name']:<10} ")
        t.append_text(styled(self, SourceState, s.get("state", "?"), on_cursor=on_cursor))
        if s.get("muted"):
            t.append("  muted", style="bold" if on_cursor else self.get_component_rich_style("sources--muted"))
        return t

    def show(self, sources: list[dict[str, Any]]) -> None:
        keep = self.highlighted
        self._rows = sources
        self._plain = None
        self.clear_options()
        for s in sources:
            self.add_option(Option(self._prompt(s, False), id=s["name"]))
        if sources:
            self.highlighted = min(keep or 0, len(sources) - 1)
        self._restyle()

    def watch_highlighted(self, highlighted: int | None) -> None:
        super().watch_highlighted(highlighted)
        self._restyle()

    def _restyle(self) -> None:
        want = self.highlighted if self.highlighted is not None and self.highlighted < len(self._rows) else None
        if want == self._plain:
            return
        if self._plain is not None and self._plain < len(self._rows):
            self.replace_option_prompt_at_index(self._plain, self._prompt(self._rows[self._plain], False))
        if want is not None:
            self.replace_option_prompt_at_index(want, self._prompt(self._rows[want], True))
        self._plain = want

    def selected_name(self) -> str | None:
        if self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id


class OutputsPanel(Widget):
    COMPONENT_CLASSES = component_classes(OutputState) | {"outputs--warn", "outputs--bad", "outputs--detail"}

    data: reactive[list[dict[str, Any]]] = reactive(list, layout=False)

    def render(self) -> Text:
        warn, bad, detail = (self.get_component_rich_style(f"outputs--{c}") for c in ("warn", "bad", "detail"))
        t = Text()
        for o in self.data:
            state = o.get("state", "?")
            t.append(f"{o['name']:<8} ")
            t.append_text(styled(self, OutputState, state, 12, label=False))
            live = state in (OutputState.LIVE, OutputState.RECORDING)
            if live:
                t.append(f" {o.get('kbps', 0):6.0f} kbps")
            if o.get("retry_in_s") is not None:
                t.append(f" retry in {o['retry_in_s']:.0f}s", style=warn)
            if o.get("dropped"):
                t.append(f" dropped {o['dropped']} ({o.get('dropped_pct', 0):.1f}%)", style=bad)
            own = stats_summary(o.get("kind", ""), o)  # the kind's own statistics (SRT's link, ...)
            if own:
                t.append(f" {own}", style=detail)
            if o.get("note"):
                t.append(f"\n  {o['note']}", style=detail)
            t.append("\n  ")
            if live and o.get("queue_ms") is not None:  # a network output: its delay, its encode's rate now
                t.append(f"{o['queue_ms']} ms queued, video {o.get('bitrate_kbps')} kbps · ", style=detail)
            t.append(f"{o.get('target', '')}\n", style=detail)
        return t


class GraphsPanel(Vertical):
    def compose(self) -> ComposeResult:
        self.kbps = BarGraph("bitrate", "kbps", id="kbps-graph")
        self.fps = BarGraph("fps", "", id="fps-graph")
        yield self.kbps
        yield self.fps

    def show(self, kbps: tuple[float, ...], fps: tuple[float, ...]) -> None:
        self.kbps.values = kbps
        self.fps.values = fps
