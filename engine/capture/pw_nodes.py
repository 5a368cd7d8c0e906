"""PipeWire video nodes (media.class ``Video/Source``), as GStreamer's device monitor sees them.

gamescope publishes its output as such a node (a stream named "gamescope"), and so does any
``pipewiresink mode=provide``. A node is named in the config by ``node.name`` or by number
(``object.serial``, or the older ``object.id``); a restarted producer gets a new serial under
the same name, which is how the source tells "gone and back" from "still there".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigcast.config.model import Size


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


def _int(props: Any, key: str) -> int:
    try:
        return int(props.get_value(key)) if props is not None and props.has_field(key) else -1
    except (TypeError, ValueError):
        return -1


def _size(caps: Any) -> Size | None:
    for i in range(caps.get_size() if caps is not None else 0):
        s = caps.get_structure(i)
        ok_w, w = s.get_int("width")
        ok_h, h = s.get_int("height")
        if ok_w and ok_h and w > 0 and h > 0:
            return Size(w, h)
    return None


def node_of(device: Any) -> VideoNode:
    props = device.get_properties()
    name = str(props.get_value("node.name")) if props is not None and props.has_field("node.name") else ""
    return VideoNode(_int(props, "object.id"), _int(props, "object.serial"), name,
                     device.get_display_name() or "", _size(device.get_caps()))


class NodeMonitor:
    """A running device monitor: a node list costs a lookup in its cache, not a round trip."""

    def __init__(self, Gst: Any) -> None:
        self.monitor = Gst.DeviceMonitor.new()
        self.monitor.add_filter("Video/Source", None)
        self.monitor.start()

    def nodes(self) -> list[VideoNode]:
        # The monitor also finds V4L2 cameras; only PipeWire's devices carry a node.name.
        return [n for n in (node_of(d) for d in self.monitor.get_devices()) if n.name]

    def find(self, wanted: str) -> VideoNode | None:
        return next((n for n in self.nodes() if n.matches(wanted)), None)

    def close(self) -> None:
        self.monitor.stop()
