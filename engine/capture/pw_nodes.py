"""PipeWire video nodes (media.class ``Video/Source``), as PipeWire's own ``pw-dump`` lists them.

gamescope publishes its output as such a node (a stream named "gamescope"), and so does any
``pipewiresink mode=provide``. A node is named in the config by ``node.name`` or by number
(``object.serial``, or the older ``object.id``); a restarted producer gets a new serial under
the same name, which is how the source tells "gone and back" from "still there".

Why pw-dump and not GStreamer's device monitor: the monitor's PipeWire provider (PipeWire
0.3.65, Debian 12) corrupts the heap when started and stopped (measured here: 6 of 10 processes
aborted within 20 start/stop rounds, glibc's "corrupted size vs. prev_size"), and a crash there
took the engine down once. pw-dump is PipeWire's own tool, a process of its own, ~8 ms of CPU a
call; the source asks it only while it has no frames (engine/capture/pipewire.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rigcast.config.model import Size
from rigcast.engine.errors import RigcastError

PW_DUMP_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class VideoNode:
    id: int
    serial: int
    name: str
    description: str
    size: Size | None  # the size it offers, when it offers one

    def matches(self, wanted: str) -> bool:
        return wanted == self.name or (wanted.isdigit() and int(wanted) in (self.serial, self.id))

    @property
    def label(self) -> str:
        return f"{self.name} ({self.description})" if self.description and self.description != self.name else self.name


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _size(info: Mapping[str, Any]) -> Size | None:
    for fmt in (info.get("params") or {}).get("EnumFormat") or []:
        size = fmt.get("size") if isinstance(fmt, dict) else None
        if isinstance(size, dict) and _int(size.get("width")) > 0 and _int(size.get("height")) > 0:
            return Size(int(size["width"]), int(size["height"]))
    return None


def parse_dump(objects: Any) -> list[VideoNode]:
    """The Video/Source nodes in pw-dump's JSON (a list of objects). Pure: tested without PipeWire."""
    nodes = []
    for o in objects if isinstance(objects, list) else []:
        if not isinstance(o, dict) or o.get("type") != "PipeWire:Interface:Node":
            continue
        info = o.get("info") or {}
        props = info.get("props") or {}
        if props.get("media.class") != "Video/Source" or not props.get("node.name"):
            continue
        nodes.append(VideoNode(_int(o.get("id")), _int(props.get("object.serial")), str(props["node.name"]),
                               str(props.get("node.description") or ""), _size(info)))
    return nodes


def video_nodes() -> list[VideoNode]:
    """The Video/Source nodes of the PipeWire this process uses ($PIPEWIRE_RUNTIME_DIR)."""
    if shutil.which("pw-dump") is None:
        raise RigcastError("pw-dump not found; install PipeWire's tools (Debian/Ubuntu: apt install pipewire-bin)")
    try:
        r = subprocess.run(["pw-dump", "-N"], capture_output=True, timeout=PW_DUMP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise RigcastError(f"PipeWire did not answer pw-dump in {PW_DUMP_TIMEOUT_S:g} s") from None
    if r.returncode != 0:
        said = r.stderr.decode(errors="replace").strip().splitlines()
        raise RigcastError(f"pw-dump could not read PipeWire: {said[-1] if said else f'exit {r.returncode}'}")
    try:
        return parse_dump(json.loads(r.stdout or b"[]"))
    except ValueError:
        raise RigcastError("pw-dump's answer was not JSON") from None
