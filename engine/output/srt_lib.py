"""libsrt through ctypes: the dozen calls an SRT caller needs, and its statistics.

Why ctypes: PyAV's wheel has no SRT, and a compiled binding would be one more thing to build
for every platform. Debian ships libsrt (libsrt1.5-openssl, or the gnutls build ffmpeg pulls
in). On Windows nothing ships it, so ``srt.dll`` / ``libsrt.dll`` is looked for by full path:
beside ``rigcast.exe`` (the environment's Scripts folder), then in each folder on PATH (since
Python 3.8 a bare-name ``CDLL`` no longer searches PATH), then by name (the system folders).
Not found, the output stops with one line saying where it looked and what to install; it is
no network error, so it is not retried. The numbers below are srt.h's (libsrt 1.5), checked
against the header.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from rigcast.config.kinds.srt import SrtStats
from rigcast.engine.errors import RigcastError
from rigcast.engine.output.errors import NetworkError, RejectedError, SessionEnd, UnavailableError

# SRT_SOCKOPT
SRTO_SNDSYN, SRTO_SNDTIMEO, SRTO_SENDER, SRTO_LATENCY = 1, 13, 21, 23
SRTO_PASSPHRASE, SRTO_PBKEYLEN, SRTO_CONNTIMEO, SRTO_STREAMID, SRTO_TRANSTYPE = 26, 27, 36, 46, 50
SRTT_LIVE = 0
# SRT_SOCKSTATUS
SRTS_CONNECTED, SRTS_BROKEN = 5, 6
# SRT_REJECT_REASON: what the far side decided (the rest is the network's doing)
REJ_PEER, REJ_VERSION, REJ_BADSECRET, REJ_UNSECURE, REJ_TIMEOUT = 2, 8, 10, 11, 16
REFUSALS = {REJ_PEER, REJ_VERSION, REJ_BADSECRET, REJ_UNSECURE, 12, 13, 14, 15}
SERVER_CODES = 1000  # SRT_REJC_PREDEFINED and up: the server's own (1403 forbidden, ...)
LIVE_PAYLOAD = 7 * 188  # one MPEG-TS live message

_NAMES = {"linux": ("libsrt.so.1.5", "libsrt-openssl.so.1.5", "libsrt-gnutls.so.1.5"),
          "darwin": ("libsrt.1.5.dylib", "libsrt.dylib"), "win32": ("srt.dll", "libsrt.dll")}
WHERE = {"linux": "install libsrt (Debian/Ubuntu: apt install libsrt1.5-openssl)",
         "win32": "put srt.dll (vcpkg install srt:x64-windows, or an SRT Windows build) beside rigcast.exe "
                  "or in a folder on PATH", "darwin": "install libsrt (brew install srt)"}


class SrtError(RigcastError, NetworkError):
    """A libsrt call failed; ``reject`` is the reject reason when a connect was refused."""

    def __init__(self, message: str, reject: int = 0) -> None:
        super().__init__(message)
        self.reject = reject

    @property
    def refused(self) -> bool:
        return self.is_refusal(self.reject)

    @staticmethod
    def is_refusal(reason: int) -> bool:
        """A reject reason that means the listener said no (not that it could not be reached)."""
        return reason in REFUSALS or reason >= SERVER_CODES


class SrtRejected(SrtError, RejectedError):
    """The listener refused the connection (a wrong passphrase or stream id, its own code)."""

    END = SessionEnd.REJECTED
    LABEL = RejectedError.LABEL


class SrtUnavailable(SrtError, UnavailableError):
    """libsrt is not installed where rigcast looks: one line, no retry."""

    END = SessionEnd.UNAVAILABLE
    LABEL = ""


class Stats(ctypes.Structure):
    """The head of SRT_TRACEBSTATS, as far as rigcast reads it; the rest is room."""

    _fields_ = [
        ("msTimeStamp", ctypes.c_int64), ("pktSentTotal", ctypes.c_int64), ("pktRecvTotal", ctypes.c_int64),
        ("pktSndLossTotal", ctypes.c_int), ("pktRcvLossTotal", ctypes.c_int), ("pktRetransTotal", ctypes.c_int),
        ("pktSentACKTotal", ctypes.c_int), ("pktRecvACKTotal", ctypes.c_int), ("pktSentNAKTotal", ctypes.c_int),
        ("pktRecvNAKTotal", ctypes.c_int), ("usSndDurationTotal", ctypes.c_int64),
        ("pktSndDropTotal", ctypes.c_int), ("pktRcvDropTotal", ctypes.c_int), ("pktRcvUndecryptTotal", ctypes.c_int),
        ("byteSentTotal", ctypes.c_uint64), ("byteRecvTotal", ctypes.c_uint64), ("byteRcvLossTotal", ctypes.c_uint64),
        ("byteRetransTotal", ctypes.c_uint64), ("byteSndDropTotal", ctypes.c_uint64),
        ("byteRcvDropTotal", ctypes.c_uint64), ("byteRcvUndecryptTotal", ctypes.c_uint64),
        ("pktSent", ctypes.c_int64), ("pktRecv", ctypes.c_int64), ("pktSndLoss", ctypes.c_int),
        ("pktRcvLoss", ctypes.c_int), ("pktRetrans", ctypes.c_int), ("pktRcvRetrans", ctypes.c_int),
        ("pktSentACK", ctypes.c_int), ("pktRecvACK", ctypes.c_int), ("pktSentNAK", ctypes.c_int),
        ("pktRecvNAK", ctypes.c_int), ("mbpsSendRate", ctypes.c_double), ("mbpsRecvRate", ctypes.c_double),
        ("usSndDuration", ctypes.c_int64), ("pktReorderDistance", ctypes.c_int),
        ("pktRcvAvgBelatedTime", ctypes.c_double), ("pktRcvBelated", ctypes.c_int64),
        ("pktSndDrop", ctypes.c_int), ("pktRcvDrop", ctypes.c_int), ("pktRcvUndecrypt", ctypes.c_int),
        ("byteSent", ctypes.c_uint64), ("byteRecv", ctypes.c_uint64), ("byteRcvLoss", ctypes.c_uint64),
        ("byteRetrans", ctypes.c_uint64), ("byteSndDrop", ctypes.c_uint64), ("byteRcvDrop", ctypes.c_uint64),
        ("byteRcvUndecrypt", ctypes.c_uint64),
        ("usPktSndPeriod", ctypes.c_double), ("pktFlowWindow", ctypes.c_int), ("pktCongestionWindow", ctypes.c_int),
        ("pktFlightSize", ctypes.c_int), ("msRTT", ctypes.c_double), ("mbpsBandwidth", ctypes.c_double),
        ("byteAvailSndBuf", ctypes.c_int), ("byteAvailRcvBuf", ctypes.c_int), ("mbpsMaxBW", ctypes.c_double),
        ("byteMSS", ctypes.c_int), ("pktSndBuf", ctypes.c_int), ("byteSndBuf", ctypes.c_int),
        ("msSndBuf", ctypes.c_int), ("msSndTsbPdDelay", ctypes.c_int),
        ("_rest", ctypes.c_byte * 1024),  # later fields (1.5's "new stats"): never read, room enough
    ]


def candidates(platform: str, scripts: str, path_env: str, found: str | None) -> list[str]:
    """Where libsrt is tried, in order. On Windows: full paths beside ``rigcast.exe``
    (``scripts``), then in each PATH folder, then the bare names; elsewhere the names, then
    what ``find_library`` found."""
    names = list(_NAMES.get(platform, _NAMES["linux"]))
    if platform != "win32":
        return names + ([found] if found else [])
    import ntpath

    folders = [scripts, *(d for d in path_env.split(";") if d.strip())]
    return [ntpath.join(d.strip().strip('"'), n) for d in folders for n in names] + names


def _unavailable(platform: str, scripts: str) -> SrtUnavailable:
    names = " or ".join(_NAMES.get(platform, _NAMES["linux"]))
    where = f" (looked for {names} in {scripts}, on PATH and in the system folders)" if platform == "win32" else ""
    return SrtUnavailable(f"SRT is unavailable: libsrt is not installed{where}; "
                          f"{WHERE.get(platform, WHERE['linux'])}")


@functools.cache
def lib() -> Any:
    """libsrt, loaded and started once per process; SrtUnavailable naming where it looked and
    how to install it if it isn't there."""
    import sysconfig

    scripts = sysconfig.get_path("scripts")
    for name in candidates(sys.platform, scripts, os.environ.get("PATH", ""), ctypes.util.find_library("srt")):
        try:
            srt = ctypes.CDLL(name)
            break
        except OSError:
            continue
    else:
        raise _unavailable(sys.platform, scripts)
    srt.srt_startup.restype = ctypes.c_int
    srt.srt_create_socket.restype = ctypes.c_int
    srt.srt_setsockflag.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    srt.srt_connect.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    srt.srt_sendmsg2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p]
    srt.srt_close.argtypes = [ctypes.c_int]
    srt.srt_getlasterror_str.restype = ctypes.c_char_p
    srt.srt_getrejectreason.argtypes = [ctypes.c_int]
    srt.srt_rejectreason_str.argtypes = [ctypes.c_int]
    srt.srt_rejectreason_str.restype = ctypes.c_char_p
    srt.srt_getsockstate.argtypes = [ctypes.c_int]
    srt.srt_bstats.argtypes = [ctypes.c_int, ctypes.POINTER(Stats), ctypes.c_int]
    srt.srt_startup()
    return srt


def _last_error() -> str:
    msg = lib().srt_getlasterror_str()
    return msg.decode(errors="replace") if msg else "unknown SRT error"


class SrtCaller:
    """One SRT connection in caller mode, sending live MPEG-TS messages."""

    def __init__(self, host: str, port: int, *, streamid: str | None, latency_ms: int, passphrase: str | None,
                 pbkeylen: int, connect_timeout_ms: int, send_timeout_ms: int = 2000) -> None:
        srt = lib()
        self.latency_ms = latency_ms
        self.sock = srt.srt_create_socket()
        if self.sock < 0:
            raise SrtError(f"cannot create an SRT socket: {_last_error()}")
        try:
            self._int(SRTO_TRANSTYPE, SRTT_LIVE)
            self._int(SRTO_SENDER, 1)
            self._int(SRTO_LATENCY, latency_ms)
            self._int(SRTO_CONNTIMEO, connect_timeout_ms)
            self._int(SRTO_SNDTIMEO, send_timeout_ms)  # a stuck link shows as an error, never a hang
            if streamid:
                self._bytes(SRTO_STREAMID, streamid.encode())
            if passphrase:
                self._bytes(SRTO_PASSPHRASE, passphrase.encode())
                self._int(SRTO_PBKEYLEN, pbkeylen)
            self._connect(host, port)
        except BaseException:
            self.close()
            raise

    def _int(self, opt: int, value: int) -> None:
        v = ctypes.c_int(value)
        if lib().srt_setsockflag(self.sock, opt, ctypes.byref(v), ctypes.sizeof(v)) < 0:
            raise SrtError(f"SRT option {opt}: {_last_error()}")

    def _bytes(self, opt: int, value: bytes) -> None:
        buf = ctypes.create_string_buffer(value, len(value))
        if lib().srt_setsockflag(self.sock, opt, buf, len(value)) < 0:
            raise SrtError(f"SRT option {opt}: {_last_error()}")

    def _connect(self, host: str, port: int) -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)
        except socket.gaierror as e:
            raise SrtError(f"cannot resolve {host}: {e.strerror}") from None
        family, _, _, _, addr = infos[0]
        if family == socket.AF_INET6:
            raw = socket.inet_pton(socket.AF_INET6, str(addr[0]))
            sa = (ctypes.c_uint16(socket.AF_INET6).value.to_bytes(2, sys.byteorder) + port.to_bytes(2, "big")
                  + b"\0" * 4 + raw + b"\0" * 4)
        else:
            sa = (socket.AF_INET.to_bytes(2, sys.byteorder) + port.to_bytes(2, "big")
                  + socket.inet_aton(str(addr[0])) + b"\0" * 8)
        buf = ctypes.create_string_buffer(sa, len(sa))
        if lib().srt_connect(self.sock, buf, len(sa)) < 0:
            reason = lib().srt_getrejectreason(self.sock)
            text = lib().srt_rejectreason_str(reason)
            why = text.decode(errors="replace") if text else _last_error()
            raise (SrtRejected if SrtError.is_refusal(reason) else SrtError)(f"{why} (SRT reject reason {reason})", reason)

    def send(self, data: bytes) -> None:
        """Whole live messages of up to 1316 bytes (7 TS packets) each."""
        srt = lib()
        for i in range(0, len(data), LIVE_PAYLOAD):
            chunk = data[i:i + LIVE_PAYLOAD]
            if srt.srt_sendmsg2(self.sock, chunk, len(chunk), None) < 0:
                raise SrtError(f"SRT send failed: {_last_error()}")

    def connected(self) -> bool:
        return int(lib().srt_getsockstate(self.sock)) == SRTS_CONNECTED

    def stats(self) -> SrtStats:
        s = Stats()
        if lib().srt_bstats(self.sock, ctypes.byref(s), 0) < 0:
            raise SrtError(f"SRT stats: {_last_error()}")
        return SrtStats(round(s.msRTT, 1), round(s.mbpsSendRate, 3), s.pktSndLossTotal, s.pktRetransTotal,
                        s.msSndBuf, s.pktSndDropTotal)

    def finish(self, timeout_s: float = 2.0) -> None:
        """Before a planned close: wait until every message sent is acknowledged, then for the
        receiver's latency, during which it still holds the last ones before handing them on.
        A live-mode close drops both (measured: the last frame arrived cut short; SRTO_LINGER
        did not help)."""
        deadline = time.monotonic() + timeout_s
        s = Stats()
        while time.monotonic() < deadline and self.connected():
            if lib().srt_bstats(self.sock, ctypes.byref(s), 0) < 0 or s.pktSndBuf == 0:
                break
            time.sleep(0.02)
        if self.connected():
            time.sleep(self.latency_ms / 1000 + 0.05)

    def close(self) -> None:
        if self.sock >= 0:
            lib().srt_close(self.sock)
            self.sock = -1


def passphrase_from(env: str | None, file: str | None) -> str | None:
    """The passphrase from an environment variable or a file, never from the config itself."""
    if env:
        value = os.environ.get(env)
        if not value:
            raise RigcastError(f"${env} is not set; export the SRT passphrase in it (10 to 79 characters)")
        return value
    if file:
        try:
            return Path(file).expanduser().read_text().strip()
        except OSError as e:
            raise RigcastError(f"cannot read the SRT passphrase file {file}: {e.strerror}") from None
    return None
