"""What a command handler may see and change of the running engine, and nothing more.

Handlers are given this, not the whole :class:`~rigcast.engine.runtime.Engine`: reading the
config and what the video process last reported, asking the video process for a change, and
a few named ways of changing what the engine itself owns (which outputs run, the config as
edited live, the chat history). That keeps each piece of state with one owner: a handler
can't reach into the workers, the link's socket or the event pump, and mypy says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from typing import Any, Protocol

from rigcast.config.kinds import Cap
from rigcast.config.model import OutputConfig, RigcastConfig, SourceConfig
from rigcast.engine.control.chat import RateLimit
from rigcast.engine.vocab import RenderedState, VideoCommand
from rigcast.engine.vocab.reports import ChatMessage, MediaStatus
from rigcast.engine.vocab.results import Status
from rigcast.engine.vocab.video import MediaControl


class Ingest(Protocol):
    """The user's API, as far as commands use it: where a stream output should publish."""

    async def request(self, what: str, args: dict[str, Any]) -> dict[str, Any]: ...


class Host(Protocol):
    @property
    def cfg(self) -> RigcastConfig:
        """The config as loaded and changed live (read; change it through the methods below)."""
        ...

    @property
    def rendered(self) -> RenderedState:
        """What the video process renders and mixes, as it last reported."""
        ...

    @property
    def active(self) -> AbstractSet[str]:
        """The outputs the engine was asked to run."""
        ...

    @property
    def ingest(self) -> Ingest | None:
        """The user's API, when a [link] is configured."""
        ...

    @property
    def chat_rate(self) -> RateLimit: ...

    @property
    def has_chat_overlay(self) -> bool: ...

    async def video_command(self, cmd: VideoCommand) -> bytes | None:
        """Ask the video process to carry ``cmd`` out; BusError when it can't."""
        ...

    def publish_state(self) -> None: ...

    def switched_by_hand(self) -> None:
        """A client switched a scene ([[switch]] rules hold off for [switcher] hold_s)."""
        ...

    def status(self) -> Status: ...

    def request_stop(self, why: str) -> None: ...

    # -- sources ---------------------------------------------------------------------------
    def source_settings(self, src: SourceConfig) -> dict[str, Any]: ...

    def replace_source(self, new: SourceConfig) -> None:
        """A source's settings changed live: the engine's config holds the new ones."""
        ...

    @property
    def media(self) -> Mapping[str, MediaStatus]:
        """Each media source's playback as its worker last reported it."""
        ...

    async def media_control(self, source: str, cmd: MediaControl) -> MediaStatus | None:
        """An action for a media source's worker, and the playback it leaves (None: no worker
        takes actions for it, or it did not answer within a few seconds)."""
        ...

    def switch_config(self, new: RigcastConfig) -> None:
        """Stop, then start again on ``new`` in this process (engine/daemon.py)."""

    def reconfigure(self, src: SourceConfig) -> bool:
        """The worker capturing ``src`` restarted with its new settings; False if none does."""
        ...

    def screenshot_taken(self) -> None: ...

    def post_chat(self, msg: ChatMessage) -> None:
        """Kept in the history and heard by every client."""
        ...

    # -- outputs ---------------------------------------------------------------------------
    def output(self, name: str) -> OutputConfig: ...

    def replace_output(self, new: OutputConfig) -> None: ...

    def names(self, cap: Cap) -> list[str]: ...

    def live(self, cap: Cap) -> bool: ...

    def needs_ingest(self, name: str) -> bool: ...

    def changed_settings(self, name: str) -> dict[str, Any]: ...

    def set_running(self, names: list[str], on: bool) -> None:
        """The video process started or stopped these outputs: the engine notes which run."""
        ...

