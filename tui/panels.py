"""The control room's panels. Each is a small widget redrawn only when its own data changes:
scenes and outputs on state/stats events (1–2 Hz), meters on meter frames (~15 Hz), graphs
once a second — never on a timer of its own."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import OptionList, Sparkline, Static
from textual.widgets.option_list import Option

from engine.status import clock
from tui.meter import MeterRow

SOURCE_STATES = {"live": ("live", "green"), "not_found": ("window not found", "yellow"),
                 "lost": ("lost", "red"), "error": ("error", "red"), "starting": ("starting", "grey50"),
                 "off": ("off", "grey50")}
OUTPUT_STYLES = {"live": "bold green", "recording": "bold red", "connecting": "yellow", "reconnecting": "yellow",
                 "rejected": "bold red", "error": "bold red", "off": "grey50", "stopped": "grey50"}


class StatusBar(Static):
    """LIVE / REC with uptimes, encoder load against its budget, fps."""

    data: reactive[dict[str, Any]] = reactive(dict, layout=False)

    def render(self) -> Text:
        st, stats = self.data.get("state", {}), self.data.get("stats", {})
        t = Text()
        if not st:
            t.append(self.data.get("note", "connecting to the engine…"), style="yellow")
            return t
        if st.get("streaming"):
            t.append(f" LIVE {clock(st.get('stream_uptime_s'))} ", style="bold white on red")
        else:
            t.append(" OFF AIR ", style="bold black on grey50")
        t.append(" ")
        if st.get("recording"):
            t.append(f" REC {clock(st.get('record_uptime_s'))} ", style="bold white on dark_red")
            t.append(" ")
        eng = st.get("engine", {})
        if stats:
            load = 100 * stats.get("encode_ms", 0) / max(0.01, stats.get("budget_ms", 1))
            t.append(f" {stats.get('encoder', '?')} {stats.get('encode_ms', 0):.1f}/{stats.get('budget_ms', 0):.1f} ms "
                     f"({load:.0f}%)", style="red" if load > 80 else "")
            t.append(f"  {stats.get('fps', 0)}/{eng.get('fps', '?')} fps")
            if stats.get("repeated") or stats.get("skipped"):
                t.append(f"  rep {stats.get('repeated', 0)} skip {stats.get('skipped', 0)}", style="grey62")
        t.append(f"  {eng.get('canvas', '')}", style="grey62")
        return t


class ScenesPanel(Static):
    data: reactive[dict[str, Any]] = reactive(dict, layout=False)

    def render(self) -> Text:
        t = Text()
        program = self.data.get("program_scene")
        for s in self.data.get("scenes", []):
            on = s["name"] == program
            t.append(f"{s['index']} ", style="bold")
            t.append(f"{'▶ ' if on else '  '}{s['name']}\n", style="bold reverse green" if on else "")
        return t


class SourcesPanel(OptionList):
    """Arrow keys pick the source that ``m`` mutes."""

    def show(self, sources: list[dict[str, Any]]) -> None:
        keep = self.highlighted
        self.clear_options()
        for s in sources:
            label, style = SOURCE_STATES.get(s.get("state", ""), (s.get("state", "?"), ""))
            t = Text(f"{s['name']:<10} ")
            t.append(label, style=style)
            if s.get("muted"):
                t.append("  muted", style="bold red")
            self.add_option(Option(t, id=s["name"]))
        if sources:
            self.highlighted = min(keep or 0, len(sources) - 1)

    def selected_name(self) -> str | None:
        if self.highlighted is None:
            return None
        return self.get_option_at_index(self.highlighted).id


class OutputsPanel(Static):
    data: reactive[list[dict[str, Any]]] = reactive(list, layout=False)

    def render(self) -> Text:
        t = Text()
        for o in self.data:
            state = o.get("state", "?")
            t.append(f"{o['name']:<8} ")
            t.append(f"{state:<12}", style=OUTPUT_STYLES.get(state, ""))
            if state in ("live", "recording"):
                t.append(f" {o.get('kbps', 0):6.0f} kbps")
            if o.get("retry_in_s") is not None:
                t.append(f" retry in {o['retry_in_s']:.0f}s", style="yellow")
            if o.get("dropped"):
                t.append(f" dropped {o['dropped']}", style="red")
            t.append(f"\n  {o.get('target', '')}\n", style="grey62")
        return t


class MetersPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield MeterRow("master", id="meter-master")

    def show(self, meter: dict[str, Any]) -> None:
        self.query_one("#meter-master", MeterRow).levels = meter.get("master", {})


class GraphsPanel(Vertical):
    def compose(self) -> ComposeResult:
        yield Static("bitrate (kbps), last 60 s", id="kbps-label", classes="graph-label")
        yield Sparkline([0.0], id="kbps-graph")
        yield Static("fps, last 60 s", id="fps-label", classes="graph-label")
        yield Sparkline([0.0], id="fps-graph")

    def show(self, kbps: list[float], fps: list[float]) -> None:
        self.query_one("#kbps-graph", Sparkline).data = kbps
        self.query_one("#fps-graph", Sparkline).data = fps
        self.query_one("#kbps-label", Static).update(f"bitrate {kbps[-1]:.0f} kbps, last 60 s")
        self.query_one("#fps-label", Static).update(f"fps {fps[-1]:.0f}, last 60 s")
