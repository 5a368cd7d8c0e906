"""Benchmark: obs-websocket's round trips and the cost of InputVolumeMeters.

A real engine (glxgears, desktop audio with a tone whose level never sits still, obs-websocket
with a password) streams to nginx-rtmp. Measured against it, in the same run:

- the round trip of GetStats and of a 50-request batch (obsws JSON), beside the same messages
  bounced by a bare ``websockets`` echo server in this process: the floor any Python
  obs-websocket server stands on, so the ratio is what rigcast's handling adds;
- the engine's CPU (its whole process tree) with 5 identified clients that take no meters,
  then with the same 5 taking InputVolumeMeters (every 50 ms each), as the difference.

It checks what it measures: the stream live and frames flowing, each meter client receiving
about 20 events a second; it fails loudly otherwise.

    python bench/obsws.py [--seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rig import rig  # noqa: E402
from bench.w1 import sample, tree  # noqa: E402
from tests.harness import free_port, wait_for  # noqa: E402

PASSWORD = "bench-obs-pass-3c9d"
METERS = 1 << 16


async def _identify(url: str, subs: int) -> Any:
    from websockets.asyncio.client import connect

    ws = await connect(url, subprotocols=["obswebsocket.json"], proxy=None, max_size=None)  # type: ignore[list-item]
    auth = json.loads(await ws.recv())["d"]["authentication"]
    secret = base64.b64encode(hashlib.sha256((PASSWORD + auth["salt"]).encode()).digest())
    token = base64.b64encode(hashlib.sha256(secret + auth["challenge"].encode()).digest()).decode()
    await ws.send(json.dumps({"op": 1, "d": {"rpcVersion": 1, "authentication": token, "eventSubscriptions": subs}}))
    assert json.loads(await ws.recv())["op"] == 2
    return ws


def _stats_msg(i: int) -> str:
    return json.dumps({"op": 6, "d": {"requestType": "GetStats", "requestId": str(i)}})


def _batch_msg(i: int) -> str:
    return json.dumps({"op": 8, "d": {"requestId": f"b{i}", "requests": [
        {"requestType": "GetStats", "requestId": str(n)} for n in range(50)]}})


async def _round_trips(ws: Any, make: Any, n: int, want_op: int) -> list[float]:
    out = []
    for i in range(n):
        t = time.perf_counter()
        await ws.send(make(i))
        while True:
            msg = json.loads(await ws.recv())
            if msg["op"] == want_op:
                break
        out.append((time.perf_counter() - t) * 1000)
    return out


async def _peer_round_trips(make: Any, answer: str, n: int) -> list[float]:
    """The same messages through a bare websockets server that answers a canned reply."""
    from websockets.asyncio.client import connect
    from websockets.asyncio.server import serve

    async def handler(ws: Any) -> None:
        async for m in ws:
            json.loads(m)  # the peer reads what it gets, as any server must
            await ws.send(answer)

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}", proxy=None, compression=None, max_size=None) as ws:
            out = []
            for i in range(n):
                t = time.perf_counter()
                await ws.send(make(i))
                await ws.recv()
                out.append((time.perf_counter() - t) * 1000)
            return out


async def _meter_clients(url: str, n: int, seconds: float, subs: int) -> list[int]:
    clients = [await _identify(url, subs) for _ in range(n)]
    counts = [0] * n

    async def read(i: int) -> None:
        try:
            while True:
                msg = json.loads(await clients[i].recv())
                if msg.get("op") == 5 and msg["d"]["eventType"] == "InputVolumeMeters":
                    counts[i] += 1
        except Exception:
            return

    tasks = [asyncio.create_task(read(i)) for i in range(n)]
    await asyncio.sleep(seconds)
    for t in tasks:
        t.cancel()
    for c in clients:
        await c.close()
    return counts


def _cpu(pids: list[int], run: Any) -> tuple[float, Any]:
    c0, t0 = sample(pids)[0], time.monotonic()
    result = run()
    return 100 * (sample(pids)[0] - c0) / (time.monotonic() - t0), result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=20)
    a = ap.parse_args()
    with rig() as r:
        root, nginx, pulse = r.root, r.nginx, r.pulse
        port = free_port()
        env = r.env(BENCH_OBS_PASSWORD=PASSWORD)
        cfg = root / "rigcast.toml"
        cfg.write_text(f'[video]\nsize = "1280x720"\n[obs_websocket]\nenabled = true\nport = {port}\n'
                       'password_env = "BENCH_OBS_PASSWORD"\n[[sources]]\nname = "game"\nkind = "window"\n'
                       'match = "glxgears"\n[[sources]]\nname = "desk"\nkind = "desktop_audio"\n')
        rig_cmd = [sys.executable, "-m", "rigcast.engine"]
        tone = None
        try:
            subprocess.run([*rig_cmd, "up", "--config", str(cfg), "--url", nginx.url("bench"), "--live"],
                           env=env, check=True, capture_output=True)
            wait_for(lambda: nginx.publishing("bench"), 20, what="the stream live")
            tone = pulse.play_tone(440, a.seconds * 4 + 60, 0.5, ("tremolo", "3", "90"))
            engine_pid = int((root / "run" / "engine.pid").read_text())
            url = f"ws://127.0.0.1:{port}"

            async def rtts() -> tuple[list[float], list[float], list[float], list[float]]:
                ws = await _identify(url, 0)
                await _round_trips(ws, _stats_msg, 20, 7)  # warm
                stats = await _round_trips(ws, _stats_msg, 300, 7)
                batch = await _round_trips(ws, _batch_msg, 60, 9)
                await ws.send(_stats_msg(0))
                one = await ws.recv()
                await ws.send(_batch_msg(0))
                fifty = await ws.recv()
                await ws.close()
                return (stats, batch, await _peer_round_trips(_stats_msg, one, 300),
                        await _peer_round_trips(_batch_msg, fifty, 60))

            stats, batch, peer_stats, peer_batch = asyncio.run(rtts())
            time.sleep(2)
            pids = tree(engine_pid)
            if len(pids) < 3:
                raise SystemExit(f"the engine's process tree is {pids}: its workers are not running")
            quiet, q_counts = _cpu(pids, lambda: asyncio.run(_meter_clients(url, 5, a.seconds, 0)))
            metered, m_counts = _cpu(pids, lambda: asyncio.run(_meter_clients(url, 5, a.seconds, METERS)))
            if any(c for c in q_counts):
                raise SystemExit(f"clients that took no meters got some: {q_counts}")
            rates = [c / a.seconds for c in m_counts]
            if min(rates) < 15:
                raise SystemExit(f"InputVolumeMeters at {rates} a second per client; expected about 20")
            if not nginx.publishing("bench"):
                raise SystemExit("the stream is not live any more: the figures mean nothing")
        finally:
            if tone is not None:
                tone.kill()
            subprocess.run([*rig_cmd, "down"], env=env, capture_output=True)

    def med(v: list[float]) -> float:
        return statistics.median(v)

    def p95(v: list[float]) -> float:
        return sorted(v)[int(len(v) * 0.95)]

    print(f"{'round trip, ms':34}{'rigcast':>10}{'bare ws':>10}{'ratio':>8}{'rigcast p95':>13}")
    print(f"{'GetStats':34}{med(stats):>10.2f}{med(peer_stats):>10.2f}{med(stats) / med(peer_stats):>8.1f}"
          f"{p95(stats):>13.2f}")
    print(f"{'RequestBatch of 50 GetStats':34}{med(batch):>10.2f}{med(peer_batch):>10.2f}"
          f"{med(batch) / med(peer_batch):>8.1f}{p95(batch):>13.2f}")
    print(f"engine tree CPU (% of one core, live 1280x720), {len(pids)} processes:")
    print(f"{'  5 clients, no meters':34}{quiet:>10.1f}")
    print(f"{'  5 clients, InputVolumeMeters':34}{metered:>10.1f}   (+{metered - quiet:.1f}; "
          f"{statistics.mean(rates):.1f} events/s each)")
    print(f"meters / no meters: {metered / quiet:.3f}" if quiet else "")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
