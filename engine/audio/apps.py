"""What application audio shares on every platform: which application a source means, and the
silence it gives while that application plays nothing.

``app = "..."`` names an application by its binary (``application.process.binary`` on
PulseAudio, the .exe on Windows) or its name (the client name, or a window's title): an exact
match, ignoring case and a trailing ``.exe``, before one that merely contains the text. The
platform modules (engine/audio/app_pulse.py, engine/audio/app_wasapi.py) list candidates as
:class:`PlayingApp` and record the one picked.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from rigcast.engine.vocab.states import SourceState


@dataclass(frozen=True)
class PlayingApp:
    """A candidate: a playback stream (PulseAudio) or a process with a window (Windows)."""

    index: int  # the sink input's index, or the process id
    name: str  # the client's name, or the window's title
    binary: str  # the executable's file name
    pid: int | None

    def label(self) -> str:
        return self.binary if self.name in ("", self.binary) else f"{self.binary} ({self.name})"


def _bare(binary: str) -> str:
    b = binary.lower()
    return b[:-4] if b.endswith(".exe") else b


def pick(apps: list[PlayingApp], want: str) -> PlayingApp | None:
    """The application ``want`` names: by binary or name, exact before contained."""
    w = _bare(want)
    exact = [a for a in apps if w in (_bare(a.binary), a.name.lower())]
    found = exact or [a for a in apps if w in a.binary.lower() or w in a.name.lower()]
    return found[0] if found else None


class SilencePacer:
    """Silence as long as the time since the last block (at least ``numframes``, waiting for
    that long when it's early): the samples a recorder hands over keep pace with the clock
    while the application plays nothing, which is what the ring's anchor estimate assumes
    (engine/audio/capture.py)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._due: float | None = None

    def reset(self) -> None:
        """Real samples came: the next silence counts from then."""
        self._due = None

    def silence(self, numframes: int) -> np.ndarray:
        now = time.monotonic()
        due = self._due if self._due is not None else now
        if due > now:
            time.sleep(due - now)
            now = due
        n = max(numframes, min(self.rate, round((now - due) * self.rate) + numframes))
        self._due = due + n / self.rate
        return np.zeros((n, 2), dtype=np.float32)


class AppRecorder:
    """soundcard's recorder shape (``recorder()``, a context, ``record(n)``) for one
    application's sound: what the platforms' recorders share. A subclass looks the application
    up (``_look``, at most once a second: ``_next_look``), records it, and ends (``_end``)."""

    def __init__(self, want: str) -> None:
        self.want = want
        self.name = f'application "{want}"'
        self.state = SourceState.NOT_FOUND  # the worker shows it: not_found until the application plays
        self.rate = 48000
        self._pacer = SilencePacer(self.rate)
        self._next_look = 0.0
        self._said_missing = False

    def recorder(self, samplerate: int, channels: int, blocksize: int) -> Any:
        assert channels == 2
        self.rate = samplerate
        self._pacer = SilencePacer(samplerate)
        return self

    def __enter__(self) -> Any:
        self._look()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self._end()

    def _look(self) -> None:
        raise NotImplementedError

    def _end(self) -> None:
        raise NotImplementedError
