"""How a scene switch goes to air: ``[transition] kind = "cut"`` or ``"fade"``.

The record says what the compositor starts (its factory: a function from the two scenes, the
start and the duration to the transition in progress, or None for at once), whether the kind
blends over a duration (``Cap.BLENDS``: the duration is settable, obs-websocket's
``transitionFixed`` is false) and what OBS calls it (``extra["obs"]``: its name and kind), so
the compositor and obs-websocket name no transition.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role


@dataclass(frozen=True)
class Instant:
    """A transition with nothing to set."""


@dataclass(frozen=True)
class Timed:
    duration_ms: int = f.number(300, 0, 10_000, integer=True)


KINDS = (
    KindInfo("cut", Role.TRANSITION, Cap.NONE, Instant, lambda _s: "cut",
             {"": "rigcast.engine.compose.transitions:cut"}, order=1, summary="the new scene at once",
             extra={"obs": ("Cut", "cut_transition")}),
    KindInfo("fade", Role.TRANSITION, Cap.BLENDS, Timed, lambda s: f"fade over {s.duration_ms} ms",
             {"": "rigcast.engine.compose.transitions:fade"}, order=2, summary="the new scene fades in",
             extra={"obs": ("Fade", "fade_transition")}),
)
