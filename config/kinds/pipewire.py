"""``kind = "pipewire"``: a Wayland window or screen through the desktop's ScreenCast portal,
or a PipeWire video node read directly (gamescope's, which Steam's game mode runs inside).

Without ``node`` the portal asks the user once, on the game box's own screen, what to share;
its restore token is kept so later starts don't ask again where the portal can restore
(GNOME, KDE). With ``node`` no portal is involved: the node is found by name or id.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role

SHARES = ("window", "monitor")  # the portal's source types rigcast asks for (one of them)
CURSORS = ("embedded", "hidden")  # the portal's cursor modes a CPU path can use (not "metadata")


@dataclass
class PipeWireSettings:
    node: str | None = f.text(None, 'a PipeWire video node\'s name or id, like "gamescope"')
    share: str = f.choice("window", SHARES)
    cursor: str = f.choice("embedded", CURSORS)


def describe(s: PipeWireSettings) -> str:
    if s.node is not None:
        return f'PipeWire node "{s.node}"'
    return f"{s.share} shared through the desktop portal"


KINDS = (KindInfo("pipewire", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED, PipeWireSettings, describe,
                  {"linux": "rigcast.engine.capture.pipewire:PipeWireKind"},
                  order=3, summary="a Wayland window or screen (portal), or a PipeWire node such as gamescope",
                  hint="run `rigcast windows` to list PipeWire video nodes"),)
