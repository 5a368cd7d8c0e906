"""One application's sound on Linux: its PulseAudio/PipeWire playback stream, recorded alone.

PulseAudio (and pipewire-pulse, which speaks the same protocol) can record a single playback
stream: a record stream with a *monitor stream* set (``pa_stream_set_monitor_stream``) hears
that sink input only, before it is mixed with anything else. soundcard has no call for it, so
the well-kept clients of the sound server's own utilities do the work: ``pactl -f json list
sink-inputs`` names the streams playing and the applications behind them, and ``parec
--monitor-stream=N`` records one as raw float samples on a pipe. The sound server still plays
the application to the speakers as before; nothing is moved or rerouted.

The application is matched by its binary (``application.process.binary``) or its client name
(``application.name``), as engine/audio/apps.py says. When its stream ends (the game quits, restarts, or opens a new stream) ``parec`` ends with
it, and the application is looked for again every second, with silence in the meantime.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import time

import numpy as np

from rigcast.config.model import SourceConfig
from rigcast.engine.audio.apps import AppRecorder, PlayingApp, pick
from rigcast.engine.errors import RigcastError
from rigcast.engine.vocab import SourceState

log = logging.getLogger("rigcast.audio")

LOOK_EVERY_S = 1.0
# No samples for this long (the application paused, or its stream still starting): silence for
# the time that passed, so the ring keeps pace with real time, and the stop flag is looked at.
QUIET_S = 0.2
INSTALL = "install pulseaudio-utils (it has pactl and parec)"


def playing_apps() -> list[PlayingApp]:
    """The playback streams now, in the server's order; RigcastError in one line when the
    sound server or its utilities can't be reached."""
    try:
        r = subprocess.run(["pactl", "-f", "json", "list", "sink-inputs"], capture_output=True, text=True, timeout=10)
    except FileNotFoundError:
        raise RigcastError(f"pactl is missing; {INSTALL}") from None
    except subprocess.TimeoutExpired:
        raise RigcastError("the sound server did not answer pactl within 10 s") from None
    if r.returncode != 0:
        why = (r.stderr.strip().splitlines() or ["no answer"])[-1]
        raise RigcastError(f"cannot list playing applications ({why}); is PulseAudio/PipeWire running for this user?")
    try:
        rows = json.loads(r.stdout or "[]")
    except json.JSONDecodeError:
        raise RigcastError("pactl gave no JSON; PulseAudio 16 or pipewire-pulse 0.3.50 or later is needed") from None
    apps = []
    for row in rows:
        props = row.get("properties") or {}
        pid = str(props.get("application.process.id") or "")
        apps.append(PlayingApp(int(row["index"]), str(props.get("application.name", "")),
                               str(props.get("application.process.binary", "")), int(pid) if pid.isdigit() else None))
    return apps


def list_apps() -> list[tuple[str, bool]]:
    """What ``app = "..."`` can name, for `rigcast devices`: the applications playing now."""
    seen: dict[str, None] = {}
    for a in playing_apps():
        seen.setdefault(a.label())
    return [(label, False) for label in seen]


class AppStream(AppRecorder):
    """One application's PulseAudio stream, found again whenever it ends; silence while the
    application plays nothing."""

    def __init__(self, cfg: SourceConfig) -> None:
        super().__init__(cfg.settings.app)
        self.proc: subprocess.Popen[bytes] | None = None

    def record(self, numframes: int) -> np.ndarray:
        """The next ``numframes`` (n, 2) float32 frames: the application's, or silence at the
        pace of real time while it isn't playing."""
        want = numframes * 8
        while True:
            if self.proc is None and time.monotonic() >= self._next_look:
                self._look()
            if self.proc is None:
                return self._pacer.silence(numframes)
            out = self.proc.stdout
            assert out is not None
            ready, _, _ = select.select([out], [], [], QUIET_S)
            if not ready:
                return self._pacer.silence(numframes)
            data = os.read(out.fileno(), want)
            while data and len(data) < want:
                more = os.read(out.fileno(), want - len(data))
                if not more:
                    break
                data += more
            if len(data) == want:
                self._pacer.reset()
                return np.frombuffer(data, dtype=np.float32).reshape(numframes, 2)
            log.info("%s stopped playing; looking for it again every %g s", self.name, LOOK_EVERY_S)
            self._end()
            self.state = SourceState.NOT_FOUND

    def _look(self) -> None:
        self._next_look = time.monotonic() + LOOK_EVERY_S
        try:
            app = pick(playing_apps(), self.want)
        except RigcastError as e:
            if "missing" in str(e):
                raise
            if not self._said_missing:
                log.warning("%s: %s", self.name, e)
                self._said_missing = True
            return
        if app is None:
            if not self._said_missing:
                log.info("%s is not playing; looking for it every %g s", self.name, LOOK_EVERY_S)
                self._said_missing = True
            return
        try:
            self.proc = subprocess.Popen(
                ["parec", f"--monitor-stream={app.index}", "--raw", "--format=float32le", f"--rate={self.rate}",
                 "--channels=2", "--latency-msec=10"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except FileNotFoundError:
            raise RigcastError(f"parec is missing; {INSTALL}") from None
        self._said_missing = False
        self.state = SourceState.LIVE
        log.info("%s: recording %s (stream #%d%s)", self.name, app.label(), app.index,
                 f", pid {app.pid}" if app.pid else "")

    def _end(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if self.proc.stdout is not None:
                self.proc.stdout.close()
            self.proc = None


def find_app(cfg: SourceConfig) -> AppStream:
    """The kind's factory (config/kinds/app_audio.py): checked for its tools at once."""
    return AppStream(cfg)
