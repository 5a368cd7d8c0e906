"""``kind = "image"``: a PNG or JPEG, drawn by the compositor (alpha kept)."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role


@dataclass
class ImageSettings:
    path: str = f.custom("", (str,), "the path of an image file (PNG or JPEG)", f.existing_file("image file"),
                         required=True)


def describe(s: ImageSettings) -> str:
    return f"image {s.path}"


KINDS = (KindInfo("image", Role.SOURCE, Cap.VIDEO | Cap.DRAWN, ImageSettings, describe,
                  {"": "rigcast.engine.capture.still:ImageKind"}, order=3, summary="a picture"),)
