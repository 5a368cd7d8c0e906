"""obs-websocket's media inputs: a media source's playback read and moved through ``media.action``.

OBS's media states and actions map one to one onto rigcast's (engine/vocab/states.py), but
for NEXT and PREVIOUS: they step through a playlist (OBS's VLC source), and a media source
plays one file, so they fail with the reason rather than doing nothing.
"""

from __future__ import annotations

from typing import Any

from rigcast.config.kinds import Role, find
from rigcast.engine.commands.media import ActOnMedia
from rigcast.engine.control.obs.inputs import _input
from rigcast.engine.control.obs.protocol import (
    CANNOT_ACT,
    INVALID_FIELD,
    INVALID_RESOURCE_STATE,
    RequestFailed,
    field,
)
from rigcast.engine.control.obs.requests import Ctx, request
from rigcast.engine.vocab.snapshot import SourceRow
from rigcast.engine.vocab.states import MediaAction, MediaState

_ACTION = "OBS_WEBSOCKET_MEDIA_INPUT_ACTION_"
ACTIONS = {f"{_ACTION}PLAY": MediaAction.PLAY, f"{_ACTION}PAUSE": MediaAction.PAUSE,
           f"{_ACTION}STOP": MediaAction.STOP, f"{_ACTION}RESTART": MediaAction.RESTART}
STATES = {MediaState.PLAYING: "OBS_MEDIA_STATE_PLAYING", MediaState.PAUSED: "OBS_MEDIA_STATE_PAUSED",
          MediaState.STOPPED: "OBS_MEDIA_STATE_STOPPED"}


def obs_media_action(action: str, state: str) -> str | None:
    """The MediaInputActionTriggered name of an action taken (a toggle is the play or pause it
    made; a seek has none in OBS)."""
    if action == MediaAction.TOGGLE:
        action = MediaAction.PLAY if state == MediaState.PLAYING else MediaAction.PAUSE
    return next((name for name, a in ACTIONS.items() if a == action), None)


def _media(ctx: Ctx, d: dict[str, Any]) -> SourceRow:
    s = _input(ctx, d)
    if not find(Role.SOURCE, s.kind).extra.get("plays_file"):
        raise RequestFailed(INVALID_RESOURCE_STATE, f'The input "{s.name}" is not a media source.')
    return s


@request("GetMediaInputStatus")
async def get_media_input_status(ctx: Ctx, d: dict[str, Any]) -> dict[str, Any]:
    """A media source no scene shows has no file open: OBS_MEDIA_STATE_NONE, as OBS says."""
    s = _media(ctx, d)
    if s.media is None:
        return {"mediaState": "OBS_MEDIA_STATE_NONE", "mediaDuration": None, "mediaCursor": None}
    return {"mediaState": STATES[s.media.state], "mediaDuration": s.media.duration_ms, "mediaCursor": s.media.cursor_ms}


@request("TriggerMediaInputAction")
async def trigger_media_input_action(ctx: Ctx, d: dict[str, Any]) -> None:
    s = _media(ctx, d)
    name = field(d, "mediaAction", str)
    if name == f"{_ACTION}NONE":
        return
    if name in (f"{_ACTION}NEXT", f"{_ACTION}PREVIOUS"):
        raise RequestFailed(CANNOT_ACT, "a media source plays one file: next and previous step through a playlist")
    if name not in ACTIONS:
        raise RequestFailed(INVALID_FIELD, f'unknown mediaAction "{name}"')
    await ctx.bus.run(ActOnMedia(s.name, ACTIONS[name]))


@request("SetMediaInputCursor")
async def set_media_input_cursor(ctx: Ctx, d: dict[str, Any]) -> None:
    s = _media(ctx, d)
    cursor = field(d, "mediaCursor", (int, float))
    if cursor < 0:
        raise RequestFailed(INVALID_FIELD, "mediaCursor must be 0 or more (milliseconds)")
    await ctx.bus.run(ActOnMedia(s.name, MediaAction.SEEK, cursor_ms=int(cursor)))


@request("OffsetMediaInputCursor")
async def offset_media_input_cursor(ctx: Ctx, d: dict[str, Any]) -> None:
    s = _media(ctx, d)
    await ctx.bus.run(ActOnMedia(s.name, MediaAction.SEEK, offset_ms=int(field(d, "mediaCursorOffset", (int, float)))))
