"""``kind = "replay"`` (or a ``[replay]`` table): OBS's replay buffer. The last ``seconds`` of
encoded packets, both tracks, kept in memory (at most ``max_mb``), written to a file in
``path`` on "save". Like OBS's, it is an output: running, it keeps the encoder going even with
nothing live. It takes the recording's full quality: never an encode that adapts to a squeezed
uplink (engine/pipeline.py gives it one that doesn't).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.kinds.own_video import OwnVideo
from rigcast.config.kinds.tracks import WritesTracks


def _folder(value: str, _ctx: f.Context) -> str:
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise ValueError(f"folder {folder} does not exist; create it or name another")
    return value


@dataclass
class ReplaySettings(WritesTracks, OwnVideo):
    seconds: float = f.number(30.0, 5, 600)
    max_mb: int = f.number(512, 16, 16_384, integer=True)
    path: str | None = f.custom(None, (str,), "a folder for saved replays", _folder)  # None: ~/Videos, else .


def folder(s: ReplaySettings) -> Path:
    """Where saved replays go: ``path``, else ~/Videos when it exists, else the working folder."""
    if s.path:
        return Path(s.path).expanduser()
    videos = Path.home() / "Videos"
    return videos if videos.is_dir() else Path.cwd()


def describe(s: ReplaySettings) -> str:
    return f"last {s.seconds:g} s (at most {s.max_mb} MB), saved to {folder(s)}"


KINDS = (KindInfo("replay", Role.OUTPUT, Cap.REPLAY, ReplaySettings, describe,
                  {"": "rigcast.engine.output.replay:ReplayOutput"}, order=5, summary="a replay buffer, saved on demand",
                  extra={"codecs": ("h264", "hevc", "av1")}),)
