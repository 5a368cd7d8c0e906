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

SourceKind = Literal["window", "display"]
OutputKind = Literal["rtmp", "record"]

SOURCE_KINDS: tuple[str, ...] = ("window", "display")
OUTPUT_KINDS: tuple[str, ...] = ("rtmp", "record")
ENCODER_NAMES: tuple[str, ...] = ("auto", "libx264", "h264_nvenc", "h264_qsv", "h264_amf")
SCALERS: tuple[str, ...] = ("fast_bilinear", "bilinear", "bicubic", "lanczos")
RECORD_SUFFIXES: tuple[str, ...] = (".mkv", ".mp4", ".flv", ".ts")

_SIZE_RE = re.compile(r"^\s*(\d{1,5})\s*[xX]\s*(\d{1,5})\s*$")


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
    """A capture source. For ``window``, exactly one of match/regex/window_class/pid is set."""

    name: str
    kind: str
    match: str | None = None
    regex: str | None = None
    window_class: str | None = None
    pid: int | None = None
    display: int = 1

    def describe(self) -> str:
        if self.kind == "display":
            return f"display {self.display}"
        if self.match is not None:
            return f'window titled "*{self.match}*"'
        if self.regex is not None:
            return f"window with title matching /{self.regex}/"
        if self.window_class is not None:
            return f'window of class "{self.window_class}"'
        return f"window of pid {self.pid}"


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
class RigcastConfig:
    video: VideoConfig = field(default_factory=VideoConfig)
    audio: AudioConfig = field(default_factory=AudioConfig)
    sources: list[SourceConfig] = field(default_factory=list)
    outputs: list[OutputConfig] = field(default_factory=list)
    control: ControlConfig = field(default_factory=ControlConfig)
    # Where the config came from, for error messages and for saving back.
    path: str | None = None
