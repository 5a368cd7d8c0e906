"""``media.action``: play, pause, stop, restart or seek a media source while it runs.

The action goes to the source's own capture worker (engine/capture/media.py), not the video
process: the file is decoded there. The answer waits for the worker's report of the playback
it left, which is also the state every client sees (and obs-websocket's media events).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import BusError, Cmd, Command
from rigcast.engine.vocab.results import MediaPlayback
from rigcast.engine.vocab.states import MediaAction
from rigcast.engine.vocab.video import MediaControl

MAX_CURSOR_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class ActOnMedia(Cmd[MediaPlayback]):
    NAME: ClassVar = "media.action"
    source: str
    action: str  # play, pause, toggle, stop, restart, seek
    cursor_ms: int | None = None  # seek: to here
    offset_ms: int | None = None  # seek: by this much (negative goes back)


async def act_on_media(e: Host, c: ActOnMedia) -> MediaPlayback:
    src = e.cfg.source(c.source)
    if src is None or not src.info.extra.get("plays_file"):
        raise BusError("unknown_source", f'no media source named "{c.source}"')
    actions = [a.value for a in MediaAction]
    if c.action not in actions:
        raise BusError("bad_args", f'media.action: unknown action "{c.action}"; use one of {", ".join(actions)}')
    if c.action == MediaAction.SEEK and (c.cursor_ms is None) == (c.offset_ms is None):
        raise BusError("bad_args", "media.action: seek takes cursor_ms (where to) or offset_ms (how far), one of them")
    for name, value in (("cursor_ms", c.cursor_ms), ("offset_ms", c.offset_ms)):
        if value is not None and not (-MAX_CURSOR_MS if name == "offset_ms" else 0) <= value <= MAX_CURSOR_MS:
            raise BusError("bad_args", f"media.action: {name} must be within 24 hours, got {value}")
    before = e.media.get(src.name)
    cmd = MediaControl(c.action, (before.seq if before else 0) + 1, c.cursor_ms, c.offset_ms)
    after = await e.media_control(src.name, cmd)
    if after is None:
        raise BusError("not_running", f'"{src.name}" is not playing in any scene (its file is opened only '
                                      "while a scene shows it), or its worker did not answer")
    e.publish_state()
    return MediaPlayback(src.name, after.state, after.cursor_at(after.at_ns), after.duration_ms)


COMMANDS = (
    Command(ActOnMedia, act_on_media, "play, pause, toggle, stop, restart or seek a media source"),
)
