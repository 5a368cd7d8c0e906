"""What the supervisor hands the video process: plain data, cheap to import and to pickle.

Kept apart from :mod:`engine.pipeline` so the supervisor never imports PyAV or numpy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from config.model import AudioConfig, OutputConfig, Size, VideoConfig


@dataclass
class PipelineSpec:
    video: VideoConfig
    audio: AudioConfig
    canvas: Size
    outputs: list[OutputConfig]
    ring_name: str
    source_name: str
    t0_ns: int
    parent_pid: int
    log_level: int = logging.INFO
