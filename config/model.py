"""The one typed configuration model of rigcast.

Everything the engine is told — by a TOML file, by command-line flags, later by the control
protocol — lands in these dataclasses, so there is exactly one place that says what a valid
setting is. Parsing and validation live in :mod:`rigcast.config.loader`; this module only holds shapes
and the small value types (sizes, URLs) whose rules every caller must share.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from rigcast.config import fields as f
from rigcast.config.filterlist import Filter, chain_field
from rigcast.config.hotkeys import Hotkey
from rigcast.config.kinds import Cap, KindInfo, Role, find, names
from rigcast.config.kinds.encoders import CODECS, SYSTEM, system_encoder
from rigcast.config.values import SIZE, Size, parse_color

__all__ = ["Size", "parse_color"]

FIT_MODES: tuple[str, ...] = ("fit", "fill", "stretch")
TRANSITIONS: tuple[str, ...] = names(Role.TRANSITION)
X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow")
SCALERS: tuple[str, ...] = ("fast_bilinear", "bilinear", "bicubic", "lanczos")
COORD = 16384  # the largest offset or size of a scene item, in pixels
MAX_SCALE = 16.0


def encoder_names() -> tuple[str, ...]:
    return ("auto", *names(Role.ENCODER))


def check_encoder(value: Any, _ctx: f.Context) -> str:
    if isinstance(value, str) and value.startswith(SYSTEM):
        system_encoder(value)  # its one-line ValueError names the problem
        return value
    if value not in encoder_names():
        raise ValueError(f'unknown encoder "{value}"; use one of {", ".join(encoder_names())}, '
                         "or system:NAME for one of the system's ffmpeg")
    return str(value)


@dataclass
class VideoConfig:
    """Canvas and encoder settings. ``size`` None means: the first source's size."""

    size: Size | None = f.custom(None, (str,), 'a string like "1280x720"', SIZE.parse, SIZE.dump)
    fps: int = f.number(30, 1, 240, integer=True)
    codec: str = f.choice("h264", CODECS)  # hevc and av1 halve the bitrate for the same quality
    encoder: str = f.custom("auto", (str,), "an encoder name like auto or libx264", check_encoder)
    bitrate_kbps: int = f.number(3000, 100, 100_000, integer=True, key="bitrate")
    keyint_s: float = f.number(2.0, 0.1, 20, key="keyint")
    preset: str = f.choice("veryfast", X264_PRESETS)  # x264's names, mapped for hardware encoders
    profile: str | None = f.text(None, "a profile name like high")
    bframes: int = f.number(0, 0, 4, integer=True)
    # Bilinear is OBS's "fastest" downscale and what most streamers pick on a busy box;
    # bicubic/lanczos cost ~1.5-2x more swscale time for a barely visible gain at 720p.
    scaler: str = f.choice("bilinear", SCALERS)


@dataclass
class AudioConfig:
    bitrate_kbps: int = f.number(160, 32, 512, integer=True, key="bitrate")
    sample_rate: int = 48000


class _Configured:
    """A named instance of a kind: the kind's record says what ``settings`` holds."""

    role: Role
    name: str
    kind: str
    settings: Any

    def __init__(self, name: str, kind: str, settings: Any = None, **values: Any) -> None:
        """``settings`` as the kind's settings dataclass, or its fields as keywords (defaults
        for the rest; not checked: the loader and the flags check what users give)."""
        self.name, self.kind = name, kind
        self.settings = settings if settings is not None else self.info.settings(**values)

    @property
    def info(self) -> KindInfo[Any]:
        return find(self.role, self.kind)

    def has(self, cap: Cap) -> bool:
        return self.info.has(cap)

    def describe(self) -> str:
        return self.info.describe(self.settings)

    def __eq__(self, other: object) -> bool:
        return (type(other) is type(self) and isinstance(other, _Configured)
                and (self.name, self.kind, self.settings) == (other.name, other.kind, other.settings))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.kind!r}, {self.settings!r})"

    def replace(self, **changes: Any) -> Any:
        return type(self)(self.name, self.kind, dataclasses.replace(self.settings, **changes))


class SourceConfig(_Configured):
    """A source: its kind's record (config/kinds/) says what it is and what it takes."""

    role = Role.SOURCE


@dataclass
class SceneItem:
    """A source placed on the canvas. Size is ``scale`` of the (cropped) source, or a box
    ``width`` x ``height`` the source is fitted into (``fit``), covers (``fill``, cropped at
    the box) or is stretched to; with neither, the first item of a scene fits the canvas and
    the others keep their own size."""

    source: str
    x: int = f.number(0, -COORD, COORD, integer=True, live=True)
    y: int = f.number(0, -COORD, COORD, integer=True, live=True)
    scale: float | None = f.number(None, 0, MAX_SCALE, lo_open=True, live=True)
    width: int | None = f.number(None, 1, COORD, integer=True, live=True)
    height: int | None = f.number(None, 1, COORD, integer=True, live=True)
    fit: str = f.choice("fit", FIT_MODES, live=True)
    crop: tuple[int, int, int, int] = f.custom((0, 0, 0, 0), (list,), "[left, top, right, bottom] in pixels",
                                               lambda v, _c: _crop(v), list, live=True)  # left, top, right, bottom
    opacity: float = f.number(1.0, 0.0, 1.0, live=True)
    visible: bool = f.flag(True, live=True)
    # In order, on the item's own pixels after crop and scale (config/kinds/video_filters.py)
    filters: tuple[Filter, ...] = chain_field(Cap.VIDEO, '{ kind = "chroma_key" }', live=True)

    def validate(self, data: dict[str, Any]) -> None:
        if (self.width is None) != (self.height is None):
            raise f.SettingError("width", "give both width and height, or neither")
        if self.scale is not None and self.width is not None:
            raise f.SettingError("scale", "give scale or width/height, not both")


def _crop(value: list[Any]) -> tuple[int, int, int, int]:
    if len(value) != 4 or not all(isinstance(c, int) and not isinstance(c, bool) and 0 <= c <= COORD for c in value):
        raise ValueError(f"expected [left, top, right, bottom], each 0 or more pixels, got {value!r}")
    return (value[0], value[1], value[2], value[3])


@dataclass
class SceneConfig:
    name: str
    items: list[SceneItem] = field(default_factory=list)
    canvas: str = ""  # "" is the main canvas ([video]); else a [[canvases]] name


MAIN_CANVAS = ""
SWITCH_STATES = ("not_found", "lost", "live", "hidden", "error")  # a captured source's states a rule can name


def _between(value: str, _ctx: f.Context) -> str:
    """"HH:MM-HH:MM", local time; a span past midnight ("22:00-02:00") is allowed."""
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", value)
    if not m or int(m[1]) > 23 or int(m[3]) > 23 or int(m[2]) > 59 or int(m[4]) > 59:
        raise ValueError(f'"{value}" is not a span of the day; write it like "22:00-02:00"')
    return value


@dataclass
class SwitchRule:
    """``[[switch]]``: while the rule's one condition holds, show ``scene`` (rules are checked in
    order; when none holds any more, the scene from before comes back). The conditions:
    ``source`` in ``state``; the focused ``window`` (a regex on its title or class); ``silent``,
    an audio source quiet for ``for_s``; no input on the game box for ``idle_s``; local time
    ``between`` two times of day."""

    scene: str = f.text("", "a scene name", required=True)
    source: str | None = f.text(None, "a captured source's name")
    state: str = f.choice("not_found", SWITCH_STATES)
    window: str | None = f.text(None, "a regular expression for the focused window's title or class", parse=f.regex)
    silent: str | None = f.text(None, "the name of a source with sound")
    for_s: float = f.number(5.0, 0.5, 86_400)  # how long ``silent`` must have been quiet
    idle_s: float | None = f.number(None, 1, 86_400)
    between: str | None = f.text(None, '"HH:MM-HH:MM" (local time)', parse=_between)

    def validate(self, data: dict[str, Any]) -> None:
        given = [k for k in ("source", "window", "silent", "idle_s", "between") if getattr(self, k) is not None]
        if len(given) != 1:
            raise f.SettingError("source", "give exactly one condition: source (with state), window, silent (with "
                                           f"for_s), idle_s or between; got {', '.join(given) or 'none'}")


@dataclass
class SwitcherConfig:
    """``[switcher]``: how long a manual scene switch holds the rules off."""

    hold_s: float = f.number(30.0, 0, 86_400)


@dataclass
class CanvasConfig:
    """``[[canvases]]``: a canvas beside the main one (a vertical one for Shorts/TikTok), with its
    own size, frame rate and scenes (``canvas = NAME`` on a scene), composed on the one clock
    from the same captures, and encoded for the outputs that pick it (``canvas = NAME``)."""

    name: str = f.text("", "a canvas name like vertical", required=True)
    size: Size = f.custom(Size(1080, 1920), (str,), 'a string like "1080x1920"', SIZE.parse, SIZE.dump)
    fps: int | None = f.number(None, 1, 240, integer=True)  # None: [video]'s; it must divide it


@dataclass
class TransitionConfig:
    kind: str = f.choice("fade", TRANSITIONS)
    duration_ms: int = f.number(300, 0, 10_000, integer=True)


class OutputConfig(_Configured):
    """A network push or a local recording, fed from the shared encode or one of its own."""

    role = Role.OUTPUT

    @property
    def url(self) -> str | None:
        """The push URL of a stream output (None: the user's API hands one out)."""
        return getattr(self.settings, "url", None)

    @property
    def canvas(self) -> str:
        """The canvas it is encoded from ("" is the main one)."""
        return getattr(self.settings, "canvas", None) or MAIN_CANVAS

    def video_config(self, base: VideoConfig) -> VideoConfig:
        """``[video]`` with what this output's own ``video`` table changes (its own encode,
        config/kinds/own_video.py). A codec of its own with no encoder named takes auto's."""
        own = getattr(self.settings, "video", None)
        if own is None:
            return base
        changes = {k: v for k in ("size", "fps", "bitrate_kbps", "codec", "encoder")
                   if (v := getattr(own, k)) is not None}
        if own.codec is not None and own.codec != base.codec and own.encoder is None:
            changes["encoder"] = "auto"
        return dataclasses.replace(base, **changes)


@dataclass
class ControlConfig:
    """The engine's control endpoint beyond its Unix socket: loopback TCP, token required."""

    tcp_port: int = f.number(0, 0, 65535, integer=True)  # 0: none (the Unix socket is always there, but on Windows)
    token_env: str = f.text("RIGCAST_CONTROL_TOKEN", "the name of an environment variable")  # never the token


@dataclass
class ObsWebsocketConfig:
    """An obs-websocket v5 server, so OBS remote tools drive rigcast unchanged."""

    enabled: bool = f.flag(False)
    port: int = f.number(4455, 1, 65535, integer=True)
    bind: str = f.text("127.0.0.1", "an address to listen on")  # loopback by default
    # The password: this variable's value when set, else one generated on first enable and kept
    # in the state dir (`rigcast ctl obs-info` shows it).
    password_env: str = f.text("RIGCAST_OBS_PASSWORD", "the name of an environment variable")
    auth: bool = f.flag(True)  # false: no password at all; allowed only with a loopback bind

    def validate(self, data: dict[str, Any]) -> None:
        if not self.auth and not is_loopback_host(self.bind):
            raise f.SettingError("auth", f'auth = false lets anyone who reaches {self.bind} drive the stream; '
                                         f'it is allowed only with bind = "127.0.0.1" (or drop auth = false)')


LOCAL_RIG = "local"  # this box's own engine, among [[rigs]]


@dataclass
class RigConfig:
    """``[[rigs]]``: an engine on another box, attached to over SSH by the control room and
    ``rigcast ctl --all``. Only clients read these; the engine ignores them."""

    name: str = f.text("", "a rig name like den", required=True)
    host: str = f.text("", 'anything ssh takes, like "me@den" or an alias in ~/.ssh/config', required=True)
    # A non-interactive ssh's PATH often lacks ~/.local/bin: name the remote rigcast in full then.
    command: str = f.text("rigcast", "the remote rigcast's path, like ~/.local/bin/rigcast")


@dataclass
class LinkConfig:
    """The outbound websocket link to the user's own API (commands, chat, ingest URLs).

    The token is read from an environment variable or a file at start, never written here."""

    url: str | None = f.custom(None, (str,), "a wss:// URL", lambda v, _c: _link_url(v))  # None: no link
    token_env: str = f.text("RIGCAST_LINK_TOKEN", "the name of an environment variable")
    token_file: str | None = f.custom(None, (str,), "the path of a file holding the token",
                                      f.existing_file_as_given("file"))
    ca_file: str | None = f.custom(None, (str,), "the path of a PEM CA bundle",  # for a private wss:// server
                                   f.existing_file_as_given("file"))
    reconnect_max_s: float = f.number(30.0, 1, 600)


def is_loopback_host(host: str | None) -> bool:
    """A literal loopback address or ``localhost``: never a name that merely starts with 127."""
    import ipaddress

    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _link_url(url: str) -> str:
    from urllib.parse import urlsplit

    from rigcast.config.secrets import mask_url

    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None  # type: ignore[assignment]
    if parts is None or parts.scheme not in ("ws", "wss") or not host:
        raise ValueError(f"expected wss://HOST/PATH (ws:// only to this machine), got {mask_url(url)}")
    if parts.scheme == "ws" and not is_loopback_host(host):
        raise ValueError("ws:// sends the token in the clear; use wss:// (ws:// is allowed only to 127.0.0.1/localhost)")
    return url


@dataclass
class RigcastConfig:
    video: VideoConfig = field(default_factory=VideoConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    sources: list[SourceConfig] = field(default_factory=list)
    outputs: list[OutputConfig] = field(default_factory=list)
    control: ControlConfig = field(default_factory=ControlConfig)
    obs_websocket: ObsWebsocketConfig = field(default_factory=ObsWebsocketConfig)
    link: LinkConfig = field(default_factory=LinkConfig)
    scenes: list[SceneConfig] = field(default_factory=list)
    canvases: list[CanvasConfig] = field(default_factory=list)
    rigs: list[RigConfig] = field(default_factory=list)
    switch: list[SwitchRule] = field(default_factory=list)
    switcher: SwitcherConfig = field(default_factory=SwitcherConfig)
    transition: TransitionConfig = field(default_factory=TransitionConfig)
    hotkeys: tuple[Hotkey, ...] = ()  # [hotkeys]: combos on the game box (config/hotkeys.py)
    # Where the config came from, for error messages and for saving back.
    path: str | None = None

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def canvas(self, name: str) -> CanvasConfig | None:
        return next((c for c in self.canvases if c.name == name), None)

    def effective_scenes(self) -> list[SceneConfig]:
        """The configured scenes, or — with none configured — one scene showing the first
        source fitted to the canvas, named after it."""
        if any(sc.canvas == MAIN_CANVAS for sc in self.scenes):
            return self.scenes
        return [SceneConfig(s.name, [SceneItem(s.name)]) for s in self.sources[:1]] + self.scenes
