"""A small UDP relay that loses and delays datagrams, both ways: the bad network SRT is for.

It sits between an SRT caller and a listener on loopback (this kernel has no netem). Each
datagram is dropped with probability ``loss`` (a seeded generator: the same run loses the same
ones) and the rest are sent on ``delay_s`` later, in order. The caller's address is learnt from
its first datagram.
"""

from __future__ import annotations

import heapq
import random
import select
import socket
import threading
import time


class LossyRelay:
    def __init__(self, target_port: int, loss: float = 0.05, delay_s: float = 0.04, seed: int = 7) -> None:
        self.front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.front.bind(("127.0.0.1", 0))
        self.port = self.front.getsockname()[1]
        self.back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.back.connect(("127.0.0.1", target_port))
        self.loss, self.delay_s = loss, delay_s
        self.rng = random.Random(seed)
        self.caller: tuple[str, int] | None = None
        self.passed = self.dropped = 0
        self._due: list[tuple[float, int, socket.socket, bytes]] = []
        self._n = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lossy-relay", daemon=True)

    def start(self) -> LossyRelay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        self.front.close()
        self.back.close()

    def _queue(self, out: socket.socket, data: bytes) -> None:
        if self.rng.random() < self.loss:
            self.dropped += 1
            return
        self._n += 1
        heapq.heappush(self._due, (time.monotonic() + self.delay_s, self._n, out, data))

    def _run(self) -> None:
        while not self._stop.is_set():
            wait = max(0.0, min(0.05, self._due[0][0] - time.monotonic())) if self._due else 0.05
            ready, _, _ = select.select([self.front, self.back], [], [], wait)
            for s in ready:
                try:
                    data, addr = s.recvfrom(65536)
                except OSError:
                    continue
                if s is self.front:
                    self.caller = addr
                    self._queue(self.back, data)
                elif self.caller is not None:
                    self._queue(self.front, data)
            now = time.monotonic()
            while self._due and self._due[0][0] <= now:
                _, _, out, data = heapq.heappop(self._due)
                try:
                    if out is self.front:
                        assert self.caller is not None
                        out.sendto(data, self.caller)
                    else:
                        out.send(data)
                    self.passed += 1
                except OSError:
                    pass
