"""TOML in, validated :class:`RigcastConfig` out (and back to TOML with tomli-w).

Every problem becomes one :class:`ConfigError` naming the file, the key and what was expected,
because the user reads it over SSH on a box where a traceback is useless. What each table takes
is not written here: it is read off the settings dataclasses' fields (:mod:`rigcast.config.fields`)
and, for sources and outputs, off each kind's record (:mod:`rigcast.config.kinds`), so the reader and
the writer are one table and can't drift.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

import tomli_w

from rigcast.config import fields as f
from rigcast.config.hotkeys import parse_hotkeys
from rigcast.config.kinds import Cap, Role, find, kinds, names
from rigcast.config.kinds.encoders import encoder_kind
from rigcast.config.kinds.record import check_record_path
from rigcast.config.kinds.rtmp import check_push_url
from rigcast.config.model import (
    LOCAL_RIG,
    AudioConfig,
    CanvasConfig,
    ControlConfig,
    LinkConfig,
    ObsWebsocketConfig,
    OutputConfig,
    RigcastConfig,
    RigConfig,
    SceneConfig,
    SceneItem,
    SourceConfig,
    SwitcherConfig,
    SwitchRule,
    TransitionConfig,
    VideoConfig,
)

T = TypeVar("T")


class ConfigError(ValueError):
    """A user-facing configuration problem; ``str()`` is the one line to print."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


def validate_push_url(url: str, where: str = "--url") -> str:
    """Check an RTMP(S) URL and remember its secret parts for masking."""
    try:
        return check_push_url(url)
    except ValueError as e:
        raise ConfigError(where, str(e)) from None


def validate_record_path(path: str, where: str = "--record") -> str:
    try:
        return check_record_path(path)
    except ValueError as e:
        raise ConfigError(where, str(e)) from None


def _read(cls: type[T], data: dict[str, Any], where: str, ctx: f.Context, also: set[str] = frozenset(),  # type: ignore[assignment]
          **fixed: Any) -> T:
    """``cls`` from a TOML table; any key neither ``cls`` nor ``also`` takes is an error."""
    try:
        obj = f.read(cls, data, ctx, **fixed)
    except f.SettingError as e:
        raise ConfigError(f"{where}{e.key}", e.problem) from None
    known = f.keys(cls) | also
    for key in data:
        if key not in known:
            raise ConfigError(f"{where}{key}", "unknown key; check its spelling against the README's config reference")
    return obj


def _table(doc: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = doc.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}{key}", f"expected a [{key}] table, got {value!r}")
    return value


def _kind_of(data: dict[str, Any], where: str, role: Role) -> str:
    kinds = names(role)
    kind = data.get("kind")
    if kind is None:
        raise ConfigError(f"{where}kind", "missing; expected one of " + ", ".join(kinds))
    if kind not in kinds:
        raise ConfigError(f"{where}kind", f"expected one of {', '.join(kinds)}, got {kind!r}")
    return str(kind)


def _name(data: dict[str, Any], where: str, default: str) -> str:
    name = data.get("name", default)
    if not isinstance(name, str):
        raise ConfigError(f"{where}name", f"expected a name, got {name!r}")
    return name


def _source(data: dict[str, Any], where: str, index: int, ctx: f.Context) -> SourceConfig:
    name, kind = _name(data, where, f"source{index + 1}"), _kind_of(data, where, Role.SOURCE)
    settings = _read(find(Role.SOURCE, kind).settings, {k: v for k, v in data.items() if k not in ("name", "kind")},
                     where, ctx)
    return SourceConfig(name, kind, settings)


def _output(data: dict[str, Any], where: str, index: int, ctx: f.Context) -> OutputConfig:
    name, kind = _name(data, where, f"output{index + 1}"), _kind_of(data, where, Role.OUTPUT)
    settings = _read(find(Role.OUTPUT, kind).settings, {k: v for k, v in data.items() if k not in ("name", "kind")},
                     where, ctx)
    return OutputConfig(name, kind, settings)


ITEM_KEYS = frozenset({"source", "kind"} | f.keys(SceneItem))


def _item(data: dict[str, Any], where: str, sources: dict[str, SourceConfig], inline: list[SourceConfig],
          ctx: f.Context) -> SceneItem:
    name = data.get("source")
    if not isinstance(name, str):
        raise ConfigError(f"{where}source", "missing; expected the name of a [[sources]] entry")
    source_keys = {k: v for k, v in data.items() if k not in ITEM_KEYS or k == "kind"}
    if name not in sources:
        if "kind" not in data:
            raise ConfigError(f"{where}source", f'unknown source "{name}"; define it in [[sources]] '
                                                f"(known: {', '.join(sources) or 'none'})")
        # An item may define its source inline: { source = "bg", kind = "color", color = "#112233" }.
        src = _source(source_keys | {"name": name}, where, 0, ctx)
        sources[name] = src
        inline.append(src)
    elif sources[name].has(Cap.AUDIO):
        raise ConfigError(f"{where}source", f'"{name}" is an audio source: audio sources are mixed in every '
                                            "scene, so they are not placed as items")
    elif "kind" in data and data["kind"] != sources[name].kind:
        raise ConfigError(f"{where}kind", f'source "{name}" is a {sources[name].kind} source, not {data["kind"]}')
    return _read(SceneItem, {k: v for k, v in data.items() if k in ITEM_KEYS and k not in ("source", "kind")},
                 where, ctx, source=name)


def _scene(data: dict[str, Any], where: str, index: int, sources: dict[str, SourceConfig],
           inline: list[SourceConfig], ctx: f.Context) -> SceneConfig:
    name = data.get("name", f"Scene {index + 1}")
    if not isinstance(name, str):
        raise ConfigError(f"{where}name", f"expected a name, got {name!r}")
    items = data.get("items", [])
    if not isinstance(items, list):
        raise ConfigError(f"{where}items", f"expected an array of inline tables, got {items!r}")
    canvas = data.get("canvas", "")
    if not isinstance(canvas, str):
        raise ConfigError(f"{where}canvas", f"expected a canvas name, got {canvas!r}")
    sc = SceneConfig(name, canvas=canvas)
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}items[{i}]", 'expected an inline table like { source = "game" }')
        sc.items.append(_item(raw, f"{where}items[{i}].", sources, inline, ctx))
    for key in data:
        if key not in ("name", "items", "canvas"):
            raise ConfigError(f"{where}{key}", "unknown key; check its spelling against the README's config reference")
    return sc


def _tables(doc: dict[str, Any], key: str, where: str) -> list[tuple[dict[str, Any], str]]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise ConfigError(f"{where}{key}", f"expected an array of tables ([[{key}]])")
    return [(x, f"{where}{key}[{i}].") for i, x in enumerate(value)]


SECTIONS: tuple[tuple[str, type], ...] = (("video", VideoConfig), ("audio", AudioConfig), ("control", ControlConfig),
                                          ("obs_websocket", ObsWebsocketConfig), ("link", LinkConfig),
                                          ("transition", TransitionConfig), ("switcher", SwitcherConfig))


def parse_config(doc: dict[str, Any], where: str = "", base_dir: Path | None = None) -> RigcastConfig:
    """Validate an already-parsed TOML document. ``where`` prefixes every error (the file);
    relative paths in it are relative to ``base_dir`` (the file's folder)."""
    ctx = f.Context(base_dir)
    cfg = RigcastConfig()
    for key, cls in SECTIONS:
        data = _table(doc, key, where)
        if key == "link" and "token" in data:
            raise ConfigError(f"{where}link.token", "the token is never written in the config; "
                                                    "put it in an environment variable (token_env) or a file (token_file)")
        setattr(cfg, key, _read(cls, data, f"{where}{key}.", ctx))
    cfg.sources = [_source(d, w, i, ctx) for i, (d, w) in enumerate(_tables(doc, "sources", where))]
    cfg.outputs = [_output(d, w, i, ctx) for i, (d, w) in enumerate(_tables(doc, "outputs", where))]
    hotkeys = _table(doc, "hotkeys", where)
    try:
        cfg.hotkeys = parse_hotkeys(hotkeys)
    except ValueError as e:
        raise ConfigError(f"{where}hotkeys", str(e)) from None
    if "replay" in doc:  # [replay] seconds = 30: the replay buffer, an output named "replay"
        cfg.outputs.append(_output({"name": "replay", "kind": "replay"} | _table(doc, "replay", where),
                                   f"{where}replay.", len(cfg.outputs), ctx))
    for what, names_ in (("sources", [s.name for s in cfg.sources]), ("outputs", [o.name for o in cfg.outputs])):
        for i, name in enumerate(names_):
            if name in names_[:i]:
                raise ConfigError(f"{where}{what}[{i}].name", f'"{name}" is used twice; names must be unique')
    by_name = {s.name: s for s in cfg.sources}
    inline: list[SourceConfig] = []
    cfg.scenes = [_scene(d, w, i, by_name, inline, ctx) for i, (d, w) in enumerate(_tables(doc, "scenes", where))]
    cfg.sources += inline
    for i, sc in enumerate(cfg.scenes):
        if sc.name in [x.name for x in cfg.scenes[:i]]:
            raise ConfigError(f"{where}scenes[{i}].name", f'"{sc.name}" is used twice; scene names must be unique')
    cfg.canvases = [_read(CanvasConfig, d, w, ctx) for d, w in _tables(doc, "canvases", where)]
    _check_canvases(cfg, where)
    cfg.rigs = [_read(RigConfig, d, w, ctx) for d, w in _tables(doc, "rigs", where)]
    for i, rig in enumerate(cfg.rigs):
        if rig.name in [r.name for r in cfg.rigs[:i]] or rig.name == LOCAL_RIG:
            raise ConfigError(f"{where}rigs[{i}].name", f'"{rig.name}" is taken; rig names must be unique '
                                                        f'and not "{LOCAL_RIG}" (this box)')
    cfg.switch = [_read(SwitchRule, d, w, ctx) for d, w in _tables(doc, "switch", where)]
    _check_switch(cfg, where)
    for i, o in enumerate(cfg.outputs):
        if o.has(Cap.NEEDS_INGEST) and o.url is None and cfg.link.url is None:
            raise ConfigError(f"{where}outputs[{i}].url", "missing; expected rtmp://HOST[:PORT]/APP/KEY "
                                                         "(or a [link] whose API supplies the URL)")
    known = {key for key, _ in SECTIONS} | {"sources", "outputs", "scenes", "canvases", "rigs", "switch", "replay", "hotkeys"}
    for key in doc:
        if key not in known:
            raise ConfigError(f"{where}{key}", "unknown key; check its spelling against the README's config reference")
    check_codec(cfg, where)
    return cfg


def _check_canvases(cfg: RigcastConfig, where: str) -> None:
    """Canvas names unique and known wherever they are named; each on the one clock."""
    names = [c.name for c in cfg.canvases]
    for i, c in enumerate(cfg.canvases):
        at = f"{where}canvases[{i}]."
        if c.name in names[:i]:
            raise ConfigError(f"{at}name", f'"{c.name}" is used twice; canvas names must be unique')
        if c.name.lower() == "main":
            raise ConfigError(f"{at}name", '"main" is the [video] canvas; name this one otherwise, like "vertical"')
        if c.fps is not None and cfg.video.fps % c.fps:
            fits = ", ".join(str(n) for n in range(1, cfg.video.fps + 1) if cfg.video.fps % n == 0)
            raise ConfigError(f"{at}fps", f"{c.fps} does not divide [video]'s {cfg.video.fps} fps (every canvas "
                                          f"is composed on its clock); use one of {fits}")
        if not any(sc.canvas == c.name for sc in cfg.scenes):
            raise ConfigError(f"{at}name", f'canvas "{c.name}" has no scene; add [[scenes]] with canvas = "{c.name}"')
    known = ", ".join(f'"{n}"' for n in names) or "none"
    for i, sc in enumerate(cfg.scenes):
        if sc.canvas and sc.canvas not in names:
            raise ConfigError(f"{where}scenes[{i}].canvas", f'no canvas named "{sc.canvas}" (canvases: {known}); '
                                                           "declare it in [[canvases]]")
    for i, o in enumerate(cfg.outputs):
        named = getattr(o.settings, "canvas", None)
        if named and named not in names:
            raise ConfigError(f"{where}outputs[{i}].canvas", f'no canvas named "{named}" (canvases: {known}); '
                                                            "declare it in [[canvases]]")


def _check_switch(cfg: RigcastConfig, where: str) -> None:
    """Each rule names sources and a scene that exist."""
    captured = [s.name for s in cfg.sources if s.has(Cap.CAPTURED) and not s.has(Cap.AUDIO)]
    sounding = [s.name for s in cfg.sources if s.has(Cap.SOUND)]
    scenes = [sc.name for sc in cfg.effective_scenes()]
    for i, r in enumerate(cfg.switch):
        at = f"{where}switch[{i}]."
        if r.silent is not None and r.silent not in sounding:
            raise ConfigError(f"{at}silent", f'no source with sound named "{r.silent}" (they are: '
                                             f'{", ".join(sounding) or "none"})')
        if r.source is not None and r.source not in captured:
            raise ConfigError(f"{at}source", f'no captured source named "{r.source}" (captured sources: '
                                             f'{", ".join(captured) or "none"}); a rule watches a window, display or node')
        if r.scene not in scenes:
            raise ConfigError(f"{at}scene", f'no scene named "{r.scene}" (scenes: {", ".join(scenes)})')


def check_codec(cfg: RigcastConfig, where: str = "") -> None:
    """The codec, its encoder and every output agree, decided from the records before going
    live: an output kind that can't carry the codec is a config error, not a server's refusal.
    An output with its own ``video`` is checked with what it changes."""
    _check_encode(cfg.video, f"{where}video.")
    for i, o in enumerate(cfg.outputs):
        own = getattr(o.settings, "video", None)
        v = o.video_config(cfg.video)
        at = f"{where}outputs[{i}].video." if own is not None else f"{where}video."
        if own is not None:
            _check_encode(v, at)
            if own.fps is not None and cfg.video.fps % own.fps:
                fits = ", ".join(str(n) for n in range(1, cfg.video.fps + 1) if cfg.video.fps % n == 0)
                raise ConfigError(f"{at}fps", f"{own.fps} does not divide the canvas's {cfg.video.fps} fps "
                                              f"(frames are taken from its clock); use one of {fits}")
        carried = o.info.extra.get("codecs", ("h264",))
        if v.codec not in carried:
            raise ConfigError(f"{at}codec", f'output "{o.name}" ({o.kind}) carries {", ".join(carried)}, '
                                            f"not {v.codec}; choose one of those codecs")
        if v.bframes and not o.info.extra.get("bframes", True):
            raise ConfigError(f"{at}bframes", f'output "{o.name}" ({o.kind}) sends frames in the order they '
                                              "are shown and can't carry B-frames; set bframes = 0")


def _check_encode(v: VideoConfig, at: str) -> None:
    codec, enc = v.codec, v.encoder
    if enc != "auto" and encoder_kind(enc).extra.get("codec") != codec:
        makes = encoder_kind(enc).extra.get("codec")
        fits = ", ".join(k.name for k in kinds(Role.ENCODER) if k.extra.get("codec") == codec)
        raise ConfigError(f"{at}encoder", f"{enc} makes {makes}, not {codec}; use auto or one of {fits}")


def load_config(path: str) -> RigcastConfig:
    p = Path(path).expanduser()
    if not p.is_file():
        raise ConfigError(str(path), "no such file; pass --config with the path of a rigcast TOML file")
    try:
        doc = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), f"not valid TOML: {e}")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), f"cannot read: {e}")
    cfg = parse_config(doc, f"{path}: ", p.resolve().parent)
    cfg.path = str(p)
    return cfg


def to_toml(cfg: RigcastConfig) -> str:
    """Serialise back to TOML (tomli-w), in the same shape :func:`parse_config` reads: each
    table is written from the same fields it is read by."""
    doc: dict[str, Any] = {key: f.write(getattr(cfg, key)) for key, _ in SECTIONS}
    if cfg.link.url is None:
        del doc["link"]
    doc["sources"] = [{"name": s.name, "kind": s.kind} | f.write(s.settings) for s in cfg.sources]
    doc["outputs"] = [{"name": o.name, "kind": o.kind} | f.write(o.settings) for o in cfg.outputs]
    if cfg.hotkeys:
        doc["hotkeys"] = {str(h.combo): h.action for h in cfg.hotkeys}
    doc["scenes"] = [{"name": sc.name} | ({"canvas": sc.canvas} if sc.canvas else {})
                     | {"items": [{"source": it.source} | f.write(it, skip_defaults=True) for it in sc.items]}
                     for sc in cfg.scenes]
    if cfg.canvases:
        doc["canvases"] = [f.write(c) for c in cfg.canvases]
    if cfg.rigs:
        doc["rigs"] = [f.write(r) for r in cfg.rigs]
    if cfg.switch:
        doc["switch"] = [f.write(r) for r in cfg.switch]
    return tomli_w.dumps(doc)
