"""The replay buffer: the last N seconds of encoded packets in memory, written to a file on save.

Why packets and not frames: they are what the encoder already made (no second encode, no
decoding), tens of megabytes for 30 s at 6000 kbps. They are kept as the session's time line
has them (from a keyframe, rebased, engine/output/base.py), bounded two ways: by time, from the
newest keyframe at least ``seconds`` before the newest packet, so a saved file is N s plus at
most one keyframe interval; and by bytes, dropping whole GOPs from the front.

A save is asked between two ticks and carried out by this output's thread once the packets of
that instant have come out of the encoder (its lookahead holds a few frames), at most
``SAVE_WAIT_S`` later. The file is written by a thread of its own from a snapshot of the list,
so neither the canvas clock nor the buffer's own intake ever waits for the disk.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import av

from rigcast.config.kinds.replay import folder
from rigcast.engine.output.base import QueuedOutput
from rigcast.engine.output.packets import VIDEO, EncodedPacket, Timeline
from rigcast.engine.vocab import OutputState
from rigcast.engine.vocab.reports import OutputStatus

log = logging.getLogger("rigcast.output.replay")

SAVE_WAIT_S = 1.0  # how long a save waits for the encoder's lookahead to come out
Saved = Callable[[str | None, str | None], None]  # (the file's path, or the error)


class ReplayOutput(QueuedOutput):
    def __init__(self, cfg: Any, templates: Any, upstream: Any = None) -> None:
        super().__init__(cfg, templates, upstream)
        s = cfg.settings
        self.seconds = float(s.seconds)
        self.max_bytes = int(s.max_mb) * 1024 * 1024
        self.folder = folder(s)
        self.kept: deque[EncodedPacket] = deque()
        self.kept_bytes = 0
        self.keys: deque[float] = deque()  # the times of the keyframes held, oldest first
        self._lock = threading.Lock()
        self._save: tuple[float, float, Saved] | None = None  # (encoder time asked at, asked when, reply)
        # The newest video packet kept, on the session's time line (QueuedOutput's _last_video_s is
        # on the encoder's: sharing its name once made audio packets trim the buffer too far).
        self._newest_video_s = 0.0
        self.saved: str | None = None  # the last file written

    # -- asked from the video process (between two ticks) ---------------------------------------
    def save(self, at_s: float, reply: Saved) -> None:
        """Write the buffer as it stands at ``at_s`` (the encoder's time line); ``reply`` gets the
        file's path once it is written, or the error."""
        with self._lock:
            if self._save is not None:
                reply(None, "a replay is being saved already; try again in a moment")
                return
            self._save = (at_s, time.monotonic(), reply)

    def status(self) -> OutputStatus:
        st = super().status()
        with self._lock:
            st.note = f"holding {self._span():.1f} s, {self.kept_bytes / 1048576:.1f} MB"
        st.saved = self.saved
        return st

    # -- this thread ------------------------------------------------------------------------
    def run(self) -> None:
        self.new_session()
        self.state = OutputState.RECORDING
        log.info("%s: keeping the last %g s", self.name, self.seconds)
        for kind, p in self.ready_packets(self._maybe_save):
            ep = EncodedPacket.from_av(kind, p)  # a copy: the ring outlives the packet
            with self._lock:
                self.kept.append(ep)
                self.kept_bytes += len(ep.data)
                if kind == VIDEO:
                    self._newest_video_s = ep.dts_s
                    if ep.keyframe:
                        self.keys.append(ep.dts_s)
                self._trim()
            self._maybe_save()
        self._maybe_save(final=True)
        self.state = OutputState.STOPPED

    def _span(self) -> float:
        return self.kept[-1].dts_s - self.kept[0].dts_s if len(self.kept) > 1 else 0.0

    def _trim(self) -> None:
        """Whole GOPs off the front while the next keyframe is at least ``seconds`` old, or the
        bytes are over the bound (the newest GOP always stays)."""
        newest = self._newest_video_s  # audio runs ahead of video by the encoder's lookahead
        if self._save is not None and self.timeline.base_s is not None:
            # A save waiting for the lookahead keeps the seconds before the instant it asked for.
            newest = min(newest, self._save[0] - self.timeline.base_s)
        while len(self.keys) >= 2 and (newest - self.keys[1] >= self.seconds or self.kept_bytes > self.max_bytes):
            self.keys.popleft()
            while not (self.kept[0].kind == VIDEO and self.kept[0].keyframe and self.kept[0].dts_s >= self.keys[0]):
                self.kept_bytes -= len(self.kept.popleft().data)

    def _maybe_save(self, final: bool = False) -> None:
        with self._lock:
            if self._save is None:
                return
            at_s, asked, reply = self._save
            base = self.timeline.base_s
            ready = (base is not None and self._newest_video_s >= at_s - base) \
                or time.monotonic() - asked >= SAVE_WAIT_S or final
            if not ready:
                return
            self._save = None
            snapshot = list(self.kept)
        threading.Thread(target=self._write, args=(snapshot, at_s, reply), name=f"replay-save:{self.name}",
                         daemon=True).start()

    def _write(self, packets: list[EncodedPacket], at_s: float, reply: Saved) -> None:
        """The snapshot, up to the instant asked, into a Matroska file from its first keyframe."""
        end = at_s - (self.timeline.base_s or 0.0)
        first = next((i for i, p in enumerate(packets) if p.kind == VIDEO and p.keyframe), None)
        if first is None:
            reply(None, "the replay buffer holds no keyframe yet; try again in a few seconds")
            return
        packets = [p for p in packets[first:] if p.dts_s <= end + 1e-6]
        base = packets[0].dts_s
        stem = datetime.datetime.now().strftime("Replay %Y-%m-%d %H-%M-%S")
        path = self.folder / f"{stem}.mkv"
        n = 1
        while path.exists():  # two saves in one second: neither overwrites the other
            n += 1
            path = self.folder / f"{stem} ({n}).mkv"
        try:
            with av.open(str(path), "w", format="matroska") as out:
                streams = self.open_streams(out)
                timeline = Timeline()
                timeline.start(base)
                for ep in packets:
                    pkt = timeline.packet(ep)
                    if pkt is None:
                        continue  # audio from just before the first keyframe
                    pkt.stream = streams[ep.kind]
                    out.mux(pkt)
        except (OSError, av.FFmpegError) as e:
            log.error("%s: saving the replay to %s failed: %s", self.name, path, e)
            reply(None, f"saving the replay failed: {e}")
            return
        self.saved = str(path)
        log.info("%s: saved %.1f s to %s", self.name, packets[-1].dts_s - base, path)
        reply(str(path), None)
