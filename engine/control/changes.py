"""What changed between two engine states, for clients that speak in change events.

The bus publishes the whole state whenever any of it changes; obs-websocket clients and the
user's API want "the scene changed", "the stream started". Each connection keeps the last
state it saw and asks this module — one diff, so the two translators can't disagree.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from rigcast.engine.vocab import EngineState, OutputState, OutputStatus
from rigcast.engine.vocab.snapshot import IdleOutput, ItemRow, MediaRow, Snapshot, SourceRow
from rigcast.engine.vocab.states import MediaState

Change = tuple[str, dict[str, Any]]

# A stream's or the recording's phase, from the engine's intent and its outputs' states.
STOPPED, STARTING, STARTED, RECONNECTING, PAUSED, STOPPING = (
    "stopped", "starting", "started", "reconnecting", "paused", "stopping")


def phase(state: Snapshot, stream: bool) -> str:
    active = state.streaming if stream else state.recording
    rows = [o.state for o in outputs(state, stream)]
    if not active:
        return STOPPING if OutputState.STOPPING in rows else STOPPED
    if not stream and state.record_paused:
        return PAUSED
    if any(r in (OutputState.LIVE, OutputState.RECORDING) for r in rows):
        return STARTED
    return RECONNECTING if OutputState.RECONNECTING in rows else STARTING


def outputs(state: Snapshot, stream: bool) -> list[OutputStatus | IdleOutput]:
    """The stream outputs' rows, or the recordings' (a replay buffer is neither)."""
    return [o for o in state.outputs if o.stream == stream and not o.replay]


def replay_saved(state: Snapshot) -> str | None:
    """The file the replay buffer last wrote, if any."""
    return next((o.saved for o in state.outputs if isinstance(o, OutputStatus) and o.replay and o.saved), None)


def record_split(state: Snapshot) -> str | None:
    """The file a recording last finished by splitting, if any (the next one is its target)."""
    return next((o.saved for o in outputs(state, stream=False) if isinstance(o, OutputStatus) and o.saved), None)


def active_sources(state: Snapshot) -> set[str]:
    """Sources on air: visible in the program scene, and every sound-only source (mixed in all)."""
    program = state.scene(state.program_scene)
    shown = {it.source for it in (program.items if program else ()) if it.visible}
    return shown | {s.name for s in state.sources if s.sound_only}


def _items(state: Snapshot) -> dict[tuple[str, int], ItemRow]:
    return {(sc.name, i): it for sc in state.scenes for i, it in enumerate(sc.items)}


def _settings(row: SourceRow) -> dict[str, Any]:
    """A source's settings without what its own changes report (volume and mute)."""
    return {k: v for k, v in row.settings.items() if k not in ("volume_db", "muted")}


PLACEMENT = tuple(f.name for f in fields(ItemRow) if f.name not in ("source", "visible", "opacity", "filters"))


def _media_changes(source: str, was: MediaRow | None, now: MediaRow | None) -> list[Change]:
    """("media_action", {source, action}) for each action taken; ("media_started"|"media_ended",
    {source}) as playback starts (a restart included) or stops. A file that loops never ends."""
    if now is None:
        return []
    out: list[Change] = []
    acted = now.seq != (was.seq if was else 0) and now.action
    if acted:
        out.append(("media_action", {"source": source, "action": now.action, "state": now.state}))
    playing = now.state == MediaState.PLAYING
    if playing and ((was is None or was.state != MediaState.PLAYING) or (acted and now.action == "restart")):
        out.append(("media_started", {"source": source}))
    if now.state == MediaState.STOPPED and (was is None or was.state != MediaState.STOPPED):
        out.append(("media_ended", {"source": source}))
    return out


def changes(last: Snapshot | None, new: Snapshot) -> list[Change]:
    """("scene", {scene}), ("streaming"|"recording"|"replay_buffer", {active}), ("replay_saved", {path}), ("stream_phase"|"record_phase",
    {phase, was}), ("mute", {source, muted}), ("volume", {source, volume_db}), ("settings",
    {source, settings}), ("item_visible"|"item_placed", {scene, index, source[, visible]}),
    ("active", {source, active}), ("scene_list", {}), ("transition", {kind, duration_ms}),
    ("studio_mode", {enabled}), ("preview_scene", {scene}), ("exit", {}). ``last`` None: the
    first state a connection sees, which changes nothing."""
    if last is None:
        return []
    out: list[Change] = []
    if [s.name for s in new.scenes] != [s.name for s in last.scenes]:
        out.append(("scene_list", {}))
    if new.program_scene != last.program_scene:
        out.append(("scene", {"scene": new.program_scene}))
    if new.studio_mode != last.studio_mode:
        out.append(("studio_mode", {"enabled": new.studio_mode}))
    if new.preview_scene != last.preview_scene and new.preview_scene is not None:
        out.append(("preview_scene", {"scene": new.preview_scene}))
    for key, was_on, now_on in (("streaming", last.streaming, new.streaming),
                                ("recording", last.recording, new.recording),
                                ("replay_buffer", last.replay_buffer, new.replay_buffer)):
        if was_on != now_on:
            out.append((key, {"active": now_on}))
    for what, stream in (("stream_phase", True), ("record_phase", False)):
        was, now = phase(last, stream), phase(new, stream)
        if was != now:
            out.append((what, {"phase": now, "was": was}))
    saved = replay_saved(new)
    if saved is not None and saved != replay_saved(last):
        out.append(("replay_saved", {"path": saved}))
    split = record_split(new)
    if split is not None and split != record_split(last):
        out.append(("record_file", {"path": next((o.target for o in outputs(new, stream=False)), "")}))
    before = {s.name: s for s in last.sources}
    for s in new.sources:
        old = before.get(s.name)
        if old is None:
            continue
        if old.muted != s.muted:
            out.append(("mute", {"source": s.name, "muted": s.muted}))
        if old.volume_db != s.volume_db and s.volume_db is not None:
            out.append(("volume", {"source": s.name, "volume_db": s.volume_db}))
        if _settings(old) != _settings(s):
            out.append(("settings", {"source": s.name, "settings": _settings(s), "was": _settings(old)}))
        out += _media_changes(s.name, old.media, s.media)
    was_items = _items(last)
    for (scene, i), it in _items(new).items():
        old_it = was_items.get((scene, i))
        if old_it is None or old_it.source != it.source:
            continue
        if old_it.visible != it.visible:
            out.append(("item_visible", {"scene": scene, "index": i, "source": it.source, "visible": it.visible}))
        if any(getattr(old_it, k) != getattr(it, k) for k in PLACEMENT):
            out.append(("item_placed", {"scene": scene, "index": i, "source": it.source}))
    was_on_air, now_on_air = active_sources(last), active_sources(new)
    for name in sorted(was_on_air ^ now_on_air):
        out.append(("active", {"source": name, "active": name in now_on_air}))
    if new.transition != last.transition:
        out.append(("transition", new.transition.wire()))
    if new.engine.state == EngineState.STOPPING and last.engine.state != EngineState.STOPPING:
        out.append(("exit", {}))
    return out
