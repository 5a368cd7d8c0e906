"""``scene.switch``, ``scene.item.set``, studio mode and ``text.set``: what the video process composes.

Arguments are checked against the settings fields (SceneItem's, the text kind's), the same
check the config loader makes; the answer and the saved file show the state the video process
reports back after the change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from rigcast.config.filterlist import dump_chain
from rigcast.config.kinds import Cap
from rigcast.config.kinds.text import TextSettings
from rigcast.config.model import SceneItem, TransitionConfig
from rigcast.engine.control.bus import BusError, Param
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

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine

log = logging.getLogger("rigcast.engine")

ITEM_FIELDS = ("visible", "x", "y", "scale", "opacity", "width", "height", "fit", "crop", "filters")  # changed live


def register(e: Engine) -> None:
    b = e.bus

    def scene_named(want: str | int) -> str:
        names = [s.name for s in e.rendered.scenes]
        if isinstance(want, int):
            if not 1 <= want <= len(names):
                raise BusError("unknown_scene", f"no scene {want}; scenes are numbered 1 to {len(names)}")
            return names[want - 1]
        if want not in names:
            raise BusError("unknown_scene", f'no scene named "{want}"; scenes: ' + ", ".join(names))
        return want

    async def switch(args: dict[str, Any]) -> dict[str, Any]:
        name = scene_named(args["scene"])
        if name != e.program():
            await e.video_command(SceneSwitch(name))
            log.info("scene: %s", e.program())
            e.publish_state()
        return {"program_scene": e.program()}

    async def item(args: dict[str, Any]) -> dict[str, Any]:
        name = scene_named(args["scene"])
        scene = next(s for s in e.rendered.scenes if s.name == name)
        if not any(it.source == args["source"] for it in scene.items):
            raise BusError("unknown_item", f'scene "{name}" shows no source "{args["source"]}"; it shows '
                                           + ", ".join(it.source for it in scene.items))
        changes = {k: args[k] for k in ITEM_FIELDS if k in args}
        now = e.rendered.item(name, args["source"])
        # Sized by a scale or by a box, never both (SceneItem.validate): the one given last wins.
        if "scale" in changes:
            changes |= {"width": None, "height": None}
        elif ("width" in changes or "height" in changes) and now is not None:
            w, h = changes.get("width", now.width), changes.get("height", now.height)
            if w is None or h is None:
                raise BusError("bad_args", "scene.item.set: a box needs both width and height")
            changes |= {"width": w, "height": h, "scale": None}
        await e.video_command(ItemChange(name, args["source"], changes))
        saved = False
        if e.cfg.path and e.cfg.scenes:
            from rigcast.config.save import save_item_changes

            now = e.rendered.item(name, args["source"])
            values = {k: getattr(now, k) for k in changes} if now is not None else changes
            if "filters" in values:
                values["filters"] = dump_chain(values["filters"])
            try:
                saved = save_item_changes(e.cfg.path, name, args["source"], values)
            except (OSError, ValueError) as err:
                log.warning("could not save the change to %s: %s", e.cfg.path, err)
        e.publish_state()
        if "filters" in changes:
            changes["filters"] = dump_chain(changes["filters"])
        return {"scene": name, "source": args["source"], "changes": changes, "saved": saved}

    def studio_state() -> dict[str, Any]:
        return {"studio_mode": e.rendered.preview is not None, "preview_scene": e.rendered.preview,
                "program_scene": e.program()}

    async def studio(args: dict[str, Any]) -> dict[str, Any]:
        on = (e.rendered.preview is None) if args.get("enabled") is None else args["enabled"]
        if on != (e.rendered.preview is not None):
            await e.video_command(StudioMode(on))
            log.info("studio mode %s", "on" if on else "off")
            e.publish_state()
        return studio_state()

    async def preview(args: dict[str, Any]) -> dict[str, Any]:
        if e.rendered.preview is None:
            raise BusError("studio_mode_off", "studio mode is off; turn it on first (rigcast ctl studio on)")
        name = scene_named(args["scene"])
        if name != e.rendered.preview:
            await e.video_command(PreviewSet(name))
            e.publish_state()
        return studio_state()

    async def take(args: dict[str, Any]) -> dict[str, Any]:
        if e.rendered.preview is None:
            raise BusError("studio_mode_off", "studio mode is off; there is no preview to take "
                                              "(rigcast ctl studio on)")
        await e.video_command(Transition())
        log.info("transition: %s to program", e.program())
        e.publish_state()
        return studio_state()

    async def text(args: dict[str, Any]) -> dict[str, Any]:
        src = e.cfg.source(args["source"])
        if src is None or not src.has(Cap.TEXT):
            raise BusError("unknown_source", f'no text source named "{args["source"]}"')
        await e.video_command(TextSet(src.name, args["text"]))
        return {"source": src.name, "text": e.rendered.sources[src.name].text}

    async def transition(args: dict[str, Any]) -> dict[str, Any]:
        kind, ms = e.rendered.transition
        kind, ms = args.get("kind", kind), args.get("duration_ms", ms)
        if (kind, ms) != e.rendered.transition:
            await e.video_command(TransitionSet(kind, ms))
            if e.cfg.path:
                from rigcast.config.save import save_section

                try:
                    save_section(e.cfg.path, "transition", {"kind": kind, "duration_ms": ms})
                except (OSError, ValueError) as err:
                    log.warning("could not save the change to %s: %s", e.cfg.path, err)
            log.info("transition: %s %d ms", kind, ms)
            e.publish_state()
        return {"kind": e.rendered.transition[0], "duration_ms": e.rendered.transition[1]}

    async def meter_rate(args: dict[str, Any]) -> dict[str, Any]:
        if not 1 <= args["hz"] <= 60:
            raise BusError("bad_args", "meter.rate: hz must be 1 to 60")
        await e.video_command(MeterRate(args["hz"]))
        return {"hz": args["hz"]}

    b.register("transition.set", transition,
               {"kind": Param.of(TransitionConfig, "kind", required=False),
                "duration_ms": Param.of(TransitionConfig, "duration_ms", required=False)},
               summary="how scene switches go: cut or fade, and the fade's length (saved to the config file)")
    b.register("meter.rate", meter_rate, {"hz": Param((int,))},
               summary="audio meter events a second (15 by default; obs-websocket asks 20 for its 50 ms meters)")
    b.register("studio.set", studio, {"enabled": Param((bool,), required=False)},
               summary="studio mode on or off (without enabled: toggled): a preview scene to edit off air")
    b.register("scene.preview", preview, {"scene": Param((str, int))},
               summary="studio mode's preview scene, by name or 1-based index")
    b.register("studio.transition", take, {},
               summary="studio mode: the preview, with its edits, goes to program through the transition")
    b.register("scene.switch", switch, {"scene": Param((str, int))},
               summary="switch the program scene, by name or 1-based index")
    b.register("scene.item.set", item,
               {"scene": Param((str,)), "source": Param((str,)),
                **{k: Param.of(SceneItem, k, required=False) for k in ITEM_FIELDS}},
               summary="show/hide or move a scene item live (saved to the config file)")
    b.register("text.set", text, {"source": Param((str,)), "text": Param.of(TextSettings, "text")},
               summary="change a text source's text")
