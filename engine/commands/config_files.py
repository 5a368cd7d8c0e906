"""``config.list`` and ``config.switch``: the config files beside the running one, and going
over to another while idle.

OBS keeps scene collections and profiles apart; a rigcast config file holds both (its scenes
and sources, its outputs and encoder settings), so both of OBS's lists are the ``*.toml``
files in the running config's folder, named by their stem. Switching stops the workers and
starts them again on the other file in the same engine process (engine/daemon.py), so it is
done only while nothing streams or records: OBS switches live, but a restart of the capture
and video processes would cut the stream. Control clients reconnect to the new engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rigcast.config.kinds import Cap
from rigcast.config.loader import ConfigError, load_config
from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import BusError, Cmd, Command
from rigcast.engine.vocab.results import ConfigFiles, ConfigSwitching


def config_names(current: str | None) -> tuple[str, list[str]]:
    """(the running file's name, every file's name in its folder)."""
    if current is None:
        return "rigcast", ["rigcast"]
    here = Path(current)
    return here.stem, sorted(p.stem for p in here.parent.glob("*.toml"))


@dataclass(frozen=True)
class ListConfigs(Cmd[ConfigFiles]):
    NAME: ClassVar = "config.list"


async def list_configs(e: Host, _c: ListConfigs) -> ConfigFiles:
    current, names = config_names(e.cfg.path)
    return ConfigFiles(current, tuple(names))


@dataclass(frozen=True)
class SwitchConfig(Cmd[ConfigSwitching]):
    NAME: ClassVar = "config.switch"
    name: str


async def switch_config(e: Host, c: SwitchConfig) -> ConfigSwitching:
    if e.cfg.path is None:
        raise BusError("no_config_file", "this engine was started without a config file; start it with --config")
    current, names = config_names(e.cfg.path)
    if c.name not in names:
        raise BusError("unknown_config", f'no config file "{c.name}.toml" beside {Path(e.cfg.path).name} '
                                         f"(there are: {', '.join(names)})")
    if e.active:
        raise BusError("busy", "stop streaming, recording and the replay buffer first: switching config files "
                               "restarts the capture and video processes, which would cut them")
    path = Path(e.cfg.path).with_name(f"{c.name}.toml")
    try:
        new = load_config(str(path))
    except ConfigError as err:
        raise BusError("bad_config", str(err)) from None
    if not any(o.has(Cap.RECORD) for o in new.outputs):
        from rigcast.engine.cli import default_recording

        new.outputs.append(default_recording())
    e.switch_config(new)
    return ConfigSwitching(current, c.name)


COMMANDS = (
    Command(ListConfigs, list_configs, "the config files beside the running one (scene collections and profiles)"),
    Command(SwitchConfig, switch_config, "restart on another config file in the same folder (only while idle)"),
)
