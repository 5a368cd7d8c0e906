"""Choosing an encoder: the order ``auto`` tries, and the fallback reasons it reports.

Kept free of PyAV so the same logic can be unit-tested anywhere (and shared by Windows, where
the hardware encoders actually exist): the caller passes a function that opens one encoder
and raises :class:`EncoderUnavailable` with a one-line reason when it cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from engine.errors import RigcastError

T = TypeVar("T")

# Hardware first, in the order OBS offers them; x264 always works.
AUTO_ORDER: tuple[str, ...] = ("h264_nvenc", "h264_qsv", "h264_amf", "libx264")


class EncoderUnavailable(Exception):
    """This encoder cannot run here (no device, no driver, unsupported setting)."""


def choose_encoder(requested: str, try_open: Callable[[str], T]) -> tuple[str, T, list[str]]:
    """Return (name, opened encoder, reasons the ones before it were skipped)."""
    candidates = AUTO_ORDER if requested == "auto" else (requested,)
    reasons: list[str] = []
    for name in candidates:
        try:
            return name, try_open(name), reasons
        except EncoderUnavailable as e:
            reasons.append(f"{name}: {e}")
    if requested == "auto":
        raise RigcastError("no H.264 encoder could be opened (" + "; ".join(reasons) + ")")
    raise RigcastError(f"encoder {requested} is not usable here ({reasons[-1].split(': ', 1)[1]}); "
                       f"use --encoder auto to fall back to libx264")


def describe_choice(name: str, reasons: list[str]) -> str:
    if not reasons:
        return f"encoder: {name}"
    return f"encoder: {name} (tried {'; '.join(reasons)})"
