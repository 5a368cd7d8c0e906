"""TOML in, validated :class:`RigcastConfig` out (and back to TOML with tomli-w).

Every problem becomes one :class:`ConfigError` naming the file, the key and what was expected,
because the user reads it over SSH on a box where a traceback is useless.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from config.model import (
    AUDIO_KINDS,
    DISPLAY_METHODS,
    ENCODER_NAMES,
    FIT_MODES,
    OUTPUT_KINDS,
    RECORD_SUFFIXES,
    SCALERS,
    SOURCE_KINDS,
    TRANSITIONS,
    WINDOW_METHODS,
    AudioConfig,
    ControlConfig,
    LinkConfig,
    ObsWebsocketConfig,
    OutputConfig,
    RigcastConfig,
    SceneConfig,
    SceneItem,
    Size,
    SourceConfig,
    TransitionConfig,
    VideoConfig,
    parse_color,
)
from config.secrets import mask_url, remember_secret, url_secret_parts

PUSH_SCHEMES = ("rtmp", "rtmps")


class ConfigError(ValueError):
    """A user-facing configuration problem; ``str()`` is the one line to print."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}")
        self.where = where
        self.problem = problem


def validate_push_url(url: str, where: str = "--url") -> str:
    """Check an RTMP(S) URL and remember its secret parts for masking."""
    for part in url_secret_parts(url):
        remember_secret(part)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise ConfigError(where, f"malformed URL {mask_url(url)}; expected rtmp://HOST[:PORT]/APP/KEY")
    if not parts.scheme:
        raise ConfigError(where, f"malformed URL {mask_url(url)}; expected rtmp://HOST[:PORT]/APP/KEY")
    if parts.scheme.lower() not in PUSH_SCHEMES:
        extra = " (this FFmpeg build has no SRT; use rtmp:// to SRS)" if parts.scheme == "srt" else ""
        raise ConfigError(
            where,
            f'unsupported scheme "{parts.scheme}://"{extra}; use rtmp:// or rtmps://',
        )
    try:
        port = parts.port
    except ValueError:
        raise ConfigError(where, f"malformed URL {mask_url(url)}: the port is not a number 1-65535")
    if not parts.hostname:
        raise ConfigError(where, f"malformed URL {mask_url(url)}: no host; expected rtmp://HOST[:PORT]/APP/KEY")
    if port == 0:
        raise ConfigError(where, f"malformed URL {mask_url(url)}: port 0")
    if not [s for s in parts.path.split("/") if s]:
        raise ConfigError(where, f"malformed URL {mask_url(url)}: no application; expected rtmp://HOST/APP/KEY")
    return url


def validate_record_path(path: str, where: str = "--record") -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in RECORD_SUFFIXES:
        raise ConfigError(
            where, f'cannot record to "{path}": use a file ending in {", ".join(RECORD_SUFFIXES)}'
        )
    parent = Path(path).expanduser().resolve().parent
    if not parent.is_dir():
        raise ConfigError(where, f'cannot record to "{path}": folder {parent} does not exist')
    return path


class _Table:
    """A TOML table with the path used in error messages, and typed getters."""

    def __init__(self, data: dict[str, Any], where: str) -> None:
        self.data = data
        self.where = where
        self.used: set[str] = set()

    def _err(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"{self.where}{key}", problem)

    def get(self, key: str, kinds: tuple[type, ...], expected: str, default: Any = None) -> Any:
        self.used.add(key)
        if key not in self.data:
            return default
        value = self.data[key]
        # bool is an int in Python; a TOML `true` is never a number here.
        if isinstance(value, bool) and bool not in kinds:
            raise self._err(key, f"expected {expected}, got {value!r}")
        if not isinstance(value, kinds):
            raise self._err(key, f"expected {expected}, got {value!r}")
        return value

    def number(self, key: str, default: float, lo: float, hi: float, integer: bool = False) -> Any:
        kinds: tuple[type, ...] = (int,) if integer else (int, float)
        what = "a whole number" if integer else "a number"
        value = self.get(key, kinds, f"{what} from {lo:g} to {hi:g}", default)
        if not lo <= value <= hi:
            raise self._err(key, f"expected {what} from {lo:g} to {hi:g}, got {value!r}")
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None) -> Any:
        value = self.get(key, (str,), "one of " + ", ".join(choices), default)
        if value is not None and value not in choices:
            raise self._err(key, f'expected one of {", ".join(choices)}, got "{value}"')
        return value

    def check_unknown(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise self._err(key, "unknown key; check its spelling against the README's config reference")


def _video(t: _Table) -> VideoConfig:
    v = VideoConfig()
    size = t.get("size", (str,), 'a string like "1280x720"')
    if size is not None:
        try:
            v.size = Size.parse(size)
        except ValueError as e:
            raise ConfigError(f"{t.where}size", str(e))
    v.fps = t.number("fps", v.fps, 1, 240, integer=True)
    v.encoder = t.choice("encoder", ENCODER_NAMES, v.encoder)
    v.bitrate_kbps = t.number("bitrate", v.bitrate_kbps, 100, 100_000, integer=True)
    v.keyint_s = float(t.number("keyint", v.keyint_s, 0.1, 20))
    v.preset = t.get("preset", (str,), "a preset name like veryfast", v.preset)
    v.profile = t.get("profile", (str,), "a profile name like high", v.profile)
    v.bframes = t.number("bframes", v.bframes, 0, 4, integer=True)
    v.scaler = t.choice("scaler", SCALERS, v.scaler)
    t.check_unknown()
    return v


def _audio(t: _Table) -> AudioConfig:
    a = AudioConfig()
    a.bitrate_kbps = t.number("bitrate", a.bitrate_kbps, 32, 512, integer=True)
    t.check_unknown()
    return a


def _control(t: _Table) -> ControlConfig:
    c = ControlConfig()
    c.tcp_port = t.number("tcp_port", c.tcp_port, 0, 65535, integer=True)
    c.token_env = t.get("token_env", (str,), "the name of an environment variable", c.token_env)
    t.check_unknown()
    return c


def _obs_websocket(t: _Table) -> ObsWebsocketConfig:
    c = ObsWebsocketConfig()
    c.enabled = t.get("enabled", (bool,), "true or false", c.enabled)
    c.port = t.number("port", c.port, 1, 65535, integer=True)
    c.bind = t.get("bind", (str,), "an address to listen on", c.bind)
    c.password_env = t.get("password_env", (str,), "the name of an environment variable", c.password_env)
    t.check_unknown()
    return c


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _link(t: _Table) -> LinkConfig:
    c = LinkConfig()
    url = t.get("url", (str,), "a wss:// URL")
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss") or not parts.hostname:
            raise ConfigError(f"{t.where}url", f"expected wss://HOST/PATH (ws:// only to this machine), got {mask_url(url)}")
        if parts.scheme == "ws" and parts.hostname not in _LOOPBACK and not parts.hostname.startswith("127."):
            raise ConfigError(f"{t.where}url", "ws:// sends the token in the clear; use wss:// "
                                               "(ws:// is allowed only to 127.0.0.1/localhost)")
        c.url = url
    c.token_env = t.get("token_env", (str,), "the name of an environment variable", c.token_env)
    c.token_file = t.get("token_file", (str,), "the path of a file holding the token")
    c.ca_file = t.get("ca_file", (str,), "the path of a PEM CA bundle")
    for key in ("token_file", "ca_file"):
        value = getattr(c, key)
        if value is not None and not Path(value).expanduser().is_file():
            raise ConfigError(f"{t.where}{key}", f"no such file: {value}")
    if "token" in t.data:
        raise ConfigError(f"{t.where}token", "the token is never written in the config; "
                                             "put it in an environment variable (token_env) or a file (token_file)")
    c.reconnect_max_s = float(t.number("reconnect_max_s", c.reconnect_max_s, 1, 600))
    t.check_unknown()
    return c


def _name_and_kind(t: _Table, default_name: str, kinds: tuple[str, ...]) -> tuple[str, str]:
    name = t.get("name", (str,), "a name", default_name)
    kind = t.choice("kind", kinds, None)
    if kind is None:
        raise ConfigError(f"{t.where}kind", "missing; expected one of " + ", ".join(kinds))
    return name, kind


def _size(t: _Table, key: str) -> Size | None:
    text = t.get(key, (str,), 'a size like "1280x720"')
    if text is None:
        return None
    try:
        return Size.parse(text)
    except ValueError as e:
        raise ConfigError(f"{t.where}{key}", str(e))


def _color(t: _Table, key: str, default: str) -> str:
    value = t.get(key, (str,), 'a colour like "#1e90ff"', default)
    try:
        parse_color(value)
    except ValueError as e:
        raise ConfigError(f"{t.where}{key}", str(e))
    return str(value)


def _source(t: _Table, index: int, base_dir: Path | None = None) -> SourceConfig:
    s = SourceConfig(*_name_and_kind(t, f"source{index + 1}", SOURCE_KINDS))
    kind = s.kind
    if kind == "window":
        s.match = t.get("match", (str,), "a title substring")
        s.regex = t.get("regex", (str,), "a title regular expression")
        s.window_class = t.get("class", (str,), "a WM_CLASS name")
        s.pid = t.get("pid", (int,), "a process id")
        s.exe = t.get("exe", (str,), 'an executable\'s file name like "game.exe"')
        s.method = t.choice("method", ("auto", *WINDOW_METHODS), "auto")
        given = [k for k in ("match", "regex", "class", "pid", "exe") if k in t.data]
        if len(given) != 1:
            raise ConfigError(
                f"{t.where}match",
                "a window source needs exactly one of match, regex, class, pid or exe"
                + (f" (got {', '.join(given)})" if given else ""),
            )
        if s.regex is not None:
            try:
                re.compile(s.regex)
            except re.error as e:
                raise ConfigError(f"{t.where}regex", f"not a valid regular expression: {e}")
    elif kind == "display":
        s.display = t.number("display", 1, 0, 64, integer=True)
        s.method = t.choice("method", ("auto", *DISPLAY_METHODS), "auto")
    elif kind in AUDIO_KINDS:
        s.device = t.get("device", (str,), "a part of the device's name (see `rigcast devices`)")
        s.volume_db = float(t.number("volume_db", 0.0, -100, 30))
        s.muted = t.get("muted", (bool,), "true or false", False)
        s.sync_offset_ms = t.number("sync_offset_ms", 0, 0, 20_000, integer=True)
    elif kind in ("image", "media"):
        what = "image file (PNG or JPEG)" if kind == "image" else "video file"
        path = t.get("path", (str,), f"the path of an {what}")
        if path is None:
            raise ConfigError(f"{t.where}path", f"missing; expected the path of an {what}")
        p = Path(path).expanduser()
        if not p.is_absolute() and base_dir is not None:
            p = base_dir / p  # relative to the config file, not to wherever rigcast was started
        if not p.is_file():
            raise ConfigError(f"{t.where}path", f"no such {what.split(' (')[0]}: {p}")
        s.path = str(p)
    elif kind == "color":
        s.color = _color(t, "color", s.color)
        s.size = _size(t, "size")
    else:  # text, chat
        if kind == "text":
            s.text = t.get("text", (str,), "the text to show", "")
        else:
            s.size = _size(t, "size")
            s.font_size = 24
            s.max_lines = t.number("max_lines", s.max_lines, 1, 100, integer=True)
            s.lifetime_s = float(t.number("lifetime_s", s.lifetime_s, 3, 86_400))
        font = t.get("font", (str,), "the path of a .ttf or .otf font")
        if font is not None and not Path(font).expanduser().is_file():
            raise ConfigError(f"{t.where}font", f"no such font file: {font}")
        s.font = font
        s.font_size = t.number("font_size", s.font_size, 6, 512, integer=True)
        s.color = _color(t, "color", "#ffffffff")
        s.outline_color = _color(t, "outline_color", s.outline_color)
        s.outline_width = t.number("outline_width", s.outline_width, 0, 32, integer=True)
    t.check_unknown()
    return s


ITEM_KEYS = ("source", "kind", "x", "y", "scale", "width", "height", "fit", "crop", "opacity", "visible")


def _item(t: _Table, sources: dict[str, SourceConfig], inline: list[SourceConfig],
          base_dir: Path | None) -> SceneItem:
    name = t.get("source", (str,), "the name of a source")
    if name is None:
        raise ConfigError(f"{t.where}source", "missing; expected the name of a [[sources]] entry")
    if name not in sources:
        if "kind" not in t.data:
            raise ConfigError(f"{t.where}source", f'unknown source "{name}"; define it in [[sources]] '
                                                  f"(known: {', '.join(sources) or 'none'})")
        # An item may define its source inline: { source = "bg", kind = "color", color = "#112233" }.
        src = _source(_Table({k: v for k, v in t.data.items() if k not in ITEM_KEYS or k == "kind"}
                             | {"name": name}, t.where), 0, base_dir)
        sources[name] = src
        inline.append(src)
    elif sources[name].kind in AUDIO_KINDS:
        raise ConfigError(f"{t.where}source", f'"{name}" is an audio source: audio sources are mixed in every '
                                              "scene, so they are not placed as items")
    elif "kind" in t.data and t.data["kind"] != sources[name].kind:
        raise ConfigError(f"{t.where}kind", f'source "{name}" is a {sources[name].kind} source, not {t.data["kind"]}')
    t.used.update(k for k in t.data if k not in ITEM_KEYS or k == "kind")
    it = SceneItem(name)
    it.x = t.number("x", 0, -16384, 16384, integer=True)
    it.y = t.number("y", 0, -16384, 16384, integer=True)
    scale = t.get("scale", (int, float), "a positive number", None)
    if scale is not None and not 0 < scale <= 16:
        raise ConfigError(f"{t.where}scale", f"expected a number above 0 and at most 16, got {scale!r}")
    it.scale = None if scale is None else float(scale)
    for key in ("width", "height"):
        value = t.get(key, (int,), "a size in pixels", None)
        if value is not None and not 1 <= value <= 16384:
            raise ConfigError(f"{t.where}{key}", f"expected a size from 1 to 16384 pixels, got {value!r}")
        setattr(it, key, value)
    if (it.width is None) != (it.height is None):
        raise ConfigError(f"{t.where}width", "give both width and height, or neither")
    if it.scale is not None and it.width is not None:
        raise ConfigError(f"{t.where}scale", "give scale or width/height, not both")
    it.fit = t.choice("fit", FIT_MODES, "fit")
    crop = t.get("crop", (list,), "[left, top, right, bottom] in pixels", [0, 0, 0, 0])
    if len(crop) != 4 or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= 16384 for c in crop):
        raise ConfigError(f"{t.where}crop", f"expected [left, top, right, bottom], each 0 or more pixels, got {crop!r}")
    it.crop = (crop[0], crop[1], crop[2], crop[3])
    it.opacity = float(t.number("opacity", 1.0, 0.0, 1.0))
    it.visible = t.get("visible", (bool,), "true or false", True)
    t.check_unknown()
    return it


def _scene(t: _Table, index: int, sources: dict[str, SourceConfig], inline: list[SourceConfig],
           base_dir: Path | None) -> SceneConfig:
    sc = SceneConfig(t.get("name", (str,), "a name", f"Scene {index + 1}"))
    items = t.get("items", (list,), "an array of inline tables", [])
    for i, raw in enumerate(items):
        if not isinstance(raw, dict):
            raise ConfigError(f"{t.where}items[{i}]", 'expected an inline table like { source = "game" }')
        sc.items.append(_item(_Table(raw, f"{t.where}items[{i}]."), sources, inline, base_dir))
    t.check_unknown()
    return sc


def _transition(t: _Table) -> TransitionConfig:
    tr = TransitionConfig()
    tr.kind = t.choice("kind", TRANSITIONS, tr.kind)
    tr.duration_ms = t.number("duration_ms", tr.duration_ms, 0, 10_000, integer=True)
    t.check_unknown()
    return tr


def _output(t: _Table, index: int) -> OutputConfig:
    o = OutputConfig(*_name_and_kind(t, f"output{index + 1}", OUTPUT_KINDS))
    if o.kind == "rtmp":
        url = t.get("url", (str,), "an rtmp:// URL")
        # No URL: the user's API hands one out when the stream starts (checked: a [link] exists).
        o.url = None if url is None else validate_push_url(url, f"{t.where}url")
    else:
        path = t.get("path", (str,), "a file path")
        if path is None:
            raise ConfigError(f"{t.where}path", "missing; expected a file path ending in .mkv or .mp4")
        o.path = validate_record_path(path, f"{t.where}path")
    o.reconnect_initial_s = float(t.number("reconnect_initial", o.reconnect_initial_s, 0.1, 60))
    o.reconnect_factor = float(t.number("reconnect_factor", o.reconnect_factor, 1.0, 10))
    o.reconnect_max_s = float(t.number("reconnect_max", o.reconnect_max_s, 0.5, 600))
    t.check_unknown()
    return o


def _tables(doc: dict[str, Any], key: str, where: str) -> list[_Table]:
    value = doc.get(key, [])
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise ConfigError(f"{where}{key}", f"expected an array of tables ([[{key}]])")
    return [_Table(x, f"{where}{key}[{i}].") for i, x in enumerate(value)]


def parse_config(doc: dict[str, Any], where: str = "", base_dir: Path | None = None) -> RigcastConfig:
    """Validate an already-parsed TOML document. ``where`` prefixes every error (the file);
    relative paths in it are relative to ``base_dir`` (the file's folder)."""
    top = _Table(doc, where)
    cfg = RigcastConfig()
    for key, build in (("video", _video), ("audio", _audio), ("control", _control),
                       ("obs_websocket", _obs_websocket), ("link", _link)):
        value = top.get(key, (dict,), f"a [{key}] table", {})
        setattr(cfg, key, build(_Table(value, f"{where}{key}.")))
    top.used.update({"sources", "outputs", "scenes"})
    cfg.transition = _transition(_Table(top.get("transition", (dict,), "a [transition] table", {}),
                                        f"{where}transition."))
    cfg.sources = [_source(t, i, base_dir) for i, t in enumerate(_tables(doc, "sources", where))]
    cfg.outputs = [_output(t, i) for i, t in enumerate(_tables(doc, "outputs", where))]
    for what, names in (("sources", [s.name for s in cfg.sources]), ("outputs", [o.name for o in cfg.outputs])):
        for i, name in enumerate(names):
            if name in names[:i]:
                raise ConfigError(f"{where}{what}[{i}].name", f'"{name}" is used twice; names must be unique')
    by_name = {s.name: s for s in cfg.sources}
    inline: list[SourceConfig] = []
    cfg.scenes = [_scene(t, i, by_name, inline, base_dir) for i, t in enumerate(_tables(doc, "scenes", where))]
    cfg.sources += inline
    for i, sc in enumerate(cfg.scenes):
        if sc.name in [x.name for x in cfg.scenes[:i]]:
            raise ConfigError(f"{where}scenes[{i}].name", f'"{sc.name}" is used twice; scene names must be unique')
    for i, o in enumerate(cfg.outputs):
        if o.kind == "rtmp" and o.url is None and cfg.link.url is None:
            raise ConfigError(f"{where}outputs[{i}].url", "missing; expected rtmp://HOST[:PORT]/APP/KEY "
                                                         "(or a [link] whose API supplies the URL)")
    top.check_unknown()
    return cfg


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
    """Serialise back to TOML (tomli-w), in the same shape :func:`parse_config` reads."""
    video: dict[str, Any] = {
        "fps": cfg.video.fps,
        "encoder": cfg.video.encoder,
        "bitrate": cfg.video.bitrate_kbps,
        "keyint": cfg.video.keyint_s,
        "preset": cfg.video.preset,
        "bframes": cfg.video.bframes,
        "scaler": cfg.video.scaler,
    }
    if cfg.video.size is not None:
        video["size"] = str(cfg.video.size)
    if cfg.video.profile is not None:
        video["profile"] = cfg.video.profile
    sources = [_source_doc(s) for s in cfg.sources]
    outputs: list[dict[str, Any]] = []
    for o in cfg.outputs:
        d: dict[str, Any] = {"name": o.name, "kind": o.kind}
        if o.url is not None:
            d["url"] = o.url
        if o.path is not None:
            d["path"] = o.path
        d["reconnect_max"] = o.reconnect_max_s
        outputs.append(d)
    obs = cfg.obs_websocket
    doc: dict[str, Any] = {
           "video": video, "audio": {"bitrate": cfg.audio.bitrate_kbps},
           "control": {"tcp_port": cfg.control.tcp_port, "token_env": cfg.control.token_env},
           "obs_websocket": {"enabled": obs.enabled, "port": obs.port, "bind": obs.bind,
                             "password_env": obs.password_env},
           "transition": {"kind": cfg.transition.kind, "duration_ms": cfg.transition.duration_ms},
           "sources": sources, "outputs": outputs, "scenes": [_scene_doc(sc) for sc in cfg.scenes]}
    if cfg.link.url is not None:
        link = cfg.link
        doc["link"] = {"url": link.url, "token_env": link.token_env, "reconnect_max_s": link.reconnect_max_s}
        doc["link"].update({k: v for k, v in (("token_file", link.token_file), ("ca_file", link.ca_file)) if v})
    return tomli_w.dumps(doc)


_SOURCE_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "window": (("match", "match"), ("regex", "regex"), ("class", "window_class"), ("pid", "pid"), ("exe", "exe"),
               ("method", "method")),
    "display": (("display", "display"), ("method", "method")),
    "desktop_audio": (("device", "device"), ("volume_db", "volume_db"), ("muted", "muted"),
                      ("sync_offset_ms", "sync_offset_ms")),
    "mic": (("device", "device"), ("volume_db", "volume_db"), ("muted", "muted"),
            ("sync_offset_ms", "sync_offset_ms")),
    "image": (("path", "path"),),
    "media": (("path", "path"),),
    "color": (("color", "color"), ("size", "size")),
    "text": (("text", "text"), ("font", "font"), ("font_size", "font_size"), ("color", "color"),
             ("outline_color", "outline_color"), ("outline_width", "outline_width")),
    "chat": (("size", "size"), ("font", "font"), ("font_size", "font_size"), ("color", "color"),
             ("outline_color", "outline_color"), ("outline_width", "outline_width"),
             ("max_lines", "max_lines"), ("lifetime_s", "lifetime_s")),
}


def _source_doc(s: SourceConfig) -> dict[str, Any]:
    d: dict[str, Any] = {"name": s.name, "kind": s.kind}
    for key, attr in _SOURCE_KEYS[s.kind]:
        value = getattr(s, attr)
        if value is not None:
            d[key] = str(value) if isinstance(value, Size) else value
    return d


def _scene_doc(sc: SceneConfig) -> dict[str, Any]:
    default = SceneItem("")
    items = []
    for it in sc.items:
        d: dict[str, Any] = {"source": it.source}
        for key in ("x", "y", "scale", "width", "height", "fit", "opacity", "visible"):
            value = getattr(it, key)
            if value is not None and value != getattr(default, key):
                d[key] = value
        if it.crop != default.crop:
            d["crop"] = list(it.crop)
        items.append(d)
    return {"name": sc.name, "items": items}
