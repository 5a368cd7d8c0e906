"""The capture worker process: one per source, pacing itself on the canvas clock.

It grabs half a frame *before* each canvas tick, so the encoder, which reads at the tick,
always finds a fresh frame: phase-locked through the shared monotonic clock rather than by
signalling each other, which would cost a round trip per frame.
"""

from __future__ import annotations

import logging
from multiprocessing.synchronize import Event
from typing import Any

from rigcast.config.model import SourceConfig
from rigcast.engine.capture.base import ControlledSource, SoundSource, source_kind
from rigcast.engine.clock import now_ns, sleep_until_ns, tick_at, tick_ns
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing, SourceState
from rigcast.engine.logsetup import setup_logging
from rigcast.engine.proc import ParentWatch
from rigcast.engine.winconsole import ignore_keys

log = logging.getLogger("rigcast.capture")


def run_capture_worker(cfg: SourceConfig, ring_name: str, fps: int, t0_ns: int, stop: Event,
                       parent_pid: int, log_level: int, events: Any = None, sound_ring: str | None = None,
                       controls: Any = None) -> None:
    """``sound_ring``: where a source with sound of its own (a media file) writes it, on the
    same clock as its pictures (engine/audio/ring.py); ``controls``: the queue a source that
    takes actions (engine/capture/base.py ControlledSource) reads them from."""
    ignore_keys()  # Ctrl+C / Ctrl+Break reach the whole group: the supervisor decides when we stop
    setup_logging(log_level, f"capture:{cfg.name}", events)
    parent = ParentWatch(parent_pid)
    ring = FrameRing.attach(ring_name)
    if ring.state == SourceState.LOST:  # started again after the last worker died: say so on screen
        from rigcast.engine.capture.placeholder import publish_placeholder

        publish_placeholder(ring, ring.max_width, ring.max_height, now_ns())
    try:
        source = source_kind(cfg).open(cfg, ring)
    except RigcastError as e:
        log.error("%s", e)
        ring.set_state(SourceState.ERROR)
        ring.close()
        return
    except Exception as e:  # a kind's bug (a plugin's): this source shows error, and no restart loop
        log.error("%s: could not start (%s: %s); it shows error, the rest goes on", cfg.name, type(e).__name__, e)
        ring.set_state(SourceState.ERROR)
        ring.close()
        return
    sound = None
    if sound_ring is not None and isinstance(source, SoundSource):
        from rigcast.engine.audio.ring import AudioRing

        sound = AudioRing.attach(sound_ring)
        source.play_sound(sound)
    controlled = source if controls is not None and isinstance(source, ControlledSource) else None
    if controlled is not None and events is not None:
        events.put(controlled.status(now_ns()))
    half = 500_000_000 // fps
    failed = ""
    n = tick_at(t0_ns, now_ns(), fps) + 1
    try:
        while not stop.is_set():
            sleep_until_ns(tick_ns(t0_ns, n, fps) - half)
            if controlled is not None:
                _take_controls(controlled, controls, events)
            t = now_ns()
            try:
                source.grab(ring, t)
            except Exception as e:  # a source must never take the stream down
                why = f"{type(e).__name__}: {e}" if not isinstance(e, RigcastError) else str(e)
                if why != failed:  # one line per new failure, not one a second
                    log.error("%s: capture failed: %s; trying again every second", cfg.name, why)
                    failed = why
                ring.set_state(SourceState.ERROR)
                stop.wait(1.0)
            else:
                if failed:
                    log.info("%s: capturing again", cfg.name)
                    failed = ""
                    if ring.state == SourceState.ERROR:
                        ring.set_state(SourceState.LIVE)
            ring.add_capture_time(now_ns() - t)
            n = max(n + 1, tick_at(t0_ns, now_ns() + half, fps) + 1)
            if parent.gone():
                log.warning("supervisor is gone; stopping capture")
                break
    finally:
        source.close()
        ring.close()
        if sound is not None:
            sound.close()


def _take_controls(source: ControlledSource, controls: Any, events: Any) -> None:
    """The actions sent since the last tick, each answered with the playback it leaves."""
    import queue

    while True:
        try:
            cmd = controls.get_nowait()
        except (queue.Empty, EOFError, OSError):
            return
        try:
            status = source.control(cmd, now_ns())
        except Exception as e:  # a seek into a broken file: that action's failure, logged; playback goes on
            log.error("media action %s failed: %s", cmd.action, e)
            status = source.status(now_ns())
        if events is not None:
            events.put(status)
