"""``kind = "media"``: a video file looped at its own frame rate, decoded in a worker, its sound
mixed like any audio source's (volume, mute, filters, tracks) while the file is on air."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.audio import SoundSettings
from rigcast.config.kinds.base import Cap, KindInfo, Role


@dataclass
class MediaSettings(SoundSettings):
    path: str = f.custom("", (str,), "the path of a video file", f.existing_file("video file"), required=True)


def describe(s: MediaSettings) -> str:
    return f"video {s.path} (looped)"


KINDS = (KindInfo("media", Role.SOURCE, Cap.VIDEO | Cap.SOUND | Cap.CAPTURED, MediaSettings, describe,
                  {"": "rigcast.engine.capture.media:MediaKind"}, order=7, summary="a looped video file",
                  extra={"plays_file": True}),)
