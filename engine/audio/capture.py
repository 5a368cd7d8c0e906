"""Audio capture workers: one process per audio source, soundcard into an :class:`AudioRing`.

Device kinds are looked up by the config's ``kind`` like video sources: ``desktop_audio`` is
the loopback (PulseAudio monitor / WASAPI loopback: soundcard's ``include_loopback``, the same
call on both) of the default output, or of the output
whose name contains ``device``; ``mic`` the default microphone or the one named; ``app_audio``
one application's stream (engine/audio/app_pulse.py, in soundcard's shape). soundcard hands
over 10 ms blocks; the time each block arrives, minus its length, estimates when its first
sample was heard. Delivery can only be late, never early, so the estimate kept is the earliest
one seen over the last two seconds — which also follows the device's clock drift.
"""

from __future__ import annotations

import collections
import importlib
import logging
import sys
from multiprocessing.synchronize import Event
from typing import Any

from rigcast.config.model import SourceConfig
from rigcast.engine.audio.ring import AudioRing
from rigcast.engine.clock import now_ns
from rigcast.engine.errors import RigcastError
from rigcast.engine.logsetup import setup_logging
from rigcast.engine.proc import ParentWatch
from rigcast.engine.vocab import SourceState
from rigcast.engine.winconsole import ignore_keys

log = logging.getLogger("rigcast.audio")

BLOCK = 480  # 10 ms at 48 kHz
ANCHOR_WINDOW_S = 2.0


def _pick(cfg: SourceConfig, devices: list[Any], default: Any, what: str) -> Any:
    """The device named ``device`` exactly (ignoring case), else the first whose name contains it."""
    want = (cfg.settings.device or "").lower()
    found = (next((d for d in devices if d.name.lower() == want), None)
             or next((d for d in devices if want in d.name.lower()), None)) if want else default
    if found is None:
        raise RigcastError(f'source "{cfg.name}": no {what} matching "{cfg.settings.device}"; '
                           f"{what}s: {', '.join(d.name for d in devices) or 'none'}; {cfg.info.hint}")
    return found


def loopback_id(platform: str, speaker_id: str) -> str:
    """The id of the loopback "microphone" of the output ``speaker_id``. Picked by id: by name,
    soundcard matches substrings and fuzzy patterns, so "Speakers" could record the monitor
    of "Speakers 2". PulseAudio/PipeWire name a sink's monitor source ``<sink>.monitor``;
    WASAPI's loopback is the output's own endpoint id."""
    return speaker_id if platform == "win32" else f"{speaker_id}.monitor"


def find_device(cfg: SourceConfig) -> Any:
    import soundcard as sc

    try:
        if cfg.info.extra.get("loopback"):
            spk = _pick(cfg, sc.all_speakers(), sc.default_speaker(), "output")
            return sc.get_microphone(id=loopback_id(sys.platform, spk.id), include_loopback=True)
        return _pick(cfg, sc.all_microphones(), sc.default_microphone(), "microphone")
    except RigcastError:
        raise
    except Exception as e:  # no sound server, no device: say so in one line
        hint = ("is the Windows Audio service running and an output device enabled?" if sys.platform == "win32"
                else "is PulseAudio/PipeWire running for this user?")
        raise RigcastError(f'source "{cfg.name}": no audio device ({type(e).__name__}: {e}); {hint}') from None


def open_device(cfg: SourceConfig) -> Any:
    """The source's recorder, from its kind's record: a soundcard device, or one of the same shape."""
    try:
        factory = cfg.info.implementation()
    except RuntimeError as e:
        raise RigcastError(f'source "{cfg.name}": {e}') from None
    return factory(cfg)


def list_devices() -> list[tuple[str, str, list[tuple[str, bool]]]]:
    """(source kind, what it captures, [(device name, is the default)]) for `rigcast devices`."""
    import soundcard as sc

    try:
        spk, mics = sc.all_speakers(), sc.all_microphones()
        dspk, dmic = sc.default_speaker(), sc.default_microphone()
    except Exception as e:  # no sound server: the same one line as a source would give
        hint = ("is the Windows Audio service running?" if sys.platform == "win32"
                else "is PulseAudio/PipeWire running for this user?")
        raise RigcastError(f"no audio devices ({type(e).__name__}: {e}); {hint}") from None
    from rigcast.config.kinds import Cap, Role, kinds

    rows = []
    for k in kinds(Role.SOURCE, Cap.AUDIO):
        if "devices" in k.extra:  # a kind that lists its own (the applications playing)
            lister = next((path for prefix, path in k.extra["devices"].items() if sys.platform.startswith(prefix)), None)
            if lister is not None:
                module, _, attr = lister.partition(":")
                rows.append((k.name, k.summary, getattr(importlib.import_module(module), attr)()))
        elif k.extra.get("loopback"):
            rows.append((k.name, "the loopback of an output", [(d.name, d.name == dspk.name) for d in spk]))
        elif k.extra.get("loopback") is False:
            rows.append((k.name, "a microphone", [(d.name, d.name == dmic.name) for d in mics]))
        # else: a kind with no devices to pick (a plugin's tone generator)
    return rows


class AnchorEstimator:
    """The earliest (arrival - duration) over a sliding window: one-sided jitter filtered out."""

    def __init__(self, rate: int, window_s: float = ANCHOR_WINDOW_S) -> None:
        self.rate = rate
        self.window_ns = int(window_s * 1e9)
        self.q: collections.deque[tuple[int, int]] = collections.deque()  # (arrival, candidate), increasing

    def add(self, arrival_ns: int, frames_end: int) -> int:
        cand = arrival_ns - frames_end * 1_000_000_000 // self.rate
        while self.q and self.q[-1][1] >= cand:
            self.q.pop()
        self.q.append((arrival_ns, cand))
        while self.q[0][0] < arrival_ns - self.window_ns:
            self.q.popleft()
        return self.q[0][1]


def run_audio_worker(cfg: SourceConfig, ring_name: str, stop: Event, parent_pid: int, log_level: int,
                     events: Any = None) -> None:
    ignore_keys()  # Ctrl+C / Ctrl+Break reach the whole group: the supervisor decides when we stop
    setup_logging(log_level, f"audio:{cfg.name}", events)
    ring = AudioRing.attach(ring_name)
    parent = ParentWatch(parent_pid)
    try:
        device = open_device(cfg)
        est = AnchorEstimator(ring.rate)
        with device.recorder(samplerate=ring.rate, channels=2, blocksize=BLOCK) as rec:
            checks = 0
            while not stop.is_set():
                block = rec.record(numframes=BLOCK)
                t = now_ns()
                ring.write(block, est.add(t, ring.written + len(block)))
                # live once samples flow, not when the device opened; a recorder that follows
                # an application says itself whether it has found it
                state = getattr(device, "state", SourceState.LIVE)
                if state != ring.state:
                    ring.set_state(state)
                if checks == 0:
                    log.info("%s: capturing %s", cfg.name, device.name)
                checks += 1
                if checks % 100 == 0 and parent.gone():
                    log.warning("engine is gone; stopping audio capture")
                    break
    except RigcastError as e:
        log.error("%s", e)
        ring.set_state(SourceState.ERROR)
    except Exception as e:  # a device that vanished: the stream goes on, silent for this source
        log.error("%s: audio capture failed: %s", cfg.name, e)
        ring.set_state(SourceState.ERROR)
    finally:
        ring.close()
