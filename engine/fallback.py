"""The one fallback rule, for encoders and capture methods alike: try in order, keep the reasons.

OBS picks NVENC over x264 and Windows Graphics Capture over BitBlt the same way: the best
candidate that actually opens wins, and the user is told why each better one was skipped.
Free of any platform or PyAV import, so the rule is unit-tested on any machine; the caller
passes a function that opens one candidate or raises :class:`Unavailable` with a one-line reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Unavailable(Exception):
    """This candidate cannot run here (no device, no driver, too old an OS, unsupported setting)."""


class NoneAvailable(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def first_available(candidates: tuple[str, ...], try_open: Callable[[str], T]) -> tuple[str, T, list[str]]:
    """(name, what it opened, "name: reason" for each candidate skipped before it)."""
    reasons: list[str] = []
    for name in candidates:
        try:
            return name, try_open(name), reasons
        except Unavailable as e:
            reasons.append(f"{name}: {e}")
    raise NoneAvailable(reasons)


def describe(what: str, name: str, reasons: list[str]) -> str:
    return f"{what}: {name}" + (f" (tried {'; '.join(reasons)})" if reasons else "")
