"""An output's queue of packets waiting to go out, measured in seconds of media.

Why seconds and not packets: what a viewer feels is delay, and 600 packets is 8 s at 30 fps but
4 s at 60. A network output gets a limit (``max_delay``): when what it holds spans more than
that, video is dropped from the oldest up to the next keyframe still queued (or, with none
queued, every video packet until the encoder's next natural keyframe), and audio stays unless it
alone spans more than the limit. With
``bframes = 0`` every frame is a reference, so nothing smaller than the rest of a GOP can go;
and forcing an IDR on a congested link would add load and hit every output sharing the encode,
so it doesn't. Every dropped video frame is counted. A recording has no limit (it never drops
for delay); only the packet cap, against a disk that stops taking data, remains.
"""

from __future__ import annotations

import queue
import threading
from collections import deque

from rigcast.engine.output.packets import VIDEO, EncodedPacket

MAX_PACKETS = 600  # any queue: what a stalled consumer may hold before packets are refused


class SendQueue:
    def __init__(self, limit_s: float | None = None, max_packets: int = MAX_PACKETS) -> None:
        self.limit_s = limit_s
        self.max_packets = max_packets
        self._items: deque[EncodedPacket] = deque()
        self._ready = threading.Condition()
        self.skipping = False  # video is being dropped until the next keyframe arrives
        self.dropped_video = 0  # video frames dropped for delay (not counting refusals)
        self.video_in = 0  # video frames offered, for the dropped share
        self.dropped_audio = 0

    def put_nowait(self, pkt: EncodedPacket) -> None:
        with self._ready:
            if len(self._items) >= self.max_packets:
                raise queue.Full
            if pkt.kind == VIDEO:
                self.video_in += 1
                if self.skipping:
                    if not pkt.keyframe:
                        self.dropped_video += 1
                        return
                    self.skipping = False
            self._items.append(pkt)
            if self.limit_s is not None and self._span() > self.limit_s:
                self._shed()
            self._ready.notify()

    def get(self, timeout: float) -> EncodedPacket:
        with self._ready:
            if not self._items and not self._ready.wait_for(lambda: bool(self._items), timeout):
                raise queue.Empty
            return self._items.popleft()

    def get_nowait(self) -> EncodedPacket:
        with self._ready:
            if not self._items:
                raise queue.Empty
            return self._items.popleft()

    def clear(self) -> None:
        with self._ready:
            self._items.clear()

    def delay_s(self) -> float:
        """How much media is waiting: the newest packet's time minus the oldest's."""
        with self._ready:
            return self._span()

    def _span(self) -> float:
        if len(self._items) < 2:
            return 0.0
        return max(0.0, self._items[-1].dts_s - self._items[0].dts_s)

    def _shed(self) -> None:
        """Audio older than the limit goes (alone it would be the delay); then, while the video
        held spans more than the limit, video from the oldest up to the next keyframe after it,
        or all of it until the encoder's next keyframe when none is held. Measured on video
        alone, so audio kept for the viewer never costs a fresh keyframe its place."""
        limit = self.limit_s or 0.0
        newest = self._items[-1].dts_s
        kept: deque[EncodedPacket] = deque()
        for p in self._items:
            if p.kind != VIDEO and p.dts_s < newest - limit:
                self.dropped_audio += 1
            else:
                kept.append(p)
        while True:
            video = [i for i, p in enumerate(kept) if p.kind == VIDEO]
            if not video or kept[video[-1]].dts_s - kept[video[0]].dts_s <= limit:
                break
            cut = next((i for i in video[1:] if kept[i].keyframe), None)
            gone = set(video if cut is None else [i for i in video if i < cut])
            self.dropped_video += len(gone)
            kept = deque(p for i, p in enumerate(kept) if i not in gone)
            if cut is None:
                self.skipping = True
                break
        self._items = kept
