"""An audio source's filters as one FFmpeg filter graph, run block by block in the mixer.

Why this shape: the mixer takes exactly ``n`` samples of each source per block, on the video's
clock; a filter graph may hold some back (afftdn works on FFT windows, alimiter looks ahead).
The chain keeps what the graph hands out in a FIFO and always gives back ``n`` samples, with
silence in front only while the graph fills. What that costs in time — the graph's own delay
plus the FIFO's — is measured once, when the chain is built, by sending an impulse through an
identical chain (``latency``): the mixer reads the source that much earlier, so the filtered
sound still lines up with the picture.
"""

from __future__ import annotations

from typing import Any

import av
import numpy as np
from av.filter import Graph

from rigcast.config.filterlist import Filter

PROBE_S = 0.5  # the impulse's test run: longer than any delay the filters here have


class FilterChain:
    def __init__(self, filters: tuple[Filter, ...], rate: int, block: int = 1024, measure: bool = True) -> None:
        self.rate = rate
        self.specs = [spec for a in filters if a.settings.enabled for spec in a.ffmpeg()]
        self.graph: Any = None
        self.fifo = np.zeros((2, 0), dtype=np.float32)
        self.pts = 0
        if self.specs:
            self.graph = self._build()
        self.latency = _measure(filters, rate, block) if measure and self.specs else 0

    def _build(self) -> Any:
        g = Graph()
        g.threads = 1  # blocks of 1024 samples: slice threads cost more in handoffs than they save (bench/filters.py)
        last = g.add_abuffer(format="fltp", sample_rate=self.rate, layout="stereo")
        for name, args in [*self.specs, ("aformat", "sample_fmts=fltp:channel_layouts=stereo")]:
            node = g.add(name, args)
            last.link_to(node)
            last = node
        last.link_to(g.add("abuffersink"))
        g.configure()
        return g

    def process(self, block: np.ndarray) -> np.ndarray:
        """``block``: (n, 2) float32, in place of which the filtered (n, 2) comes back."""
        if self.graph is None:
            return block
        n = block.shape[0]
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(block.T), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = self.rate, self.pts
        self.pts += n
        self.graph.push(frame)
        got = [self.fifo]
        while True:
            try:
                got.append(self.graph.pull().to_ndarray())
            except (av.BlockingIOError, av.EOFError):
                break
        fifo = np.concatenate(got, axis=1) if len(got) > 1 else self.fifo
        if fifo.shape[1] < n:  # still filling: silence in front
            fifo = np.concatenate([np.zeros((2, n - fifo.shape[1]), dtype=np.float32), fifo], axis=1)
        out, self.fifo = fifo[:, :n], fifo[:, n:]
        block[:] = out.T
        return block


def _measure(filters: tuple[Filter, ...], rate: int, block: int) -> int:
    """Samples from an impulse in to its peak out, through a chain like the one in use."""
    probe = FilterChain(filters, rate, block, measure=False)
    total = int(rate * PROBE_S) // block * block
    x = np.zeros((total, 2), dtype=np.float32)
    at = block * 2
    x[at] = 0.5
    y = np.concatenate([probe.process(x[i:i + block].copy()) for i in range(0, total, block)])
    return max(0, int(np.argmax(np.abs(y[:, 0]))) - at)
