"""A test host behind a link whose speed the test sets: a network namespace of the test's own,
joined to this one by a veth pair, with ``tc tbf`` on the egress toward it (this kernel has tbf
and htb, no netem).

What goes from rigcast to a server in the namespace crosses the shaped side; what comes back
(a player's download, the server's /stat page) does not. The addresses are from TEST-NET-3
(RFC 5737) and exist only on the two ends of the pair, one of them inside this test's own
namespace.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence

HOST_SIDE = "203.0.113.1"
NS_SIDE = "203.0.113.2"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


class ShapedLink:
    def __init__(self) -> None:
        tag = f"{os.getpid() % 100000}"
        self.ns = f"rigcast-t{tag}"
        self.dev = f"rcv{tag}"  # this side's end (the shaped egress)
        self.peer = f"rcp{tag}"  # the namespace's end
        self.host = NS_SIDE

    def __enter__(self) -> ShapedLink:
        self.close()
        taken = subprocess.run(["ip", "-br", "addr"], capture_output=True, text=True).stdout
        assert f" {NS_SIDE}/" not in taken and f" {HOST_SIDE}/" not in taken, \
            f"{HOST_SIDE} or {NS_SIDE} is already an address of this machine: pick another test range"
        _ip("netns", "add", self.ns)
        _ip("link", "add", self.dev, "type", "veth", "peer", "name", self.peer)
        _ip("link", "set", self.peer, "netns", self.ns)
        _ip("addr", "add", f"{HOST_SIDE}/30", "dev", self.dev)
        _ip("link", "set", self.dev, "up")
        _ip("-n", self.ns, "addr", "add", f"{NS_SIDE}/30", "dev", self.peer)
        _ip("-n", self.ns, "link", "set", self.peer, "up")
        _ip("-n", self.ns, "link", "set", "lo", "up")
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        subprocess.run(["ip", "link", "del", self.dev], check=False, capture_output=True)
        subprocess.run(["ip", "netns", "del", self.ns], check=False, capture_output=True)

    def shape(self, kbit: int) -> None:
        """Egress toward the namespace at ``kbit`` kbit/s; a queue of 50 ms at that rate, as a
        home router's would be, so the delay shows up at the sender, not in the shaper."""
        burst = max(3000, kbit * 1000 // 8 // 100)  # 10 ms of the rate
        subprocess.run(["tc", "qdisc", "replace", "dev", self.dev, "root", "tbf", "rate", f"{kbit}kbit",
                        "burst", str(burst), "latency", "50ms"], check=True, capture_output=True)

    def lift(self) -> None:
        subprocess.run(["tc", "qdisc", "del", "dev", self.dev, "root"], check=False, capture_output=True)

    def inside(self, cmd: Sequence[str]) -> list[str]:
        """``cmd`` run inside the namespace."""
        return ["ip", "netns", "exec", self.ns, *cmd]
