"""The control room's panels. Each is a small widget redrawn only when its own data changes:
scenes and outputs on state/stats events (1–2 Hz), meters on meter frames (~15 Hz), graphs
once a second — never on a timer of its own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rigcast.engine.status import clock
from rigcast.engine.vocab import LinkState, OutputState, OutputStatus, SourceState, VideoStats
from rigcast.engine.vocab.snapshot import IdleOutput, Snapshot, SourceRow
from rigcast.tui.graph import BarGraph
from rigcast.tui.states import CachedStyles, component_classes, styled


@dataclass(frozen=True)
class StatusView:
    """What the status line shows: the state and stats, or before there are any, a note."""

    state: Snapshot | None = None
    stats: VideoStats | None = None
    note: str = "connecting to the engine…"


class StatusBar(CachedStyles):
    """LIVE / REC with uptimes, encoder load against its budget, fps."""

    COMPONENT_CLASSES = component_classes(LinkState) | {"status--live", "status--off-air", "status--rec",
                                                         "status--warn", "status--bad", "status--detail"}

    data: reactive[StatusView] = reactive(StatusView, layout=False)

    def render(self) -> Text:
        st, stats = self.data.state, self.data.stats
        style = self.get_component_rich_style
        t = Text()
        if st is None:
            t.append(self.data.note, style=style("status--warn"))
            return t
        if st.streaming:
            t.append(f" LIVE {clock(st.stream_uptime_s)} ", style=style("status--live"))
        else:
            t.append(" OFF AIR ", style=style("status--off-air"))
        t.append(" ")
        if st.recording:
            paused = " PAUSED" if st.record_paused else ""
            t.append(f" REC{paused} {clock(st.record_uptime_s)} ", style=style("status--rec"))
            t.append(" ")
        eng = st.engine
        if stats:
            load = 100 * stats.encode_ms / max(0.01, stats.budget_ms)
            t.append(f" {stats.encoder} {stats.encode_ms:.1f}/{stats.budget_ms:.1f} ms "
                     f"({load:.0f}%)", style=style("status--bad") if load > 80 else "")
            t.append(f"  {stats.fps}/{eng.fps} fps")
            if stats.repeated or stats.skipped:
                t.append(f"  rep {stats.repeated} skip {stats.skipped}", style=style("status--detail"))
        t.append(f"  {eng.canvas}", style=style("status--detail"))
        if st.link.state != LinkState.OFF:
            t.append("  link ", style=style("status--detail"))
            t.append_text(styled(self, LinkState, st.link.state, label=False))
        return t


class ScenesPanel(CachedStyles):
    """The scenes, numbered as keys 1-9 pick them; the program marked, and in studio mode the
    preview too (its colours are the stylesheet's, through the component classes)."""

    COMPONENT_CLASSES = {"scenes--program", "scenes--preview"}
    data: reactive[Snapshot | None] = reactive(None, layout=False)
    canvas: reactive[str] = reactive("", layout=False)  # the canvas shown ("" the main one; ``c`` picks)

    def render(self) -> Text:
        t = Text()
        if self.data is None:
            return t
        program, preview = self.data.program_scene, self.data.preview_scene
        if self.canvas:
            row = next((c for c in self.data.canvases if c.name == self.canvas), None)
            program, preview = (row.program_scene if row else ""), None
        shown = [s for s in self.data.scenes if s.canvas == self.canvas]
        for index, s in enumerate(shown, 1):
            t.append(f"{index} ", style="bold")
            if s.name == program:
                t.append(f"▶ {s.name}\n", style=self.get_component_rich_style("scenes--program"))
            elif s.name == preview:
                t.append(f"◇ {s.name}\n", style=self.get_component_rich_style("scenes--preview"))
            else:
                t.append(f"  {s.name}\n")
        return t


class SourcesPanel(OptionList):
    """Arrow keys pick the source that ``m`` mutes. The row under the cursor shows its state in
    the highlight's own colours (bold): a state colour on the highlight can be unreadable (green
    on a cyan cursor), and the word still says it."""

    COMPONENT_CLASSES = OptionList.COMPONENT_CLASSES | component_classes(SourceState) | {"sources--muted"}

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._rows: tuple[SourceRow, ...] = ()
        self._plain: int | None = None  # the row drawn without state colours

    def _prompt(self, s: SourceRow, on_cursor: bool) -> Text:
        t = Text(f"{s.name:<10} ")
        t.append_text(styled(self, SourceState, s.state, on_cursor=on_cursor))
        if s.muted:
            t.append("  muted", style="bold" if on_cursor else self.get_component_rich_style("sources--muted"))
        return t

    def show(self, sources: tuple[SourceRow, ...]) -> None:
        keep = self.highlighted
        self._rows = sources
        self._plain = None
        self.clear_options()
        for s in sources:
            self.add_option(Option(self._prompt(s, False), id=s.name))
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


class OutputsPanel(CachedStyles):
    COMPONENT_CLASSES = component_classes(OutputState) | {"outputs--warn", "outputs--bad", "outputs--detail"}

    data: reactive[tuple[OutputStatus | IdleOutput, ...]] = reactive(tuple, layout=False)

    def render(self) -> Text:
        warn, bad, detail = (self.get_component_rich_style(f"outputs--{c}") for c in ("warn", "bad", "detail"))
        t = Text()
        for o in self.data:
            t.append(f"{o.name:<8} ")
            t.append_text(styled(self, OutputState, o.state, 12, label=False))
            live = o.state.carrying
            if live:
                t.append(f" {o.kbps:6.0f} kbps")
            if isinstance(o, OutputStatus):  # running: what it is doing
                if o.retry_in_s is not None:
                    t.append(f" retry in {o.retry_in_s:.0f}s", style=warn)
                if o.dropped:
                    t.append(f" dropped {o.dropped} ({o.dropped_pct:.1f}%)", style=bad)
                own = o.link_summary()  # the kind's own statistics (SRT's link, ...)
                if own:
                    t.append(f" {own}", style=detail)
                if o.note:
                    t.append(f"\n  {o.note}", style=detail)
            t.append("\n  ")
            if live and isinstance(o, OutputStatus) and o.queue_ms is not None:  # a network output: its delay, its encode's rate now
                t.append(f"{o.queue_ms} ms queued, video {o.bitrate_kbps} kbps · ", style=detail)
            t.append(f"{o.target}\n", style=detail)
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
