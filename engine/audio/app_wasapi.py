"""One application's sound on Windows: WASAPI process loopback, through ctypes' COM calls.

An IAudioClient is activated asynchronously on the virtual device ``VAD\\Process_Loopback``
for the process a window belongs to (its whole tree: a launcher's child included), initialised
in shared loopback mode for float32 stereo at the track's rate with an event per period, and
read through its IAudioCaptureClient. soundcard can't do it (it asks the client for a mix
format, which a process loopback client does not have). The facts passed in are
engine/audio/wasapi_rules.py's, tested on every platform; which application a source means is
engine/audio/apps.py's rule, fed from the windows rigcast already lists (engine/capture/win32_api.py).

When the process exits the source shows ``not_found`` with silence, and it is looked for again
every second: a restarted game is followed. Importing this module anywhere but Windows is a
bug, and fails at once.
"""

from __future__ import annotations

import sys

assert sys.platform == "win32", "rigcast.engine.audio.app_wasapi is Windows-only"

import ctypes  # noqa: E402
import logging  # noqa: E402
import os  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from ctypes import wintypes  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from rigcast.config.model import SourceConfig  # noqa: E402
from rigcast.engine.audio import wasapi_rules as rules  # noqa: E402
from rigcast.engine.audio.apps import AppRecorder, PlayingApp, pick  # noqa: E402
from rigcast.engine.errors import RigcastError  # noqa: E402
from rigcast.engine.vocab import SourceState  # noqa: E402

log = logging.getLogger("rigcast.audio")

ole32 = ctypes.WinDLL("ole32")
mmdevapi = ctypes.WinDLL("mmdevapi")
kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)

S_OK, E_NOINTERFACE = 0, -2147467262  # 0x80004002
COINIT_MULTITHREADED = 0
WAIT_OBJECT_0, WAIT_TIMEOUT = 0, 0x102
SYNCHRONIZE = 0x0010_0000
LOOK_EVERY_S = 1.0
QUIET_MS = 200
ACTIVATE_TIMEOUT_S = 5.0

kernel32.CreateEventW.argtypes = [ctypes.c_void_p, wintypes.BOOL, wintypes.BOOL, wintypes.LPCWSTR]
kernel32.CreateEventW.restype = wintypes.HANDLE
kernel32.WaitForSingleObject.argtypes = [wintypes.HANDLE, wintypes.DWORD]
kernel32.WaitForSingleObject.restype = wintypes.DWORD
kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
kernel32.OpenProcess.restype = wintypes.HANDLE
kernel32.CloseHandle.argtypes = [wintypes.HANDLE]
ole32.CoInitializeEx.argtypes = [ctypes.c_void_p, wintypes.DWORD]
ole32.CoInitializeEx.restype = ctypes.c_long
ole32.CLSIDFromString.argtypes = [wintypes.LPCWSTR, ctypes.c_void_p]
ole32.CLSIDFromString.restype = ctypes.c_long


class GUID(ctypes.Structure):
    _fields_ = [("Data1", ctypes.c_ulong), ("Data2", ctypes.c_ushort), ("Data3", ctypes.c_ushort),
                ("Data4", ctypes.c_ubyte * 8)]


def guid(text: str) -> GUID:
    g = GUID()
    _check(ole32.CLSIDFromString(text, ctypes.byref(g)), f"the interface id {text}")
    return g


class BLOB(ctypes.Structure):
    _fields_ = [("cbSize", ctypes.c_ulong), ("pBlobData", ctypes.c_void_p)]


class PROPVARIANT(ctypes.Structure):
    """vt, three reserved WORDs, then the union (a BLOB here): 24 bytes on 64-bit Windows."""

    _fields_ = [("vt", ctypes.c_ushort), ("r1", ctypes.c_ushort), ("r2", ctypes.c_ushort), ("r3", ctypes.c_ushort),
                ("blob", BLOB)]


mmdevapi.ActivateAudioInterfaceAsync.argtypes = [wintypes.LPCWSTR, ctypes.POINTER(GUID), ctypes.POINTER(PROPVARIANT),
                                                 ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]
mmdevapi.ActivateAudioInterfaceAsync.restype = ctypes.c_long


def _check(hr: int, what: str) -> None:
    if hr < 0:
        raise RigcastError(f"{what} failed ({rules.hresult(hr)})")


def _method(obj: ctypes.c_void_p, index: int, *argtypes: Any) -> Any:
    """The COM object's method at vtable ``index``, called with the object first."""
    vtbl = ctypes.cast(obj, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p)))[0]
    fn = ctypes.WINFUNCTYPE(ctypes.c_long, ctypes.c_void_p, *argtypes)(vtbl[index])
    return lambda *args: fn(obj, *args)


# IUnknown 0-2; IAudioClient: Initialize 3, Start 10, Stop 11, SetEventHandle 13, GetService 14;
# IAudioCaptureClient: GetBuffer 3, ReleaseBuffer 4, GetNextPacketSize 5;
# IActivateAudioInterfaceAsyncOperation: GetActivateResult 3.
RELEASE, INITIALIZE, START, STOP, SET_EVENT_HANDLE, GET_SERVICE = 2, 3, 10, 11, 13, 14
GET_BUFFER, RELEASE_BUFFER, GET_NEXT_PACKET_SIZE, GET_ACTIVATE_RESULT = 3, 4, 5, 3

_QI = ctypes.WINFUNCTYPE(ctypes.c_long, ctypes.c_void_p, ctypes.POINTER(GUID), ctypes.POINTER(ctypes.c_void_p))
_REF = ctypes.WINFUNCTYPE(ctypes.c_ulong, ctypes.c_void_p)
_COMPLETED = ctypes.WINFUNCTYPE(ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p)


class _HandlerVtbl(ctypes.Structure):
    _fields_ = [("QueryInterface", _QI), ("AddRef", _REF), ("Release", _REF), ("ActivateCompleted", _COMPLETED)]


class _HandlerObject(ctypes.Structure):
    _fields_ = [("lpVtbl", ctypes.POINTER(_HandlerVtbl))]


class CompletionHandler:
    """IActivateAudioInterfaceCompletionHandler, agile (the activation completes on an MTA
    thread of Windows' own): it only says that the activation has completed. Kept alive by
    its owner for as long as Windows may call it."""

    def __init__(self) -> None:
        self.done = threading.Event()
        ids = [guid(rules.IID_IUNKNOWN), guid(rules.IID_COMPLETION_HANDLER), guid(rules.IID_IAGILEOBJECT)]
        self._ids = [bytes(i) for i in ids]

        def query(this: int, iid: Any, out: Any) -> int:
            if bytes(iid.contents) in self._ids:
                out[0] = this
                return S_OK
            out[0] = None
            return E_NOINTERFACE

        def completed(_this: int, _op: int) -> int:
            self.done.set()
            return S_OK

        self._vtbl = _HandlerVtbl(_QI(query), _REF(lambda _this: 1), _REF(lambda _this: 1), _COMPLETED(completed))
        self.obj = _HandlerObject(ctypes.pointer(self._vtbl))

    @property
    def pointer(self) -> int:
        return ctypes.addressof(self.obj)


def candidates() -> list[PlayingApp]:
    """The programs with a window, as the source can name them (exe or title)."""
    from rigcast.engine.capture.win32_api import list_windows

    return [PlayingApp(w.pid, w.title, os.path.basename(w.exe or ""), w.pid) for w in list_windows() if w.pid]


def list_apps() -> list[tuple[str, bool]]:
    seen: dict[str, None] = {}
    for a in candidates():
        seen.setdefault(a.label())
    return [(label, False) for label in seen]


class ProcessLoopback(AppRecorder):
    """One process tree's sound, found again when it ends."""

    def __init__(self, cfg: SourceConfig) -> None:
        rules.check_build(int(sys.getwindowsversion().build))
        super().__init__(cfg.settings.app)
        self._pending = np.zeros((0, 2), dtype=np.float32)
        self._client: ctypes.c_void_p | None = None
        self._capture: ctypes.c_void_p | None = None
        self._process: int | None = None
        self._event = kernel32.CreateEventW(None, False, False, None)
        self._handler: CompletionHandler | None = None
        _check(ole32.CoInitializeEx(None, COINIT_MULTITHREADED), "starting COM")

    def __exit__(self, *_exc: Any) -> None:
        super().__exit__()
        kernel32.CloseHandle(self._event)

    def record(self, numframes: int) -> np.ndarray:
        while len(self._pending) < numframes:
            if self._capture is None and time.monotonic() >= self._next_look:
                self._look()
            if self._capture is None:
                return self._pacer.silence(numframes)
            if kernel32.WaitForSingleObject(self._event, QUIET_MS) == WAIT_TIMEOUT:
                if self._exited():
                    log.info("%s has exited; looking for it again every %g s", self.name, LOOK_EVERY_S)
                    self._end()
                    self.state = SourceState.NOT_FOUND
                return self._pacer.silence(numframes)
            got = self._read_packets()
            if got:
                self._pending = np.concatenate([self._pending, *got])
                self._pacer.reset()
        block, self._pending = self._pending[:numframes], self._pending[numframes:]
        return block

    def _read_packets(self) -> list[np.ndarray]:
        assert self._capture is not None
        size, data, frames, flags = ctypes.c_uint32(), ctypes.c_void_p(), ctypes.c_uint32(), wintypes.DWORD()
        next_size = _method(self._capture, GET_NEXT_PACKET_SIZE, ctypes.POINTER(ctypes.c_uint32))
        get = _method(self._capture, GET_BUFFER, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(ctypes.c_uint32),
                      ctypes.POINTER(wintypes.DWORD), ctypes.c_void_p, ctypes.c_void_p)
        release = _method(self._capture, RELEASE_BUFFER, ctypes.c_uint32)
        out = []
        _check(next_size(ctypes.byref(size)), "reading the application's sound")
        while size.value:
            _check(get(ctypes.byref(data), ctypes.byref(frames), ctypes.byref(flags), None, None),
                   "reading the application's sound")
            n = frames.value
            if flags.value & rules.AUDCLNT_BUFFERFLAGS_SILENT or not data.value:
                out.append(np.zeros((n, 2), dtype=np.float32))
            else:  # a copy: the buffer is WASAPI's again once released
                out.append(np.ctypeslib.as_array((ctypes.c_float * (n * 2)).from_address(data.value))
                           .reshape(n, 2).copy())
            _check(release(n), "reading the application's sound")
            _check(next_size(ctypes.byref(size)), "reading the application's sound")
        return out

    def _exited(self) -> bool:
        return self._process is None or kernel32.WaitForSingleObject(self._process, 0) == WAIT_OBJECT_0

    def _look(self) -> None:
        self._next_look = time.monotonic() + LOOK_EVERY_S
        app = pick(candidates(), self.want)
        if app is None or app.pid is None:
            if not self._said_missing:
                log.info("%s has no window open; looking for it every %g s", self.name, LOOK_EVERY_S)
                self._said_missing = True
            return
        try:
            self._activate(app.pid)
        except RigcastError as e:
            self._end()
            if not self._said_missing:
                log.warning("%s: %s; trying again every %g s", self.name, e, LOOK_EVERY_S)
                self._said_missing = True
            return
        self._said_missing = False
        self.state = SourceState.LIVE
        log.info("%s: recording %s (pid %d) through process loopback", self.name, app.label(), app.pid)

    def _activate(self, pid: int) -> None:
        self._process = kernel32.OpenProcess(SYNCHRONIZE, False, pid) or None
        params = rules.activation_params(pid)
        blob = ctypes.create_string_buffer(params, len(params))
        pv = PROPVARIANT(vt=rules.VT_BLOB)
        pv.blob.cbSize, pv.blob.pBlobData = len(params), ctypes.cast(blob, ctypes.c_void_p)
        self._handler = handler = CompletionHandler()
        op = ctypes.c_void_p()
        iid = guid(rules.IID_IAUDIOCLIENT)
        _check(mmdevapi.ActivateAudioInterfaceAsync(rules.VIRTUAL_DEVICE, ctypes.byref(iid), ctypes.byref(pv),
                                                    handler.pointer, ctypes.byref(op)), "activating process loopback")
        try:
            if not handler.done.wait(ACTIVATE_TIMEOUT_S):
                raise RigcastError(f"Windows did not activate process loopback within {ACTIVATE_TIMEOUT_S:g} s")
            hr, client = ctypes.c_long(), ctypes.c_void_p()
            _check(_method(op, GET_ACTIVATE_RESULT, ctypes.POINTER(ctypes.c_long), ctypes.POINTER(ctypes.c_void_p))(
                ctypes.byref(hr), ctypes.byref(client)), "activating process loopback")
            _check(hr.value, f"process loopback for pid {pid}")
        finally:
            _method(op, RELEASE)()
        self._client = client
        fmt = ctypes.create_string_buffer(rules.float_format(self.rate), 18)
        _check(_method(client, INITIALIZE, ctypes.c_int, wintypes.DWORD, ctypes.c_longlong, ctypes.c_longlong,
                       ctypes.c_void_p, ctypes.c_void_p)(0, rules.STREAM_FLAGS, rules.BUFFER_100NS, 0,
                                                               ctypes.cast(fmt, ctypes.c_void_p), None),
               "opening the application's sound")
        _check(_method(client, SET_EVENT_HANDLE, wintypes.HANDLE)(self._event), "opening the application's sound")
        capture = ctypes.c_void_p()
        iid_capture = guid(rules.IID_IAUDIOCAPTURECLIENT)
        _check(_method(client, GET_SERVICE, ctypes.POINTER(GUID), ctypes.POINTER(ctypes.c_void_p))(
            ctypes.byref(iid_capture), ctypes.byref(capture)), "opening the application's sound")
        self._capture = capture
        _check(_method(client, START)(), "starting the application's sound")

    def _end(self) -> None:
        if self._client is not None:
            _method(self._client, STOP)()
        for obj in (self._capture, self._client):
            if obj is not None:
                _method(obj, RELEASE)()
        self._capture = self._client = None
        if self._process is not None:
            kernel32.CloseHandle(self._process)
            self._process = None
        self._pending = np.zeros((0, 2), dtype=np.float32)


def find_app(cfg: SourceConfig) -> ProcessLoopback:
    """The kind's factory (config/kinds/app_audio.py): refuses at once below build 20348."""
    return ProcessLoopback(cfg)
