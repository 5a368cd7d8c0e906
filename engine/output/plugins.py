"""Imports every output module so each registers its kind."""

from __future__ import annotations

import engine.output.record
import engine.output.rtmp  # noqa: F401
