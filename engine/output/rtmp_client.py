"""A small RTMP publisher: handshake, connect, createStream, publish, then media messages.

Why not FFmpeg's RTMP protocol through PyAV: PyAV opens output URLs with ``avio_open`` while
holding the GIL and with no interrupt callback, so a server that accepts TCP and then stalls
(seen here: ``rtmps://`` to a plain RTMP port hung 60 s) would freeze the encoder thread, and a
publish that SRS/nginx refuse is indistinguishable from a network error. Here every socket
operation has a timeout and releases the GIL, and the server's answer to ``publish`` is read:
an ``_error``/``onStatus`` error or a close right after ``publish`` is a *rejection*.

The FLV muxer still does the codec work (Annex-B → AVCC, sequence headers, metadata);
:mod:`rigcast.engine.output.flv_tags` turns its tags into the messages sent here, as FFmpeg's own
``rtmp_write`` does.
"""

from __future__ import annotations

import os
import select
import socket
import ssl
import struct
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from rigcast.engine.output import amf0
from rigcast.engine.output.errors import BusyError, NetworkError, RejectedError

# Message type ids.
SET_CHUNK_SIZE, ABORT, ACK, USER_CONTROL, WINDOW_ACK_SIZE, SET_PEER_BW = 1, 2, 3, 4, 5, 6
AUDIO, VIDEO, DATA_AMF0, COMMAND_AMF0 = 8, 9, 18, 20
# Chunk stream ids (as FFmpeg uses them).
CS_CONTROL, CS_COMMAND, CS_AUDIO, CS_DATA, CS_VIDEO = 2, 3, 4, 5, 6

OUT_CHUNK_SIZE = 4096
CONFIRM_S = 0.5  # how long a fresh publish is watched for an immediate hang-up
HANDSHAKE_SIZE = 1536


# Linux and macOS; Windows has no such option, and there the whole send buffer is capped instead.
TCP_NOTSENT_LOWAT: int | None = getattr(socket, "TCP_NOTSENT_LOWAT", None)
FOURCC_LIST = ("av01", "hvc1", "avc1")  # AV1, HEVC, H.264, as enhanced RTMP names them

def closed_by_peer(e: OSError) -> bool:
    """Did this send error mean the server closed the connection? Linux says EPIPE or
    ECONNRESET; Windows also says WSAECONNABORTED (``ConnectionAbortedError``) when the
    server's close arrives while we write — a refusal ("closed right after accepting") must
    not be missed there."""
    return isinstance(e, (BrokenPipeError, ConnectionResetError, ConnectionAbortedError))


class RtmpNetworkError(NetworkError):
    """The server could not be reached or the connection broke."""


class RtmpRejected(RejectedError):
    """The server answered and refused: bad app, bad key, on_publish hook said no."""


class RtmpBusy(RtmpRejected, BusyError):
    """The server says the name is already being published (nginx-rtmp's BadName)."""


@dataclass(frozen=True)
class RtmpTarget:
    host: str
    port: int
    tls: bool
    app: str
    stream: str  # the stream key, with any query string (SRS reads tokens from it)
    tc_url: str

    @classmethod
    def parse(cls, url: str) -> RtmpTarget:
        parts = urlsplit(url)
        tls = parts.scheme.lower() == "rtmps"
        port = parts.port or (443 if tls else 1935)
        segments = [s for s in parts.path.split("/") if s]
        app = segments[0] if segments else ""
        stream = "/".join(segments[1:])
        if parts.query:
            stream += "?" + parts.query
        host = parts.hostname or ""
        netloc = f"{host}:{port}" if parts.port else host
        return cls(host, port, tls, app, stream, f"{parts.scheme}://{netloc}/{app}")


def _basic_header(fmt: int, csid: int) -> bytes:
    if csid < 64:
        return bytes([(fmt << 6) | csid])
    if csid < 320:
        return bytes([fmt << 6, csid - 64])
    return bytes([(fmt << 6) | 1]) + struct.pack("<H", csid - 64)


def encode_message(csid: int, type_id: int, stream_id: int, timestamp: int, payload: bytes,
                   chunk_size: int = OUT_CHUNK_SIZE) -> bytes:
    """One RTMP message as chunks: a type-0 header, then type-3 continuations."""
    timestamp &= 0xFFFFFFFF
    ext = timestamp >= 0xFFFFFF
    ts_field = 0xFFFFFF if ext else timestamp
    ext_bytes = struct.pack(">I", timestamp) if ext else b""
    header = (
        _basic_header(0, csid)
        + ts_field.to_bytes(3, "big")
        + len(payload).to_bytes(3, "big")
        + bytes([type_id])
        + struct.pack("<I", stream_id)
        + ext_bytes
    )
    out = [header, payload[:chunk_size]]
    cont = _basic_header(3, csid) + ext_bytes
    for i in range(chunk_size, len(payload), chunk_size):
        out.append(cont)
        out.append(payload[i : i + chunk_size])
    return b"".join(out)


@dataclass
class Message:
    type_id: int
    stream_id: int
    timestamp: int
    payload: bytes


class ChunkReader:
    """Reassembles incoming chunks into messages; keeps per-chunk-stream header state."""

    def __init__(self) -> None:
        self.buf = bytearray()
        self.chunk_size = 128
        self.streams: dict[int, dict[str, Any]] = {}

    def feed(self, data: bytes) -> list[Message]:
        self.buf += data
        out: list[Message] = []
        while True:
            msg = self._one()
            if msg is None:
                return out
            if msg is not True:
                out.append(msg)  # type: ignore[arg-type]

    def _one(self) -> Message | bool | None:
        b = self.buf
        if not b:
            return None
        fmt, csid, pos = b[0] >> 6, b[0] & 0x3F, 1
        if csid == 0:
            if len(b) < 2:
                return None
            csid, pos = b[1] + 64, 2
        elif csid == 1:
            if len(b) < 3:
                return None
            csid, pos = b[1] + b[2] * 256 + 64, 3
        st = self.streams.setdefault(csid, {"ts": 0, "delta": 0, "len": 0, "type": 0, "sid": 0, "data": bytearray()})
        need = (11, 7, 3, 0)[fmt]
        if len(b) < pos + need:
            return None
        starting = not st["data"]
        ts = None
        if fmt <= 2:
            ts = int.from_bytes(b[pos : pos + 3], "big")
        if fmt <= 1:
            st["len"] = int.from_bytes(b[pos + 3 : pos + 6], "big")
            st["type"] = b[pos + 6]
        if fmt == 0:
            st["sid"] = struct.unpack_from("<I", b, pos + 7)[0]
        pos += need
        ext = (ts if ts is not None else st.get("raw_ts", 0)) == 0xFFFFFF
        if ext:
            if len(b) < pos + 4:
                return None
            ext_ts = struct.unpack_from(">I", b, pos)[0]
            pos += 4
            if ts is not None:
                ts = ext_ts
        take = min(self.chunk_size, st["len"] - len(st["data"]))
        if len(b) < pos + take:
            return None
        if ts is not None:
            st["raw_ts"] = 0xFFFFFF if ext else ts
            if fmt == 0:
                st["ts"] = ts
            else:
                st["delta"] = ts
        if starting and fmt != 0:
            st["ts"] += st["delta"] if fmt in (1, 2, 3) else 0
        st["data"] += b[pos : pos + take]
        del self.buf[: pos + take]
        if len(st["data"]) < st["len"]:
            return True
        payload = bytes(st["data"])
        st["data"] = bytearray()
        msg = Message(st["type"], st["sid"], st["ts"], payload)
        if msg.type_id == SET_CHUNK_SIZE and len(payload) >= 4:
            self.chunk_size = struct.unpack(">I", payload[:4])[0] & 0x7FFFFFFF
        return msg


class RtmpPublisher:
    def __init__(self, url: str, timeout: float = 5.0, unsent_max: int | None = None) -> None:
        self.target = RtmpTarget.parse(url)
        self.timeout = timeout
        self.unsent_max = unsent_max  # bytes the kernel may hold unsent (None: as much as it likes)
        self.sock: socket.socket | None = None
        self.reader = ChunkReader()
        self.stream_id = 0
        self.bytes_sent = 0
        self._txn = 0
        self._window = 2_500_000
        self._received = 0
        self._acked = 0
        self.closed_by_server = False  # EOF/RST/EPIPE, as opposed to a timeout

    # -- connection ----------------------------------------------------------------------------
    def connect(self) -> None:
        t = self.target
        try:
            raw = socket.create_connection((t.host, t.port), timeout=self.timeout)
        except OSError as e:
            raise RtmpNetworkError(f"cannot connect to {t.host}:{t.port}: {e.strerror or e}") from None
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.unsent_max:
            # The kernel's send buffer grows to megabytes: seconds of media on a slow uplink,
            # hidden from the output's own queue, where delay is measured and shed
            # (engine/output/sendqueue.py). Capping what is *unsent* keeps that delay small and
            # leaves what is in flight to TCP, so a long fat link still fills.
            if TCP_NOTSENT_LOWAT is not None:
                raw.setsockopt(socket.IPPROTO_TCP, TCP_NOTSENT_LOWAT, self.unsent_max)
            else:
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.unsent_max * 4)
        sock: socket.socket = raw
        if t.tls:
            try:
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=t.host)
            except (OSError, ssl.SSLError) as e:
                raw.close()
                raise RtmpNetworkError(f"TLS handshake with {t.host}:{t.port} failed: {e}") from None
        self.sock = sock
        try:
            self._handshake()
            self._send(CS_CONTROL, SET_CHUNK_SIZE, 0, 0, struct.pack(">I", OUT_CHUNK_SIZE))
            self._command("connect", {
                "app": t.app, "type": "nonprivate", "flashVer": "FMLE/3.0 (compatible; rigcast)",
                "tcUrl": t.tc_url,
                # Enhanced RTMP: the FourCCs this client may send. Servers don't answer it (SRS 7
                # and FFmpeg's listener don't), so nothing here waits for or reads a reply.
                "fourCcList": list(FOURCC_LIST),
            })
            self._expect_result(self._txn, "connect")
            self._command("releaseStream", None, t.stream)
            self._command("FCPublish", None, t.stream)
            self._command("createStream", None)
            result = self._expect_result(self._txn, "createStream")
            self.stream_id = int(result[3]) if len(result) > 3 and isinstance(result[3], float) else 1
            self._command("publish", None, t.stream, "live", stream_id=self.stream_id)
            self._expect_publish_start()
            self._confirm_publish()
            self.sock.settimeout(self.timeout)
        except BaseException:
            self.close()
            raise

    def _handshake(self) -> None:
        c1 = struct.pack(">II", int(time.monotonic() * 1000) & 0xFFFFFFFF, 0) + os.urandom(HANDSHAKE_SIZE - 8)
        self._sendall(b"\x03" + c1)
        s0s1 = self._recv_exact(1 + HANDSHAKE_SIZE, "handshake")
        if s0s1[0] != 3:
            raise RtmpNetworkError(f"{self.target.host}:{self.target.port} does not speak RTMP "
                                   f"(handshake version {s0s1[0]})")
        self._recv_exact(HANDSHAKE_SIZE, "handshake")  # S2
        self._sendall(s0s1[1:])  # C2 echoes S1

    def _recv_exact(self, n: int, what: str) -> bytes:
        assert self.sock is not None
        buf = bytearray()
        while len(buf) < n:
            try:
                chunk = self.sock.recv(n - len(buf))
            except TimeoutError:
                raise RtmpNetworkError(f"no {what} answer from {self.target.host}:{self.target.port} "
                                       f"within {self.timeout:g} s") from None
            except OSError as e:
                raise RtmpNetworkError(f"{what} failed: {e.strerror or e}") from None
            if not chunk:
                raise RtmpNetworkError(f"server closed the connection during the {what}")
            buf += chunk
        return bytes(buf)

    def _sendall(self, data: bytes) -> None:
        assert self.sock is not None
        try:
            self.sock.sendall(data)
        except TimeoutError:
            raise RtmpNetworkError(f"sending stalled for {self.timeout:g} s (network congested or server stuck)") from None
        except OSError as e:
            self.closed_by_server = closed_by_peer(e)
            raise RtmpNetworkError(f"connection lost: {e.strerror or e}") from None
        self.bytes_sent += len(data)

    def _send(self, csid: int, type_id: int, stream_id: int, ts: int, payload: bytes) -> None:
        self._sendall(encode_message(csid, type_id, stream_id, ts, payload))

    def _command(self, name: str, *args: Any, stream_id: int = 0) -> None:
        self._txn += 1
        payload = amf0.encode_all(name, float(self._txn), *args)
        self._send(CS_COMMAND if stream_id == 0 else CS_AUDIO, COMMAND_AMF0, stream_id, 0, payload)

    # -- reading -------------------------------------------------------------------------------
    def _read_until(self, deadline: float) -> list[Message]:
        assert self.sock is not None
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError()
        self.sock.settimeout(remaining)
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionResetError("closed")
        return self._handle(data)

    def _handle(self, data: bytes) -> list[Message]:
        self._received += len(data)
        msgs = self.reader.feed(data)
        out = []
        for m in msgs:
            if m.type_id == USER_CONTROL and len(m.payload) >= 6 and struct.unpack(">H", m.payload[:2])[0] == 6:
                # PingRequest → PingResponse with the same timestamp.
                self._send(CS_CONTROL, USER_CONTROL, 0, 0, b"\x00\x07" + m.payload[2:6])
            elif m.type_id == WINDOW_ACK_SIZE and len(m.payload) >= 4:
                self._window = struct.unpack(">I", m.payload[:4])[0] or self._window
            elif m.type_id == SET_PEER_BW and len(m.payload) >= 4:
                self._send(CS_CONTROL, WINDOW_ACK_SIZE, 0, 0, m.payload[:4])
            out.append(m)
        if self._received - self._acked >= self._window:
            self._acked = self._received
            self._send(CS_CONTROL, ACK, 0, 0, struct.pack(">I", self._received & 0xFFFFFFFF))
        return out

    def _await(self, what: str, accept: Any) -> list[Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                msgs = self._read_until(deadline)
            except TimeoutError:
                raise RtmpNetworkError(f"no answer to {what} from {self.target.host}:{self.target.port} "
                                       f"within {self.timeout:g} s") from None
            except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError):
                # The server heard us and hung up: that is its answer (SRS/nginx on_publish denial).
                raise RtmpRejected(f"server closed the connection in answer to {what}") from None
            for m in msgs:
                if m.type_id != COMMAND_AMF0:
                    continue
                try:
                    values = amf0.decode_all(m.payload)
                except amf0.AmfError:
                    continue
                got = accept(values)
                if got is not None:
                    return got

    def _expect_result(self, txn: int, what: str) -> list[Any]:
        def accept(values: list[Any]) -> list[Any] | None:
            if len(values) >= 2 and values[0] in ("_result", "_error") and values[1] == float(txn):
                if values[0] == "_error":
                    info = values[3] if len(values) > 3 and isinstance(values[3], dict) else {}
                    raise RtmpRejected(f"server refused {what}: "
                                       f"{info.get('description') or info.get('code') or 'no reason given'}")
                return values
            return None

        return self._await(what, accept)

    def _expect_publish_start(self) -> None:
        def accept(values: list[Any]) -> list[Any] | None:
            if values and values[0] == "onStatus" and len(values) > 3 and isinstance(values[3], dict):
                info = values[3]
                code = str(info.get("code", ""))
                if code == "NetStream.Publish.Start":
                    return values
                if code == "NetStream.Publish.BadName":
                    raise RtmpBusy(f"stream busy on server: {code} {info.get('description', '')}".strip())
                if info.get("level") == "error" or "Publish" in code:
                    raise RtmpRejected(f"server refused publish: {code} {info.get('description', '')}".strip())
            if values and values[0] == "_error":
                raise RtmpRejected("server refused publish")
            return None

        self._await("publish", accept)

    def _confirm_publish(self) -> None:
        """nginx-rtmp answers Publish.Start and only then applies ``deny publish`` and hangs
        up; watch the socket briefly so that counts as the rejection it is."""
        end = time.monotonic() + CONFIRM_S
        while time.monotonic() < end:
            try:
                self.poll()
            except RtmpNetworkError:
                raise RtmpRejected("server closed the connection right after accepting publish "
                                   "(access denied?)") from None
            time.sleep(0.05)

    def poll(self) -> None:
        """Read what the server sent, without blocking; raise if it closed or said no."""
        if self.sock is None:
            raise RtmpNetworkError("not connected")
        pending = isinstance(self.sock, ssl.SSLSocket) and self.sock.pending() > 0
        ready, _, _ = select.select([self.sock], [], [], 0)
        if not ready and not pending:
            return
        try:
            self.sock.settimeout(0.5)
            data = self.sock.recv(65536)
        except (TimeoutError, ssl.SSLWantReadError):
            return
        except OSError as e:
            self.closed_by_server = closed_by_peer(e)
            raise RtmpNetworkError(f"connection lost: {e.strerror or e}") from None
        finally:
            if self.sock is not None:
                self.sock.settimeout(self.timeout)
        if not data:
            self.closed_by_server = True
            raise RtmpNetworkError("server closed the connection")
        for m in self._handle(data):
            if m.type_id == COMMAND_AMF0:
                try:
                    values = amf0.decode_all(m.payload)
                except amf0.AmfError:
                    continue
                if values and values[0] == "onStatus" and len(values) > 3 and isinstance(values[3], dict):
                    if values[3].get("level") == "error":
                        raise RtmpRejected(f"server stopped the stream: {values[3].get('code')}")

    # -- media ---------------------------------------------------------------------------------
    def send_tag(self, tag_type: int, timestamp_ms: int, payload: bytes) -> None:
        if tag_type == DATA_AMF0:
            payload = amf0.encode("@setDataFrame") + payload
            csid = CS_DATA
        else:
            csid = CS_VIDEO if tag_type == VIDEO else CS_AUDIO
        self._send(csid, tag_type, self.stream_id, timestamp_ms, payload)

    def close(self) -> None:
        if self.sock is not None:
            try:
                if self.stream_id:
                    self.sock.settimeout(0.5)
                    self._command("FCUnpublish", None, self.target.stream)
                    self._command("deleteStream", None, float(self.stream_id))
            except Exception:
                pass
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
