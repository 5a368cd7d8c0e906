"""Every bus command is a dataclass of its arguments plus one module-level handler, in one table.

The wire checks derive from those dataclasses (engine/control/bus.py); these tests hold the
shape: no command without a dataclass, no argument a client may send that its dataclass does
not declare, no ``_prepared`` key, handlers that see only the narrow :class:`Host`, and a
video-process dispatch table that covers every video command. They start no engine: the
arguments are checked before any handler runs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import re
import typing
from pathlib import Path

import pytest

from rigcast.engine.commands import TABLE
from rigcast.engine.commands.host import Host
from rigcast.engine.compose.compositor import Compositor
from rigcast.engine.control import link
from rigcast.engine.control.bus import BusError, Cmd, CommandBus
from rigcast.engine.pipeline import Pipeline
from rigcast.engine.vocab import VideoCommand

ROOT = Path(__file__).resolve().parent.parent
BUS = CommandBus(None, TABLE)


def _run(name: str, args: dict[str, object]) -> BusError:
    with pytest.raises(BusError) as got:
        asyncio.run(BUS.execute(name, args))
    return got.value


@pytest.mark.parametrize("cmd", TABLE, ids=lambda c: c.name)
def test_every_command_is_a_frozen_dataclass_and_a_module_level_handler(cmd: typing.Any) -> None:
    assert dataclasses.is_dataclass(cmd.args) and cmd.args.__dataclass_params__.frozen, cmd.name
    module = inspect.getmodule(cmd.handler)
    assert module is not None and getattr(module, cmd.handler.__name__) is cmd.handler, \
        f"{cmd.name}: its handler is not a module-level function"
    assert inspect.getmodule(cmd.args) is module, f"{cmd.name}: its dataclass and handler live apart"
    host = list(typing.get_type_hints(cmd.handler).values())[0]
    assert host is Host, f"{cmd.name}: the handler takes {host}, not the narrow Host"
    declared = {f.name for f in dataclasses.fields(cmd.args) if not f.metadata.get("internal")}
    assert set(cmd.params) == declared
    assert cmd.summary, f"{cmd.name} has no summary"
    # Its answer is typed: a Cmd[R] whose R is a frozen dataclass (or a union of them) that the
    # handler's own annotation names too (a handler shared by a family answers each its own).
    assert issubclass(cmd.args, Cmd), f"{cmd.name}: not a Cmd[...]"
    answers = typing.get_args(cmd.args.RESULT) or (cmd.args.RESULT,)
    assert all(dataclasses.is_dataclass(r) and r.__dataclass_params__.frozen for r in answers), cmd.name
    returned = typing.get_type_hints(cmd.handler)["return"]
    assert set(answers) <= set(typing.get_args(returned) or (returned,)), f"{cmd.name}: answers {returned}"


def test_one_table_one_name_each_and_every_wire_name_documented() -> None:
    names = [c.name for c in TABLE]
    assert len(names) == len(set(names)), "a wire name is taken twice"
    assert len({c.args for c in TABLE}) == len(TABLE), "a dataclass serves two commands"
    docs = (ROOT / "docs" / "control-protocol.md").read_text()
    for name in names:
        assert f"`{name}`" in docs, f"{name} is not in docs/control-protocol.md"
    for link_name, (bus_name, _) in link.COMMANDS.items():
        assert bus_name in BUS.commands, f"the link's {link_name} maps to no bus command"


def test_no_prepared_key_anywhere() -> None:
    for path in (ROOT / "engine").rglob("*.py"):
        assert "_prepared" not in path.read_text(), path


def test_internal_fields_are_not_arguments() -> None:
    """The URLs the user's API hands out reach the handler in the dataclass, never from a client."""
    err = _run("stream.start", {"ingest": {"stream": "rtmp://evil/x"}})
    assert (err.code, err.message) == ("bad_args", 'stream.start: unknown argument "ingest"; it takes no arguments')


@pytest.mark.parametrize("name,args,message", [
    ("scene.switch", {}, 'scene.switch: missing argument "scene" (a string or an integer)'),
    ("scene.switch", {"scene": True}, 'scene.switch: "scene" must be a string or an integer, got true or false'),
    ("source.mute", {"source": "mic", "muted": 1}, "source.mute: muted: expected true or false, got 1"),
    ("source.volume", {"source": "mic", "volume_db": 31}, None),
    ("scene.item.set", {"scene": "A", "source": "g", "nope": 1},
     'scene.item.set: unknown argument "nope"; it takes scene, source, visible, x, y, scale, opacity, width, '
     "height, fit, crop, filters"),
    ("source.filter.set", {"source": "mic"}, 'source.filter.set: missing argument "filter" (a string)'),
    ("chat.post", {"user": "a", "text": "b", "color": 3}, 'chat.post: "color" must be a string, got an integer'),
])
def test_arguments_are_checked_from_the_dataclass_fields(name: str, args: dict[str, object],
                                                         message: str | None) -> None:
    err = _run(name, args)
    assert err.code == "bad_args"
    if message is not None:
        assert err.message == message
    else:  # a setting's bounds: the loader's own words
        assert err.message.startswith(f"{name}: volume_db: expected a number from -100"), err.message


def test_a_typed_command_is_checked_like_a_wire_one() -> None:
    from rigcast.engine.commands.audio import SetVolume
    from rigcast.engine.commands.scenes import SetItem

    with pytest.raises(BusError) as got:
        asyncio.run(BUS.run(SetVolume("mic", 31)))
    assert got.value.message.startswith("source.volume: volume_db: expected a number from -100")
    with pytest.raises(BusError) as got:
        asyncio.run(BUS.run(SetItem("A", "g", opacity=1.5)))
    assert got.value.message.startswith("scene.item.set: opacity: ")


def test_the_video_process_dispatches_every_video_command_by_type() -> None:
    """Built from the tables themselves: a video command nobody handles would be answered
    "unknown video-process command" at run time."""
    pipeline = object.__new__(Pipeline)  # the tables only: no rings, encoders or outputs opened
    pipeline.compositor = object.__new__(Compositor)
    pipeline.compositors = {"": pipeline.compositor, "vertical": object.__new__(Compositor)}  # with a second canvas
    now, later = pipeline._handlers(), pipeline._later()
    assert not set(now) & set(later)
    assert set(now) | set(later) == set(typing.get_args(VideoCommand))
    source = inspect.getsource(Pipeline.handle)
    assert not re.search(r"isinstance\(cmd", source), "handle() dispatches by isinstance chains again"
