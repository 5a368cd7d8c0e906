"""The worker event pump: what the video and capture processes report, handed to the engine.

The workers share one multiprocessing queue; a thread reads it (a queue read blocks) and
hands each message to the engine's asyncio loop, where :func:`on_message` routes it: meters,
stats and logs out to the bus's listeners, acks to the command waiting for them, the video
process's readiness and its fatal or final word to the engine's lifetime.
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import TYPE_CHECKING, Any

from rigcast.engine.status import status_line
from rigcast.engine.vocab.reports import (
    Ack,
    Fatal,
    Final,
    LogLine,
    MediaStatus,
    Meter,
    Ready,
    Report,
    VideoStats,
)

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine


class EventPump:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.done = threading.Event()
        self._last_shape: Any = None
        self._thread = threading.Thread(target=self._read, name="events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.done.set()

    def _read(self) -> None:
        while not self.done.is_set():
            try:
                msg = self.engine.workers.events.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError):
                return
            self.engine.deliver(msg)

    def on_message(self, msg: Report) -> None:
        e = self.engine
        if isinstance(msg, (Ack, Ready)):
            e.rendered = msg.rendered  # the video process's own state, as it is now
        if isinstance(msg, Meter):
            e.bus.publish(msg)
            if e.switcher is not None:
                e.switcher.heard(msg)
        elif isinstance(msg, VideoStats):
            e.stats = msg
            e.outcomes.note(msg.outputs)
            if e.out is not None:
                print(status_line(msg), file=e.out, flush=True)
            e.bus.publish(msg)
            shape = msg.shape()
            if shape != self._last_shape:
                self._last_shape = shape
                e.publish_state()
        elif isinstance(msg, LogLine):
            e.logs.append(msg)
            e.bus.publish(msg)
        elif isinstance(msg, Ack):
            e.acked(msg)
        elif isinstance(msg, MediaStatus):
            e.media_reported(msg)
        elif isinstance(msg, Ready):
            e.encoder_note = msg.encoder
            doing = ("live" if e.control else "streaming (Ctrl-C stops)") if e.active else "idle"
            e.say(f"{msg.encoder}; {doing}")
            e.ready.set()
        elif isinstance(msg, Fatal):
            print(f"rigcast: {msg.error}", file=sys.stderr, flush=True)
            e.rc = 1
            e.stop.set()
        elif isinstance(msg, Final):
            st = e.stats = msg.stats
            e.outcomes.note(st.outputs)
            if e.out is not None:
                print(status_line(st), file=e.out, flush=True)
            e.say(f"stopped after {st.frames} frames "
                  f"(repeated {st.repeated}, skipped {st.skipped}, lagged {st.lagged})")
            e.final.set()
