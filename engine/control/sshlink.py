"""The control protocol carried over SSH: a rig on another box, reached with no port opened on it.

The client runs ``ssh -T HOST rigcast ctl bridge`` and speaks to the bridge through the ssh
process's stdin and stdout, one JSON message a line — the same messages as the websocket's, the
hello first. Pipes, not a socketpair: Windows can't hand a socket to a child as its stdio.

SSH does all the authentication, as the user has it set up (agent, keys, known_hosts): nothing
rigcast holds goes on a command line. ``BatchMode=yes`` keeps ssh from asking anything (a
password, an unknown host key) where no one can answer; it fails with its own line instead, and
that line is what the caller is told. ``ServerAliveInterval`` makes a dead network path end the
session in seconds rather than at TCP's pace, so a lost rig shows as lost.

``RIGCAST_SSH_COMMAND`` replaces ``ssh`` (like git's ``GIT_SSH_COMMAND``): a config file, a key
or another port for every rig, say ``ssh -F ~/.ssh/rigs_config``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import shlex
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO

from rigcast.engine.control import protocol

ALIVE_INTERVAL_S = 5  # ssh's keepalive: a path that stops answering ends the session after 3 of these
ALIVE_COUNT = 3
CONNECT_TIMEOUT_S = 10
CLOSE_WAIT_S = 3.0
STDERR_KEPT = 4096  # the end of ssh's stderr: where its reason for giving up is


@dataclass(frozen=True)
class SshRoute:
    """A rig behind ``ssh``: ``host`` is anything ssh takes (``user@box``, an alias in
    ~/.ssh/config); ``command`` is the remote rigcast (a full path where a non-interactive
    shell's PATH lacks it)."""

    host: str
    command: str = "rigcast"

    def argv(self) -> list[str]:
        ssh = shlex.split(os.environ.get("RIGCAST_SSH_COMMAND") or "ssh")
        return [*ssh, "-T", "-o", "BatchMode=yes", "-o", f"ServerAliveInterval={ALIVE_INTERVAL_S}",
                "-o", f"ServerAliveCountMax={ALIVE_COUNT}", "-o", f"ConnectTimeout={CONNECT_TIMEOUT_S}",
                "--", self.host, f"{self.command} ctl bridge"]

    def describe(self) -> str:
        return f"ssh {self.host}"


class SshClosed(ConnectionError):
    """The session ended; the message is ssh's own last line (or the bridge's) where there was one."""


def _why(host: str, stderr: bytes, rc: int | None) -> str:
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    said = lines[-1] if lines else (f"ssh exited with status {rc}" if rc is not None else "the session ended")
    return f"{host}: {said.removeprefix('rigcast: ')}"


def _no_ssh(route: SshRoute, e: OSError) -> SshClosed:
    return SshClosed(f"{route.host}: cannot run {route.argv()[0]} ({e.strerror or e}); "
                     "install OpenSSH's client or set RIGCAST_SSH_COMMAND")


def as_line(line: str) -> bytes:
    """A message as one line. Compact JSON has no raw newline in it; a pretty one is re-packed."""
    if "\n" in line:
        import json

        line = protocol.dumps(json.loads(line))
    return line.encode() + b"\n"


class SyncSshLink:
    """The blocking client's transport: ``recv(timeout)``, ``send``, a context manager — the
    subset of websockets' sync connection that ``client.call`` uses."""

    def __init__(self, route: SshRoute) -> None:
        self.route = route
        try:
            self._proc = subprocess.Popen(route.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE)
        except OSError as e:
            raise _no_ssh(route, e) from None
        self._lines: queue.Queue[bytes] = queue.Queue()
        self._stderr = bytearray()
        # Threads, not select(): Windows pipes can't be selected on.
        threading.Thread(target=self._pump, args=(self._proc.stdout,), daemon=True).start()
        self._drainer = threading.Thread(target=self._drain, args=(self._proc.stderr,), daemon=True)
        self._drainer.start()

    def _pump(self, out: IO[bytes] | None) -> None:
        assert out is not None
        for line in out:
            self._lines.put(line)
        self._lines.put(b"")

    def _drain(self, err: IO[bytes] | None) -> None:
        assert err is not None
        for chunk in iter(lambda: err.read(1024), b""):
            self._stderr += chunk
            del self._stderr[:-STDERR_KEPT]

    def recv(self, timeout: float | None = None) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.route.host}: no answer in {timeout:.0f} s") from None
        if not line:
            raise self._ended()
        return line.decode()

    def _ended(self) -> SshClosed:
        """Why the session ended. ssh's reason is its last stderr line, which can arrive after
        stdout's end: so wait (bounded) for ssh to exit and for its stderr to be read out."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._proc.wait(CLOSE_WAIT_S)
        self._drainer.join(CLOSE_WAIT_S)
        return SshClosed(_why(self.route.host, bytes(self._stderr), self._proc.returncode))

    def send(self, message: str) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(as_line(message))
            self._proc.stdin.flush()
        except OSError:
            raise self._ended() from None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if self._proc.stdin is not None:
                self._proc.stdin.close()  # the bridge's stdin ends: it closes its socket and exits
        try:
            self._proc.wait(CLOSE_WAIT_S)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self) -> SyncSshLink:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class AsyncSshLink:
    """The asyncio client's transport: ``recv``, ``send``, ``close`` and ``async for`` over the
    messages — the subset of websockets' asyncio connection that ``AsyncControlClient`` uses."""

    def __init__(self, route: SshRoute, proc: asyncio.subprocess.Process) -> None:
        self.route = route
        self._proc = proc
        self._stderr = bytearray()
        self._drainer = asyncio.get_running_loop().create_task(self._drain())

    @classmethod
    async def open(cls, route: SshRoute) -> AsyncSshLink:
        try:
            proc = await asyncio.create_subprocess_exec(
                *route.argv(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                limit=protocol.MAX_FRAME + 1024,
                # Not the room's process group: a Ctrl-C in the terminal is the room's to handle.
                start_new_session=sys.platform != "win32")
        except OSError as e:
            raise _no_ssh(route, e) from None
        return cls(route, proc)

    async def _drain(self) -> None:
        assert self._proc.stderr is not None
        while chunk := await self._proc.stderr.read(1024):
            self._stderr += chunk
            del self._stderr[:-STDERR_KEPT]

    async def recv(self) -> str:
        assert self._proc.stdout is not None
        try:
            line = await self._proc.stdout.readline()
        except (ValueError, asyncio.LimitOverrunError):
            line = b""  # a line past MAX_FRAME: the websocket would have closed on it too
        if not line.endswith(b"\n"):
            raise await self._ended()
        return line.decode()

    async def _ended(self) -> SshClosed:
        """Why the session ended: ssh's last stderr line, read out after it exits (bounded)."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._drainer), CLOSE_WAIT_S)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._proc.wait(), CLOSE_WAIT_S)
        return SshClosed(_why(self.route.host, bytes(self._stderr), self._proc.returncode))

    async def send(self, message: str) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(as_line(message))
            await self._proc.stdin.drain()
        except (OSError, RuntimeError):
            raise await self._ended() from None

    async def __aiter__(self) -> AsyncIterator[str]:
        while True:
            try:
                yield await self.recv()
            except SshClosed:
                return

    async def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError):
            if self._proc.stdin is not None:
                self._proc.stdin.close()
        try:
            await asyncio.wait_for(self._proc.wait(), CLOSE_WAIT_S)
        except asyncio.TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self._proc.kill()
            await self._proc.wait()
        self._drainer.cancel()
