"""The desktop's ScreenCast portal (xdg-desktop-portal), spoken over D-Bus through Gio.

The conversation is the portal's documented one: CreateSession, SelectSources, Start, each
answered by a ``Response`` signal on a Request object once the user has chosen, then
OpenPipeWireRemote, which hands over a PipeWire connection (an fd) that can see the shared
node. Rules the portal enforces and rigcast follows:
- only source types and cursor modes its ``AvailableSourceTypes`` / ``AvailableCursorModes``
  list are asked for: another one makes it close the session;
- ``persist_mode = 2`` asks it to remember the choice; Start returns a restore token, good for
  one use, which is kept (0600, in the state dir) and offered next time, so where the portal can
  restore (GNOME, KDE) the user is asked once, not at every start;
- the prompt appears on the game box's own screen, not in the SSH terminal: the log says so.

Gio rather than another D-Bus library: PyGObject is already here for GStreamer, and Gio passes
the fd OpenPipeWireRemote returns (a D-Bus ``h``) as a plain fd.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rigcast.config.model import Size
from rigcast.engine.errors import RigcastError
from rigcast.engine.private_files import open_private

log = logging.getLogger("rigcast.capture.portal")

BUS_NAME = "org.freedesktop.portal.Desktop"
OBJECT = "/org/freedesktop/portal/desktop"
SCREENCAST = "org.freedesktop.portal.ScreenCast"
REQUEST = "org.freedesktop.portal.Request"
SESSION = "org.freedesktop.portal.Session"
SOURCE_TYPES = {"monitor": 1, "window": 2}
CURSOR_MODES = {"hidden": 1, "embedded": 2}
PERSIST_UNTIL_REVOKED = 2
CALL_TIMEOUT_MS = 10_000


class PortalError(RigcastError):
    """The portal is missing, refused, or the user cancelled: one line, never a traceback."""


@dataclass(frozen=True)
class Cast:
    """What a started ScreenCast session gives: a PipeWire connection and the node to read."""

    fd: int
    node_id: int
    size: Size | None
    session: str  # the session's object path, to close it


def pick(wanted: str, available: int, modes: dict[str, int]) -> tuple[int, str]:
    """The mode to ask for: ``wanted`` if the portal lists it, else the first it lists (named,
    so the log can say what was asked instead). Pure: tested without a portal."""
    if modes[wanted] & available:
        return modes[wanted], wanted
    for name, bit in modes.items():
        if bit & available:
            return bit, name
    raise PortalError(f"the ScreenCast portal offers none of {', '.join(modes)} (it lists {available:#x})")


class TokenStore:
    """Restore tokens by source, in one owner-only JSON file: each is good for one start."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)} if isinstance(data, dict) else {}

    def get(self, key: str) -> str | None:
        return self._read().get(key)

    def put(self, key: str, token: str | None) -> None:
        data = self._read()
        if token:
            data[key] = token
        else:
            data.pop(key, None)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open_private(tmp) as f:
            json.dump(data, f)
        os.replace(tmp, self.path)


class ScreenCastPortal:
    """One D-Bus connection to the session bus, its signals dispatched on a private context
    that :meth:`poll` runs, so a capture worker's loop stays the only loop."""

    def __init__(self, Gio: Any, GLib: Any, bus_address: str) -> None:
        self.Gio, self.GLib = Gio, GLib
        self.ctx = GLib.MainContext.new()
        self.ctx.push_thread_default()
        try:
            flags = Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION
            self.conn = Gio.DBusConnection.new_for_address_sync(bus_address, flags, None, None)
        except GLib.Error as e:
            raise PortalError(f"can't reach the desktop's session bus at {bus_address} ({e.message}); "
                              "run rigcast as the user logged in on the game box") from None
        finally:
            self.ctx.pop_thread_default()
        self.closed = False
        self.session: str | None = None

    # -- D-Bus plumbing -------------------------------------------------------------------------
    def _call(self, iface: str, method: str, args: Any, reply: str, path: str = OBJECT) -> Any:
        try:
            return self.conn.call_sync(BUS_NAME, path, iface, method, args, self.GLib.VariantType(reply),
                                       self.Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None).unpack()
        except self.GLib.Error as e:
            raise PortalError(f"the ScreenCast portal refused {method}: {e.message}") from None

    def property(self, name: str) -> Any:
        try:
            return self.conn.call_sync(BUS_NAME, OBJECT, "org.freedesktop.DBus.Properties", "Get",
                                       self.GLib.Variant("(ss)", (SCREENCAST, name)), self.GLib.VariantType("(v)"),
                                       self.Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None).unpack()[0]
        except self.GLib.Error as e:
            raise PortalError(f"no ScreenCast portal on the desktop's session bus ({e.message}); install "
                              "xdg-desktop-portal and the desktop's backend (-gnome, -kde or -wlr), or name a "
                              "PipeWire node with node = \"...\" (`rigcast windows` lists them)") from None

    def _request(self, method: str, signature: str, head: tuple[Any, ...], options: dict[str, Any],
                 cancelled: Callable[[], bool], waiting: str = "") -> dict[str, Any]:
        """Call a method answered by a Request's Response signal, and wait for the answer."""
        token = "rigcast" + secrets.token_hex(6)
        sender = self.conn.get_unique_name().lstrip(":").replace(".", "_")
        expected = f"{OBJECT}/request/{sender}/{token}"
        answer: list[tuple[int, dict[str, Any]]] = []

        def on_response(_c: Any, _s: Any, _p: Any, _i: Any, _n: Any, params: Any) -> None:
            answer.append(params.unpack())

        self.ctx.push_thread_default()
        try:  # subscribed before the call: the answer can come before the reply (the spec's advice)
            sub = self.conn.signal_subscribe(None, REQUEST, "Response", expected, None,
                                             self.Gio.DBusSignalFlags.NONE, on_response)
        finally:
            self.ctx.pop_thread_default()
        try:
            options = {"handle_token": self.GLib.Variant("s", token), **options}
            handle = self._call(SCREENCAST, method, self.GLib.Variant(signature, (*head, options)), "(o)")[0]
            if handle != expected:
                raise PortalError(f"the ScreenCast portal answered {method} on {handle}, not {expected}: "
                                  "it is older than version 0.9; update xdg-desktop-portal")
            if waiting:
                log.info("%s", waiting)
            while not answer:
                if cancelled():
                    raise PortalError(f"stopped while waiting for the portal's answer to {method}")
                if not self.ctx.iteration(False):
                    time.sleep(0.02)
        finally:
            self.conn.signal_unsubscribe(sub)
        code, results = answer[0]
        if code == 1:
            raise PortalError("the screen-share prompt was cancelled on the game box; the source shows its "
                              "placeholder (restart it to be asked again)")
        if code != 0:
            raise PortalError(f"the ScreenCast portal ended {method} without a cast (response {code})")
        return dict(results)

    # -- the conversation -----------------------------------------------------------------------
    def start(self, share: str, cursor: str, restore_token: str | None,
              cancelled: Callable[[], bool]) -> tuple[Cast, str | None]:
        """Run the conversation: a cast, and the restore token to keep for the next start."""
        V = self.GLib.Variant
        version = int(self.property("version"))
        types, type_name = pick(share, int(self.property("AvailableSourceTypes")), SOURCE_TYPES)
        if type_name != share:
            log.warning("the ScreenCast portal can't share a %s; asking for a %s", share, type_name)
        options: dict[str, Any] = {"types": V("u", types), "multiple": V("b", False)}
        if version >= 2:
            mode, mode_name = pick(cursor, int(self.property("AvailableCursorModes")), CURSOR_MODES)
            if mode_name != cursor:
                log.warning("the ScreenCast portal has no %s cursor; asking for %s", cursor, mode_name)
            options["cursor_mode"] = V("u", mode)
        if version >= 4:
            options["persist_mode"] = V("u", PERSIST_UNTIL_REVOKED)
            if restore_token:
                options["restore_token"] = V("s", restore_token)
        created = self._request("CreateSession", "(a{sv})", (),
                                {"session_handle_token": V("s", "rigcast" + secrets.token_hex(6))}, cancelled)
        self.session = str(created["session_handle"])
        self.ctx.push_thread_default()
        try:
            self.conn.signal_subscribe(None, SESSION, "Closed", self.session, None,
                                       self.Gio.DBusSignalFlags.NONE, self._on_closed)
        finally:
            self.ctx.pop_thread_default()
        self._request("SelectSources", "(oa{sv})", (self.session,), options, cancelled)
        started = self._request(
            "Start", "(osa{sv})", (self.session, ""), {}, cancelled,
            waiting="waiting for the screen-share prompt on the game box's own screen (not this terminal): "
                    "choose what to share there")
        streams = started.get("streams") or []
        if not streams:
            raise PortalError("the ScreenCast portal started a cast with no stream in it")
        node_id, props = streams[0]
        size = props.get("size")
        fd = self._open_remote()
        return Cast(fd, int(node_id), Size(*size) if size else None, self.session), started.get("restore_token")

    def _open_remote(self) -> int:
        assert self.session is not None
        try:
            reply, fds = self.conn.call_with_unix_fd_list_sync(
                BUS_NAME, OBJECT, SCREENCAST, "OpenPipeWireRemote", self.GLib.Variant("(oa{sv})", (self.session, {})),
                self.GLib.VariantType("(h)"), self.Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None, None)
        except self.GLib.Error as e:
            raise PortalError(f"the ScreenCast portal refused OpenPipeWireRemote: {e.message}") from None
        return int(fds.get(reply.unpack()[0]))

    def _on_closed(self, *_args: Any) -> None:
        self.closed = True

    def poll(self) -> bool:
        """Dispatch what arrived (a Closed signal); True while the session is open."""
        while self.ctx.iteration(False):
            pass
        return not self.closed

    def close(self) -> None:
        if self.session is not None and not self.closed:
            try:
                self.conn.call_sync(BUS_NAME, self.session, SESSION, "Close", None, None,
                                    self.Gio.DBusCallFlags.NONE, CALL_TIMEOUT_MS, None)
            except self.GLib.Error:
                pass
        self.closed = True
        try:
            self.conn.close_sync(None)
        except self.GLib.Error:
            pass
