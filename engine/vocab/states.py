"""The states of sources, outputs, the link and the engine, as they travel on the wire.

Each enum's value is the machine spelling documented in docs/control-protocol.md; ``label`` is
what a person reads in the status line. A state is added here or nowhere: the TUI styles every
member (a test checks), and the frame and audio rings store a member's index, not a string.
"""

from __future__ import annotations

from enum import StrEnum


class _Labelled(StrEnum):
    @property
    def label(self) -> str:
        return _LABELS.get(self, self.value.replace("_", " "))

    @property
    def code(self) -> int:
        """The state's index, for shared-memory headers that hold integers."""
        return list(type(self)).index(self)

    @classmethod
    def from_code(cls, code: int) -> _Labelled:
        members = list(cls)
        return members[code] if 0 <= code < len(members) else members[-1]


class SourceState(_Labelled):
    """A video or audio source. Order matters: rings store the index."""

    STARTING = "starting"
    LIVE = "live"
    NOT_FOUND = "not_found"  # the window isn't there: a placeholder is streamed, looked for every second
    HIDDEN = "hidden"  # minimised / unmapped: its last frame is held
    LOST = "lost"  # its capture process died: a placeholder is streamed while it restarts
    ERROR = "error"  # failed (a file that doesn't decode, a device that vanished); the rest goes on


class OutputState(_Labelled):
    OFF = "off"
    STARTING = "starting"
    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    REJECTED = "rejected"  # the server refused the publish (key, on_publish hook)
    BUSY = "busy"  # the server still has a publisher on this name (often our own, just lost)
    RECORDING = "recording"
    PAUSED = "paused"  # a recording on hold: nothing written; it resumes with continuous timestamps
    STOPPING = "stopping"
    STOPPED = "stopped"
    ERROR = "error"

    @property
    def carrying(self) -> bool:
        """Media is flowing out of this output now."""
        return self in (OutputState.LIVE, OutputState.RECORDING)


class LinkState(_Labelled):
    OFF = "off"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"


class EngineState(_Labelled):
    STARTING = "starting"
    RUNNING = "running"
    STOPPING = "stopping"


_LABELS: dict[StrEnum, str] = {
    SourceState.NOT_FOUND: "window not found",
    SourceState.LOST: "capture lost, restarting",
    OutputState.REJECTED: "rejected by server",
    OutputState.BUSY: "stream busy on server",
}


def labelled(value: str, kind: type[_Labelled]) -> str:
    """The label of a wire value, or the value itself when it is not one of ``kind``'s."""
    try:
        return kind(value).label
    except ValueError:
        return value


class MediaState(StrEnum):
    """A media source's playback, moved by ``media.action`` (obs-websocket's media actions).
    A file loops while it plays, so it never ends by itself."""

    PLAYING = "playing"
    PAUSED = "paused"
    STOPPED = "stopped"  # back at the start, held there (its first frame shown) until played


class MediaAction(StrEnum):
    PLAY = "play"
    PAUSE = "pause"
    TOGGLE = "toggle"  # play when paused or stopped, pause when playing
    STOP = "stop"
    RESTART = "restart"
    SEEK = "seek"  # to ``cursor_ms``, or by ``offset_ms``
