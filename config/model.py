"""The one typed configuration model of rigcast.

Everything the engine is told — by a TOML file, by command-line flags, later by the control
protocol — lands in these dataclasses, so there is exactly one place that says what a valid
setting is. Parsing and validation live in :mod:`config.loader`; this module only holds shapes
and the small value types (sizes, URLs) whose rules every caller must share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

SourceKind = Literal["window", "display", "image", "color", "text", "chat", "media", "desktop_audio", "mic"]
OutputKind = Literal["rtmp", "record"]

SOURCE_KINDS: tuple[str, ...] = ("window", "display", "image", "color", "text", "chat", "media", "desktop_audio",
                                 "mic")
AUDIO_KINDS: tuple[str, ...] = ("desktop_audio", "mic")  # mixed into the one audio track, in every scene
CAPTURE_KINDS: tuple[str, ...] = ("window", "display", "media")  # a worker each; the rest are drawn
# Capture methods a window/display source may ask for (Windows; Linux has one of each).
WINDOW_METHODS: tuple[str, ...] = ("wgc", "gdi")
DISPLAY_METHODS: tuple[str, ...] = ("dxgi", "gdi")
FIT_MODES: tuple[str, ...] = ("fit", "fill", "stretch")
TRANSITIONS: tuple[str, ...] = ("cut", "fade")
OUTPUT_KINDS: tuple[str, ...] = ("rtmp", "record")
ENCODER_NAMES: tuple[str, ...] = ("auto", "libx264", "h264_nvenc", "h264_qsv", "h264_amf")
SCALERS: tuple[str, ...] = ("fast_bilinear", "bilinear", "bicubic", "lanczos")
RECORD_SUFFIXES: tuple[str, ...] = (".mkv", ".mp4", ".flv", ".ts")

_SIZE_RE = re.compile(r"^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$")
_COLOR_RE = re.compile(r"^#([0-9a-fA-F]{6})([0-9a-fA-F]{2})?$")


def parse_color(text: str) -> tuple[int, int, int, int]:
    """``#RRGGBB`` or ``#RRGGBBAA`` → (r, g, b, a)."""
    m = _COLOR_RE.match(text.strip())
    if not m:
        raise ValueError(f'expected a colour like "#1e90ff" or "#1e90ff80", got "{text}"')
    rgb = int(m.group(1), 16)
    return rgb >> 16, (rgb >> 8) & 255, rgb & 255, int(m.group(2) or "ff", 16)


@dataclass(frozen=True)
class Size:
    """A canvas or capture size; encoders want both sides even (4:2:0 chroma)."""

    width: int
    height: int

    @classmethod
    def parse(cls, text: str) -> Size:
        m = _SIZE_RE.match(text)
        if not m:
            raise ValueError(f'expected "WIDTHxHEIGHT" like "1280x720", got "{text}"')
        w, h = int(m.group(1)), int(m.group(2))
        if not (16 <= w <= 8192 and 16 <= h <= 8192):
            raise ValueError(f"each side must be between 16 and 8192 pixels, got {w}x{h}")
        return cls(w, h)

    def even(self) -> Size:
        return Size(self.width - self.width % 2, self.height - self.height % 2)

    def __str__(self) -> str:
        return f"{self.width}x{self.height}"


@dataclass
class VideoConfig:
    """Canvas and encoder settings. ``size`` None means: the first source's size."""

    size: Size | None = None
    fps: int = 30
    encoder: str = "auto"
    bitrate_kbps: int = 3000
    keyint_s: float = 2.0
    preset: str = "veryfast"
    profile: str | None = None
    bframes: int = 0
    # Bilinear is OBS's "fastest" downscale and what most streamers pick on a busy box;
    # bicubic/lanczos cost ~1.5-2x more swscale time for a barely visible gain at 720p.
    scaler: str = "bilinear"


@dataclass
class AudioConfig:
    bitrate_kbps: int = 160
    sample_rate: int = 48000


@dataclass
class SourceConfig:
    """A capture source. For ``window``, exactly one of match/regex/window_class/pid/exe is set."""

    name: str
    kind: str
    match: str | None = None
    regex: str | None = None
    window_class: str | None = None
    pid: int | None = None
    exe: str | None = None  # the executable's file name ("game.exe", "glxgears")
    display: int = 1
    method: str = "auto"  # window: auto | wgc | gdi; display: auto | dxgi | gdi (Windows)
    # image
    path: str | None = None
    # color (and text's fill)
    color: str = "#000000ff"
    size: Size | None = None  # color: default the canvas
    # text
    text: str = ""
    font: str | None = None  # a .ttf/.otf path; default: a built-in sans
    font_size: int = 48
    outline_color: str = "#000000ff"
    outline_width: int = 0
    # chat: the last max_lines messages, each shown for lifetime_s (size is its box)
    max_lines: int = 8
    lifetime_s: float = 60.0
    # audio (desktop_audio, mic)
    device: str | None = None  # a substring of the device's name; default: the system default
    volume_db: float = 0.0
    muted: bool = False
    sync_offset_ms: int = 0  # > 0 delays this source, to line it up with a late video source

    def describe(self) -> str:
        if self.kind in AUDIO_KINDS:
            what = "desktop audio" if self.kind == "desktop_audio" else "microphone"
            return f"{what} ({self.device or 'default device'})"
        if self.kind == "image":
            return f"image {self.path}"
        if self.kind == "media":
            return f"video {self.path} (looped)"
        if self.kind == "color":
            return f"colour {self.color}"
        if self.kind == "text":
            return f'text "{self.text[:24]}"'
        if self.kind == "chat":
            return f"chat overlay (last {self.max_lines} messages)"
        if self.kind == "display":
            return f"display {self.display}"
        if self.match is not None:
            return f'window titled "*{self.match}*"'
        if self.regex is not None:
            return f"window with title matching /{self.regex}/"
        if self.window_class is not None:
            return f'window of class "{self.window_class}"'
        if self.exe is not None:
            return f"window of {self.exe}"
        return f"window of pid {self.pid}"


@dataclass
class SceneItem:
    """A source placed on the canvas. Size is ``scale`` of the (cropped) source, or a box
    ``width`` x ``height`` the source is fitted into (``fit``), covers (``fill``, cropped at
    the box) or is stretched to; with neither, the first item of a scene fits the canvas and
    the others keep their own size."""

    source: str
    x: int = 0
    y: int = 0
    scale: float | None = None
    width: int | None = None
    height: int | None = None
    fit: str = "fit"
    crop: tuple[int, int, int, int] = (0, 0, 0, 0)  # left, top, right, bottom
    opacity: float = 1.0
    visible: bool = True


@dataclass
class SceneConfig:
    name: str
    items: list[SceneItem] = field(default_factory=list)


@dataclass
class TransitionConfig:
    kind: str = "fade"
    duration_ms: int = 300


@dataclass
class OutputConfig:
    """An output fed from the one shared encode: a network push or a local recording."""

    name: str
    kind: str
    url: str | None = None
    path: str | None = None
    reconnect_initial_s: float = 1.0
    reconnect_factor: float = 1.5
    reconnect_max_s: float = 10.0


@dataclass
class ControlConfig:
    """The engine's control endpoint beyond its Unix socket: loopback TCP, token required."""

    tcp_port: int = 0  # 0: no TCP endpoint (the Unix socket is always there, except on Windows)
    token_env: str = "RIGCAST_CONTROL_TOKEN"  # the token is never written in the config itself


@dataclass
class ObsWebsocketConfig:
    """An obs-websocket v5 server, so OBS remote tools drive rigcast unchanged."""

    enabled: bool = False
    port: int = 4455
    bind: str = "127.0.0.1"  # loopback by default
    password_env: str = "RIGCAST_OBS_PASSWORD"  # no password set: no authentication


@dataclass
class LinkConfig:
    """The outbound websocket link to the user's own API (commands, chat, ingest URLs).

    The token is read from an environment variable or a file at start, never written here."""

    url: str | None = None  # None: no link
    token_env: str = "RIGCAST_LINK_TOKEN"
    token_file: str | None = None
    ca_file: str | None = None  # extra CA bundle for a private wss:// server
    reconnect_max_s: float = 30.0


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
    transition: TransitionConfig = field(default_factory=TransitionConfig)
    # Where the config came from, for error messages and for saving back.
    path: str | None = None

    def source(self, name: str) -> SourceConfig | None:
        return next((s for s in self.sources if s.name == name), None)

    def effective_scenes(self) -> list[SceneConfig]:
        """The configured scenes, or — with none configured — one scene showing the first
        source fitted to the canvas, named after it."""
        if self.scenes:
            return self.scenes
        return [SceneConfig(s.name, [SceneItem(s.name)]) for s in self.sources[:1]]
