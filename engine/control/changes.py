"""What changed between two engine states, for clients that speak in change events.

The bus publishes the whole state whenever any of it changes; obs-websocket clients and the
user's API want "the scene changed", "the stream started". Each connection keeps the last
state it saw and asks this module — one diff, so the two translators can't disagree.
"""

from __future__ import annotations

from typing import Any

Change = tuple[str, dict[str, Any]]


def changes(last: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """("scene", {scene}), ("streaming"|"recording", {active}), ("mute", {source, muted})."""
    out: list[Change] = []
    if new.get("program_scene") != last.get("program_scene"):
        out.append(("scene", {"scene": new.get("program_scene")}))
    for key in ("streaming", "recording"):
        if new.get(key) != last.get(key):
            out.append((key, {"active": bool(new.get(key))}))
    before = {s["name"]: s.get("muted") for s in last.get("sources", [])}
    for s in new.get("sources", []):
        if s["name"] in before and before[s["name"]] != s.get("muted"):
            out.append(("mute", {"source": s["name"], "muted": s.get("muted")}))
    return out
