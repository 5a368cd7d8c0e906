"""A scene item's placement as OBS's ``sceneItemTransform``, and a transform back as item fields.

One rule in one place, both ways, through the compositor's own arithmetic
(engine/compose/layout.py), so what GetSceneItemTransform reports is where the item is drawn,
and a transform read and sent back unchanged changes nothing. rigcast places items by their
top-left corner, scales them uniformly and has no rotation: a transform asking for anything
else is refused with the reason, never half-applied.
"""

from __future__ import annotations

from typing import Any

from rigcast.config.model import SceneItem
from rigcast.engine.compose.layout import place
from rigcast.engine.control.obs.protocol import CANNOT_ACT, INVALID_FIELD_TYPE, RequestFailed
from rigcast.engine.vocab.snapshot import ItemRow, Snapshot

TOP_LEFT = 5  # OBS_ALIGN_LEFT | OBS_ALIGN_TOP
_BOUNDS = {"fit": "OBS_BOUNDS_SCALE_INNER", "fill": "OBS_BOUNDS_SCALE_OUTER", "stretch": "OBS_BOUNDS_STRETCH"}
_FITS = {v: k for k, v in _BOUNDS.items()}


def _item(row: ItemRow) -> SceneItem:
    return SceneItem(source=row.source, x=row.x, y=row.y, scale=row.scale, width=row.width, height=row.height,
                     fit=row.fit, crop=row.crop, opacity=row.opacity, visible=row.visible)


def transform_of(row: ItemRow, size: tuple[int, int] | None, canvas: tuple[int, int],
                 index: int) -> dict[str, Any]:
    """``row``: the item as the state lists it; ``size``: its source's pixels (None: not known yet)."""
    it = _item(row)
    sw, sh = size or (0, 0)
    left, top, right, bottom = it.crop
    pl = place(it, sw, sh, canvas[0], canvas[1], first=index == 0) if size else None
    x, y, w, h = pl.dst if pl else (it.x, it.y, 0, 0)
    cw, ch = max(1, sw - left - right), max(1, sh - top - bottom)
    boxed = it.width is not None and it.height is not None
    if boxed:  # OBS positions a bounded item by its box's corner
        x, y = it.x, it.y
    return {"positionX": float(x), "positionY": float(y), "rotation": 0.0,
            "scaleX": w / cw if pl else float(it.scale or 1.0), "scaleY": h / ch if pl else float(it.scale or 1.0),
            "width": float(w), "height": float(h), "sourceWidth": float(sw), "sourceHeight": float(sh),
            "alignment": TOP_LEFT, "boundsType": _BOUNDS[it.fit] if boxed else "OBS_BOUNDS_NONE",
            "boundsAlignment": 0, "boundsWidth": float(it.width or 0), "boundsHeight": float(it.height or 0),
            "cropLeft": left, "cropTop": top, "cropRight": right, "cropBottom": bottom, "cropToBounds": False}


def placement(state: Snapshot, source: str) -> tuple[tuple[int, int] | None, tuple[int, int]]:
    """(the source's own size, None before its first frame; the canvas) from the engine's state."""
    row = state.source(source)
    w, h = (int(v) for v in state.engine.canvas.split("x"))
    return (row.size if row else None), (w, h)


def _num(t: dict[str, Any], key: str) -> float | None:
    if key not in t:
        return None
    v = t[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise RequestFailed(INVALID_FIELD_TYPE, f"sceneItemTransform.{key} must be a number")
    return float(v)


def item_changes(t: dict[str, Any], row: ItemRow, size: tuple[int, int] | None, canvas: tuple[int, int],
                 index: int) -> dict[str, Any]:
    """The ``scene.item.set`` fields a (partial) transform asks for."""
    now = transform_of(row, size, canvas, index)
    rot = _num(t, "rotation")
    if rot is not None and rot % 360:
        raise RequestFailed(CANNOT_ACT, "rigcast does not rotate scene items; send rotation 0")
    if "alignment" in t and t["alignment"] != TOP_LEFT:
        raise RequestFailed(CANNOT_ACT, "rigcast places items by their top-left corner; send alignment 5")
    out: dict[str, Any] = {}
    sx, sy = _num(t, "scaleX"), _num(t, "scaleY")
    if sx is not None or sy is not None:
        sx, sy = sx if sx is not None else now["scaleX"], sy if sy is not None else now["scaleY"]
        if abs(sx - now["scaleX"]) > 1e-4 or abs(sy - now["scaleY"]) > 1e-4:
            if abs(sx - sy) > 1e-3:
                raise RequestFailed(CANNOT_ACT, "rigcast scales items uniformly; send equal scaleX and scaleY")
            out["scale"] = sx
    crop = list(row.crop)
    for i, key in enumerate(("cropLeft", "cropTop", "cropRight", "cropBottom")):
        v = _num(t, key)
        if v is not None:
            crop[i] = round(v)
    if crop != list(row.crop):
        out["crop"] = crop
    if "boundsType" in t and t["boundsType"] != now["boundsType"] or any(
            k in t and _num(t, k) != now[k] for k in ("boundsWidth", "boundsHeight")):
        kind = t.get("boundsType", now["boundsType"])
        if kind == "OBS_BOUNDS_NONE":
            out.setdefault("scale", now["scaleX"])  # the item keeps the size it is drawn at
        elif kind in _FITS:
            bw, bh = _num(t, "boundsWidth") or now["boundsWidth"] or now["width"], \
                _num(t, "boundsHeight") or now["boundsHeight"] or now["height"]
            out |= {"fit": _FITS[kind], "width": round(bw), "height": round(bh)}
            out.pop("scale", None)
        else:
            raise RequestFailed(CANNOT_ACT, f"rigcast boxes items as {', '.join(['OBS_BOUNDS_NONE', *_FITS])}, "
                                            f"not {kind}")
    # Position: where the item's corner lands. Only a first item still fitted to the canvas
    # (no scale, no box, before and after) sits at its fit offset plus x.
    was_fitted = row.scale is None and row.width is None
    fitted = was_fitted and not ({"scale", "width"} & set(out))
    for key, field_name in (("positionX", "x"), ("positionY", "y")):
        v = _num(t, key)
        if v is not None and (round(v) != round(now[key]) or was_fitted != fitted):
            out[field_name] = round(v - (now[key] - getattr(row, field_name) if fitted else 0))
    return out
