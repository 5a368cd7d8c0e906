"""``rigcast ctl bridge``: the rig's end of engine/control/sshlink.py.

Run by ``ssh`` on the rig, it joins its stdio to the local engine's control socket, one JSON
message a line each way, the hello first. It is only a client of that socket, like a local
control room: when the SSH session dies, its stdin ends (or its stdout breaks), it closes its
connection and exits, and the engine goes on streaming without noticing more than a room
detaching.
"""

from __future__ import annotations

import sys
import threading
from typing import IO

from rigcast.engine.control.client import EngineNotRunning, find_endpoint, open_sync
from rigcast.engine.control.sshlink import as_line

OPEN_TIMEOUT_S = 5


def bridge(stdin: IO[bytes] | None = None, stdout: IO[bytes] | None = None) -> int:
    """Relay until either side ends. Exit status 0 when the SSH side ended, 1 when the engine
    did (its line on stderr: what the client shows for this rig)."""
    from websockets.exceptions import WebSocketException

    src = stdin or sys.stdin.buffer
    out = stdout or sys.stdout.buffer
    try:
        ws = open_sync(find_endpoint(), OPEN_TIMEOUT_S)
    except EngineNotRunning as e:
        print(f"rigcast: {e}", file=sys.stderr, flush=True)
        return 1

    ssh_gone = threading.Event()

    def upstream() -> None:
        """SSH → engine. EOF: the session is gone; closing the socket ends the downstream loop."""
        try:
            for line in src:
                if line.strip():
                    ws.send(line.decode("utf-8", "replace"))
        except (OSError, WebSocketException):
            pass
        finally:
            ssh_gone.set()
            ws.close()

    threading.Thread(target=upstream, daemon=True, name="bridge-up").start()
    try:
        for message in ws:  # engine → SSH; ends when either side closes
            out.write(as_line(message if isinstance(message, str) else message.decode("utf-8", "replace")))
            out.flush()
    except (OSError, WebSocketException):
        ssh_gone.set()  # our stdout broke: the session is gone
    ws.close()
    if ssh_gone.is_set():
        return 0
    print("rigcast: the engine closed the control connection (it stopped, or restarted)",
          file=sys.stderr, flush=True)
    return 1
