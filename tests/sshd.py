"""An OpenSSH server on loopback standing for a rig's box: Debian's sshd, its own host key and
config, ``SetEnv`` pointing rigcast at that box's engine. Used by tests/test_rigs.py and
bench/tui_cpu.py."""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
from pathlib import Path

from tests.harness import free_port, wait_for

SSHD = "/usr/sbin/sshd"


class Sshd:
    """One box's sshd on 127.0.0.1: its own host key, and ``SetEnv`` pointing rigcast at this
    box's engine (its runtime dir) with the rigcast under test first on PATH."""

    def __init__(self, root: Path, client_key: Path, env: dict[str, str]) -> None:
        self.root = root
        root.mkdir(parents=True)
        self.port = free_port()
        self.host_key = root / "host_ed25519"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(self.host_key)], check=True)
        (root / "authorized_keys").write_text(client_key.with_suffix(".pub").read_text())
        os.chmod(root / "authorized_keys", 0o600)
        setenv = " ".join(f'"{k}={v}"' for k, v in env.items())
        (root / "sshd_config").write_text(
            f"Port {self.port}\nListenAddress 127.0.0.1\nHostKey {self.host_key}\n"
            f"AuthorizedKeysFile {root / 'authorized_keys'}\nPidFile {root / 'sshd.pid'}\n"
            "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "PermitRootLogin prohibit-password\nLogLevel VERBOSE\n"
            f"SetEnv {setenv}\n")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        Path("/run/sshd").mkdir(exist_ok=True)  # its privilege-separation dir, as the package's unit makes
        self.log = open(self.root / "sshd.log", "ab")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.root / "sshd_config")],
                                     stdout=self.log, stderr=subprocess.STDOUT)

        def answers() -> bool:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"sshd exited: {(self.root / 'sshd.log').read_text()[-2000:]}")
            return "Server listening" in (self.root / "sshd.log").read_text()

        wait_for(answers, 30, what=f"sshd to listen on 127.0.0.1:{self.port}")

    def sessions(self) -> list[int]:
        """The per-connection sshd processes (the listener's children)."""
        assert self.proc is not None
        r = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True)
        return [int(p) for p in r.stdout.split()]

    def stop(self, sessions_too: bool = True) -> None:
        if self.proc is None:
            return
        children = self.sessions() if sessions_too else []
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(10)
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc = None
        self.log.close()


def client_key(root: Path) -> Path:
    key = root / "client_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


def ssh_config_for(root: Path, key: Path, servers: dict[str, Sshd]) -> Path:
    """An ssh config naming each server by its alias, with a known_hosts holding their keys."""
    known = root / "known_hosts"
    known.write_text("".join(f"[127.0.0.1]:{s.port} {s.host_key.with_suffix('.pub').read_text()}"
                             for s in servers.values()))
    user = pwd.getpwuid(os.getuid()).pw_name
    cfg = root / "ssh_config"
    cfg.write_text("".join(
        f"Host {alias}\n  HostName 127.0.0.1\n  Port {s.port}\n  User {user}\n  IdentityFile {key}\n"
        f"  IdentitiesOnly yes\n  UserKnownHostsFile {known}\n  GlobalKnownHostsFile /dev/null\n"
        for alias, s in servers.items()))
    return cfg
