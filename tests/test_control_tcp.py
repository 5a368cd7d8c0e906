"""The control protocol over TCP with a token: the only path on Windows (no Unix socket there).

The engine's own :class:`ControlServer` on loopback, reached by both clients rigcast has (the
blocking one under ``rigcast ctl``/``up``/``down``, the asyncio one under the TUI) through the
endpoint they find in ``control.json``. It starts no real part, so it runs in .ci/run's
lowest-versions pass too: with websockets 14, whose client has no ``proxy`` argument, both
clients failed here.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest

from rigcast.engine.control.bus import Command, CommandBus
from rigcast.engine.control.client import AsyncControlClient, Endpoint, EngineNotRunning, call
from rigcast.engine.control.server import ControlServer

TOKEN = "s3cret-token-for-the-test"


@dataclass(frozen=True)
class Echo:
    NAME: ClassVar = "test.echo"
    text: str


async def echo(_host: None, c: Echo) -> dict[str, Any]:
    return {"said": c.text}


@pytest.fixture
def tcp_server() -> Iterator[int]:
    """A control server on a free loopback port, in its own event loop thread; its port."""
    bus = CommandBus(None, [Command(Echo, echo, "says its text back")])
    loop = asyncio.new_event_loop()
    server = ControlServer(bus, lambda: {"pid": 1, "version": "test"}, lambda: {})
    port = loop.run_until_complete(server.serve_tcp(0, TOKEN))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(server.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


def test_the_blocking_client_calls_over_tcp_with_the_token(tcp_server: int) -> None:
    ep = Endpoint(tcp=f"127.0.0.1:{tcp_server}", token=TOKEN)
    assert call("test.echo", {"text": "hi"}, endpoint=ep) == {"said": "hi"}


def test_a_wrong_token_is_refused_and_not_repeated(tcp_server: int) -> None:
    ep = Endpoint(tcp=f"127.0.0.1:{tcp_server}", token="wrong-" + TOKEN)
    with pytest.raises(EngineNotRunning) as e:
        call("test.echo", {"text": "hi"}, endpoint=ep)
    assert "401" in str(e.value) and TOKEN not in str(e.value)


def test_the_asyncio_client_calls_over_tcp_with_the_token(tcp_server: int) -> None:
    async def go() -> Any:
        client = AsyncControlClient(endpoint=Endpoint(tcp=f"127.0.0.1:{tcp_server}", token=TOKEN))
        await client.connect()
        try:
            assert client.hello.get("type") == "hello"
            return await client.request("test.echo", {"text": "there"})
        finally:
            await client.close()

    assert asyncio.run(go()) == {"said": "there"}


def test_on_windows_the_clients_find_the_tcp_endpoint_in_control_json(
        tcp_server: int, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' path as ``ctl``, ``up`` and ``down`` take it (issue 2/5, defect 10): the socket
    file is never used there, even if one is lying about; control.json gives port and token."""
    import json
    import types

    from rigcast.engine.control import client

    monkeypatch.setenv("RIGCAST_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "control.sock").write_text("")  # a stale file: not a way in on Windows
    (tmp_path / "control.json").write_text(json.dumps({"tcp": f"127.0.0.1:{tcp_server}", "token": TOKEN}))
    monkeypatch.setattr(client, "sys", types.SimpleNamespace(platform="win32"))
    ep = client.find_endpoint()
    assert ep == Endpoint(tcp=f"127.0.0.1:{tcp_server}", token=TOKEN)
    assert call("test.echo", {"text": "from control.json"}) == {"said": "from control.json"}
