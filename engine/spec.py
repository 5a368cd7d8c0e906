"""What the supervisor hands the video process: plain data, cheap to import and to pickle.

Kept apart from :mod:`rigcast.engine.pipeline` so the supervisor never imports PyAV or numpy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from rigcast.config.model import (
    AudioConfig,
    CanvasConfig,
    OutputConfig,
    SceneConfig,
    Size,
    SourceConfig,
    TransitionConfig,
    VideoConfig,
)


@dataclass
class PipelineSpec:
    video: VideoConfig
    audio: AudioConfig
    canvas: Size
    outputs: list[OutputConfig]
    rings: dict[str, str]  # captured source name → its frame ring's shared-memory name
    sources: list[SourceConfig]  # every source some scene shows
    audio_rings: dict[str, str]  # the name of a source with sound → its sample ring's shared-memory name
    audio_sources: list[SourceConfig]  # every source with sound the mixer takes (devices, media shown)
    scenes: list[SceneConfig]
    transition: TransitionConfig
    program: str
    t0_ns: int
    parent_pid: int
    log_level: int = logging.INFO
    start_outputs: list[str] = field(default_factory=list)  # outputs running from the start
    canvases: list[CanvasConfig] = field(default_factory=list)  # [[canvases]]: beside the main one
