"""Encoders from the system's FFmpeg: an ``ffmpeg`` child fed raw frames, its packets read back.

Why: PyAV's wheel has no VAAPI (AMD's and Intel's encoders on Linux), while the distribution's
``ffmpeg`` usually has it. The child reads raw frames (already converted by swscale in this
process, in the encoder's pixel format) on stdin and writes NUT on stdout: NUT's stream header
carries the encoder's extradata (SPS/PPS), which FLV and MP4 need when an output opens, and
PyAV's demuxer reads it straight from the pipe's fd (``pipe:N``), in C.

What the route can and can't do, and how it is handled:
- **The header** comes once the encoder has produced its first packet (x264 holds ~15 frames of
  lookahead first), so each child is started with ``WARMUP`` black frames whose packets are
  dropped, and the first real frame is forced to a keyframe (``-force_key_frames eq(n,WARMUP)``).
- **Keyframes on demand**: the ffmpeg CLI can't be asked for one while it runs (its
  ``-force_key_frames`` expressions see only frame numbers and times). So the GOP is at most
  one second on this route: a reconnecting output waits at most that long for a keyframe, which
  is the bound a restart of the child would also have to meet, without its warm-up stall.
- **Timestamps**: the child numbers frames 0, 1, 2...; each packet's number is mapped back to the
  canvas tick of the frame written as that number, so A/V sync is the in-process route's.
- **A child that dies** (a driver crash, a kill) is started again at the next frame, with one
  line; outputs go on (the new child starts on a keyframe with the same parameters).
- **Adaptive bitrate**: a running ffmpeg can't change its rate; like libx265 in process, an
  adaptive output on this route only drops frames (``live_bitrate`` is False in the records).
"""

from __future__ import annotations

import glob
import logging
import queue
import shutil
import subprocess
import tempfile
import threading
from dataclasses import replace
from fractions import Fraction
from typing import Any

import av

from rigcast.config.kinds.encoders import encoder_kind
from rigcast.engine.encode.select import EncoderUnavailable
from rigcast.engine.encode.video import ENCODERS, VideoSettings
from rigcast.engine.output.packets import VIDEO, EncodedPacket

log = logging.getLogger("rigcast.encode.system")

WARMUP = 30  # black frames a child starts on; their packets are dropped (see above)
HEADER_TIMEOUT_S = 30.0  # a child that shows no header by then is reported, not waited for
RENDER_NODES = "/dev/dri/renderD*"


def system_name(name: str) -> str:
    return str(encoder_kind(name).extra.get("system_name", name))


class SystemProfile:
    """``system:NAME``: the encoder's own options where rigcast has a profile for it (libx264's
    CBR, presets), else the common ones: bitrate, VBV, GOP, no B-frames."""

    pix_fmt = "yuv420p"

    def __init__(self, name: str = "") -> None:
        self.name = name

    def options(self, s: VideoSettings) -> dict[str, str]:
        return {}  # (the in-process profiles' hook; this route builds a command line instead)

    def input_args(self) -> list[str]:
        return []

    def filter_args(self) -> list[str]:
        return []

    def codec_args(self, s: VideoSettings) -> list[str]:
        inner = system_name(self.name)
        args = ["-c:v", inner]
        try:
            own = ENCODERS[inner].options(s)  # the in-process profile's own options, same names
        except (KeyError, RuntimeError):
            own = {}
        for key, value in own.items():
            args += [f"-{key}", value]
        return args

    def args(self, s: VideoSettings) -> list[str]:
        rate = f"{s.bitrate_kbps}k"
        args = [*self.codec_args(s), "-b:v", rate, "-maxrate", rate, "-bufsize", rate, "-g", str(s.gop), "-bf", "0"]
        if s.profile:
            args += ["-profile:v", s.profile]
        return args


class Vaapi(SystemProfile):
    """h264_vaapi / hevc_vaapi / av1_vaapi: frames go up to the GPU as NV12 (swscale makes it here)."""

    pix_fmt = "nv12"

    def input_args(self) -> list[str]:
        return ["-vaapi_device", render_node()]

    def filter_args(self) -> list[str]:
        return ["-vf", "format=nv12,hwupload"]

    def codec_args(self, s: VideoSettings) -> list[str]:
        return ["-c:v", system_name(self.name), "-rc_mode", "CBR"]


def render_node() -> str:
    nodes = sorted(glob.glob(RENDER_NODES))
    if not nodes:
        raise EncoderUnavailable(f"no VAAPI render node ({RENDER_NODES}): this box has no GPU rigcast can see "
                                 "(add the user to the render group, or use --encoder auto)")
    return nodes[0]


def _profile(name: str) -> SystemProfile:
    profile = ENCODERS[name]
    assert isinstance(profile, SystemProfile)
    profile.name = name
    return profile


def command(name: str, s: VideoSettings) -> list[str]:
    """The child's command line (no secret is ever on it: frames in, packets out)."""
    p = _profile(name)
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", *p.input_args(),
            "-f", "rawvideo", "-pix_fmt", p.pix_fmt, "-s", f"{s.width}x{s.height}", "-r", str(s.fps), "-i", "pipe:0",
            *p.filter_args(), *p.args(s), "-force_key_frames", f"expr:eq(n,{WARMUP})",
            "-flush_packets", "1", "-f", "nut", "pipe:1"]


def route_settings(s: VideoSettings) -> VideoSettings:
    """This route's settings: a GOP of at most one second (keyframes on demand, above)."""
    return replace(s, keyint_s=min(s.keyint_s, 1.0), bframes=0)


def probe_system_encoder(name: str, s: VideoSettings) -> None:
    """The system's ffmpeg has ``name`` and it encodes: a few real frames through it, as the
    in-process probe opens hardware encoders for real. EncoderUnavailable says why not."""
    if shutil.which("ffmpeg") is None:
        raise EncoderUnavailable("no ffmpeg on PATH for the system-FFmpeg route (apt install ffmpeg)")
    cmd = command(name, route_settings(s))  # a VAAPI profile fails here without a render node
    inner = system_name(name)
    listed = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=30)
    if not any(line.split()[1:2] == [inner] for line in listed.stdout.splitlines() if line.startswith(" ")):
        raise EncoderUnavailable(f"the system's ffmpeg has no {inner} encoder (`ffmpeg -encoders` lists them)")
    frame = bytes(s.width * s.height * 3 // 2)
    probe = [*cmd[: cmd.index("-force_key_frames")], "-frames:v", "2", "-f", "null", "-"]
    try:
        r = subprocess.run(probe, input=frame * 2, capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise EncoderUnavailable(f"the system's ffmpeg did not encode 2 frames with {inner} in 60 s") from None
    if r.returncode != 0:
        said = [ln for ln in r.stderr.decode(errors="replace").splitlines() if ln.strip()]
        raise EncoderUnavailable(f"the system's ffmpeg can't encode with {inner}: "
                                 + (said[-1].strip() if said else f"exit {r.returncode}"))


class SystemEncoder:
    """One encode on the system's ffmpeg: the same interface as the in-process encoder."""

    def __init__(self, name: str, settings: VideoSettings) -> None:
        self.name = name
        self.settings = route_settings(settings)
        self.profile = _profile(name)
        self.time_base = Fraction(1, self.settings.fps)
        self.packets: queue.SimpleQueue[EncodedPacket | None] = queue.SimpleQueue()
        self.template: Any = None
        self.template_owner: Any = None
        self.extradata = b""
        self.proc: subprocess.Popen[bytes] | None = None
        self.container: Any = None
        self.reader: threading.Thread | None = None
        self.written = 0  # frames written to this child, warm-up included
        self.ticks: dict[int, int] = {}  # the child's frame number -> our pts
        self.lock = threading.Lock()
        fmt = av.VideoFormat(self.profile.pix_fmt)
        self.components = [max(1, sum(1 for c in fmt.components if c.plane == i)) for i in range(len(fmt.components))]
        self._start()

    # -- the child ------------------------------------------------------------------------------
    def _start(self) -> None:
        err = tempfile.TemporaryFile()
        self.err = err
        self.proc = subprocess.Popen(command(self.name, self.settings), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=err, start_new_session=True)
        assert self.proc.stdout is not None
        self.written = 0
        self.ticks = {}
        opened: list[Any] = []
        failed: list[str] = []
        ready = threading.Event()
        fd = self.proc.stdout.fileno()

        def read() -> None:  # the header, then every packet: read while the warm-up is written
            try:
                container = av.open(f"pipe:{fd}", format="nut",
                                    options={"probesize": "32", "analyzeduration": "0", "fpsprobesize": "0"})
            except Exception as e:  # whatever it is, the writer must not wait on a dead reader
                failed.append(f"{type(e).__name__}: {e}")
                ready.set()
                self._stop_child()
                return
            opened.append(container)
            ready.set()
            self._read(container, container.streams.video[0])

        self.reader = threading.Thread(target=read, name="system-ffmpeg-read", daemon=True)
        self.reader.start()
        black = self._black()
        try:
            for _ in range(WARMUP):
                self._write(black)
        except OSError:
            pass  # the child is gone: said below, with its own words
        self.written = WARMUP  # the child numbers the first real frame WARMUP
        ready.wait(HEADER_TIMEOUT_S)
        if not opened:
            self._stop_child()
            raise EncoderUnavailable(f"the system's ffmpeg gave no stream with {system_name(self.name)}: "
                                     + (self._said() or (failed[0] if failed else f"nothing in {HEADER_TIMEOUT_S:g} s")))
        self.container = opened[0]
        stream = self.container.streams.video[0]
        extradata = bytes(stream.codec_context.extradata or b"")
        if self.template is None:  # its container stays open while outputs copy from it (close())
            self.template, self.extradata, self.template_owner = stream, extradata, self.container
        elif extradata != self.extradata:
            log.warning("the restarted ffmpeg's %s parameters differ from the first's; outputs opened before keep "
                        "the old ones until they reconnect", system_name(self.name))

    def _black(self) -> bytes:
        y = self.settings.width * self.settings.height
        return bytes(y) + bytes([128]) * (y // 2)  # Y black, chroma neutral (yuv420p and nv12 alike)

    def _write(self, data: Any) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(data)

    def _read(self, container: Any, stream: Any) -> None:
        per_frame = 1 / (stream.time_base * self.settings.fps)
        try:
            for p in container.demux(stream):
                if p.size == 0 or p.pts is None:
                    continue
                n = round(p.pts / per_frame)
                with self.lock:
                    pts = self.ticks.pop(n, None)
                if pts is None:
                    continue  # a warm-up frame
                self.packets.put(EncodedPacket(VIDEO, bytes(p), pts, pts, 1, self.time_base, bool(p.is_keyframe)))
        except (av.FFmpegError, OSError):
            pass
        self.packets.put(None)  # this child's end

    def _said(self) -> str:
        self.err.seek(0)
        lines = [ln.strip() for ln in self.err.read().decode(errors="replace").splitlines() if ln.strip()]
        return lines[-1] if lines else ""

    def _stop_child(self) -> None:
        if self.proc is None:
            return
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                if f is not None:
                    f.close()
            except OSError:
                pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def _restart(self, why: str) -> None:
        log.error("the system's ffmpeg (%s) stopped (%s); starting it again, the stream goes on",
                  system_name(self.name), why)
        self._stop_child()
        if self.container is not None and self.container is not self.template_owner:
            self.container.close()
        self.container = None
        self._start()

    # -- per frame ------------------------------------------------------------------------------
    def encode(self, frame: Any, pts: int, forced: bool = False) -> list[EncodedPacket]:
        """Write one frame (already in ``pix_fmt``); the packets that have come back since.
        ``forced`` can't be honoured by a running ffmpeg: the GOP of one second bounds the wait."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            self._restart(self._said() or f"exit {self.proc.returncode}")
        with self.lock:
            self.ticks[self.written] = pts
        try:
            for i, plane in enumerate(frame.planes):
                self._write(_plane_bytes(plane, self.components[i]))
            self.written += 1
        except OSError:
            self._restart(self._said() or "its input closed")
        return self._ready()

    def _ready(self) -> list[EncodedPacket]:
        out: list[EncodedPacket] = []
        while True:
            try:
                p = self.packets.get_nowait()
            except queue.Empty:
                return out
            if p is not None:
                out.append(p)

    def flush(self) -> list[EncodedPacket]:
        """Every frame written comes out: stdin closed, the child read to its end."""
        if self.proc is not None and self.proc.stdin is not None:
            try:
                self.proc.stdin.close()
            except OSError:
                pass
        if self.reader is not None:
            self.reader.join(30)
        packets = self._ready()
        self._stop_child()
        return packets

    def set_bitrate(self, kbps: int) -> None:
        raise RuntimeError("a running ffmpeg can't change its bitrate")  # live_bitrate is False: never asked

    def close(self) -> None:
        self._stop_child()
        if self.reader is not None:
            self.reader.join(5)
        for c in {id(x): x for x in (self.container, self.template_owner) if x is not None}.values():
            c.close()
        self.container = self.template_owner = None


def _plane_bytes(plane: Any, components: int) -> Any:
    """A plane's pixels without its row padding: the plane itself (no copy) when it has none.
    ``components``: how many 8-bit samples a pixel has in this plane (2 for NV12's UV)."""
    import numpy as np

    used = plane.width * components
    if plane.line_size == used:
        return memoryview(plane)
    return np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, :used].tobytes()
