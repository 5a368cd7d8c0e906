"""The record every plugin kind declares once, like libobs's ``obs_source_info`` /
``obs_output_info`` / ``obs_encoder_info``.

A record says what a kind is called, where it runs, what it can do (capability flags), what it
is configured with (a settings dataclass whose fields carry bounds and defaults, see
:mod:`rigcast.config.fields`) and where its implementation lives. The loader, the writer, validation,
``describe()``, the hints of ``rigcast windows``/``devices`` and every "is this a stream /
record / captured / audio kind" question derive from it, so no other module compares kind
names. The factory is a ``module:attribute`` path per platform, imported only when the engine
needs it: reading a config never imports PyAV or a platform's capture code.
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Flag, StrEnum, auto
from typing import Any, ClassVar, Generic, Self, TypeVar

S = TypeVar("S")


class Role(StrEnum):
    SOURCE = "source"
    OUTPUT = "output"
    ENCODER = "encoder"
    FILTER = "filter"
    TRANSITION = "transition"


class Cap(Flag):
    NONE = 0
    VIDEO = auto()  # makes pictures
    AUDIO = auto()  # sound only (a device): mixed into its tracks in every scene, never placed as an item
    SOUND = auto()  # has sound of its own to mix (volume, mute, filters, tracks): AUDIO kinds and media
    CAPTURED = auto()  # a worker process writes its frames into a frame ring
    DRAWN = auto()  # drawn in the video process (image, colour, text, chat)
    TEXT = auto()  # takes text.set
    CHAT = auto()  # shows chat messages
    WINDOW = auto()  # follows a window (rigcast windows lists the candidates)
    STREAM = auto()  # a network push: counts as "streaming"
    RECORD = auto()  # a local file: counts as "recording"
    REPLAY = auto()  # keeps the last seconds in memory, written to a file on "save"
    HARDWARE = auto()  # an encoder on a GPU / media engine
    NEEDS_INGEST = auto()  # may start without a URL: the user's API hands one out
    BLENDS = auto()  # a transition that mixes the two scenes over its duration (else: at once)


@dataclass(frozen=True)
class KindStats:
    """A kind's own statistics, as its protocol sees them (SRT's link, WebRTC's receiver
    reports): declared by the kind's record, carried in its output's status, shown everywhere
    through :meth:`summary`, so nothing outside the kind's module reads their fields. On the
    wire each output row has one key per stats class (``WIRE_KEY``), null but on its own kind."""

    WIRE_KEY: ClassVar[str] = ""

    def summary(self) -> str:
        """One line for the status line, the control room and the link."""
        raise NotImplementedError

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Self:
        """Back from the row's JSON (what a control client gets)."""
        return cls(**{fl.name: data.get(fl.name) for fl in dataclasses.fields(cls)})

    def wire(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _path_split(url: str) -> tuple[str, str]:
    """``rtmp://host/app/key?x`` -> (``rtmp://host/app``, ``key?x``); no app segment: no key."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    head, _, key = parts.path.rstrip("/").rpartition("/")
    if not head:
        return url, ""
    return f"{parts.scheme}://{parts.netloc}{head}", key + (f"?{parts.query}" if parts.query else "")


def _path_join(server: str, key: str) -> str:
    return server.rstrip("/") + ("/" + key.lstrip("/") if key else "")


@dataclass(frozen=True)
class ServiceRule:
    """How a stream output's URL reads as OBS's "server" and "stream key" and back
    (obs-websocket's Get/SetStreamServiceSettings, ``stream.service``). The default is the push
    URL's layout, ``server/KEY``; a kind whose key lives elsewhere gives its own."""

    split: Callable[[str], tuple[str, str]] = _path_split
    join: Callable[[str, str], str] = _path_join


@dataclass(frozen=True)
class KindInfo(Generic[S]):
    name: str
    role: Role
    caps: Cap
    settings: type[S]
    describe: Callable[[S], str]
    # sys.platform prefix ("linux", "win32", or "" for every platform) -> "module:attribute".
    factories: dict[str, str] = field(default_factory=dict)
    summary: str = ""
    hint: str = ""  # where to look for a valid value ("see `rigcast windows`")
    order: int = 100  # encoders: the place in auto's order (lower is tried first)
    extra: dict[str, Any] = field(default_factory=dict)  # a role's own facts (an encoder's pix_fmt, codec)
    stats: type[KindStats] | None = None  # an output's statistics of its own (see KindStats)
    # An output: the secret pieces of one of its URLs (a key, a token, a streamid's parts), masked
    # wherever text is shown once remembered (config/secrets.py).
    secret_parts: Callable[[str], list[str]] | None = None
    service: ServiceRule = ServiceRule()  # a stream output: its URL as server and key

    def has(self, cap: Cap) -> bool:
        return bool(self.caps & cap)

    @property
    def platforms(self) -> tuple[str, ...]:
        return tuple(p or "any" for p in self.factories)

    def runs_here(self, platform: str | None = None) -> bool:
        platform = platform or sys.platform
        return any(platform.startswith(p) for p in self.factories)

    def factory_path(self, platform: str | None = None) -> str | None:
        platform = platform or sys.platform
        for prefix, path in self.factories.items():
            if platform.startswith(prefix):
                return path
        return None

    def implementation(self) -> Any:
        """The implementation for this platform (imported now, as declared: a class or a
        function), or RuntimeError naming where it runs."""
        path = self.factory_path()
        if path is None:
            raise RuntimeError(f'{self.role} kind "{self.name}" is not available on {sys.platform}; it runs on '
                               + ", ".join(self.platforms))
        module, _, attr = path.partition(":")
        return getattr(importlib.import_module(module), attr)
