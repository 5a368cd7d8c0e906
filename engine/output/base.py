"""The output protocol and what every output shares: a queue, keyframe gating, rebased time.

Outputs run as threads inside the video process and are fed the same encoded packets; a slow
or dead network output only ever fills *its own* queue, never stalls the encoder or the
recording. What a network output's queue may hold is measured in seconds of media, and past
that it drops video up to the next keyframe (engine/output/sendqueue.py), counting it like OBS's
"dropped frames".
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import av

from rigcast.config.kinds import Cap
from rigcast.config.kinds.tracks import output_tracks
from rigcast.config.model import OutputConfig
from rigcast.engine.output.packets import VIDEO, EncodedPacket, StreamTemplates, Timeline, aac
from rigcast.engine.output.sendqueue import SendQueue
from rigcast.engine.output.upstream import Upstream
from rigcast.engine.vocab import OutputState
from rigcast.engine.vocab.reports import OutputStatus

log = logging.getLogger("rigcast.output")


@dataclass(frozen=True)
class EncodeFacts:
    """What an output is told of the encode it is fed: its configured video and audio bitrates
    and whether the encoder takes a new bitrate while open (adaptive bitrate needs that)."""

    video_kbps: int = 0
    audio_kbps: int = 0
    live_bitrate: bool = False


class Output(Protocol):
    """What the video process needs of an output, whatever its kind (its record's factory makes
    one): every packet offered, started and stopped off the canvas clock, a status to report."""

    name: str
    cfg: OutputConfig
    takes: frozenset[int]  # the packet kinds it is fed: VIDEO and its tracks' (packets.py)
    encode: EncodeFacts  # the shared encode as made (set before start)
    upstream: Upstream  # what it asks of that encode: a keyframe, a bitrate, a profile
    # Packets stamped before this instant (the encoder's time line, seconds) are from before
    # the output started (still in the encoder's lookahead): not sent.
    not_before_s: float

    def start(self) -> None: ...

    def put(self, packet: EncodedPacket) -> None: ...

    def pause(self, on: bool) -> None: ...

    def add_chapter(self, title: str, position_s: float) -> str | None: ...

    def request_split(self) -> str | None: ...

    def stop(self) -> None: ...

    def status(self) -> OutputStatus: ...


class QueuedOutput(threading.Thread):
    """Base for outputs that mux packets into a container from their own thread."""

    # An audio track's packet kind as this output takes it (WHIP takes Opus instead of AAC).
    audio_kind: Callable[[int], int] = staticmethod(aac)

    def __init__(self, cfg: OutputConfig, templates: StreamTemplates, upstream: Upstream | None = None) -> None:
        super().__init__(name=f"output:{cfg.name}", daemon=True)
        # A keyframe *now* (a fresh connection: the encoder makes the next frame an IDR instead
        # of the output waiting up to a whole keyframe interval), a bitrate, a profile.
        self.upstream = upstream or Upstream()
        self.cfg = cfg
        self.name = cfg.name
        self.templates = templates
        # The audio tracks it carries (config/kinds/tracks.py), in its streams' order, and so
        # the packet kinds it is fed.
        self.tracks = output_tracks(cfg.settings)
        self.takes = frozenset({VIDEO} | {self.audio_kind(t) for t in self.tracks})
        self.q = SendQueue()  # a network output gives it a limit in seconds (network.py)
        self.stopping = threading.Event()
        self.accepting = True
        self.need_keyframe = True
        # Packets stamped before this instant (seconds on the encoder's time line) belong to
        # before this output was started: the encoder's lookahead still held them.
        self.not_before_s = 0.0
        self.timeline = Timeline()  # this session's: packets rebased to its time 0 (packets.py)
        self.cut_wanted = False  # a recording's split: the next keyframe starts a new file (on_cut)
        self.dropped = 0
        self.bytes_out = 0
        self.state = OutputState.STARTING
        self.error: str | None = None
        self.connected_at: float | None = None
        self.reconnects = 0
        self.retry_at: float | None = None
        self._last_bytes = 0
        self._last_t = time.monotonic()
        self._kbps = 0.0
        # A recording paused: nothing is written; on resume the time line goes on from where
        # it stopped (the gap taken out of the timestamps), from a keyframe asked for then.
        self.paused = False
        self._resuming = False
        self._end_s = 0.0  # the end of the last video packet written, on the encoder's time line
        self._last_video_s = 0.0
        # The shared encode as the pipeline made it (set before start).
        self.encode = EncodeFacts()
        self.note: str | None = None  # what it last changed to go out, and why (status shows it)

    # -- producer side (the encode thread) -----------------------------------------------------
    def put(self, packet: EncodedPacket) -> None:
        if not self.accepting or packet.kind not in self.takes:
            return
        try:
            self.q.put_nowait(packet)
        except queue.Full:
            self.dropped += 1
            self.need_keyframe = True

    def pause(self, on: bool) -> None:
        """Hold (or go on with) writing; any thread. Resuming asks the encoder for a keyframe
        (``_resuming`` is set before ``paused`` clears, so no frame slips in ahead of it)."""
        if on == self.paused:
            return
        if not on:
            self._resuming = True
            self.upstream.want_keyframe()
        self.paused = on

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=15)

    def target(self) -> str:
        """Where this output goes, safe to show (stream keys masked): its record's describe."""
        return self.cfg.describe()

    def status(self) -> OutputStatus:
        now = time.monotonic()
        if now - self._last_t >= 0.5:
            self._kbps = (self.bytes_out - self._last_bytes) * 8 / 1000 / (now - self._last_t)
            self._last_bytes, self._last_t = self.bytes_out, now
        return OutputStatus(
            name=self.name,
            kind=self.cfg.kind,
            stream=self.cfg.has(Cap.STREAM),
            replay=self.cfg.has(Cap.REPLAY),
            target=self.target(),
            state=OutputState.PAUSED if self.paused and self.state == OutputState.RECORDING else self.state,
            kbps=round(self._kbps, 1),
            bytes=self.bytes_out,
            dropped=self.dropped + self.q.dropped_video,
            dropped_pct=round(100 * (self.dropped + self.q.dropped_video) / max(1, self.q.video_in), 2),
            reconnects=self.reconnects,
            retry_in_s=round(max(0.0, self.retry_at - now), 1) if self.retry_at else None,
            uptime_s=round(now - self.connected_at, 1) if self.connected_at else 0.0,
            error=self.error,
            note=self.note,
        )

    # -- consumer side (this thread) -----------------------------------------------------------
    def add_chapter(self, title: str, position_s: float) -> str | None:
        """A chapter mark at the encoder's ``position_s``: its title, or None where this kind of
        output holds none (the recording kind overrides it)."""
        return None

    def request_split(self) -> str | None:
        """Go on in a new file from the next keyframe: its path, or None where this kind of
        output writes no file (the recording kind overrides it)."""
        return None

    def discard_queued(self) -> None:
        self.q.clear()

    def new_session(self) -> None:
        """Each container starts at a keyframe with time 0."""
        self.need_keyframe = True
        self.timeline.start(None)
        self.upstream.want_keyframe()

    def open_streams(self, container: Any) -> dict[int, Any]:
        """The container's streams by packet kind: video, then one audio stream per track it
        carries (named "Track N" where there are several, as OBS names them)."""
        streams = {VIDEO: container.add_stream_from_template(self.templates.video)}
        for t in self.tracks:
            s = streams[aac(t)] = container.add_stream_from_template(self.templates.audio[t])
            if len(self.tracks) > 1:
                s.metadata["title"] = f"Track {t}"
        return streams

    def mux_from_queue(self, container: Any, streams: dict[int, Any], idle: Callable[[], None]) -> None:
        """Mux queued packets until stopping (after draining the queue) or an error raises.

        ``idle`` runs between packets (the RTMP output reads the server's messages there)."""
        for kind, p in self.ready_packets(idle):
            p.stream = streams[kind]
            container.mux(p)

    def ready_packets(self, idle: Callable[[], None]) -> Iterator[tuple[int, av.Packet]]:
        """Queued packets as this session sends them, until stopping (after draining the queue):
        from a keyframe, rebased to the session's time 0, paused spans left out.

        ``idle`` runs between packets. One rule for every output, whether it muxes the packets
        (files, RTMP, SRT) or hands them to a WebRTC sender (WHIP)."""
        while True:
            try:
                pkt = self.q.get(timeout=0.1)
            except queue.Empty:
                if self.stopping.is_set():
                    return
                idle()
                continue
            if self.paused:
                continue
            if self._resuming:
                if pkt.kind != VIDEO or not pkt.keyframe:
                    continue
                self._resuming = False
                if self.timeline.base_s is not None:  # the pause taken out: this keyframe follows the last frame
                    self.timeline.shift(max(0.0, pkt.dts_s - self._end_s))
            if self.need_keyframe:
                if pkt.kind != VIDEO or not pkt.keyframe or pkt.dts_s < self.not_before_s:
                    continue
                self.need_keyframe = False
                if self.timeline.base_s is None:
                    self.timeline.start(pkt.dts_s)
            if self.cut_wanted and pkt.kind == VIDEO and pkt.keyframe and self.timeline.base_s is not None:
                # A new file from this keyframe on, at its own time 0: every frame in one file once.
                self.cut_wanted = False
                self.timeline.start(pkt.dts_s)
                self.on_cut()
            p = self.timeline.packet(pkt, self.payload(pkt))
            if p is None:
                continue  # audio from just before the first keyframe (or the resuming one)
            yield pkt.kind, p
            if pkt.kind == VIDEO:
                # The frame's end: its duration when the encoder gives one, else the last step.
                step = float(pkt.duration * pkt.time_base) if pkt.duration else pkt.dts_s - self._last_video_s
                self._last_video_s = pkt.dts_s
                self._end_s = pkt.dts_s + max(0.0, step)
            self.bytes_out += len(pkt.data)
            idle()

    def on_cut(self) -> None:
        """Called right before the keyframe a split starts with (a recording opens its next file)."""

    def payload(self, pkt: EncodedPacket) -> bytes:
        """The bytes sent for a packet: as encoded (a kind may add to them, as WHIP adds the
        parameter sets to keyframes)."""
        return pkt.data


def output_kind(cfg: OutputConfig) -> type[QueuedOutput]:
    """The output's implementation, from its kind's record (config/kinds/)."""
    cls: type[QueuedOutput] = cfg.info.implementation()
    return cls


def create_output(cfg: OutputConfig, templates: StreamTemplates, upstream: Upstream) -> Output:
    return output_kind(cfg)(cfg, templates, upstream)


def idle_status(cfg: OutputConfig) -> OutputStatus:
    """The status of a configured output that is not running (not live, not recording)."""
    return OutputStatus(name=cfg.name, kind=cfg.kind, target=cfg.describe(), state=OutputState.OFF,
                        stream=cfg.has(Cap.STREAM), replay=cfg.has(Cap.REPLAY))
