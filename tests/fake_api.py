"""A stand-in for the user's API: a real websocket server in its own process.

Run as ``python -m tests.fake_api --port P --token T [--ingest URL] [--cert C --key K]``. It accepts the engine's
link only with ``Authorization: Bearer T``, prints every message it receives as a JSON line on
stdout (``{"recv": ...}``, plus ``{"event": "connected"|"disconnected"|"refused"}``), and sends
every JSON line it reads on stdin to the connected engine (``{"raw": "..."}`` sends text as is,
``{"junk": N}`` sends N bytes of junk). It answers ``ingest`` requests with ``--ingest``'s URL.
A separate process so a test can SIGKILL it (the API dies) or SIGSTOP it (the API hangs).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection, serve


def say(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def main(a: argparse.Namespace) -> None:
    current: list[ServerConnection] = []

    def check(conn: ServerConnection, request: Any) -> Any:
        if request.headers.get("Authorization") != f"Bearer {a.token}":
            say({"event": "refused"})
            return conn.respond(HTTPStatus.UNAUTHORIZED, "bad token\n")
        return None

    async def handle(ws: ServerConnection) -> None:
        current.append(ws)
        say({"event": "connected"})
        try:
            async for raw in ws:
                msg = json.loads(raw)
                say({"recv": msg})
                if msg.get("type") == "request" and msg.get("request") == "ingest":
                    if a.ingest:
                        await ws.send(json.dumps({"type": "result", "id": msg["id"], "ok": True,
                                                  "data": {"url": a.ingest}}))
                    else:
                        await ws.send(json.dumps({"type": "result", "id": msg["id"], "ok": False,
                                                  "error": {"code": "forbidden", "message": "not today"}}))
        except Exception:
            pass
        finally:
            current.remove(ws)
            say({"event": "disconnected"})

    async def pump_stdin() -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=8 * 1024 * 1024)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := await reader.readline():
            msg = json.loads(line)
            text = msg["raw"] if "raw" in msg else "x" * msg["junk"] if "junk" in msg else json.dumps(msg)
            for ws in list(current):
                try:
                    await ws.send(text)
                except Exception:
                    pass

    tls = None
    if a.cert:
        import ssl

        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(a.cert, a.key)
    async with serve(handle, "127.0.0.1", a.port, process_request=check, max_size=8 * 1024 * 1024,
                     compression=None, ssl=tls):
        say({"event": "listening"})
        await pump_stdin()
        await asyncio.Future()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--ingest")
    p.add_argument("--cert", help="serve wss:// with this certificate (and --key)")
    p.add_argument("--key")
    asyncio.run(main(p.parse_args()))
