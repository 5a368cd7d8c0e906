"""The facts Windows' process loopback is asked with, kept apart from the COM calls so they are
tested on every platform (engine/audio/app_wasapi.py makes the calls on Windows).

WASAPI records one process tree's sound alone when an IAudioClient is activated on the virtual
device ``VAD\\Process_Loopback`` with AUDIOCLIENT_ACTIVATION_PARAMS naming the process
(audioclientactivationparams.h; Microsoft's ApplicationLoopback sample). It arrived in Windows
10 build 20348 (Server 2022) and Windows 11; before it the activation fails, so rigcast says so
first. Such a client has no mix format of its own to ask for: the format is given, float32
stereo at the track's rate, and AUTOCONVERTPCM makes the audio engine convert to it.
"""

from __future__ import annotations

import struct

from rigcast.engine.errors import RigcastError

MIN_BUILD = 20348
VIRTUAL_DEVICE = "VAD\\Process_Loopback"
IID_IAUDIOCLIENT = "{1CB9AD4C-DBFA-4C32-B178-C2F568A703B2}"
IID_IAUDIOCAPTURECLIENT = "{C8ADBD64-E71E-48A0-A4DE-185C395CD317}"
IID_COMPLETION_HANDLER = "{41D949AB-9862-444A-80F6-C261334DA5EB}"  # IActivateAudioInterfaceCompletionHandler
IID_IAGILEOBJECT = "{94EA2B94-E9CC-49E0-C0FF-EE64CA8F5B90}"
IID_IUNKNOWN = "{00000000-0000-0000-C000-000000000046}"

ACTIVATION_TYPE_PROCESS_LOOPBACK = 1
INCLUDE_TARGET_PROCESS_TREE = 0  # the game and the processes it starts (a launcher's child)
VT_BLOB = 65

AUDCLNT_STREAMFLAGS_LOOPBACK = 0x0002_0000
AUDCLNT_STREAMFLAGS_EVENTCALLBACK = 0x0004_0000
AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM = 0x8000_0000
AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY = 0x0800_0000
STREAM_FLAGS = (AUDCLNT_STREAMFLAGS_LOOPBACK | AUDCLNT_STREAMFLAGS_EVENTCALLBACK
                | AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM | AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY)
AUDCLNT_BUFFERFLAGS_SILENT = 0x2
BUFFER_100NS = 1_000_000  # 100 ms of buffer in the audio engine (REFERENCE_TIME units)
WAVE_FORMAT_IEEE_FLOAT = 3


def check_build(build: int) -> None:
    """RigcastError in one line when this Windows has no process loopback."""
    if build < MIN_BUILD:
        raise RigcastError(f"application audio needs Windows 11 or Windows 10 build {MIN_BUILD} or later "
                           f"(this is build {build}); capture desktop_audio instead")


def activation_params(pid: int) -> bytes:
    """AUDIOCLIENT_ACTIVATION_PARAMS: the type, then AUDIOCLIENT_PROCESS_LOOPBACK_PARAMS
    (TargetProcessId, ProcessLoopbackMode): three 32-bit fields, 12 bytes."""
    return struct.pack("<iIi", ACTIVATION_TYPE_PROCESS_LOOPBACK, pid, INCLUDE_TARGET_PROCESS_TREE)


def float_format(rate: int, channels: int = 2) -> bytes:
    """WAVEFORMATEX for packed float32 (18 bytes, cbSize 0): what the mixer's rings hold."""
    block = channels * 4
    return struct.pack("<HHIIHHH", WAVE_FORMAT_IEEE_FLOAT, channels, rate, rate * block, block, 32, 0)


def hresult(value: int) -> str:
    """An HRESULT as Windows documents it (0x8889000A), for the one-line error."""
    return f"0x{value & 0xFFFFFFFF:08X}"
