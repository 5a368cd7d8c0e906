"""The real parts the engine benchmarks run against: an X server with glxgears, nginx-rtmp and a
private PulseAudio, started once and always torn down (a benchmark that dies midway must not
leave an Xvfb or a pulseaudio behind to skew the next one)."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.harness import NginxRtmp, Pulse, XServer, start_glxgears  # noqa: E402


@dataclass
class Rig:
    x: XServer
    root: Path  # a temporary folder for the run's config, runtime and state dirs
    nginx: NginxRtmp
    pulse: Pulse

    def env(self, **extra: str) -> dict[str, str]:
        """The engine's environment: this display, this PulseAudio, private run/state dirs."""
        return self.x.env(RIGCAST_RUNTIME_DIR=str(self.root / "run"), RIGCAST_STATE_DIR=str(self.root / "state"),
                          **self.pulse.env(), **extra)


@contextlib.contextmanager
def rig() -> Iterator[Rig]:
    x = XServer.start()
    gears = start_glxgears(x)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        root = Path(tmp)
        stack.callback(x.stop)
        stack.callback(gears.close)
        nginx = NginxRtmp(root / "nginx")
        nginx.start()
        stack.callback(nginx.stop)
        pulse = Pulse(root / "pulse")
        pulse.start()
        stack.callback(pulse.stop)
        yield Rig(x, root, nginx, pulse)
