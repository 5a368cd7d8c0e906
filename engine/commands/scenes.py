"""``scene.switch``, ``scene.item.set``, studio mode and ``text.set``: what the video process composes.

Arguments are checked against the settings fields (SceneItem's, the text kind's), the same
check the config loader makes; the answer and the saved file show the state the video process
reports back after the change.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from rigcast.config.filterlist import dump_chain
from rigcast.config.kinds import Cap
from rigcast.config.kinds.text import TextSettings
from rigcast.config.model import SceneItem, TransitionConfig
from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import UNSET, BusError, Cmd, Command, Unset, setting
from rigcast.engine.vocab import (
    ItemChange,
    MeterRate,
    PreviewSet,
    SceneSwitch,
    StudioMode,
    TextSet,
    Transition,
    TransitionSet,
)
from rigcast.engine.vocab.results import (
    ItemSet,
    MeterRateSet,
    ProgramScene,
    StudioState,
    TextShown,
    TransitionRow,
)

log = logging.getLogger("rigcast.engine")


def canvas_named(e: Host, want: str | None) -> str | None:
    """A canvas as named by a client ("main" or "" the main one); None: any; BusError if unknown."""
    if want is None:
        return None
    if want in ("", "main", "Main"):
        return ""
    known = [c.name for c in e.cfg.canvases]
    if want not in known:
        raise BusError("unknown_canvas", f'no canvas named "{want}"; canvases: ' + ", ".join(["main", *known]))
    return want


def scene_named(e: Host, want: str | int, canvas: str | None = None) -> str:
    """A scene by name or 1-based index (among ``canvas``'s scenes when one is named); BusError
    listing the scenes there are."""
    names = [s.name for s in e.rendered.scenes if canvas is None or s.canvas == canvas]
    if isinstance(want, int):
        if not 1 <= want <= len(names):
            raise BusError("unknown_scene", f"no scene {want}; scenes are numbered 1 to {len(names)}")
        return names[want - 1]
    if want not in names:
        raise BusError("unknown_scene", f'no scene named "{want}"; scenes: ' + ", ".join(names))
    return want


def save_change(e: Host, save: Any, *args: Any) -> bool:
    """A live change written to the config file; a file that can't be written is a warning."""
    try:
        return bool(save(e.cfg.path, *args))
    except (OSError, ValueError) as err:
        log.warning("could not save the change to %s: %s", e.cfg.path, err)
        return False


@dataclass(frozen=True)
class SwitchScene(Cmd[ProgramScene]):
    NAME: ClassVar = "scene.switch"
    scene: str | int
    canvas: str | None = None  # a [[canvases]] canvas; None: the one the scene is on


async def switch_scene(e: Host, c: SwitchScene) -> ProgramScene:
    name = scene_named(e, c.scene, canvas_named(e, c.canvas))
    canvas = e.rendered.canvas_of(name)
    if not canvas:
        e.switched_by_hand()
    if name != e.rendered.program_of(canvas):
        await e.video_command(SceneSwitch(name))
        log.info("scene: %s%s", e.rendered.program_of(canvas), f" (canvas {canvas})" if canvas else "")
        e.publish_state()
    return ProgramScene(e.rendered.program_of(canvas))


def _item(name: str) -> Any:
    return setting(SceneItem, name, UNSET)


@dataclass(frozen=True)
class SetItem(Cmd[ItemSet]):
    NAME: ClassVar = "scene.item.set"
    scene: str
    source: str
    visible: bool | Unset = _item("visible")
    x: int | Unset = _item("x")
    y: int | Unset = _item("y")
    scale: float | None | Unset = _item("scale")
    opacity: float | Unset = _item("opacity")
    width: int | None | Unset = _item("width")
    height: int | None | Unset = _item("height")
    fit: str | Unset = _item("fit")
    crop: tuple[int, int, int, int] | Unset = _item("crop")
    filters: Any = _item("filters")

    def changes(self) -> dict[str, Any]:
        """The placement fields given, as SceneItem names them."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if f.name not in ("scene", "source") and getattr(self, f.name) is not UNSET}


async def set_item(e: Host, c: SetItem) -> ItemSet:
    name = scene_named(e, c.scene)
    scene = next(s for s in e.rendered.scenes if s.name == name)
    if not any(it.source == c.source for it in scene.items):
        raise BusError("unknown_item", f'scene "{name}" shows no source "{c.source}"; it shows '
                                       + ", ".join(it.source for it in scene.items))
    changes = c.changes()
    now = e.rendered.item(name, c.source)
    # Sized by a scale or by a box, never both (SceneItem.validate): the one given last wins.
    if "scale" in changes:
        changes |= {"width": None, "height": None}
    elif ("width" in changes or "height" in changes) and now is not None:
        w, h = changes.get("width", now.width), changes.get("height", now.height)
        if w is None or h is None:
            raise BusError("bad_args", "scene.item.set: a box needs both width and height")
        changes |= {"width": w, "height": h, "scale": None}
    await e.video_command(ItemChange(name, c.source, changes))
    saved = False
    if e.cfg.path and e.cfg.scenes:
        from rigcast.config.save import save_item_changes

        now = e.rendered.item(name, c.source)
        values = {k: getattr(now, k) for k in changes} if now is not None else dict(changes)
        if "filters" in values:
            values["filters"] = dump_chain(values["filters"])
        saved = save_change(e, save_item_changes, name, c.source, values)
    e.publish_state()
    if "filters" in changes:
        changes["filters"] = dump_chain(changes["filters"])
    return ItemSet(name, c.source, changes, saved)


def _studio(e: Host) -> StudioState:
    return StudioState(e.rendered.preview is not None, e.rendered.preview, e.rendered.program)


@dataclass(frozen=True)
class SetStudio(Cmd[StudioState]):
    NAME: ClassVar = "studio.set"
    enabled: bool | None = None  # None: toggled


async def set_studio(e: Host, c: SetStudio) -> StudioState:
    on = (e.rendered.preview is None) if c.enabled is None else c.enabled
    if on != (e.rendered.preview is not None):
        await e.video_command(StudioMode(on))
        log.info("studio mode %s", "on" if on else "off")
        e.publish_state()
    return _studio(e)


@dataclass(frozen=True)
class SetPreview(Cmd[StudioState]):
    NAME: ClassVar = "scene.preview"
    scene: str | int


async def set_preview(e: Host, c: SetPreview) -> StudioState:
    if e.rendered.preview is None:
        raise BusError("studio_mode_off", "studio mode is off; turn it on first (rigcast ctl studio on)")
    name = scene_named(e, c.scene)
    if name != e.rendered.preview:
        await e.video_command(PreviewSet(name))
        e.publish_state()
    return _studio(e)


@dataclass(frozen=True)
class TakePreview(Cmd[StudioState]):
    NAME: ClassVar = "studio.transition"


async def take_preview(e: Host, _c: TakePreview) -> StudioState:
    if e.rendered.preview is None:
        raise BusError("studio_mode_off", "studio mode is off; there is no preview to take "
                                          "(rigcast ctl studio on)")
    await e.video_command(Transition())
    log.info("transition: %s to program", e.rendered.program)
    e.publish_state()
    return _studio(e)


@dataclass(frozen=True)
class SetText(Cmd[TextShown]):
    NAME: ClassVar = "text.set"
    source: str
    text: str = setting(TextSettings, "text")


async def set_text(e: Host, c: SetText) -> TextShown:
    src = e.cfg.source(c.source)
    if src is None or not src.has(Cap.TEXT):
        raise BusError("unknown_source", f'no text source named "{c.source}"')
    await e.video_command(TextSet(src.name, c.text))
    return TextShown(src.name, e.rendered.sources[src.name].text)


@dataclass(frozen=True)
class SetTransition(Cmd[TransitionRow]):
    NAME: ClassVar = "transition.set"
    kind: str | None = setting(TransitionConfig, "kind", None)
    duration_ms: int | None = setting(TransitionConfig, "duration_ms", None)


async def set_transition(e: Host, c: SetTransition) -> TransitionRow:
    kind, ms = e.rendered.transition
    kind = kind if c.kind is None else c.kind
    ms = ms if c.duration_ms is None else c.duration_ms
    if (kind, ms) != e.rendered.transition:
        await e.video_command(TransitionSet(kind, ms))
        if e.cfg.path:
            from rigcast.config.save import save_section

            save_change(e, save_section, "transition", {"kind": kind, "duration_ms": ms})
        log.info("transition: %s %d ms", kind, ms)
        e.publish_state()
    return TransitionRow(*e.rendered.transition)


@dataclass(frozen=True)
class SetMeterRate(Cmd[MeterRateSet]):
    NAME: ClassVar = "meter.rate"
    hz: int


async def set_meter_rate(e: Host, c: SetMeterRate) -> MeterRateSet:
    if not 1 <= c.hz <= 60:
        raise BusError("bad_args", "meter.rate: hz must be 1 to 60")
    await e.video_command(MeterRate(c.hz))
    return MeterRateSet(c.hz)


SET_ITEM = Command(SetItem, set_item, "show/hide or move a scene item live (saved to the config file)")

COMMANDS = (
    Command(SetTransition, set_transition,
            "how scene switches go: cut or fade, and the fade's length (saved to the config file)"),
    Command(SetMeterRate, set_meter_rate,
            "audio meter events a second (15 by default; obs-websocket asks 20 for its 50 ms meters)"),
    Command(SetStudio, set_studio,
            "studio mode on or off (without enabled: toggled): a preview scene to edit off air"),
    Command(SetPreview, set_preview, "studio mode's preview scene, by name or 1-based index"),
    Command(TakePreview, take_preview,
            "studio mode: the preview, with its edits, goes to program through the transition"),
    Command(SwitchScene, switch_scene, "switch the program scene, by name or 1-based index"),
    SET_ITEM,
    Command(SetText, set_text, "change a text source's text"),
)
