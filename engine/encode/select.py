"""Choosing an encoder: the order ``auto`` tries, and the fallback reasons it reports.

Kept free of PyAV so the same logic can be unit-tested anywhere (and shared by Windows, where
the hardware encoders actually exist): the caller passes a function that opens one encoder
and raises :class:`EncoderUnavailable` with a one-line reason when it cannot. The rule itself
is :mod:`engine.fallback`'s, shared with the capture methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from config.kinds import Role, names
from engine.errors import RigcastError
from engine.fallback import NoneAvailable, Unavailable, describe, first_available

T = TypeVar("T")

# Hardware first, in the order OBS offers them; x264 always works (the records' order).
AUTO_ORDER: tuple[str, ...] = names(Role.ENCODER)


class EncoderUnavailable(Unavailable):
    """This encoder cannot run here (no device, no driver, unsupported setting)."""


def choose_encoder(requested: str, try_open: Callable[[str], T]) -> tuple[str, T, list[str]]:
    """Return (name, opened encoder, reasons the ones before it were skipped)."""
    try:
        return first_available(AUTO_ORDER if requested == "auto" else (requested,), try_open)
    except NoneAvailable as e:
        if requested == "auto":
            raise RigcastError("no H.264 encoder could be opened (" + "; ".join(e.reasons) + ")") from None
        raise RigcastError(f"encoder {requested} is not usable here ({e.reasons[-1].split(': ', 1)[1]}); "
                           f"use --encoder auto to fall back to libx264") from None


def describe_choice(name: str, reasons: list[str]) -> str:
    return describe("encoder", name, reasons)
