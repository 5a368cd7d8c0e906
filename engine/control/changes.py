"""What changed between two engine states, for clients that speak in change events.

The bus publishes the whole state whenever any of it changes; obs-websocket clients and the
user's API want "the scene changed", "the stream started". Each connection keeps the last
state it saw and asks this module — one diff, so the two translators can't disagree.
"""

from __future__ import annotations

from typing import Any

from rigcast.engine.vocab import EngineState, OutputState

Change = tuple[str, dict[str, Any]]

# A stream's or the recording's phase, from the engine's intent and its outputs' states.
STOPPED, STARTING, STARTED, RECONNECTING, PAUSED, STOPPING = (
    "stopped", "starting", "started", "reconnecting", "paused", "stopping")


def phase(state: dict[str, Any], stream: bool) -> str:
    active = state.get("streaming" if stream else "recording")
    rows = [o.get("state") for o in outputs(state, stream)]
    if not active:
        return STOPPING if OutputState.STOPPING in rows else STOPPED
    if not stream and state.get("record_paused"):
        return PAUSED
    if any(r in (OutputState.LIVE, OutputState.RECORDING) for r in rows):
        return STARTED
    return RECONNECTING if OutputState.RECONNECTING in rows else STARTING


def outputs(state: dict[str, Any], stream: bool) -> list[dict[str, Any]]:
    """The stream outputs' rows, or the recordings' (a replay buffer is neither)."""
    return [o for o in state.get("outputs", []) if bool(o.get("stream")) == stream and not o.get("replay")]


def replay_saved(state: dict[str, Any]) -> str | None:
    """The file the replay buffer last wrote, if any."""
    return next((o.get("saved") for o in state.get("outputs", []) if o.get("replay") and o.get("saved")), None)


def active_sources(state: dict[str, Any]) -> set[str]:
    """Sources on air: visible in the program scene, and every audio source (mixed in all)."""
    program = next((sc for sc in state.get("scenes", []) if sc["name"] == state.get("program_scene")), None)
    shown = {it["source"] for it in (program or {}).get("items", []) if it.get("visible")}
    return shown | {s["name"] for s in state.get("sources", []) if "volume_db" in s}


def _items(state: dict[str, Any]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(sc["name"], i): it for sc in state.get("scenes", []) for i, it in enumerate(sc.get("items", []))}


def _settings(row: dict[str, Any]) -> dict[str, Any]:
    """A source's settings without what its own changes report (volume and mute)."""
    return {k: v for k, v in (row.get("settings") or {}).items() if k not in ("volume_db", "muted")}


PLACEMENT = ("x", "y", "scale", "width", "height", "fit", "crop")


def changes(last: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """("scene", {scene}), ("streaming"|"recording"|"replay_buffer", {active}), ("replay_saved", {path}), ("stream_phase"|"record_phase",
    {phase, was}), ("mute", {source, muted}), ("volume", {source, volume_db}), ("settings",
    {source, settings}), ("item_visible"|"item_placed", {scene, index, source[, visible]}),
    ("active", {source, active}), ("scene_list", {}), ("transition", {kind, duration_ms}),
    ("studio_mode", {enabled}), ("preview_scene", {scene}), ("exit", {})."""
    out: list[Change] = []
    if [s["name"] for s in new.get("scenes", [])] != [s["name"] for s in last.get("scenes", [])]:
        out.append(("scene_list", {}))
    if new.get("program_scene") != last.get("program_scene"):
        out.append(("scene", {"scene": new.get("program_scene")}))
    if bool(new.get("studio_mode")) != bool(last.get("studio_mode")):
        out.append(("studio_mode", {"enabled": bool(new.get("studio_mode"))}))
    if new.get("preview_scene") != last.get("preview_scene") and new.get("preview_scene") is not None:
        out.append(("preview_scene", {"scene": new["preview_scene"]}))
    for key in ("streaming", "recording", "replay_buffer"):
        if new.get(key) != last.get(key):
            out.append((key, {"active": bool(new.get(key))}))
    for what, stream in (("stream_phase", True), ("record_phase", False)):
        was, now = phase(last, stream), phase(new, stream)
        if was != now:
            out.append((what, {"phase": now, "was": was}))
    saved = replay_saved(new)
    if saved is not None and saved != replay_saved(last):
        out.append(("replay_saved", {"path": saved}))
    before = {s["name"]: s for s in last.get("sources", [])}
    for s in new.get("sources", []):
        old = before.get(s["name"])
        if old is None:
            continue
        if old.get("muted") != s.get("muted"):
            out.append(("mute", {"source": s["name"], "muted": s.get("muted")}))
        if old.get("volume_db") != s.get("volume_db") and s.get("volume_db") is not None:
            out.append(("volume", {"source": s["name"], "volume_db": s["volume_db"]}))
        if s.get("settings") is not None and _settings(old) != _settings(s):
            out.append(("settings", {"source": s["name"], "settings": _settings(s), "was": _settings(old)}))
    was_items = _items(last)
    for (scene, i), it in _items(new).items():
        old = was_items.get((scene, i))
        if old is None or old["source"] != it["source"]:
            continue
        if old.get("visible") != it.get("visible"):
            out.append(("item_visible", {"scene": scene, "index": i, "source": it["source"], "visible": it["visible"]}))
        if any(old.get(k) != it.get(k) for k in PLACEMENT):
            out.append(("item_placed", {"scene": scene, "index": i, "source": it["source"]}))
    was_on, now_on = active_sources(last), active_sources(new)
    for name in sorted(was_on ^ now_on):
        out.append(("active", {"source": name, "active": name in now_on}))
    if new.get("transition") != last.get("transition") and new.get("transition") is not None:
        out.append(("transition", dict(new["transition"])))
    was_state = last.get("engine", {}).get("state")
    if new.get("engine", {}).get("state") == EngineState.STOPPING and was_state != EngineState.STOPPING:
        out.append(("exit", {}))
    return out
