"""The reconnect schedule every network output takes (engine/output/backoff.py runs it)."""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f


@dataclass
class Reconnecting:
    reconnect_initial_s: float = f.number(1.0, 0.1, 60, key="reconnect_initial")
    reconnect_factor: float = f.number(1.5, 1.0, 10)
    reconnect_max_s: float = f.number(10.0, 0.5, 600, key="reconnect_max")
