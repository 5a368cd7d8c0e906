"""Studio mode and the preview scene: asked for by Companion at connect.

rigcast has no studio mode yet (issue 6/6 brings it), so it answers as OBS does with studio
mode off: not enabled, and the preview requests fail with 506 (studio mode not active).
Turning it on is refused (703), never pretended.
"""

from __future__ import annotations

from typing import Any

from engine.control.obs.protocol import CANNOT_ACT, STUDIO_MODE_NOT_ACTIVE, RequestFailed, field
from engine.control.obs.requests import Ctx, refuse, request

_OFF = "Studio mode is not active."


@request("GetStudioModeEnabled", fixed="false: rigcast has no studio mode yet")
async def get_studio_mode_enabled(_ctx: Ctx, _d: dict[str, Any]) -> dict[str, Any]:
    return {"studioModeEnabled": False}


@request("SetStudioModeEnabled", fixed="false is accepted (it is off); true fails with 703")
async def set_studio_mode_enabled(_ctx: Ctx, d: dict[str, Any]) -> None:
    if field(d, "studioModeEnabled", bool):
        raise RequestFailed(CANNOT_ACT, "rigcast has no studio mode yet; switch the program scene directly.")


for _name in ("GetCurrentPreviewScene", "SetCurrentPreviewScene", "TriggerStudioModeTransition", "SetTBarPosition"):
    refuse(_name, STUDIO_MODE_NOT_ACTIVE, _OFF)
