"""Real parts for the tests: an Xvfb display with openbox, X11 apps, nginx-rtmp, rigcast itself.

Nothing here imitates a part a user runs: the display is a real X server, the windows are
real X clients (glxgears, ImageMagick's display), the server is nginx with its RTMP module,
and what it received is decoded with PyAV.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
NGINX_RTMP_MODULE = "/usr/lib/nginx/modules/ngx_rtmp_module.so"
NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(pred: Callable[[], Any], timeout: float, interval: float = 0.1, what: str = "condition") -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


# -- real parts, started --------------------------------------------------------------------------
#: How long a part may take to be ready. Generous on purpose: the first start on a new machine
#: (a cold disk, Mesa's llvmpipe and the keymap compiler read for the first time) is many times
#: slower than any later one, and a bound is only ever reached by a part that is not coming.
COLD_START_S = 90.0


def start_part(args: Sequence[str], what: str, ready: Callable[[], Any], env: dict[str, str] | None = None,
               bound: float = COLD_START_S, also_stop: Sequence[subprocess.Popen[bytes]] = (),
               **popen: Any) -> tuple[subprocess.Popen[bytes], Any]:
    """Start a real part and wait until ``ready()`` says it is; (the process, what ready said).

    Its stderr goes to an unnamed file, read only when it fails: a part that exits or is not
    ready within ``bound`` is stopped (with ``also_stop``, what it needed), and the error says
    which, with the part's own last words."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen(list(args), env=env, stdin=subprocess.DEVNULL, stdout=popen.pop("stdout", subprocess.DEVNULL),
                            stderr=err, **popen)
    end = time.monotonic() + bound
    while True:
        value = ready()
        if value:
            return proc, value
        if proc.poll() is not None:
            why = f"{what}: {args[0]} exited with {proc.returncode} before it was ready"
            break
        if time.monotonic() >= end:
            why = f"timed out after {bound:g} s waiting for {what}"
            break
        time.sleep(0.1)
    for p in (proc, *also_stop):
        stop_process(p)
    err.seek(0)
    said = err.read().decode(errors="replace").strip().splitlines()[-15:]
    raise AssertionError(f"{why}; {args[0]} said: " + (" | ".join(said) if said else "nothing on stderr"))


def stop_process(proc: subprocess.Popen[bytes], grace: float = 5) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- X11 ---------------------------------------------------------------------------------------
def _display_number(fd: int, got: list[str]) -> Callable[[], str | None]:
    """A ``ready`` for Xvfb ``-displayfd``: the number it writes once it accepts clients."""
    def ready() -> str | None:
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 64).decode()
            if not chunk:
                return None  # it closed the pipe: exited (start_part notices)
            got.append(chunk)
        text = "".join(got)
        return text.strip() if text.endswith("\n") else None
    return ready


@dataclass
class XServer:
    display: str
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def start(cls, width: int = 1280, height: int = 720) -> XServer:
        """Xvfb with openbox managing it. Xvfb picks a free display itself and writes its number
        to ``-displayfd`` only once it accepts clients: no display number raced for, no socket
        file taken for a server that is still starting (or one that another /tmp hides)."""
        r, w = os.pipe()
        try:
            xvfb, number = start_part(["Xvfb", "-displayfd", str(w), "-screen", "0", f"{width}x{height}x24",
                                       "-nolisten", "tcp"], "Xvfb to accept clients", _display_number(r, []),
                                      pass_fds=(w,))
        finally:
            os.close(w)
            os.close(r)
        server = cls(f":{number}", [xvfb])
        wm, _ = start_part(["openbox", "--sm-disable"], "openbox to manage the screen", server._has_wm,
                           env=server.env(), also_stop=[xvfb])
        server.procs.insert(0, wm)
        return server

    def _has_wm(self) -> bool:
        out = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=self.env(),
                             capture_output=True, text=True)
        return "window id" in out.stdout

    def env(self, **extra: str) -> dict[str, str]:
        return dict(os.environ, DISPLAY=self.display, **extra)

    def stop(self) -> None:
        for p in self.procs:
            stop_process(p)


def write_ppm(path: Path, rgb: np.ndarray) -> None:
    h, w, _ = rgb.shape
    path.write_bytes(f"P6 {w} {h} 255\n".encode() + np.ascontiguousarray(rgb, dtype=np.uint8).tobytes())


def sample_picture(width: int, height: int, seed: int = 1) -> np.ndarray:
    """A picture with edges, gradients and flat areas: PSNR on it means something.

    Blocks sit on even pixels, so 4:2:0 chroma subsampling alone loses nothing on their edges
    and the PSNR measures capture + encode, not the chroma format (odd-aligned saturated
    edges cap even a lossless 4:2:0 round trip near 29 dB)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    img = np.zeros((height, width, 3), np.uint8)
    img[..., 0] = (x * 255 // max(1, width - 1)).astype(np.uint8)
    img[..., 1] = (y * 255 // max(1, height - 1)).astype(np.uint8)
    img[..., 2] = ((x // 40 + y // 40) % 2 * 180 + 40).astype(np.uint8)
    for _ in range(12):
        x0, y0 = int(rng.integers(0, width - 60)) & ~1, int(rng.integers(0, height - 60)) & ~1
        img[y0 : y0 + 50, x0 : x0 + 50] = rng.integers(0, 255, 3)
    return img


@dataclass
class XApp:
    proc: subprocess.Popen[bytes]
    title: str

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def window_geometry(x: XServer, title: str) -> tuple[int, int, int, int] | None:
    """(x, y, w, h) of the client window titled ``title``, via rigcast's own EWMH listing."""
    out = subprocess.run([*rigcast_command(), "windows"], env=x.env(), capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if line.rstrip().endswith(title):
            m = re.search(r"(\d+)x(\d+)\+(-?\d+)\+(-?\d+)", line)
            if m:
                w, h, px, py = map(int, m.groups())
                return px, py, w, h
    return None


def show_image(x: XServer, img: np.ndarray, title: str, pos: tuple[int, int], tmp: Path) -> XApp:
    path = tmp / f"{title}.ppm"
    write_ppm(path, img)
    proc, _ = start_part(["display", "-title", title, "-geometry", f"+{pos[0]}+{pos[1]}", str(path)],
                         f"window {title}", lambda: window_geometry(x, title), env=x.env())
    return XApp(proc, title)


def start_glxgears(x: XServer, geometry: str = "400x300+600+100") -> XApp:
    proc, _ = start_part(["glxgears", "-geometry", geometry], "glxgears window", lambda: window_geometry(x, "glxgears"),
                         env=x.env(LIBGL_ALWAYS_SOFTWARE="1", LP_NUM_THREADS="1"))
    return XApp(proc, "glxgears")


# -- nginx-rtmp --------------------------------------------------------------------------------
class NginxRtmp:
    """nginx with libnginx-mod-rtmp on loopback; records every publish, reports on /stat."""

    def __init__(self, root: Path, hook_port: int | None = None, tls: bool = False, host: str = "127.0.0.1",
                 launcher: Sequence[str] = ()) -> None:
        """``host``: the address it listens on; ``launcher``: what runs it (a network namespace)."""
        self.root = root
        self.host = host
        self.launcher = list(launcher)
        self.rtmp_port = free_port()
        self.http_port = free_port()
        self.tls_port = free_port()
        self.cert = root / "cert.pem"
        self.rec = root / "rec"
        self.proc: subprocess.Popen[bytes] | None = None
        for d in (self.rec, root / "logs", root / "tmp"):
            d.mkdir(parents=True, exist_ok=True)
        self.hook_port, self.tls = hook_port, tls
        if tls:
            # RTMPS as it is usually deployed: TLS terminated in front of the RTMP server.
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-keyout", str(root / "key.pem"), "-out", str(self.cert), "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                           check=True, capture_output=True)
        self._write_conf()

    def _write_conf(self) -> None:
        root, hook_port = self.root, self.hook_port
        user = "user root;\n" if os.geteuid() == 0 else ""
        tls_conf = ""
        if self.tls:
            tls_conf = f"""load_module {NGINX_STREAM_MODULE};
stream {{
  server {{
    listen 127.0.0.1:{self.tls_port} ssl;
    ssl_certificate {self.cert};
    ssl_certificate_key {root / "key.pem"};
    proxy_pass 127.0.0.1:{self.rtmp_port};
  }}
}}
"""
        (root / "nginx.conf").write_text(f"""
load_module {NGINX_RTMP_MODULE};
{tls_conf}
{user}daemon off;
master_process on;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/logs/error.log info;
events {{ worker_connections 256; }}
rtmp {{
  server {{
    listen {self.host}:{self.rtmp_port};
    chunk_size 4096;
    application live {{
      live on;
      record all;
      record_path {self.rec};
      record_unique on;
    }}
    application deny {{
      live on;
      deny publish all;
    }}
    application hooked {{
      live on;
      on_publish http://127.0.0.1:{hook_port or 9}/on_publish;
    }}
  }}
}}
http {{
  access_log off;
  client_body_temp_path {root}/tmp;
  server {{
    listen {self.host}:{self.http_port};
    location /stat {{ rtmp_stat all; }}
  }}
}}
""")

    def url(self, key: str, app: str = "live") -> str:
        return f"rtmp://{self.host}:{self.rtmp_port}/{app}/{key}"

    def tls_url(self, key: str, app: str = "live") -> str:
        return f"rtmps://localhost:{self.tls_port}/{app}/{key}"

    def start(self) -> None:
        """Ready once this nginx answers on its own /stat page: a port free_port() found free can
        be taken by another process before nginx binds it, and then *that* process answers the
        RTMP port while nginx gives up ("Address already in use") and exits. It is then started
        again on ports picked afresh, at most three times."""
        for attempt in range(3):
            try:
                self.proc, _ = start_part([*self.launcher, "nginx", "-c", str(self.root / "nginx.conf"), "-p",
                                           str(self.root)], "nginx-rtmp to listen", self._answering)
                return
            except AssertionError:
                if attempt == 2 or "Address already in use" not in self.log():
                    raise
            self.rtmp_port, self.http_port, self.tls_port = free_port(), free_port(), free_port()
            self._write_conf()

    def _answering(self) -> bool:
        return self._listening() and "<rtmp>" in self.stat()

    def _listening(self) -> bool:
        try:
            with socket.create_connection((self.host, self.rtmp_port), timeout=0.5):
                return True
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server hard (like a crash or a restart of SRS): connections are cut."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def stat(self) -> str:
        try:
            with urllib.request.urlopen(f"http://{self.host}:{self.http_port}/stat", timeout=2) as r:
                return r.read().decode()
        except OSError:
            return ""

    def publishing(self, key: str) -> bool:
        xml = self.stat()
        for block in re.findall(r"<stream>(.*?)</stream>", xml, re.DOTALL):
            if f"<name>{key}</name>" in block and "<publishing/>" in block:
                return True
        return False

    def recordings(self, key: str) -> list[Path]:
        return sorted(self.rec.glob(f"{key}-*.flv"), key=lambda p: p.stat().st_mtime)

    def log(self) -> str:
        p = self.root / "logs" / "error.log"
        return p.read_text() if p.exists() else ""


# -- rigcast -----------------------------------------------------------------------------------
def rigcast_command() -> list[str]:
    """How a test starts ``rigcast``: the checkout's engine, or — with ``RIGCAST_INSTALLED`` set
    to a ``rigcast`` script that ``pip install`` put in a venv outside the checkout (.ci/run
    does) — the installed program, as a user runs it."""
    installed = os.environ.get("RIGCAST_INSTALLED")
    if installed:
        return [installed]
    from rigcast.engine.proc import engine_command

    return engine_command(sys.executable)


class Rigcast:
    """``rigcast`` as a user runs it: a real process, its stdout read line by line."""

    def __init__(self, args: list[str], env: dict[str, str], cwd: Path) -> None:
        self.out_path = cwd / f"rigcast-{time.monotonic_ns()}.out"
        self.err_path = self.out_path.with_suffix(".err")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.proc = subprocess.Popen([*rigcast_command(), *args], env=env, cwd=cwd,
                                     stdout=self._out, stderr=self._err, start_new_session=True)

    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    def status_lines(self) -> list[str]:
        return [line for line in self.stdout().splitlines() if re.match(r"^\d\d:\d\d:\d\d fps", line)]

    def wait_status(self, pred: Callable[[str], bool], timeout: float, what: str) -> str:
        def found() -> str | None:
            for line in self.status_lines():
                if pred(line):
                    return line
            if self.proc.poll() is not None:
                raise AssertionError(f"rigcast exited ({self.proc.returncode}) while waiting for {what}:\n"
                                     f"{self.stdout()[-3000:]}\n{self.stderr()[-3000:]}")
            return None

        return str(wait_for(found, timeout, what=what))

    def interrupt(self, timeout: float = 30) -> int:
        self.proc.send_signal(signal.SIGINT)
        return self.wait(timeout)

    def kill_group(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def wait(self, timeout: float = 60) -> int:
        try:
            return self.proc.wait(timeout)
        finally:
            self._out.close()
            self._err.close()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)
        self._out.close()
        self._err.close()


def run_rigcast(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*rigcast_command(), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


# -- what the server received ------------------------------------------------------------------
@dataclass
class Decoded:
    video_codec: str | None
    audio_codec: str | None
    audio_rate: int | None
    times: list[float]  # video frame times, seconds
    frames: list[np.ndarray]  # RGB frames kept (every ``keep_every``-th)
    kept_times: list[float]


def decode(path: Path, keep_every: int = 0) -> Decoded:
    import av

    times: list[float] = []
    frames: list[np.ndarray] = []
    kept: list[float] = []
    with av.open(str(path)) as c:
        v = c.streams.video[0] if c.streams.video else None
        a = c.streams.audio[0] if c.streams.audio else None
        vc = v.codec_context.name if v is not None else None
        ac = a.codec_context.name if a is not None else None
        rate = a.codec_context.sample_rate if a is not None else None
        if v is not None:
            for i, f in enumerate(c.decode(v)):
                t = float(f.pts * f.time_base) if f.pts is not None else float(i)
                times.append(t)
                if keep_every and i % keep_every == 0:
                    frames.append(f.to_ndarray(format="rgb24"))
                    kept.append(t)
    return Decoded(vc, ac, rate, times, frames, kept)


def looks_like(region: np.ndarray, rgb: tuple[int, int, int], tol: float = 24) -> bool:
    """The region's mean colour is ``rgb`` within ``tol`` on every channel (after H.264)."""
    return bool(np.abs(region.reshape(-1, 3).mean(axis=0) - np.array(rgb)).max() < tol)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)


def require_tools(*tools: str) -> list[str]:
    return [t for t in tools if shutil.which(t) is None]


# -- the engine as a daemon --------------------------------------------------------------------
class EngineHome:
    """A private runtime/state dir pair: this test's engine, socket and log, nobody else's."""

    def __init__(self, x: XServer, root: Path) -> None:
        self.root = root
        self.run_dir = root / "run"
        self.state_dir = root / "state"
        self.x = x
        self.extra_env: dict[str, str] = {}  # e.g. the test's PulseAudio server

    def env(self, **extra: str) -> dict[str, str]:
        return self.x.env(RIGCAST_RUNTIME_DIR=str(self.run_dir), RIGCAST_STATE_DIR=str(self.state_dir),
                          **self.extra_env, **extra)

    def rigcast(self, *args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
        return run_rigcast(list(args), self.env(), self.root, timeout)

    def up(self, *args: str) -> int:
        """``rigcast up ARGS``, which must succeed; the engine's pid."""
        r = self.rigcast("up", *args)
        assert r.returncode == 0, r.stderr + self.log()
        pid = self.pid()
        assert pid is not None
        return pid

    @property
    def socket(self) -> Path:
        return self.run_dir / "control.sock"

    def pid(self) -> int | None:
        p = self.run_dir / "engine.pid"
        return int(p.read_text()) if p.exists() else None

    def log(self) -> str:
        p = self.state_dir / "engine.log"
        return p.read_text(errors="replace") if p.exists() else ""

    def status(self) -> dict[str, Any]:
        import json

        r = self.rigcast("ctl", "status", "--json", timeout=30)
        assert r.returncode == 0, r.stderr
        return dict(json.loads(r.stdout))

    def down(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        self.rigcast("down", timeout=60)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        os.kill(pid, signal.SIGKILL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) is not alive.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


# -- sound -------------------------------------------------------------------------------------
@dataclass
class Pulse:
    """A private PulseAudio server with a null sink: its monitor is 'desktop audio'."""

    root: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def server(self) -> str:
        return f"unix:{self.root}/pulse/native"

    def env(self) -> dict[str, str]:
        return {"PULSE_SERVER": self.server}

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, XDG_RUNTIME_DIR=str(self.root), HOME=str(self.root))
        env.pop("PULSE_SERVER", None)
        self.proc, _ = start_part(
            ["pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit",
             "--load=module-null-sink sink_name=rigcast_test", "--load=module-native-protocol-unix",
             "--load=module-always-sink"], "PulseAudio to answer",
            lambda: subprocess.run(["pactl", "info"], env=dict(os.environ, PULSE_SERVER=self.server),
                                   capture_output=True).returncode == 0, env=env)
        subprocess.run(["pactl", "set-default-sink", "rigcast_test"], env=dict(os.environ, **self.env()), check=True)

    def play_tone(self, freq: float, seconds: float, amplitude: float,
                  effects: tuple[str, ...] = (), client: str | None = None) -> subprocess.Popen[bytes]:
        """A sine played into the null sink (what a game's sound would be); ``effects`` are
        sox effects (e.g. ``("tremolo", "3", "90")`` for a level that never sits still);
        ``client``: the application name the player gives the sound server (asking, as a game
        does, for a low latency: the null sink would otherwise render in 2 s blocks)."""
        sox = subprocess.Popen(["sox", "-q", "-n", "-r", "48000", "-c", "2", "-b", "16", "-t", "wav", "-", "synth",
                                str(seconds), "sine", str(freq), "vol", str(amplitude), *effects],
                               stdout=subprocess.PIPE)
        play = subprocess.Popen(["paplay", *([f"--client-name={client}", "--latency-msec=30"] if client else [])], stdin=sox.stdout,
                                env=dict(os.environ, **self.env()))
        assert sox.stdout is not None
        sox.stdout.close()
        return play

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
            self.proc = None


def decode_audio(path: Path) -> tuple[np.ndarray, int]:
    """(planar float samples (channels, n), rate) of the first audio stream."""
    import av

    with av.open(str(path)) as c:
        rate = c.streams.audio[0].codec_context.sample_rate
        chunks = [f.to_ndarray() for f in c.decode(audio=0)]
    return np.concatenate(chunks, axis=1), rate


def dominant_hz(x: np.ndarray, rate: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec) * rate / len(x))


def rms_db(x: np.ndarray) -> float:
    r = float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))
    return 20 * np.log10(r) if r > 0 else -200.0


def flash_and_click_times(path: Path) -> tuple[list[float], list[float]]:
    """Stream times (s) of each dark→white video transition and each silence→click onset."""
    import av

    video: list[float] = []
    audio: list[float] = []
    with av.open(str(path)) as c:
        was_white = True  # ignore a first frame already white
        for f in c.decode(video=0):
            white = float(f.to_ndarray(format="gray").mean()) > 128
            if white and not was_white:
                video.append(float(f.pts * f.time_base))
            was_white = white
    with av.open(str(path)) as c:
        last = -1.0
        for af in c.decode(audio=0):
            loud = np.flatnonzero(np.abs(af.to_ndarray()[0]) > 0.25)
            if len(loud):
                t = float(af.pts * af.time_base) + int(loud[0]) / af.sample_rate
                if t - last > 0.5:
                    audio.append(t)
                last = t
    return video, audio


AVSYNC_CONFIG = ('[[sources]]\nname = "w"\nkind = "window"\nmatch = "rigcast-avsync"\n'
                 '[[sources]]\nname = "desk"\nkind = "desktop_audio"\n')


def start_flasher(home: EngineHome) -> subprocess.Popen[bytes]:
    """tests/flasher.py on the test's display and PulseAudio, its window up."""
    flasher = subprocess.Popen([sys.executable, str(ROOT / "tests" / "flasher.py")], env=home.env())
    wait_for(lambda: subprocess.run(["xdotool", "search", "--name", "rigcast-avsync"], env=home.env(),
                                    capture_output=True).returncode == 0, 15, what="the flasher window")
    return flasher


# -- the user's API ----------------------------------------------------------------------------
class FakeApi:
    """tests/fake_api.py in its own process: what it received, and a way to send it things."""

    def __init__(self, port: int, token: str, ingest: str | None = None, tls_dir: Path | None = None) -> None:
        self.port, self.token, self.ingest = port, token, ingest
        self.cert: Path | None = None
        if tls_dir is not None:  # wss:// with a certificate of its own, for localhost
            tls_dir.mkdir(parents=True, exist_ok=True)
            self.cert = tls_dir / "api-cert.pem"
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                            "-keyout", str(tls_dir / "api-key.pem"), "-out", str(self.cert), "-subj", "/CN=localhost",
                            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"], check=True, capture_output=True)
        self.lines: list[dict[str, Any]] = []
        self.proc: subprocess.Popen[str] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"{'wss://localhost' if self.cert else 'ws://127.0.0.1'}:{self.port}/rigcast"

    def start(self) -> None:
        import json
        import threading

        args = [sys.executable, "-m", "tests.fake_api", "--port", str(self.port), "--token", self.token]
        if self.ingest:
            args += ["--ingest", self.ingest]
        if self.cert is not None:
            args += ["--cert", str(self.cert), "--key", str(self.cert.with_name("api-key.pem"))]
        proc = self.proc = subprocess.Popen(args, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        seen = len(self.lines)

        def read() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                self.lines.append(json.loads(line))

        threading.Thread(target=read, daemon=True).start()
        wait_for(lambda: any(x.get("event") == "listening" for x in self.lines[seen:]), 15, what="the fake API")

    def send(self, *msgs: dict[str, Any]) -> None:
        import json

        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write("".join(json.dumps(m) + "\n" for m in msgs))
        self.proc.stdin.flush()

    def received(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [x["recv"] for x in list(self.lines) if "recv" in x and (kind is None or x["recv"].get("type") == kind)]

    def events(self, name: str) -> int:
        return sum(1 for x in list(self.lines) if x.get("event") == name)

    def result(self, cid: str, timeout: float = 30) -> dict[str, Any]:
        return dict(wait_for(lambda: next((m for m in self.received("result") if m.get("id") == cid), None),
                             timeout, what=f"the result of command {cid}"))

    def command(self, cid: str, command: str, timeout: float = 30, **args: Any) -> dict[str, Any]:
        self.send({"type": "command", "id": cid, "command": command, "args": args})
        return self.result(cid, timeout)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop_process(self, sig: int) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, sig)


def process_tree(pid: int) -> list[int]:
    """``pid`` and every descendant, from /proc (benchmarks sum them; tests read their cmdlines)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def copy_tracked(dst: Path) -> None:
    """The checkout's tracked files, as a fresh clone has them (no build or editable leftovers)."""
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z"], check=True, capture_output=True).stdout
    for rel in filter(None, tracked.decode().split("\0")):
        if (ROOT / rel).is_file():
            (dst / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, dst / rel)


if __name__ == "__main__":
    # `python -m tests.harness`: start the display parts once and say how long each took. .ci/run
    # does this before the tests, so a new machine's first (cold) start is paid and shown here.
    t0 = time.monotonic()
    x = XServer.start()
    t1 = time.monotonic()
    try:
        start_glxgears(x).close()
    finally:
        x.stop()
    print(f"real parts, first start: Xvfb + openbox {t1 - t0:.1f} s, glxgears {time.monotonic() - t1:.1f} s")
