"""Local recording from the same encode as the stream.

Chosen so a recording survives ``kill -9`` and power loss up to its last second: packets are
flushed to the OS as they are muxed, Matroska clusters are closed every second, and MP4 is
fragmented (``empty_moov``: no index to write at the end). Nothing here touches the network.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import av

from engine.output.base import QueuedOutput
from engine.vocab import OutputState

log = logging.getLogger("rigcast.output.record")

FORMATS: dict[str, tuple[str, dict[str, str]]] = {
    ".mkv": ("matroska", {"cluster_time_limit": "1000", "cluster_size_limit": "2097152"}),
    ".mp4": ("mp4", {"movflags": "frag_keyframe+empty_moov+default_base_moof", "frag_duration": "1000000"}),
    ".flv": ("flv", {}),
    ".ts": ("mpegts", {}),
}


class RecordOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, keyframe_wanted: Any = None) -> None:
        super().__init__(cfg, templates, keyframe_wanted)
        assert cfg.settings.path is not None
        self.path = str(Path(cfg.settings.path).expanduser())

    def run(self) -> None:
        fmt, opts = FORMATS[Path(self.path).suffix.lower()]
        container = None
        try:
            container = av.open(self.path, "w", format=fmt, options={**opts, "flush_packets": "1"})
            streams = self.open_streams(container)
            self.new_session()
            self.state = OutputState.RECORDING
            log.info("%s: recording to %s", self.name, self.path)
            self.mux_from_queue(container, streams, lambda: None)
        except (OSError, av.FFmpegError) as e:
            self.error = f"recording failed: {e}"
            self.state = OutputState.ERROR
            self.accepting = False
            log.error("%s: %s (the stream goes on)", self.name, self.error)
        finally:
            if container is not None:
                try:
                    container.close()
                except Exception as e:
                    log.error("%s: could not finalise %s: %s", self.name, self.path, e)
        if self.state != OutputState.ERROR:
            self.state = OutputState.STOPPED
