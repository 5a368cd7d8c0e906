"""``rigcast ctl``: one command bus request per invocation, for scripts and hotkey daemons."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys

from rigcast.engine.commands.audio import MuteSource
from rigcast.engine.commands.config_files import ListConfigs, SwitchConfig
from rigcast.engine.commands.engine_cmds import GetStatus
from rigcast.engine.commands.media import ActOnMedia
from rigcast.engine.commands.outputs import (
    AREA_COMMANDS,
    AddChapter,
    PauseRecording,
    ResumeRecording,
    SaveReplay,
    SendCaption,
    SplitRecording,
)
from rigcast.engine.commands.pictures import TakeScreenshot
from rigcast.engine.commands.scenes import SetItem, SetPreview, SetStudio, SetText, SwitchScene, TakePreview
from rigcast.engine.commands.sources import GetSource, ListFilters, SetFilter, SetSource
from rigcast.engine.control.bus import BusError
from rigcast.engine.control.client import call, run, using
from rigcast.engine.control.rigs import Glance, Rig, RigState
from rigcast.engine.errors import RigcastError
from rigcast.engine.status import clock
from rigcast.engine.vocab import LinkState, OutputStatus, SourceState, labelled
from rigcast.engine.vocab.snapshot import ObsWebsocketRow, Snapshot


def describe(state: Snapshot) -> str:
    e = state.engine
    rows = [f"engine   pid {e.pid}, up {clock(e.uptime_s)}, {e.canvas} @ {e.fps} fps, {e.encoder}"]
    if state.streaming:
        rows.append(f"stream   LIVE {clock(state.stream_uptime_s)}")
    else:
        rows.append("stream   off")
    rows.append(f"record   REC {clock(state.record_uptime_s)}" if state.recording else "record   off")
    prog = next((s.index for s in state.scenes if s.name == state.program_scene), 0)
    rows.append(f"scene    {state.program_scene} ({prog} of {len(state.scenes)})")
    for s in state.sources:
        rows.append(f"source   {s.name}: {labelled(s.state, SourceState)}{' (muted)' if s.muted else ''} — {s.description}")
    for o in state.outputs:
        extra = f" {o.kbps:.0f} kbps" if o.state.carrying else ""
        if isinstance(o, OutputStatus):
            if extra and o.queue_ms is not None:
                extra += f" queue {o.queue_ms} ms video {o.bitrate_kbps} kbps"
            if o.retry_in_s is not None:
                extra += f" retry in {o.retry_in_s:.0f}s"
            if o.dropped:
                extra += f" dropped {o.dropped} ({o.dropped_pct:.1f}%)"
        rows.append(f"output   {o.name}: {o.state.label}{extra} → {o.target}")
    link = state.link
    if link.state != LinkState.OFF:
        why = f" ({link.error})" if link.error and link.state != LinkState.CONNECTED else ""
        rows.append(f"link     {link.state}{why} → {link.url}")
    return "\n".join(rows)


def obs_info(obs: ObsWebsocketRow) -> int:
    """What a remote tool needs to connect. The password is read here, from the state dir the
    engine keeps it in; it never travels over the control socket, status or the log."""
    if not obs.enabled:
        print("rigcast: the obs-websocket server is off; enable it with [obs_websocket] enabled = true",
              file=sys.stderr)
        return 1
    print(f"server   {obs.bind}\nport     {obs.port}")
    if obs.auth == "off":
        print("password none (auth = false: loopback only)")
    elif obs.auth == "environment":
        print(f"password the value of ${obs.password_env} in the engine's environment")
    else:
        from rigcast.engine.control.obs.auth import stored_password

        value = stored_password(create=False)
        if value is None:
            print("rigcast: the engine's generated obs-websocket password is not in this user's state dir",
                  file=sys.stderr)
            return 1
        print(f"password {value}")
    return 0


def screenshot(a: argparse.Namespace) -> int:
    """``ctl screenshot FILE``: the picture made by the video process, written here."""
    from pathlib import Path

    from rigcast.config.values import Size

    path = Path(a.file).expanduser()
    fmt = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}.get(path.suffix.lower())
    if fmt is None:
        print(f"rigcast: {a.file}: name a .png or .jpg file", file=sys.stderr)
        return 1
    size = None
    if a.size:
        try:
            size = Size.parse(a.size)
        except ValueError as e:
            print(f"rigcast: --size: {e}", file=sys.stderr)
            return 1
    picture = run(TakeScreenshot(source=a.source or None, width=size.width if size else None,
                                 height=size.height if size else None, format=fmt))
    try:
        path.write_bytes(picture.data)
    except OSError as e:
        print(f"rigcast: cannot write {path}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"rigcast: {path}")
    return 0


def media(a: argparse.Namespace) -> int:
    """``ctl media SOURCE ACTION [AT]``: AT is seconds, or a step from here when signed."""
    cursor = offset = None
    if a.action == "seek":
        try:
            seconds = float(a.at or "")
        except ValueError:
            print('rigcast: seek needs a time in seconds, like 12.5, or a step like +10 or -5', file=sys.stderr)
            return 1
        if a.at.startswith(("+", "-")):
            offset = round(seconds * 1000)
        else:
            cursor = round(seconds * 1000)
    done = run(ActOnMedia(a.source, a.action, cursor, offset))
    at = f"{done.cursor_ms / 1000:.1f} s" + (f" of {done.duration_ms / 1000:.1f}" if done.duration_ms else "")
    print(f"rigcast: {done.source} {done.state} at {at}")
    return 0


def _scene(given: str) -> str | int:
    """A scene as typed: a number is its 1-based index."""
    return int(given) if given.isdigit() else given


def run_ctl(a: argparse.Namespace) -> int:
    """On this box's engine; with ``--host`` or ``--all``, on each rig named, in turn."""
    if a.ctl == "bridge":
        from rigcast.engine.control.bridge import bridge

        return bridge()
    if not a.host and not a.all:
        return _run_one(a)
    from rigcast.engine.control.rigs import choose_rigs

    rigs = choose_rigs(a.host, every=a.all)
    if a.ctl == "status" and not a.json and len(rigs) > 1:
        return status_lines(rigs)
    rc = 0
    for rig in rigs:
        if len(rigs) > 1:
            print(f"== {rig.name}", flush=True)
        try:
            with using(rig.endpoint) if rig.endpoint else contextlib.nullcontext():
                rc = max(rc, _run_one(a))
        except RigcastError as e:  # this rig unreachable: the others still get the command
            print(f"rigcast: {rig.name}: {e}", file=sys.stderr)
            rc = 1
    return rc


def status_lines(rigs: list[Rig]) -> int:
    """``ctl --all status``: one line per rig, the unreachable ones with the reason."""
    width = max(len(r.name) for r in rigs)
    rc = 0
    for rig in rigs:
        try:
            glance = Glance.of(run(GetStatus(), endpoint=rig.endpoint).state)
        except RigcastError as e:
            glance = Glance(RigState.UNREACHABLE, why=str(e))
            rc = 1
        print(f"{rig.name:<{width}}  {glance.line()}", flush=True)
    return rc


def _run_one(a: argparse.Namespace) -> int:
    try:
        if a.ctl == "status":
            # --json: the answer as the engine sent it, for scripts
            print(json.dumps(call(GetStatus.NAME), indent=2) if a.json else describe(run(GetStatus()).state))
        elif a.ctl == "record" and a.action == "split":
            print(f"rigcast: recording goes on in {', '.join(run(SplitRecording()).paths)}")
        elif a.ctl == "record" and a.action in ("pause", "resume"):
            paused = run(PauseRecording() if a.action == "pause" else ResumeRecording()).paused
            print(f"rigcast: recording {'paused' if paused else 'resumed'}")
        elif a.ctl in ("stream", "record", "replay") and a.action != "save":
            cmd = next(c for c in AREA_COMMANDS if c.AREA.what == a.ctl and c.VERB == a.action)()
            on = run(cmd).running
            what = "replay buffer" if a.ctl == "replay" else a.ctl
            print(f"rigcast: {what} {'started' if on else 'stopped'}")
        elif a.ctl == "replay":
            print(f"rigcast: replay saved to {run(SaveReplay()).path}")
        elif a.ctl == "filter" and a.filter is None:
            for row in run(ListFilters(a.source, a.scene or None)).filters:
                settings = ", ".join(f"{k}={v}" for k, v in row.settings.items())
                print(f"{row.name:<18} {'on ' if row.enabled else 'off'}  {settings}")
        elif a.ctl == "filter":
            if a.state is None:
                print("rigcast: say on or off after the filter's name", file=sys.stderr)
                return 1
            run(SetFilter(source=a.source, scene=a.scene or None, filter=a.filter, enabled=a.state == "on"))
            print(f"rigcast: {a.source}: {a.filter} {a.state}")
        elif a.ctl == "screenshot":
            return screenshot(a)
        elif a.ctl == "chapter":
            print(f'rigcast: chapter "{run(AddChapter(a.title)).title}"')
        elif a.ctl == "scene":
            switched = run(SwitchScene(_scene(a.scene), a.canvas or None))
            print(f"rigcast: program scene {switched.program_scene}" + (f" on canvas {a.canvas}" if a.canvas else ""))
        elif a.ctl in ("studio", "preview", "transition"):
            if a.ctl == "studio":
                studio = run(SetStudio(None if a.state == "toggle" else a.state == "on"))
            elif a.ctl == "preview":
                studio = run(SetPreview(_scene(a.scene)))
            else:
                studio = run(TakePreview())
            print(f"rigcast: studio mode {'on' if studio.studio_mode else 'off'}, program {studio.program_scene}"
                  + (f", preview {studio.preview_scene}" if studio.studio_mode else ""))
        elif a.ctl == "item":
            given = {k: getattr(a, k) for k in ("visible", "x", "y", "scale", "opacity") if getattr(a, k) is not None}
            done = run(SetItem(a.scene, a.source, **given))
            print(f"rigcast: {done.scene}/{done.source}: " + ", ".join(f"{k}={v}" for k, v in done.changes.items())
                  + (" (saved)" if done.saved else ""))
        elif a.ctl == "text":
            run(SetText(a.source, a.text))
            print(f"rigcast: {a.source} text set")
        elif a.ctl == "obs-info":
            return obs_info(run(GetStatus()).state.obs_websocket)
        elif a.ctl == "config" and a.name:
            going = run(SwitchConfig(a.name))
            print(f"rigcast: restarting on {going.to}.toml (was {going.was}.toml)")
        elif a.ctl == "config":
            files = run(ListConfigs())
            for name in files.names:
                print(f"{'*' if name == files.current else ' '} {name}")
        elif a.ctl == "caption":
            print(f'rigcast: caption "{run(SendCaption(a.text)).text}"')
        elif a.ctl == "media":
            return media(a)
        elif a.ctl == "tracks":
            if a.track:
                run(SetSource(a.source, {"tracks": a.track}))
            tracks = run(GetSource(a.source)).settings.get("tracks")
            if tracks is None:
                print(f'rigcast: "{a.source}" has no sound to put on a track', file=sys.stderr)
                return 1
            print(f"rigcast: {a.source} feeds track{'s' if len(tracks) > 1 else ''} {', '.join(map(str, tracks))}")
        elif a.ctl == "mute":
            muted = run(MuteSource(a.source, None if a.state == "toggle" else a.state == "on"))
            print(f"rigcast: {muted.source} {'muted' if muted.muted else 'unmuted'}")
    except BusError as e:
        print(f"rigcast: {e.message}", file=sys.stderr)
        return 1
    return 0
