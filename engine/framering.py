"""A ring of frame slots in ``multiprocessing.shared_memory``: how pixels cross processes.

Why this shape:
- The X server writes a capture straight into a slot (MIT-SHM attached to this segment's fd),
  and the encoder wraps that slot as a PyAV frame without a copy; no frame is ever pickled.
- One writer (a capture worker), one reader (the video process), no locks. The writer never
  writes into the slot it last published nor the one the reader says it is reading; with four
  slots it always has a free one. The reader re-checks the slot's sequence number after use,
  so the one race left (the writer lapping the reader by three frames during one conversion)
  is detected and the frame treated as not new, never shown torn.
- A small int64 header carries per-slot geometry and sequence numbers and the source's state,
  so the encoder can count repeated/skipped frames and report the source's state (the index of
a :class:`~engine.vocab.SourceState`).
Aligned 8-byte stores are atomic on every platform we run on, which is all the ordering the
protocol needs (seq is written last by the writer and read first by the reader). The header is
a plain ``memoryview`` of int64, so processes that never touch pixels (the supervisor, a
capture worker whose pixels the X server writes) don't pay for importing numpy.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from multiprocessing import shared_memory
from typing import TYPE_CHECKING

from rigcast.engine.vocab.states import SourceState

if TYPE_CHECKING:
    import numpy as np

__all__ = ["FrameRef", "FrameRing", "SourceState"]

MAGIC = 0x52494743  # "RIGC"
HEADER_BYTES = 4096
BYTES_PER_PIXEL = 4  # BGRA / BGRX, what X11 ZPixmap depth 24/32 and DXGI hand us.

# Header layout (int64 indices).
_MAGIC, _NSLOTS, _SLOT_BYTES, _MAX_W, _MAX_H, _LATEST, _READING, _STATE, _WRITTEN = range(9)
_CAPTURE_NS, _CAPTURES = 9, 10
_SLOT_BASE, _SLOT_FIELDS = 16, 8
_SEQ, _W, _H, _STRIDE, _PTS = range(5)


@dataclass(frozen=True)
class FrameRef:
    slot: int
    seq: int
    width: int
    height: int
    stride: int
    pts_ns: int


def _attach(name: str) -> shared_memory.SharedMemory:
    # Workers are spawned by the supervisor and share its resource tracker, which unlinks the
    # segment if the supervisor dies; attaching again only re-adds the same name to its set.
    return shared_memory.SharedMemory(name=name)


class FrameRing:
    def __init__(self, shm: shared_memory.SharedMemory, owner: bool) -> None:
        self.shm = shm
        self.owner = owner
        assert shm.buf is not None
        self.hdr = shm.buf[:HEADER_BYTES].cast("q")
        if not owner and int(self.hdr[_MAGIC]) != MAGIC:
            raise ValueError(f"shared memory {shm.name} is not a rigcast frame ring")
        self.nslots = int(self.hdr[_NSLOTS])
        self.slot_bytes = int(self.hdr[_SLOT_BYTES])
        self.max_width = int(self.hdr[_MAX_W])
        self.max_height = int(self.hdr[_MAX_H])

    @classmethod
    def create(cls, max_width: int, max_height: int, nslots: int = 3) -> FrameRing:
        """Three slots is triple buffering: besides the latest and the one being read, the
        writer always has one free."""
        slot_bytes = max_width * max_height * BYTES_PER_PIXEL
        shm = shared_memory.SharedMemory(create=True, size=HEADER_BYTES + nslots * slot_bytes)
        assert shm.buf is not None
        hdr = shm.buf[:HEADER_BYTES].cast("q")
        for i in range(len(hdr)):
            hdr[i] = 0
        hdr[_NSLOTS], hdr[_SLOT_BYTES], hdr[_MAX_W], hdr[_MAX_H] = nslots, slot_bytes, max_width, max_height
        hdr[_LATEST] = hdr[_READING] = -1
        hdr[_MAGIC] = MAGIC
        hdr.release()
        return cls(shm, owner=True)

    @classmethod
    def attach(cls, name: str) -> FrameRing:
        return cls(_attach(name), owner=False)

    @property
    def name(self) -> str:
        return self.shm.name

    def open_fd(self) -> int:
        """A new fd of the segment, for MIT-SHM's AttachFd (the X server maps it)."""
        return os.open("/dev/shm/" + self.shm.name.lstrip("/"), os.O_RDWR)

    def slot_offset(self, slot: int) -> int:
        return HEADER_BYTES + slot * self.slot_bytes

    def slot_pixels(self, slot: int, width: int, height: int, stride: int | None = None) -> np.ndarray:
        """A (height, width, 4) uint8 view of a slot; no copy."""
        import numpy as np

        stride = stride or width * BYTES_PER_PIXEL
        return np.ndarray(
            (height, width, BYTES_PER_PIXEL),
            dtype=np.uint8,
            buffer=self.shm.buf,
            offset=self.slot_offset(slot),
            strides=(stride, BYTES_PER_PIXEL, 1),
        )

    def _field(self, slot: int, f: int) -> int:
        return _SLOT_BASE + slot * _SLOT_FIELDS + f

    # -- writer side ---------------------------------------------------------------------------
    def begin_write(self) -> int:
        latest, reading = int(self.hdr[_LATEST]), int(self.hdr[_READING])
        start = latest + 1 if latest >= 0 else 0
        for k in range(self.nslots):
            slot = (start + k) % self.nslots
            if slot != latest and slot != reading:
                self.hdr[self._field(slot, _SEQ)] = -1  # being written
                return slot
        raise RuntimeError("frame ring has no free slot")  # impossible with nslots >= 3

    def commit(self, slot: int, width: int, height: int, stride: int, pts_ns: int) -> int:
        seq = int(self.hdr[_WRITTEN]) + 1
        base = _SLOT_BASE + slot * _SLOT_FIELDS
        self.hdr[base + _W], self.hdr[base + _H], self.hdr[base + _STRIDE] = width, height, stride
        self.hdr[base + _PTS] = pts_ns
        self.hdr[base + _SEQ] = seq
        self.hdr[_WRITTEN] = seq
        self.hdr[_LATEST] = slot
        return seq

    def write_array(self, pixels: np.ndarray, pts_ns: int) -> None:
        """Copy a BGRA frame another library handed over (mss, dxcam, WGC, GDI) into a slot and
        publish it: the one copy those paths cost. Cropped to the ring's largest frame."""
        h, w = min(pixels.shape[0], self.max_height), min(pixels.shape[1], self.max_width)
        slot = self.begin_write()
        self.slot_pixels(slot, w, h)[:] = pixels[:h, :w]
        self.commit(slot, w, h, w * 4, pts_ns)

    def abort(self, slot: int) -> None:
        """Give a slot back after a failed capture (its old content is gone: seq stays invalid)."""
        self.hdr[self._field(slot, _SEQ)] = 0

    def set_state(self, state: SourceState) -> None:
        self.hdr[_STATE] = state.code

    def add_capture_time(self, ns: int) -> None:
        self.hdr[_CAPTURE_NS] += ns
        self.hdr[_CAPTURES] += 1

    # -- reader side ---------------------------------------------------------------------------
    @property
    def state(self) -> SourceState:
        return SourceState.from_code(int(self.hdr[_STATE]))  # type: ignore[return-value]

    @property
    def written(self) -> int:
        return int(self.hdr[_WRITTEN])

    def capture_stats(self) -> tuple[int, int]:
        return int(self.hdr[_CAPTURE_NS]), int(self.hdr[_CAPTURES])

    def acquire_latest(self) -> FrameRef | None:
        """Claim the newest complete frame for reading; None before the first frame."""
        for _ in range(3):
            slot = int(self.hdr[_LATEST])
            if slot < 0:
                return None
            self.hdr[_READING] = slot
            if int(self.hdr[_LATEST]) != slot:
                continue  # the writer moved on while we claimed: claim the newer one
            base = _SLOT_BASE + slot * _SLOT_FIELDS
            seq = int(self.hdr[base + _SEQ])
            if seq <= 0:
                continue
            return FrameRef(
                slot,
                seq,
                int(self.hdr[base + _W]),
                int(self.hdr[base + _H]),
                int(self.hdr[base + _STRIDE]),
                int(self.hdr[base + _PTS]),
            )
        return None

    def still_valid(self, ref: FrameRef) -> bool:
        return int(self.hdr[self._field(ref.slot, _SEQ)]) == ref.seq

    def release(self) -> None:
        self.hdr[_READING] = -1

    def close(self) -> None:
        # Views into the buffer must be gone before close(); drop ours first.
        self.hdr.release()
        try:
            self.shm.close()
        except BufferError:
            pass  # a straggling numpy view; the mapping goes with the process
        if self.owner:
            try:
                self.shm.unlink()
            except FileNotFoundError:
                pass
