"""``kind = "record"``: a local recording from the same encode (.mkv, fragmented .mp4, .flv, .ts)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.kinds.own_video import OwnVideo
from rigcast.config.kinds.tracks import WritesTracks

RECORD_SUFFIXES: tuple[str, ...] = (".mkv", ".mp4", ".flv", ".ts")


def check_record_path(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in RECORD_SUFFIXES:
        raise ValueError(f'cannot record to "{path}": use a file ending in {", ".join(RECORD_SUFFIXES)}')
    parent = Path(path).expanduser().resolve().parent
    if not parent.is_dir():
        raise ValueError(f'cannot record to "{path}": folder {parent} does not exist')
    return path


@dataclass
class RecordSettings(WritesTracks, OwnVideo):
    path: str = f.custom("", (str,), "a file path ending in .mkv or .mp4", lambda v, _c: check_record_path(v), required=True)
    split_mb: int | None = f.number(None, 1, 10_000_000, integer=True)  # a new file every so many MB (1 MB = 10^6 B)
    split_minutes: float | None = f.number(None, 0.05, 100_000)  # or every so many minutes


def describe(s: RecordSettings) -> str:
    return str(Path(s.path).expanduser())


KINDS = (KindInfo("record", Role.OUTPUT, Cap.RECORD, RecordSettings, describe,
                  {"": "rigcast.engine.output.record:RecordOutput"}, order=2, summary="a local recording",
                  extra={"codecs": ("h264", "hevc", "av1")}),)
