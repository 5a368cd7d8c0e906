"""A WHIP endpoint on aiortc, a real WebRTC stack: POST an SDP offer, get an answer and a
session URL, then receive; DELETE ends the session. Run as a process, so a test can kill it
(the endpoint vanishes) and start another.

    python tests/whip_endpoint.py HOST PORT OUT_DIR [--token T]

It answers with aiortc's own codecs (H.264 constrained baseline, Opus), decodes everything it
receives, and once a second writes OUT_DIR/stats.json (requests, frames, audio samples, the
answered profile), OUT_DIR/frame.npy (the latest picture, RGB) and OUT_DIR/audio.npy (the
mono samples so far at 48 kHz).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError


class Endpoint:
    def __init__(self, out: Path, token: str | None) -> None:
        self.out, self.token = out, token
        self.requests: list[dict[str, Any]] = []
        self.sessions: dict[str, RTCPeerConnection] = {}
        self.frames = 0
        self.frame_times: list[float] = []
        self.audio: list[np.ndarray] = []
        self.audio_rate = 0
        self.last_frame: np.ndarray | None = None
        self.profile: str | None = None
        self.states: list[str] = []
        self.refused: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            line, *fields = head.split("\r\n")
            method, target, _ = line.split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, _, v in (f.partition(":") for f in fields if f)}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            status, extra, reply = await self.route(method, target, headers, body.decode())
        except (asyncio.IncompleteReadError, ValueError) as e:
            status, extra, reply = 400, {}, str(e)
        head_out = f"HTTP/1.1 {status} {'OK' if status < 300 else 'No'}\r\nContent-Length: {len(reply.encode())}\r\n"
        head_out += "".join(f"{k}: {v}\r\n" for k, v in extra.items()) + "Connection: close\r\n\r\n"
        writer.write(head_out.encode() + reply.encode())
        await writer.drain()
        writer.close()

    async def route(self, method: str, target: str, headers: dict[str, str], body: str) -> tuple[int, dict[str, str], str]:
        self.requests.append({"method": method, "target": target,
                              "auth": headers.get("authorization", ""), "type": headers.get("content-type", "")})
        if self.token and headers.get("authorization") != f"Bearer {self.token}":
            return 401, {}, "a valid Bearer token is required"
        if method == "POST" and target.startswith("/whip"):
            sid = uuid.uuid4().hex[:8]
            pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
            self.sessions[sid] = pc

            @pc.on("track")
            def on_track(track: Any) -> None:
                asyncio.ensure_future(self.consume(track))

            @pc.on("connectionstatechange")
            def changed() -> None:
                self.states.append(pc.connectionState)

            try:
                await pc.setRemoteDescription(RTCSessionDescription(body, "offer"))
            except Exception as e:  # an offer it can't take (aiortc: no common codec)
                del self.sessions[sid]
                await pc.close()
                self.refused.append(str(e))
                return 400, {}, f"cannot take this offer: {e}"
            await pc.setLocalDescription(await pc.createAnswer())
            answer = pc.localDescription.sdp
            for ln in answer.splitlines():
                if "profile-level-id=" in ln and self.profile is None:
                    self.profile = ln.split("profile-level-id=")[1].split(";")[0]
            return 201, {"Location": f"/session/{sid}", "Content-Type": "application/sdp"}, answer
        if method == "DELETE" and target.startswith("/session/"):
            pc = self.sessions.pop(target.rsplit("/", 1)[1], None)
            if pc is None:
                return 404, {}, "no such session"
            await pc.close()
            return 200, {}, ""
        return 404, {}, "not here"

    async def consume(self, track: Any) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if track.kind == "video":
                self.frames += 1
                self.frame_times.append(loop.time())
                if self.frames % 10 == 1:
                    self.last_frame = frame.to_ndarray(format="rgb24")
            else:
                self.audio_rate = frame.sample_rate
                a = frame.to_ndarray().astype(np.float32)
                if frame.format.is_planar:
                    a = a[0]
                else:  # interleaved: the left channel
                    a = a.reshape(-1, len(frame.layout.channels))[:, 0]
                self.audio.append(a / (32768.0 if frame.format.name.startswith("s16") else 1.0))

    async def report(self) -> None:
        while True:
            await asyncio.sleep(1)
            if self.last_frame is not None:
                np.save(self.out / "frame.tmp.npy", self.last_frame)
                (self.out / "frame.tmp.npy").replace(self.out / "frame.npy")
            if self.audio:
                np.save(self.out / "audio.tmp.npy", np.concatenate(self.audio))
                (self.out / "audio.tmp.npy").replace(self.out / "audio.npy")
            stats = {"requests": self.requests, "frames": self.frames, "frame_times": self.frame_times[-2000:],
                     "audio_samples": sum(len(a) for a in self.audio), "audio_rate": self.audio_rate,
                     "profile": self.profile, "sessions": len(self.sessions), "states": self.states,
                     "refused": self.refused}
            (self.out / "stats.tmp.json").write_text(json.dumps(stats))
            (self.out / "stats.tmp.json").replace(self.out / "stats.json")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("host")
    ap.add_argument("port", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--token")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    ep = Endpoint(a.out, a.token)
    server = await asyncio.start_server(ep.handle, a.host, a.port)
    asyncio.ensure_future(ep.report())
    (a.out / "ready").write_text("1")
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
