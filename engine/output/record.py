"""Local recording from the same encode as the stream.

Chosen so a recording survives ``kill -9`` and power loss, with the loss bounded and measured
(tests/test_recording.py): packets are flushed to the OS as they are muxed; the muxer's own
buffer is a quarter second (Matroska clusters and MP4 fragments are closed every 250 ms; MP4
is fragmented with ``empty_moov``, so there is no index to write at the end); and the file is
fsynced once a second, so a power cut loses at most about that much more than a ``kill -9``
(which loses the encoder's lookahead and the open cluster). bench/recording.py measures what
the fsyncs cost. Nothing here touches the network.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import av

from rigcast.engine.output.base import QueuedOutput
from rigcast.engine.vocab import OutputState

log = logging.getLogger("rigcast.output.record")

CLUSTER_MS = 250
SYNC_EVERY_S = 1.0

FORMATS: dict[str, tuple[str, dict[str, str]]] = {
    ".mkv": ("matroska", {"cluster_time_limit": str(CLUSTER_MS), "cluster_size_limit": "2097152"}),
    ".mp4": ("mp4", {"movflags": "frag_keyframe+empty_moov+default_base_moof",
                     "frag_duration": str(CLUSTER_MS * 1000)}),
    ".flv": ("flv", {}),
    ".ts": ("mpegts", {}),
}


class RecordOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, upstream: Any = None) -> None:
        super().__init__(cfg, templates, upstream)
        assert cfg.settings.path is not None
        self.path = str(Path(cfg.settings.path).expanduser())
        self._sync_fd: int | None = None
        self._synced_at = time.monotonic()
        self.syncs = 0
        self.sync_ns = 0

    def _sync_if_due(self) -> None:
        if time.monotonic() - self._synced_at >= SYNC_EVERY_S:
            self._sync()

    def _sync(self) -> None:
        """Everything muxed so far onto the disk (this thread only: the clock never waits)."""
        t = time.perf_counter_ns()
        try:
            if self._sync_fd is None:
                # fsync works on the file, whichever descriptor asks (FFmpeg's own is out of
                # reach); the file exists once the muxer has written its header.
                self._sync_fd = os.open(self.path, os.O_WRONLY)
            os.fsync(self._sync_fd)
        except OSError as e:  # a full or failing disk: said once a second at most, recording goes on
            log.warning("%s: fsync of %s failed: %s", self.name, self.path, e)
        self.sync_ns += time.perf_counter_ns() - t
        self.syncs += 1
        self._synced_at = time.monotonic()

    def run(self) -> None:
        fmt, opts = FORMATS[Path(self.path).suffix.lower()]
        container = None
        try:
            container = av.open(self.path, "w", format=fmt, options={**opts, "flush_packets": "1"})
            streams = self.open_streams(container)
            self.new_session()
            self.state = OutputState.RECORDING
            log.info("%s: recording to %s", self.name, self.path)
            self.mux_from_queue(container, streams, self._sync_if_due)
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
            if self.state == OutputState.RECORDING:
                self._sync()
            if self._sync_fd is not None:
                os.close(self._sync_fd)
                self._sync_fd = None
        if self.state != OutputState.ERROR:
            self.state = OutputState.STOPPED
