"""The compositor: the program scene's items onto one BGRA canvas, then one conversion.

Costs are kept where OBS keeps them: only each item's rectangle is touched; an opaque item at
full opacity is a copy (numpy slice assignment: a memcpy per row); blending happens only for
items with alpha or opacity, with the still sources' premultiplied colour cached; scaling is
swscale's. A scene that is just one captured source filling the canvas skips the canvas
entirely and converts straight from the capture's shared memory, as before scenes existed.
A frame is composed and converted only when something in it changed — a new capture, a scene
switch, an item moved, a fade in progress — otherwise the last converted frame is encoded again.
"""

from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import av
import numpy as np

from rigcast.config.kinds import Cap, Role, find
from rigcast.config.model import SceneConfig, SceneItem, SourceConfig, TransitionConfig
from rigcast.engine.capture.base import text_kind
from rigcast.engine.capture.still import Still
from rigcast.engine.compose.item_filters import ItemFilters, filtering, makes_alpha, specs_of
from rigcast.engine.compose.layout import clip, covers, place, visible_part
from rigcast.engine.compose.planar import PLANAR_420, PlanarOverlay, blend, crop_onto_canvas, make_overlay
from rigcast.engine.compose.transitions import Blend
from rigcast.engine.encode.convert import Converter
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRef, FrameRing
from rigcast.engine.vocab import (
    ChatPost,
    ItemChange,
    PreviewSet,
    RenderedSource,
    RenderedState,
    SceneSwitch,
    StudioMode,
    TextSet,
    Transition,
    TransitionSet,
)
from rigcast.engine.vocab.reports import ChatMessage

log = logging.getLogger("rigcast.compositor")


@dataclass
class RingLayer:
    """A captured source: its newest frame in shared memory, read in place."""

    ring: FrameRing
    last_seq: int = 0
    ref: FrameRef | None = None
    repeated: int = 0
    skipped: int = 0

    def acquire(self) -> FrameRef | None:
        self.ref = self.ring.acquire_latest()
        return self.ref

    def pixels(self) -> np.ndarray | None:
        r = self.ref
        return None if r is None else self.ring.slot_pixels(r.slot, r.width, r.height, r.stride)

    def release(self) -> None:
        self.ring.release()
        self.ref = None

    def version(self) -> int:
        return self.ref.seq if self.ref is not None else 0


@dataclass
class _Scaled:
    """An item's pixels at the size it is drawn, kept while its source and placement hold."""

    key: tuple[Any, ...]
    pixels: np.ndarray
    premul: np.ndarray | None = None  # uint16 colour x alpha, for blending on the BGRA canvas
    inv_alpha: np.ndarray | None = None  # uint16 255 - alpha
    planar: PlanarOverlay | None = None  # the same, for blending on the encoder's 4:2:0 frame

    def premultiply(self, opacity: float) -> None:
        if self.premul is None:
            alpha = self.pixels[..., 3:4].astype(np.uint16) * round(opacity * 255) // 255
            self.premul = self.pixels.astype(np.uint16) * alpha
            self.inv_alpha = 255 - alpha


@dataclass
class Compositor:
    width: int
    height: int
    converter: Converter
    scenes: list[SceneConfig]
    program: str
    rings: dict[str, RingLayer]
    stills: dict[str, Still]
    sources: dict[str, SourceConfig]
    transition: TransitionConfig
    fade: Blend | None = None  # the transition in progress
    # Studio mode: the program shows ``on_air``, a copy of its scene as last taken; edits land
    # in ``scenes`` and show in the preview until a transition takes them to air.
    on_air: SceneConfig | None = None
    preview: str = ""
    _cache: dict[tuple[str, str, int], _Scaled] = field(default_factory=dict)
    _graphs: dict[tuple[str, str, int], ItemFilters] = field(default_factory=dict)
    _canvases: list[np.ndarray] = field(default_factory=list)
    _last_key: Any = None
    _last_frame: Any = None
    layout_version: int = 0
    compose_ns: int = 0
    composed: int = 0
    texts: dict[str, str] = field(default_factory=dict)
    # Sources that failed while a frame was being made (the rest of the frame goes on) -> the error logged.
    _failed: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._canvases = [np.zeros((self.height, self.width, 4), dtype=np.uint8) for _ in range(2)]
        self._last_frame = self.converter.black()
        self.texts = {n: s.settings.text for n, s in self.sources.items() if s.has(Cap.TEXT)}

    # -- commands ----------------------------------------------------------------------------
    def handlers(self, now_ns: Callable[[], int]) -> dict[type, Callable[[Any], None]]:
        """The video-process commands that change what this compositor holds, by type
        (engine/pipeline.py dispatches on this table); each raises RigcastError when it can't."""
        return {
            SceneSwitch: lambda c: self.switch(c.scene, now_ns()),
            StudioMode: lambda c: self.set_studio(c.enabled),
            PreviewSet: lambda c: self.set_preview(c.scene),
            Transition: lambda _c: self.transition_now(now_ns()),
            TransitionSet: lambda c: setattr(self, "transition", TransitionConfig(c.kind, c.duration_ms)),
            ItemChange: lambda c: self.set_item(c.scene, c.source, c.changes),
            TextSet: lambda c: self.set_text(c.source, c.text),
            ChatPost: lambda c: self.post_chat(c.message),
        }

    def scene(self, name: str) -> SceneConfig:
        for s in self.scenes:
            if s.name == name:
                return s
        raise RigcastError(f'no scene named "{name}"')

    def program_scene(self) -> SceneConfig:
        """What viewers see: in studio mode the scene as last taken to air, else as it is now."""
        return self.on_air if self.on_air is not None else self.scene(self.program)

    def switch(self, name: str, now_ns: int) -> None:
        """The program scene, now (through the transition); in studio mode too, as OBS's
        SetCurrentProgramScene."""
        self.scene(name)
        if name == self.program:
            return
        self._take(name, now_ns)

    def set_studio(self, on: bool) -> None:
        """Studio mode on: the preview starts as the program and the program is held as it is.
        Off: the program shows its scene as edited (the edits are in the config already)."""
        if on and self.on_air is None:
            self.on_air, self.preview = copy.deepcopy(self.scene(self.program)), self.program
        elif not on and self.on_air is not None:
            self.on_air, self.preview = None, ""
        self.layout_version += 1

    def set_preview(self, name: str) -> None:
        if self.on_air is None:
            raise RigcastError("studio mode is off; turn it on first (rigcast ctl studio on)")
        self.scene(name)
        self.preview = name

    def transition_now(self, now_ns: int) -> None:
        """Studio mode's transition: the preview, with its edits, goes to air."""
        if self.on_air is None:
            raise RigcastError("studio mode is off; there is no preview to take (rigcast ctl studio on)")
        self._take(self.preview, now_ns)

    def _take(self, name: str, now_ns: int) -> None:
        before = self.program_scene()
        after = copy.deepcopy(self.scene(name)) if self.on_air is not None else self.scene(name)
        try:
            start = find(Role.TRANSITION, self.transition.kind).implementation()
            self.fade = start(before, after, now_ns, self.transition.duration_ms * 1_000_000)
        except Exception as e:  # a transition's bug (a plugin's): the switch still happens, as a cut
            log.error("transition %s failed (%s: %s); cut to the new scene", self.transition.kind, type(e).__name__, e)
            self.fade = None
        self.program = name
        if self.on_air is not None:
            self.on_air = after
        self.layout_version += 1

    def set_item(self, scene: str, source: str, changes: dict[str, Any]) -> None:
        items = [it for it in self.scene(scene).items if it.source == source]
        if not items:
            raise RigcastError(f'scene "{scene}" has no item showing "{source}"')
        for key, value in changes.items():
            setattr(items[0], key, value)
        self.layout_version += 1

    def set_text(self, source: str, text: str) -> None:
        cfg = self.sources.get(source)
        if cfg is None or source not in self.stills or not cfg.has(Cap.TEXT):
            raise RigcastError(f'no text source named "{source}"')
        text_kind(cfg).set_text(self.stills[source], cfg, text)
        self.texts[source] = text

    def redraw(self, cfg: SourceConfig, canvas: Any) -> None:
        """A drawn source's new settings: its picture made again (an error leaves the old one)."""
        from rigcast.engine.capture.base import drawn_kind

        if cfg.name not in self.stills:
            raise RigcastError(f'"{cfg.name}" is not a drawn source shown in a scene')
        still = drawn_kind(cfg).still(cfg, canvas)
        self.stills[cfg.name].replace(still.pixels)
        self.sources[cfg.name] = cfg
        if cfg.has(Cap.TEXT):
            self.texts[cfg.name] = cfg.settings.text

    def rendered(self, sources: dict[str, RenderedSource]) -> RenderedState:
        return RenderedState.of(self.program, self.scenes, sources, self.transition,
                                self.preview if self.on_air is not None else None)

    def failed(self, source: str) -> bool:
        """A drawn source whose last attempt to draw failed (captured ones report through their ring)."""
        return source in self._failed and source not in self.rings

    def post_chat(self, message: ChatMessage) -> None:
        """A (cleaned) chat message, to every chat overlay: shown or not, each keeps its history."""
        from rigcast.engine.capture.chat import ChatStill

        for still in self.stills.values():
            if isinstance(still, ChatStill):
                still.post(message)

    def picture(self, source: str | None, now_ns: int, width: int | None, height: int | None, fmt: str,
                scene: str | None = None) -> Any:
        """A frame of its own, scaled for ``fmt`` (engine/compose/screenshot.py): the program
        as it goes out now, another scene as it would look on air, or one source's newest
        pixels. Made between two ticks; the program frame is the one this tick encodes (made
        now if nothing is encoding); another scene is composed once into a canvas of its own."""
        from rigcast.engine.compose import screenshot

        if scene is not None and (scene != self.program or self.on_air is not None):  # studio: as edited
            sc = self.scene(scene)
            layers = [self.rings[n] for n in sorted({it.source for it in sc.items if it.visible}) if n in self.rings]
            for layer in layers:
                layer.acquire()
            try:
                canvas = self._compose(sc, np.zeros((self.height, self.width, 4), dtype=np.uint8))
                return screenshot.scaled(screenshot.from_pixels(canvas), width, height, fmt)
            finally:
                for layer in layers:
                    layer.release()
        if source is None:
            return screenshot.scaled(self.frame(now_ns)[0], width, height, fmt)
        if source in self.rings:
            layer = self.rings[source]
            layer.acquire()
            try:
                px = layer.pixels()
                if px is None:
                    raise RigcastError(f'"{source}" has no picture yet')
                return screenshot.scaled(screenshot.from_pixels(px), width, height, fmt)
            finally:
                layer.release()
        still = self.stills.get(source)
        if still is None:
            raise RigcastError(f'"{source}" has no picture (it is not shown in any scene)')
        return screenshot.scaled(screenshot.from_pixels(still.pixels), width, height, fmt)

    def size_of(self, source: str) -> tuple[int, int] | None:
        """A source's own size in pixels now (before crop and scale), None before its first frame."""
        if source in self.rings:
            ref = self.rings[source].ring.acquire_latest()
            self.rings[source].ring.release()
            return None if ref is None else (ref.width, ref.height)
        still = self.stills.get(source)
        return None if still is None else (int(still.pixels.shape[1]), int(still.pixels.shape[0]))

    def last_frame(self) -> Any:
        return self._last_frame

    def close(self) -> None:
        """Drop every view into shared memory so the rings can be closed."""
        self._cache.clear()
        self._last_frame = None

    # -- frames ------------------------------------------------------------------------------
    def primary(self) -> RingLayer | None:
        """The captured source the stats' repeated/skipped counts follow: the program scene's
        first visible captured item."""
        for it in self.program_scene().items:
            if it.visible and it.source in self.rings:
                return self.rings[it.source]
        return None

    def frame(self, now_ns: int) -> tuple[Any, bool]:
        """(the frame to encode at this tick, whether it is new)."""
        if self.fade is not None and self.fade.progress(now_ns) >= 1.0:
            self.fade = None
            self.layout_version += 1
        names = {it.source for s in self._showing() for it in s.items if it.visible}
        now_s = now_ns / 1e9
        for n in names:
            if n in self.stills:
                try:
                    self.stills[n].tick(now_s)
                except Exception as e:
                    self.fail(n, e)
        layers = [self.rings[n] for n in sorted(names) if n in self.rings]
        for layer in layers:
            layer.acquire()
        try:
            key = (self.program, self.layout_version, self.fade.progress(now_ns) if self.fade else None,
                   tuple(layer.version() for layer in layers),
                   tuple(self.stills[n].version for n in sorted(names) if n in self.stills))
            self._count(layers)
            if key == self._last_key:
                return self._last_frame, False
            frame = self._direct() if self.fade is None else None
            if frame is None:
                frame = self._compose_and_convert(now_ns)
            if not all(layer.ring.still_valid(layer.ref) for layer in layers if layer.ref is not None):
                return self._last_frame, False  # a writer lapped us mid-read: never show a torn frame
            self._last_key, self._last_frame = key, frame
            return frame, True
        finally:
            for layer in layers:
                layer.release()

    def _showing(self) -> list[SceneConfig]:
        if self.fade is None:
            return [self.program_scene()]
        return [self.fade.src, self.fade.dst]

    def _count(self, layers: list[RingLayer]) -> None:
        for layer in layers:
            ref = layer.ref
            if ref is None or ref.seq == layer.last_seq:
                layer.repeated += 1
                continue
            if layer.last_seq and ref.seq > layer.last_seq + 1:
                layer.skipped += ref.seq - layer.last_seq - 1
            layer.last_seq = ref.seq

    def _direct(self) -> Any:
        """One captured source shown whole, filling the canvas: convert from shared memory."""
        items = [it for it in self.program_scene().items if it.visible]
        if len(items) != 1:
            return None
        it = items[0]
        layer = self.rings.get(it.source)
        if (layer is None or layer.ref is None or it.opacity < 1 or it.crop != (0, 0, 0, 0)
                or it.scale is not None or it.width is not None or it.x or it.y or filtering(it.filters)):
            return None
        return self.converter.convert(layer.ring, layer.ref)

    def _compose_and_convert(self, now_ns: int) -> Any:
        t = time.perf_counter_ns()
        frame = self._over_base(self.program_scene()) if self.fade is None else None
        if frame is not None:
            self.compose_ns += time.perf_counter_ns() - t
            self.composed += 1
            return frame
        if self.fade is None:
            canvas = self._compose(self.program_scene(), self._canvases[0])
        else:
            a = self._compose(self.fade.src, self._canvases[0])
            b = self._compose(self.fade.dst, self._canvases[1])
            try:
                canvas = self.fade.mix(a, b, self.fade.progress(now_ns))
            except Exception as e:  # a transition's bug (a plugin's): the new scene at once
                log.error("transition %s failed (%s: %s); cut to the new scene", self.transition.kind,
                          type(e).__name__, e)
                self.fade, canvas = None, b
        frame = self.converter.convert_array(canvas)
        self.compose_ns += time.perf_counter_ns() - t
        self.composed += 1
        return frame

    def _over_base(self, scene: SceneConfig) -> Any:
        """The scene made straight in the encoder's format (engine/compose/planar.py) when its
        bottom item is an opaque captured source covering the canvas; None when it needs the
        BGRA canvas (or the bottom item failed: the canvas path then reports it)."""
        if self.converter.pix_fmt not in PLANAR_420:
            return None
        shown = [(i, it) for i, it in enumerate(scene.items) if it.visible and it.opacity > 0]
        if not shown:
            return None
        index, base = shown[0]
        layer = self.rings.get(base.source)
        src = layer.pixels() if layer is not None and base.opacity >= 1 and not filtering(base.filters) else None
        if src is None:
            return None
        w, h = self.width, self.height
        try:
            pl = place(base, src.shape[1], src.shape[0], w, h, first=index == 0)
            if pl is None or not covers(pl.dst, w, h):
                return None
            pl = visible_part(pl, w, h)
            if pl is None:
                return None
            x0, y0, x1, y1 = pl.src
            dx, dy, dw, dh = pl.dst
            frame = self.converter.convert_region(src[y0:y1, x0:x1], dw, dh)
            if (dx, dy, dw, dh) != (0, 0, w, h):
                frame = crop_onto_canvas(frame, dx, dy, w, h)
        except Exception:
            return None
        self._drawn_again(base.source)
        for index, it in shown[1:]:
            try:
                self._blend_planar(scene, index, it, frame)
            except Exception as e:  # one item's failure costs that item, never the frame
                self.fail(it.source, e)
        return frame

    def _blend_planar(self, scene: SceneConfig, index: int, it: SceneItem, frame: Any) -> None:
        w, h = self.width, self.height
        src, opaque, version = self._layer_pixels(it.source)
        if src is None:
            return
        opaque = opaque and not makes_alpha(it.filters)
        pl = place(it, src.shape[1], src.shape[0], w, h, first=index == 0)
        pl = visible_part(pl, w, h) if pl is not None else None
        if pl is None:
            return
        scaled = self._scaled(self._slot(scene), it, index, src, pl, version, opaque)
        x, y = pl.dst[0], pl.dst[1]
        if scaled.planar is None or (scaled.planar.x, scaled.planar.y) != (x & ~1, y & ~1):
            scaled.planar = make_overlay(scaled.pixels, x, y, it.opacity, opaque and it.opacity >= 1)
        blend(frame, scaled.planar)
        self._drawn_again(it.source)

    def _slot(self, scene: SceneConfig) -> str:
        """The scene's name in the caches; a copy on air (studio mode) keeps apart from the scene
        being edited, so drawing the preview never evicts what the program shows."""
        return scene.name if any(s is scene for s in self.scenes) else f"{scene.name} (on air)"

    def _drawn_again(self, source: str) -> None:
        if source in self._failed:
            del self._failed[source]
            log.info("%s: drawn again", source)

    def _compose(self, scene: SceneConfig, canvas: np.ndarray) -> np.ndarray:
        drawn = False
        for index, it in enumerate(scene.items):
            if not it.visible or it.opacity <= 0:
                continue
            try:
                drawn = self._draw(scene, index, it, canvas, drawn)
            except Exception as e:  # one item's failure costs that item, never the frame
                self.fail(it.source, e)
        if not drawn:
            canvas[:] = 0
            canvas[..., 3] = 255
        return canvas

    def fail(self, source: str, e: Exception) -> None:
        """``source`` could not be drawn: one line per new reason, and it shows ``error`` until
        it is drawn again (a drawn source whose picture could not be made at all stays so)."""
        why = f"{type(e).__name__}: {e}"
        if self._failed.get(source) != why:  # one line per new failure, not one per frame
            log.error("%s: could not be drawn (%s); the rest of the scene goes on", source, why)
            self._failed[source] = why

    def _draw(self, scene: SceneConfig, index: int, it: SceneItem, canvas: np.ndarray, drawn: bool) -> bool:
        w, h = self.width, self.height
        src, opaque, version = self._layer_pixels(it.source)
        if src is None:
            return drawn
        opaque = opaque and not makes_alpha(it.filters)
        pl = place(it, src.shape[1], src.shape[0], w, h, first=index == 0)
        if pl is None:
            return drawn
        covered = covers(pl.dst, w, h)
        pl = visible_part(pl, w, h)
        if pl is None:
            return drawn
        if not drawn:
            drawn = True
            if not (opaque and it.opacity >= 1 and covered):
                canvas[:] = 0
                canvas[..., 3] = 255
        scaled = self._scaled(self._slot(scene), it, index, src, pl, version, opaque)
        box = clip(pl.dst, w, h)
        if box is None:
            return drawn
        rows, cols, srows, scols = box
        if opaque and it.opacity >= 1:
            canvas[rows, cols] = scaled.pixels[srows, scols]
        else:
            scaled.premultiply(it.opacity)
            assert scaled.premul is not None and scaled.inv_alpha is not None
            dst = canvas[rows, cols]
            out = scaled.premul[srows, scols] + dst.astype(np.uint16) * scaled.inv_alpha[srows, scols]
            np.copyto(dst, out // 255, casting="unsafe")
        self._drawn_again(it.source)
        return drawn

    def _filtered(self, slot: tuple[str, str, int], it: SceneItem, pixels: np.ndarray) -> np.ndarray:
        """The item's pixels through its filters; a chain that fails is logged once and the item
        is shown unfiltered, so a bad LUT never blanks a camera."""
        h, w = pixels.shape[:2]
        try:
            graph = self._graphs.get(slot)
            if graph is None or graph.key != (it.filters, w, h):
                graph = self._graphs[slot] = ItemFilters(it.filters, w, h)
            out = graph.apply(pixels)
            self._failed.pop(f"{it.source} filters", None)
            return out
        except Exception as e:
            self._graphs.pop(slot, None)
            why = f"{type(e).__name__}: {e}"
            if self._failed.get(f"{it.source} filters") != why:
                log.error("%s: its filters failed (%s); shown without them until they are changed", it.source, why)
                self._failed[f"{it.source} filters"] = why
            return pixels

    def _layer_pixels(self, name: str) -> tuple[np.ndarray | None, bool, int]:
        if name in self.rings:
            layer = self.rings[name]
            return layer.pixels(), True, layer.version()
        still = self.stills.get(name)
        if still is None:
            return None, True, 0
        return still.pixels, still.opaque, still.version

    def _scaled(self, scene: str, it: SceneItem, index: int, src: np.ndarray, pl: Any, version: int,
                opaque: bool) -> _Scaled:
        x0, y0, x1, y1 = pl.src
        _, _, dw, dh = pl.dst
        key = (version, pl.src, dw, dh, it.opacity, opaque, it.filters)
        slot = (scene, it.source, index)
        cached = self._cache.get(slot)
        if cached is not None and cached.key == key:
            return cached
        region = src[y0:y1, x0:x1]
        if (x1 - x0, y1 - y0) == (dw, dh):
            pixels = region
        else:
            frame = av.VideoFrame.from_numpy_buffer(np.ascontiguousarray(region), format="bgra")
            pixels = frame.reformat(dw, dh, "bgra", interpolation=self.converter.interp).to_ndarray()
        if specs_of(it.filters):
            pixels = self._filtered(slot, it, pixels)
        entry = _Scaled(key, pixels)
        self._cache[slot] = entry
        return entry
