"""Choosing an encoder: the order ``auto`` tries, and the fallback reasons it reports.

Kept free of PyAV so the same logic can be unit-tested anywhere (and shared by Windows, where
the hardware encoders actually exist): the caller passes a function that opens one encoder
and raises :class:`EncoderUnavailable` with a one-line reason when it cannot. The rule itself
is :mod:`rigcast.engine.fallback`'s, shared with the capture methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from rigcast.config.kinds import Role, kinds
from rigcast.engine.errors import RigcastError
from rigcast.engine.fallback import NoneAvailable, Unavailable, describe, first_available

T = TypeVar("T")

# Hardware first, in the order OBS offers them; the software encoder always works (the records' order).
AUTO_ORDER: tuple[str, ...] = ()  # set below: what auto tries for H.264


def auto_order(codec: str) -> tuple[str, ...]:
    """What ``auto`` tries for ``codec``, in the records' order."""
    return tuple(k.name for k in kinds(Role.ENCODER) if k.extra.get("codec") == codec and k.runs_here())


AUTO_ORDER = auto_order("h264")


class EncoderUnavailable(Unavailable):
    """This encoder cannot run here (no device, no driver, unsupported setting)."""


def choose_encoder(requested: str, try_open: Callable[[str], T], codec: str = "h264") -> tuple[str, T, list[str]]:
    """Return (name, opened encoder, reasons the ones before it were skipped)."""
    order = auto_order(codec)
    try:
        return first_available(order if requested == "auto" else (requested,), try_open)
    except NoneAvailable as e:
        if requested == "auto":
            raise RigcastError(f"no {_CODEC_NAMES.get(codec, codec)} encoder could be opened ("
                               + "; ".join(e.reasons) + ")") from None
        raise RigcastError(f"encoder {requested} is not usable here ({e.reasons[-1].split(': ', 1)[1]}); "
                           f"use --encoder auto to fall back to {order[-1]}") from None


_CODEC_NAMES = {"h264": "H.264", "hevc": "HEVC", "av1": "AV1"}


def describe_choice(name: str, reasons: list[str]) -> str:
    return describe("encoder", name, reasons)
