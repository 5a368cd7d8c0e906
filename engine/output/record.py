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
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from rigcast.engine.output.base import QueuedOutput
from rigcast.engine.vocab import OutputState, OutputStatus

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


CHAPTER_FORMATS = ("matroska",)  # MP4 here is fragmented (empty moov: no index to hold them); FLV/TS have none


@dataclass(frozen=True)
class ChapterMark:
    title: str
    at_s: float  # on the file's own time line
    mono: float  # when it was set (the last chapter ends when the file does)


def chapter_table(marks: list[ChapterMark], end_s: float) -> list[Any]:
    """PyAV's chapters (Container.set_chapters) in milliseconds: each ends where the next
    starts, the last where the file ends."""
    ms = Fraction(1, 1000)
    rows = []
    for i, m in enumerate(marks):
        start = round(m.at_s * 1000)
        end = round((marks[i + 1].at_s if i + 1 < len(marks) else end_s) * 1000)
        rows.append({"id": i + 1, "start": start, "end": max(start, end), "time_base": ms, "metadata": {"title": m.title}})
    return rows


class RecordOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, upstream: Any = None) -> None:
        super().__init__(cfg, templates, upstream)
        assert cfg.settings.path is not None
        self.path = str(Path(cfg.settings.path).expanduser())
        self._sync_fd: int | None = None
        self._synced_at = time.monotonic()
        self.syncs = 0
        self.sync_ns = 0
        self.chapters: list[ChapterMark] = []  # appended by the video process, written at the file's end
        self.part = 1  # which file of a split recording is being written
        self.saved: str | None = None  # the last file finished by a split
        self.container: Any = None
        self.streams: dict[int, Any] = {}
        self._file_started, self._file_bytes = time.monotonic(), 0

    def add_chapter(self, title: str, position_s: float) -> str | None:
        if FORMATS[Path(self.path).suffix.lower()][0] not in CHAPTER_FORMATS:
            return None
        base = self.timeline.base_s
        at = max(0.0, position_s - base) if base is not None else 0.0
        mark = ChapterMark(title or f"Chapter {len(self.chapters) + 1}", round(at, 3), time.monotonic())
        self.chapters.append(mark)
        log.info("%s: chapter \"%s\" at %.2f s", self.name, mark.title, mark.at_s)
        return mark.title

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

    def target(self) -> str:
        return self.path  # the file being written now (a split moves it on)

    def status(self) -> OutputStatus:
        st = super().status()
        st.saved = self.saved
        return st

    # -- files -----------------------------------------------------------------------------------
    def part_path(self, n: int) -> str:
        """The ``n``-th file of a split recording: the configured name, then name-2, name-3..."""
        p = Path(self.cfg.settings.path).expanduser()
        return str(p if n == 1 else p.with_name(f"{p.stem}-{n}{p.suffix}"))

    def request_split(self) -> str:
        """End this file at the next keyframe (asked of the encoder now) and go on in the next;
        the next file's path."""
        if not self.cut_wanted:
            self.cut_wanted = True
            self.upstream.want_keyframe()
        return self.part_path(self.part + 1)

    def _open(self) -> None:
        fmt, opts = FORMATS[Path(self.path).suffix.lower()]
        self.container = av.open(self.path, "w", format=fmt, options={**opts, "flush_packets": "1"})
        self.streams = self.open_streams(self.container)
        self._file_started, self._file_bytes = time.monotonic(), 0

    def _close(self) -> None:
        """This file finished: its chapters, its trailer, its last fsync."""
        container, self.container = self.container, None
        if container is None:
            return
        try:
            marks, self.chapters = list(self.chapters), []
            if marks:  # Matroska takes chapters after its header: written with the trailer
                container.set_chapters(chapter_table(marks, marks[-1].at_s + time.monotonic() - marks[-1].mono))
            container.close()
        except Exception as e:
            log.error("%s: could not finalise %s: %s", self.name, self.path, e)
        if self.state == OutputState.RECORDING:
            self._sync()
        if self._sync_fd is not None:
            os.close(self._sync_fd)
            self._sync_fd = None

    def on_cut(self) -> None:
        self._close()
        self.saved = self.path  # the file just finished (a state event says so: RecordFileChanged)
        self.part += 1
        self.path = self.part_path(self.part)
        self._open()
        log.info("%s: split; recording to %s", self.name, self.path)

    def _idle(self) -> None:
        self._sync_if_due()
        s = self.cfg.settings
        if ((s.split_mb and self._file_bytes >= s.split_mb * 1_000_000)
                or (s.split_minutes and time.monotonic() - self._file_started >= s.split_minutes * 60)):
            self.request_split()

    def run(self) -> None:
        try:
            self._open()
            self.new_session()
            self.state = OutputState.RECORDING
            log.info("%s: recording to %s", self.name, self.path)
            for kind, p in self.ready_packets(self._idle):
                p.stream = self.streams[kind]
                self.container.mux(p)
                self._file_bytes += p.size
        except (OSError, av.FFmpegError) as e:
            self.error = f"recording failed: {e}"
            self.state = OutputState.ERROR
            self.accepting = False
            log.error("%s: %s (the stream goes on)", self.name, self.error)
        finally:
            self._close()
        if self.state != OutputState.ERROR:
            self.state = OutputState.STOPPED
