"""A ring of audio samples in shared memory: one capture worker writes, the mixer reads.

Samples are float32 stereo at the track's rate. The header carries how many frames were ever
written and the *anchor*: the monotonic time at which sample 0 would have been captured,
estimated by the writer from when blocks arrive. ``anchor + k / rate`` is then when sample
``k`` was heard — the same clock the video frames are stamped with — and as the device's clock
drifts against the monotonic one, the anchor follows it. Aligned int64 header stores are atomic.
"""

from __future__ import annotations

from multiprocessing import shared_memory
from typing import TYPE_CHECKING, Any

from rigcast.engine.vocab.states import SourceState

if TYPE_CHECKING:
    import numpy as np

CHANNELS = 2
_HEADER = 64  # bytes
_CAPACITY, _WRITTEN, _ANCHOR, _STATE, _RATE = range(5)



class AudioRing:
    def __init__(self, shm: shared_memory.SharedMemory, owner: bool) -> None:
        import numpy as np

        self.shm, self.owner = shm, owner
        self.hdr: Any = np.ndarray((8,), dtype=np.int64, buffer=shm.buf)
        cap = int(self.hdr[_CAPACITY])
        self.data: Any = np.ndarray((cap, CHANNELS), dtype=np.float32, buffer=shm.buf, offset=_HEADER)

    @staticmethod
    def allocate(rate: int, seconds: float = 4.0) -> shared_memory.SharedMemory:
        """The segment, header set, for the engine to own (and unlink) — without numpy, which
        the engine process never loads."""
        cap = int(rate * seconds)
        shm = shared_memory.SharedMemory(create=True, size=_HEADER + cap * CHANNELS * 4)
        buf: Any = shm.buf
        hdr = buf[:_HEADER].cast("q")
        for i in range(len(hdr)):
            hdr[i] = 0
        hdr[_CAPACITY], hdr[_RATE] = cap, rate
        hdr.release()
        return shm

    @classmethod
    def attach(cls, name: str) -> AudioRing:
        return cls(shared_memory.SharedMemory(name=name), owner=False)

    @property
    def name(self) -> str:
        return self.shm.name

    @property
    def capacity(self) -> int:
        return int(self.hdr[_CAPACITY])

    @property
    def rate(self) -> int:
        return int(self.hdr[_RATE])

    @property
    def written(self) -> int:
        return int(self.hdr[_WRITTEN])

    @property
    def anchor_ns(self) -> int:
        return int(self.hdr[_ANCHOR])

    @property
    def state(self) -> SourceState:
        return SourceState.from_code(int(self.hdr[_STATE]))  # type: ignore[return-value]

    def set_state(self, state: SourceState) -> None:
        self.hdr[_STATE] = state.code

    # -- writer ----------------------------------------------------------------------------
    def write(self, block: np.ndarray, anchor_ns: int) -> None:
        n, cap, w = len(block), self.capacity, self.written
        i = w % cap
        first = min(n, cap - i)
        self.data[i:i + first] = block[:first]
        if first < n:
            self.data[: n - first] = block[first:]
        self.hdr[_ANCHOR] = anchor_ns
        self.hdr[_WRITTEN] = w + n  # last: the reader never sees frames not yet written

    def set_anchor(self, anchor_ns: int) -> None:
        """The writer's clock moved without new samples (a paused file resumed): said at once."""
        self.hdr[_ANCHOR] = anchor_ns

    # -- reader ----------------------------------------------------------------------------
    def read(self, k: int, n: int, out: np.ndarray) -> int:
        """Frames ``[k, k + n)`` into ``out`` (n, 2); what was never written or is already
        overwritten is silence. Returns how many frames were real."""
        out[:] = 0
        w, cap = self.written, self.capacity
        lo, hi = max(k, w - cap + 4800), min(k + n, w)  # keep 0.1 s clear of the writer
        if lo >= hi:
            return 0
        i, count = lo % cap, hi - lo
        first = min(count, cap - i)
        out[lo - k: lo - k + first] = self.data[i:i + first]
        if first < count:
            out[lo - k + first: hi - k] = self.data[: count - first]
        return count

    def close(self) -> None:
        self.hdr = None
        self.data = None
        self.shm.close()
        if self.owner:
            try:
                self.shm.unlink()
            except FileNotFoundError:
                pass
