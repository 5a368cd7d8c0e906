"""The engine's commands, one module per area, in one table.

Each command is a dataclass of its arguments plus one module-level handler (engine/control/bus.py
says how they are checked). Every handler asks the process that owns a thing to change it (the
video process, for what it renders and mixes) and reports the state that process sends back;
none keeps a copy of its own. Handlers see the engine only through :class:`~.host.Host`.
"""

from __future__ import annotations

from typing import Any

from rigcast.engine.commands import (
                                        audio,
                                        chat,
                                        config_files,
                                        engine_cmds,
                                        media,
                                        outputs,
                                        pictures,
                                        scenes,
                                        sources,
)
from rigcast.engine.control.bus import Command

TABLE: tuple[Command[Any, Any], ...] = (*engine_cmds.COMMANDS, *outputs.COMMANDS, *scenes.COMMANDS, *audio.COMMANDS,
                                        *chat.COMMANDS, *pictures.COMMANDS, *sources.COMMANDS, *media.COMMANDS,
                                        *config_files.COMMANDS)
