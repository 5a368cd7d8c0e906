"""The control room: a Textual client of the engine's control protocol.

It holds no engine state of its own beyond what events told it, and changes nothing except by
sending commands on the bus — so any number of control rooms can be attached, and closing one
(``q``, or the SSH session dying) leaves the stream running.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Footer

from rigcast.config.model import LOCAL_RIG
from rigcast.engine.commands.audio import MuteSource
from rigcast.engine.commands.engine_cmds import StopEngine
from rigcast.engine.commands.media import ActOnMedia
from rigcast.engine.commands.outputs import (
    SaveReplay,
    TogglePause,
    ToggleRecording,
    ToggleReplay,
    ToggleStreaming,
)
from rigcast.engine.commands.pictures import TakeScreenshot
from rigcast.engine.commands.scenes import SetPreview, SetStudio, SwitchScene, TakePreview
from rigcast.engine.control.bus import BusError, Cmd
from rigcast.engine.control.client import AsyncControlClient, EngineNotRunning
from rigcast.engine.control.rigs import Rig
from rigcast.engine.vocab import ChatMessage, LogLine, Meter, StateChanged, VideoStats
from rigcast.engine.vocab.reports import BusEvent
from rigcast.engine.vocab.results import Subscribed
from rigcast.engine.vocab.snapshot import Snapshot
from rigcast.tui.box import Box, Row, show
from rigcast.tui.chat import ChatPane
from rigcast.tui.confirm import Confirm
from rigcast.tui.logpane import LogPane
from rigcast.tui.meter import Meters
from rigcast.tui.model import EngineView
from rigcast.tui.panels import GraphsPanel, OutputsPanel, ScenesPanel, SourcesPanel, StatusBar, StatusView
from rigcast.tui.preview import RATE_HZ as PREVIEW_HZ
from rigcast.tui.preview import GraphicsPreview, Preview
from rigcast.tui.rigs import RigBar, RigLink

# The one repaint clock: every panel that changes often (meters, thumbnails, the stats-driven
# status line, outputs and graphs) changes on its tick, so a tick costs one compositor pass,
# whatever arrived in between. A pass is what the room spends its CPU on.
REPAINT_HZ = 4
# LONG_LIVED: once attached, the room's ~90,000 objects (Textual's DOM, styles, caches) live as
# long as it does, yet every full garbage collection walked them all again: ~50 ms each, a few
# tenths of a percent of a core (measured with gc.callbacks). gc.freeze() moves them out of
# the collector's way; what is made afterwards (pictures, strips, events) is collected as usual.
R = TypeVar("R")
TOGGLES: dict[str, Callable[[], Cmd[Any]]] = {"stream": ToggleStreaming, "record": ToggleRecording,
                                              "replay": ToggleReplay}


class ControlRoom(App[int]):
    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "rigcast"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        # Pause, Save and Take show only while they can act (check_action), each beside the key
        # it belongs to; idle, the footer fits 80 columns, with several rigs' n too.
        Binding("s", "toggle('stream')", "Live"),
        Binding("r", "toggle('record')", "Rec"),
        Binding("p", "pause_record", "Pause"),
        Binding("b", "toggle('replay')", "Buf"),  # the replay buffer
        Binding("v", "save_replay", "Save"),
        Binding("1", "scene(1)", "Scene", key_display="1-9"),
        *[Binding(str(n), f"scene({n})", f"Scene {n}", show=False) for n in range(2, 10)],
        Binding("c", "canvas", "Canvas"),
        Binding("e", "studio", "Studio"),
        Binding("t", "transition", "Take"),
        Binding("m", "mute", "Mute"),
        Binding("o", "media", "Play"),  # play or pause the media source selected
        Binding("h", "pictures", "Pic"),
        Binding("n", "next_rig", "Rig"),  # only with several rigs (check_action)
        Binding("q", "detach", "Detach"),
        Binding("Q", "stop_engine", "Stop", key_display="Q"),
    ]

    def __init__(self, connect: bool = True, graphics: str | None = None, theme: str | None = None,
                 rigs: list[Rig] | None = None) -> None:
        """``graphics``: "kitty" or "sixel" to draw the thumbnails with the terminal's own
        graphics (tui/preview.py's terminal_graphics() says which, before the app starts);
        ``theme``: one of Textual's themes (run_tui checks the name); ``rigs``: the engines
        attached to, one shown at a time (default: this box's)."""
        super().__init__()
        if theme is not None:
            self.theme = theme
        self.graphics = graphics
        self.links = [RigLink(rig, self, REPAINT_HZ) for rig in (rigs or [Rig(LOCAL_RIG)])]
        self.shown = self.links[0]
        self.shown.shown = True
        self._connect = connect
        self.crash_line: str | None = None  # set when an error nothing caught ended the app
        self._stopping = False
        # Each event kind to the panels that show it (and only those).
        self._on: dict[type, Callable[[Any], None]] = {
            Meter: self._meter, VideoStats: self._stats, StateChanged: self._state,
            LogLine: lambda line: self.w_log.add(line), ChatMessage: lambda msg: self.w_chat.add(msg)}

    @property
    def view(self) -> EngineView:
        """What the room knows of the rig shown."""
        return self.shown.view

    @property
    def client(self) -> AsyncControlClient | None:
        """The shown rig's connection, while it is up."""
        return self.shown.client

    def compose(self) -> ComposeResult:
        if len(self.links) > 1:  # one rig: the room looks as it always did
            with Box(id="rigbar-box"):
                yield RigBar(id="rigbar")
        with Box(id="status-box"):  # tui/box.py: not re-rendered for repaints below it
            yield StatusBar(id="status")
        with Row(id="top"):
            yield ScenesPanel(id="scenes", classes="panel")
            yield SourcesPanel(id="sources", classes="panel")
            yield OutputsPanel(id="outputs", classes="panel")
        with Row(id="middle"):
            with Vertical(id="audio", classes="panel"):
                # Only as tall as its rows: each meter frame re-renders those lines, not a panel.
                yield Meters(id="meters")
            with Box(id="graphs-box"):
                yield GraphsPanel(id="graphs", classes="panel")
            with Box(id="studio-preview-box"):
                yield self._thumb("studio-preview")  # studio mode's preview scene, shown only then
            with Box(id="preview-box"):
                yield self._thumb("preview")
        # Inside a container: Textual re-renders every top-level widget whose clip overlaps a
        # repaint, and a top-level log would be re-rendered whole for each meter frame.
        with Row(id="logbox"):
            yield LogPane(id="log", classes="panel")
            yield ChatPane(id="chat", classes="panel")
        with Box(id="footer-box"):
            yield Footer(compact=True)  # every key fits at 80 columns

    def _thumb(self, wid: str) -> Preview | GraphicsPreview:
        if self.graphics is not None:
            return GraphicsPreview(self.graphics, id=wid, classes="panel thumb")
        return Preview(id=wid, classes="panel thumb")

    def on_mount(self) -> None:
        for wid, title in (("scenes", "Scenes"), ("sources", "Sources"), ("outputs", "Outputs"),
                           ("audio", "Audio"), ("graphs", "Graphs"), ("preview", "Program"),
                           ("studio-preview", "Preview"), ("log", "Log"),
                           ("chat", "Chat")):
            self.query_one(f"#{wid}").border_title = title
        # Looked up once: events arrive up to 20 times a second.
        self.w_status = self.query_one(StatusBar)
        self.w_outputs = self.query_one(OutputsPanel)
        self.w_graphs = self.query_one(GraphsPanel)
        self.w_meters = self.query_one(Meters)
        self.w_chat = self.query_one(ChatPane)
        self.w_log = self.query_one(LogPane)
        self.w_preview = self.query_one("#preview", Preview | GraphicsPreview)  # type: ignore[arg-type]
        self.w_studio = self.query_one("#studio-preview", Preview | GraphicsPreview)  # type: ignore[arg-type]
        show(self.w_studio, False)
        self._ticks = 0
        self._frozen = False  # LONG_LIVED (above): frozen once attached
        self._stats_new = False
        self._pictures: dict[Preview | GraphicsPreview, tuple[int, int, bytes]] = {}
        self._fetching: dict[Preview | GraphicsPreview, asyncio.Task[None]] = {}
        self.set_interval(1 / REPAINT_HZ, self._tick)
        self.query_one(SourcesPanel).focus()
        self._rigbar()
        if self._connect:
            for link in self.links:
                link.start()

    # -- the rigs (tui/rigs.py keeps each one's connection) ---------------------------------
    def rig_attached(self, link: RigLink, first: Subscribed) -> None:
        self._rigbar()
        if not link.shown:
            return
        if first.state is not None:
            self._state(StateChanged(first.state))
        self.w_log.clear()
        for line in first.log:
            self.w_log.add(line)
        self.w_chat.clear()
        for msg in first.chat:
            self.w_chat.add(msg)

    def rig_changed(self, link: RigLink) -> None:
        self._rigbar()
        if link.shown and link.view.state is None:
            self._set_note(f"{link.name}: {link.glance.line()}" if len(self.links) > 1 else
                           f"no engine: {link.glance.why}; retrying")

    def rig_event(self, link: RigLink, event: BusEvent) -> None:
        self._on[type(event)](event)

    def _rigbar(self) -> None:
        if len(self.links) > 1:
            self.query_one(RigBar).cells = tuple((x.name, x.glance, x.shown) for x in self.links)

    async def action_next_rig(self) -> None:
        """Show the next rig: every key then acts on it."""
        was = self.shown
        self.shown = self.links[(self.links.index(was) + 1) % len(self.links)]
        was.shown = False
        self.shown.shown = True
        self._pictures.clear()
        if self.view.state is not None:
            self._state(StateChanged(self.view.state))
            self._show_stats()
        else:
            self.rig_changed(self.shown)
        self._rigbar()
        await asyncio.gather(was.show(False), self.shown.show(True))

    def _set_note(self, note: str) -> None:
        self.w_status.data = StatusView(note=note)

    def apply_event(self, event: BusEvent) -> None:
        """One protocol event of the rig shown → the panels that show it (and only those) redraw."""
        self.shown.note(event)
        self._on[type(event)](event)

    def _meter(self, meter: Meter) -> None:
        self.w_meters.update_levels(meter)

    def _tick(self) -> None:
        """The repaint clock: what arrived since the last tick goes to its panels now."""
        self._ticks += 1
        if not self._frozen and self.view.state is not None:
            self._frozen = True
            gc.freeze()  # LONG_LIVED, above
        self.w_meters.paint()
        if self._stats_new:
            self._stats_new = False
            self._show_stats()
        for thumb, picture in self._pictures.items():
            thumb.image = picture
        self._pictures.clear()
        if self._ticks % max(1, REPAINT_HZ // PREVIEW_HZ) == 0:
            self._ask_preview()

    def _stats(self, _stats: VideoStats) -> None:
        self._stats_new = True

    def _show_stats(self) -> None:
        v = self.view
        self.w_outputs.data = v.outputs
        self.w_graphs.show(tuple(v.kbps), tuple(v.fps))
        self._status()

    def _state(self, event: StateChanged) -> None:
        v = self.view
        self.query_one(ScenesPanel).data = event.state
        self._studio(event.state)
        self.refresh_bindings()  # Pause / Save / Take come and go with the state
        self.query_one(SourcesPanel).show(v.sources)
        self.w_outputs.data = v.outputs
        self._status()

    def _studio(self, state: Snapshot | None) -> None:
        """Studio mode shows the preview's thumbnail where the graphs were (80 columns hold
        three panels in that row, not four)."""
        on = state is not None and state.preview_scene is not None
        show(self.w_studio, on and self.w_preview.display)
        show(self.w_graphs, not self.w_studio.display)
        self.w_studio.border_title = f"Preview: {state.preview_scene}" if state and on else "Preview"
        self.w_preview.border_title = f"Program: {state.program_scene}" if state and on else "Program"

    def _status(self) -> None:
        self.w_status.data = StatusView(self.view.state, self.view.stats)

    async def _send(self, cmd: Cmd[R]) -> R | None:
        if self.client is None:
            self.notify("not connected to the engine", severity="error")
            return None
        try:
            return await self.client.run(cmd)
        except (BusError, EngineNotRunning, TimeoutError) as e:
            self.notify(getattr(e, "message", str(e)), severity="error", timeout=6)
            return None

    def _ask_preview(self) -> None:
        """The thumbnails, asked of the video process while attached and shown: the program's,
        and in studio mode the preview scene's as edited."""
        st = self.view.state
        canvas = (st.engine.canvas if st else "16x9").partition("x")
        aspect = int(canvas[0]) / int(canvas[2]) if canvas[0].isdigit() and canvas[2].isdigit() else 16 / 9
        for thumb, scene in ((self.w_preview, None), (self.w_studio, st.preview_scene if st else None)):
            size = thumb.wanted_size(aspect)
            if self.client is None or size is None or not thumb.display or (thumb is self.w_studio and not scene):
                continue
            if thumb in self._fetching:
                continue  # the last one is still on its way: one in flight per thumbnail
            # A plain task, not a Textual worker: a worker's state messages cost a pass through
            # the app's message queue each, twice a second.
            task = asyncio.get_running_loop().create_task(self._fetch_preview(thumb, scene, *size))
            self._fetching[thumb] = task
            task.add_done_callback(functools.partial(self._fetched, thumb))

    def _fetched(self, thumb: Preview | GraphicsPreview, _task: asyncio.Task[None]) -> None:
        self._fetching.pop(thumb, None)

    async def _fetch_preview(self, thumb: Preview | GraphicsPreview, scene: str | None, w: int, h: int) -> None:
        if self.client is None:
            return
        try:
            picture = await self.client.run(TakeScreenshot(scene=scene, width=w, height=h, format="rgb"))
        except (BusError, EngineNotRunning, TimeoutError, OSError):
            return  # the next one will come; the log says what the engine thought of it
        rgb = picture.data
        if len(rgb) == w * h * 3:
            self._pictures[thumb] = (w, h, rgb)  # shown at the next tick

    # -- actions (every one a key in the footer) -------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Pause, Save and Take are in the footer only while there is something to pause, a
        buffer to save or a preview to take (False hides a key; Textual asks again on refresh_bindings)."""
        st = self.view.state
        if action == "pause_record":
            return st is not None and st.recording
        if action == "save_replay":
            return st is not None and st.replay_buffer
        if action == "transition":
            return st is not None and st.preview_scene is not None
        if action == "next_rig":
            return len(self.links) > 1
        if action == "canvas":  # only with [[canvases]]: a vertical canvas beside the main one
            return st is not None and bool(st.canvases)
        return True

    async def action_toggle(self, what: str) -> None:
        self.run_worker(self._send(TOGGLES[what]()), group="commands")

    async def action_pause_record(self) -> None:
        self.run_worker(self._send(TogglePause()), group="commands")

    async def action_save_replay(self) -> None:
        async def save() -> None:
            done = await self._send(SaveReplay())
            if done is not None:
                self.notify(f"replay saved: {done.path}", timeout=6)

        self.run_worker(save(), group="commands")

    async def action_scene(self, index: int) -> None:
        """The program scene of the canvas shown (``c`` picks it); on the main canvas in studio
        mode, the preview (``t`` takes it to air), as in OBS."""
        st = self.view.state
        canvas = self.query_one(ScenesPanel).canvas
        studio = st is not None and st.preview_scene is not None and not canvas
        if studio:
            self.run_worker(self._send(SetPreview(index)), group="commands")
        else:  # numbered among the canvas's own scenes, as the panel shows them
            named = (canvas or "main") if st is not None and st.canvases else None
            self.run_worker(self._send(SwitchScene(index, named)), group="commands")

    def action_canvas(self) -> None:
        """The next canvas's scenes in the scenes panel: what 1-9 switch."""
        st = self.view.state
        panel = self.query_one(ScenesPanel)
        order = ["", *(c.name for c in st.canvases)] if st is not None else [""]
        panel.canvas = order[(order.index(panel.canvas) + 1) % len(order)] if panel.canvas in order else ""
        self.query_one("#scenes").border_title = f"Scenes · {panel.canvas}" if panel.canvas else "Scenes"

    async def action_studio(self) -> None:
        self.run_worker(self._send(SetStudio()), group="commands")

    async def action_transition(self) -> None:
        self.run_worker(self._send(TakePreview()), group="commands")

    def action_pictures(self) -> None:
        """Hide the thumbnails (nothing is asked of the video process then), or show them."""
        show(self.w_preview, not self.w_preview.display)
        self._studio(self.view.state)

    async def action_mute(self) -> None:
        name = self.query_one(SourcesPanel).selected_name()
        if name is None:
            self.notify("no source selected", severity="warning")
            return
        self.run_worker(self._send(MuteSource(name)), group="commands")

    async def action_media(self) -> None:
        """Play or pause the selected media source (media.action toggle)."""
        name = self.query_one(SourcesPanel).selected_name()
        if name is None:
            self.notify("no source selected", severity="warning")
            return
        self.run_worker(self._send(ActOnMedia(name, "toggle")), group="commands")

    def action_detach(self) -> None:
        self.exit(0)

    def action_stop_engine(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._stop_and_exit(), group="commands")

        self.push_screen(Confirm("Stop the engine? The stream ends and recordings are finalised."), answered)

    async def _stop_and_exit(self) -> None:
        await self._send(StopEngine())
        self.exit(0)

    def _handle_exception(self, error: Exception) -> None:
        """Textual's hook for an error nothing caught (it ends the app with status 1). Textual
        would print a full traceback with locals, which may quote a URL with its key: keep it,
        masked, in the crash log, and show one line instead (``run_tui`` prints it)."""
        from rigcast.engine.crash import record_crash

        if self.crash_line is None:
            self.crash_line = record_crash("the control room", error)
        super()._handle_exception(error)
        self._exit_renderables.clear()

    async def on_unmount(self) -> None:
        for task in list(getattr(self, "_fetching", {}).values()):
            task.cancel()
        await asyncio.gather(*(link.stop() for link in self.links))


def run_tui(theme: str | None = None, hosts: list[str] | None = None) -> int:
    """``rigcast`` / ``rigcast tui``: attach, starting an engine first if none is running;
    with ``hosts`` (``--host``), to those rigs' engines over SSH instead."""
    from rigcast.engine.control.rigs import choose_rigs
    from rigcast.engine.daemon import running_engine, up

    rigs = choose_rigs(hosts or ())
    themes = sorted(ControlRoom().available_themes)
    if theme is not None and theme not in themes:
        print(f'rigcast: no theme named "{theme}"; give one of {", ".join(themes)}', file=sys.stderr)
        return 2

    if not rigs[0].remote and running_engine() is None:
        print("rigcast: no engine running; starting one (`rigcast down` stops it)")
        rc = up(["engine"])
        if rc != 0:
            return rc
    from rigcast.engine.crash import EXIT_CRASH, report_crash
    from rigcast.tui.preview import terminal_graphics

    app = ControlRoom(graphics=terminal_graphics(), theme=theme, rigs=rigs)
    try:
        app.run()
    except Exception as e:  # before Textual's own handling (the terminal could not be set up)
        return report_crash("the control room", e)
    if app.crash_line is not None:
        print(app.crash_line, file=sys.stderr, flush=True)
        return EXIT_CRASH
    return app.return_code or 0
