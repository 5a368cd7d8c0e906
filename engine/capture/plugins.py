"""Imports every source module of this platform so each registers its kinds.

Modules are imported by platform so Linux never imports a Windows-only package and vice versa.
"""

from __future__ import annotations

import sys

import engine.capture.chat
import engine.capture.media
import engine.capture.still  # noqa: F401  (image, color, text, media: every platform)

if sys.platform.startswith("linux"):
    import engine.capture.display
    import engine.capture.x11  # noqa: F401
elif sys.platform == "win32":
    import engine.capture.win_display
    import engine.capture.win_window  # noqa: F401
