"""Files only their owner can read: the control token, the obs-websocket password, the args
file that carries stream keys to a Task Scheduler engine, the crash log.

On Linux, mode 0600 at creation does it (and the directories are checked: engine/paths.py). On
Windows the mode is a no-op and a new file inherits its folder's ACL, so a ``RIGCAST_*_DIR``
pointing at a shared folder would hand those secrets to everyone who can read it. There each
file gets, before a byte of it is written, a protected DACL with one entry: full access for
the user running rigcast (their SID from the process token), nothing inherited. This is
``SetFileSecurityW`` with an SDDL string (advapi32, through ctypes): a dozen lines, where
pywin32 would add a large binary dependency for the same calls.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO, Any

SDDL_REVISION_1 = 1
DACL_SECURITY_INFORMATION = 0x00000004
PROTECTED_DACL_SECURITY_INFORMATION = 0x80000000
TOKEN_QUERY = 0x0008
TOKEN_USER_CLASS = 1  # TOKEN_INFORMATION_CLASS.TokenUser


def owner_only_sddl(sid: str) -> str:
    """A protected DACL ("P": nothing inherited from the folder) granting ``sid`` full file
    access ("FA") and nobody else anything."""
    if not sid.startswith("S-1-") or any(c in sid for c in "();:"):
        raise ValueError(f"not a SID: {sid!r}")
    return f"D:P(A;;FA;;;{sid})"


def open_private(path: Path | str, mode: str = "w") -> IO[str]:
    """``path`` opened for text (``mode`` "w" or "a"), created 0600, and on Windows made
    owner-only before anything is written to it."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        if sys.platform == "win32":
            restrict_to_owner(str(path))
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, mode, encoding="utf-8", errors="replace")


def restrict_to_owner(path: str) -> None:
    """Give ``path`` the owner-only DACL (Windows); OSError if Windows refuses."""
    if sys.platform != "win32":
        os.chmod(path, 0o600)
        return
    import ctypes
    from ctypes import wintypes

    advapi = ctypes.WinDLL("advapi32", use_last_error=True)
    kernel = ctypes.WinDLL("kernel32", use_last_error=True)
    advapi.ConvertStringSecurityDescriptorToSecurityDescriptorW.argtypes = [
        wintypes.LPCWSTR, wintypes.DWORD, ctypes.POINTER(ctypes.c_void_p), ctypes.POINTER(wintypes.ULONG)]
    advapi.SetFileSecurityW.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, ctypes.c_void_p]
    kernel.LocalFree.argtypes = [ctypes.c_void_p]
    sd = ctypes.c_void_p()
    if not advapi.ConvertStringSecurityDescriptorToSecurityDescriptorW(
            owner_only_sddl(current_user_sid()), SDDL_REVISION_1, ctypes.byref(sd), None):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        if not advapi.SetFileSecurityW(path, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION, sd):
            raise ctypes.WinError(ctypes.get_last_error())
    finally:
        kernel.LocalFree(sd)


def current_user_sid() -> str:
    """The SID of the user this process runs as ("S-1-5-21-..."), from its token."""
    if sys.platform != "win32":
        raise OSError("a Windows SID is asked for on a system without one")
    import ctypes
    from ctypes import wintypes

    advapi = ctypes.WinDLL("advapi32", use_last_error=True)
    kernel = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel.GetCurrentProcess.restype = wintypes.HANDLE
    kernel.CloseHandle.argtypes = [wintypes.HANDLE]
    kernel.LocalFree.argtypes = [ctypes.c_void_p]
    advapi.OpenProcessToken.argtypes = [wintypes.HANDLE, wintypes.DWORD, ctypes.POINTER(wintypes.HANDLE)]
    advapi.GetTokenInformation.argtypes = [wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD,
                                           ctypes.POINTER(wintypes.DWORD)]
    advapi.ConvertSidToStringSidW.argtypes = [ctypes.c_void_p, ctypes.POINTER(wintypes.LPWSTR)]
    token = wintypes.HANDLE()
    if not advapi.OpenProcessToken(kernel.GetCurrentProcess(), TOKEN_QUERY, ctypes.byref(token)):
        raise ctypes.WinError(ctypes.get_last_error())
    try:
        size = wintypes.DWORD()
        advapi.GetTokenInformation(token, TOKEN_USER_CLASS, None, 0, ctypes.byref(size))  # asks the size
        buf: Any = ctypes.create_string_buffer(size.value)
        if not advapi.GetTokenInformation(token, TOKEN_USER_CLASS, buf, size, ctypes.byref(size)):
            raise ctypes.WinError(ctypes.get_last_error())
        psid = ctypes.cast(buf, ctypes.POINTER(ctypes.c_void_p))[0]  # TOKEN_USER.User.Sid comes first
        text = wintypes.LPWSTR()
        if not advapi.ConvertSidToStringSidW(psid, ctypes.byref(text)):
            raise ctypes.WinError(ctypes.get_last_error())
        try:
            return str(text.value)
        finally:
            kernel.LocalFree(ctypes.cast(text, ctypes.c_void_p))
    finally:
        kernel.CloseHandle(token)
