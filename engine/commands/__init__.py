"""The engine's commands, one module per area, each registering its handlers on the bus.

Every handler asks the process that owns a thing to change it (the video process, for what it
renders and mixes) and reports the state that process sends back; none keeps a copy of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rigcast.engine.commands import audio, chat, engine_cmds, outputs, pictures, scenes, sources

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine


def register_all(engine: Engine) -> None:
    for area in (engine_cmds, outputs, scenes, audio, chat, pictures, sources):
        area.register(engine)
