"""rigcast's engine: capture, encode and output, runnable with no UI at all."""

from __future__ import annotations

__version__ = "0.1.0"
