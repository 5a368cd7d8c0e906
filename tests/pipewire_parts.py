"""A private PipeWire session for the tests: its own session bus, PipeWire and WirePlumber, as a
desktop session has them, in a runtime dir of the test's own, and real producers of video nodes.

The producer is GStreamer's ``videotestsrc ! pipewiresink mode=provide``, its node named and
classed (``Video/Source``) as gamescope's is (gamescope's src/pipewire.cpp).
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness import ROOT, start_part, stop_process

TOOLS = ("dbus-daemon", "pipewire", "wireplumber", "pw-cli", "gst-launch-1.0")


@dataclass
class PipeWire:
    root: Path
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def bus(self) -> str:
        return f"unix:path={self.root}/bus"

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PIPEWIRE_RUNTIME_DIR", "PIPEWIRE_REMOTE")}
        return dict(env, XDG_RUNTIME_DIR=str(self.root), DBUS_SESSION_BUS_ADDRESS=self.bus, **extra)

    def _pw(self, *args: str) -> str:
        r = subprocess.run(["pw-cli", *args], env=self.env(), capture_output=True, text=True, timeout=30)
        return r.stdout if r.returncode == 0 else ""

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)
        env = self.env()
        for args, what, ready in (
            (["dbus-daemon", "--session", "--nofork", f"--address={self.bus}"], "the session bus",
             lambda: (self.root / "bus").exists()),
            (["pipewire"], "PipeWire's socket", lambda: (self.root / "pipewire-0").exists()),
            (["wireplumber"], "WirePlumber to join PipeWire", lambda: "WirePlumber" in self._pw("ls", "Client")),
        ):
            proc, _ = start_part(args, what, ready, env=env, also_stop=self.procs[::-1])
            self.procs.append(proc)

    def has_node(self, name: str) -> bool:
        return f'node.name = "{name}"' in self._pw("ls", "Node")

    def produce(self, name: str, size: str = "1280x720", pattern: str = "smpte") -> subprocess.Popen[bytes]:
        """A live ``Video/Source`` node at 60 fps, BGRx; ready once PipeWire lists it."""
        w, h = size.split("x")
        proc, _ = start_part(
            ["gst-launch-1.0", "-q", "videotestsrc", f"pattern={pattern}", "is-live=true", "!",
             f"video/x-raw,format=BGRx,width={w},height={h},framerate=60/1", "!", "pipewiresink", "mode=provide",
             f"stream-properties=p,node.name={name},media.class=Video/Source"],
            f'PipeWire to list the producer node "{name}"', lambda: self.has_node(name), env=self.env())
        return proc

    def portal(self, node: str, log: Path, *flags: str) -> subprocess.Popen[bytes]:
        """The ScreenCast portal stand-in (tests/portal_standin.py) on this session's bus."""
        out = log.with_suffix(".ready")
        f = open(out, "wb")
        try:
            proc, _ = start_part([sys.executable, "-m", "tests.portal_standin", "--node", node, "--log", str(log), *flags],
                                 "the portal stand-in to own org.freedesktop.portal.Desktop",
                                 lambda: b"ready" in out.read_bytes(), env=self.env(), cwd=ROOT, stdout=f)
        finally:
            f.close()
        return proc

    def stop(self) -> None:
        for p in reversed(self.procs):
            stop_process(p)
        self.procs.clear()


def reference_frame(pattern: str, size: str) -> bytes:
    """The pattern's first frame as RGB, made by the same videotestsrc the producer runs."""
    w, h = size.split("x")
    r = subprocess.run(["gst-launch-1.0", "-q", "videotestsrc", f"pattern={pattern}", "num-buffers=1", "!",
                        f"video/x-raw,format=RGB,width={w},height={h}", "!", "fdsink"],
                       capture_output=True, timeout=60, check=True)
    return r.stdout
