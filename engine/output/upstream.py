"""What an output asks of the encode that feeds it, through one typed channel.

An output runs on its own thread; the encode belongs to the video process's clock. Three
things travel upstream, each in its own shape, and nothing else reaches across:

- a keyframe now (a fresh connection, a WebRTC receiver's picture loss, a resumed recording):
  an event the encoder checks before each frame, shared by every output of that encode;
- the video bitrate an adaptive output wants now (None: no opinion), which the encode reads
  between ticks and takes the highest of (engine/encode/video_encode.py);
- another H.264 profile (a WHIP receiver that takes only constrained baseline): asked and
  waited for by the output, switched or refused with the reason by the pipeline between ticks.
"""

from __future__ import annotations

import threading


class Upstream:
    def __init__(self, keyframe: threading.Event | None = None) -> None:
        self._keyframe = keyframe or threading.Event()
        self.kbps: int | None = None
        self._profile: str | None = None
        self._answered = threading.Event()
        self._refused: str | None = None

    # -- the output's side (its own thread) ------------------------------------------------
    def want_keyframe(self) -> None:
        self._keyframe.set()

    def want_kbps(self, kbps: int | None) -> None:
        self.kbps = kbps

    def want_profile(self, profile: str, timeout_s: float) -> str | None:
        """Ask for ``profile`` and wait: None once the encode makes it, else why not."""
        self._refused = None
        self._answered.clear()
        self._profile = profile
        if not self._answered.wait(timeout_s):
            self._profile = None
            return f"the encoder did not switch to {profile} in time"
        return self._refused

    # -- the encode's side (the video process, between ticks) ------------------------------
    # (the keyframe event is the encode's own, checked before each frame: video_encode.py)
    def profile_asked(self) -> str | None:
        """A profile asked for and not answered yet (taken: asked once)."""
        wanted = self._profile  # read every tick: nothing written unless one was asked
        if wanted is not None:
            self._profile = None
        return wanted

    def answer_profile(self, refused: str | None) -> None:
        self._refused = refused
        self._answered.set()
