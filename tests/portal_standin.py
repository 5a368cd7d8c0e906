"""A stand-in for xdg-desktop-portal's ScreenCast interface, written to its published spec.

Why: the real portal can't start a cast on this machine (xdg-desktop-portal-wlr needs a GPU for
wlr-screencopy, its issue #289), and GNOME's and KDE's need their compositors. This answers the
same D-Bus interface on the test's private session bus, and hands out what a portal hands out: a
real connection to the real PipeWire daemon (an fd) and the id of a real node, so everything
after the conversation is the real thing. It proves rigcast speaks the documented conversation
and keeps the restore token; it does not prove any desktop's own portal behaves as the spec says.

Run: ``python -m tests.portal_standin --node NAME --log FILE [--cancel] [--cursor-modes N]``.
``FILE`` gets one JSON line per call, and ``{"prompts": N}`` each time the "user" is asked:
a Start whose SelectSources offered no restore token this portal handed out.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import sys
from typing import Any

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.freedesktop.portal.ScreenCast">
    <method name="CreateSession"><arg type="a{sv}" direction="in"/><arg type="o" direction="out"/></method>
    <method name="SelectSources"><arg type="o" direction="in"/><arg type="a{sv}" direction="in"/>
      <arg type="o" direction="out"/></method>
    <method name="Start"><arg type="o" direction="in"/><arg type="s" direction="in"/><arg type="a{sv}" direction="in"/>
      <arg type="o" direction="out"/></method>
    <method name="OpenPipeWireRemote"><arg type="o" direction="in"/><arg type="a{sv}" direction="in"/>
      <arg type="h" direction="out"/></method>
    <property name="AvailableSourceTypes" type="u" access="read"/>
    <property name="AvailableCursorModes" type="u" access="read"/>
    <property name="version" type="u" access="read"/>
  </interface>
</node>
"""
SESSION_XML = """
<node><interface name="org.freedesktop.portal.Session">
  <method name="Close"/><signal name="Closed"><arg type="a{sv}"/></signal>
</interface></node>
"""
OBJECT = "/org/freedesktop/portal/desktop"


class Portal:
    def __init__(self, conn: Gio.DBusConnection, args: argparse.Namespace) -> None:
        self.conn, self.args = conn, args
        self.tokens: set[str] = set()  # restore tokens handed out and not used yet
        self.sessions: dict[str, dict[str, Any]] = {}
        self.prompts = 0
        self.session_info = Gio.DBusNodeInfo.new_for_xml(SESSION_XML).interfaces[0]

    def log(self, **entry: Any) -> None:
        with open(self.args.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def respond(self, sender: str, token: str, code: int, results: dict[str, GLib.Variant]) -> str:
        path = f"{OBJECT}/request/{sender.lstrip(':').replace('.', '_')}/{token}"
        GLib.idle_add(lambda: self.conn.emit_signal(sender, path, "org.freedesktop.portal.Request", "Response",
                                                    GLib.Variant("(ua{sv})", (code, results))) and False)
        return path

    def close_session(self, handle: str, why: str) -> None:
        self.log(closed=handle, why=why)
        s = self.sessions.pop(handle, None)
        if s is not None:
            self.conn.unregister_object(s["reg"])
            self.conn.emit_signal(s["sender"], handle, "org.freedesktop.portal.Session", "Closed",
                                  GLib.Variant("(a{sv})", ({},)))

    def node_id(self) -> int:
        """The node the "user" picked, as a portal's own PipeWire client would see it."""
        from rigcast.engine.capture.pw_nodes import video_nodes

        for n in video_nodes():
            if n.name == self.args.node:
                return n.id
        raise LookupError(self.args.node)

    def call(self, conn: Gio.DBusConnection, sender: str, _path: str, _iface: str, method: str,
             params: GLib.Variant, inv: Gio.DBusMethodInvocation) -> None:
        args = params.unpack()
        opts = args[-1] if args and isinstance(args[-1], dict) else {}
        self.log(method=method, options={k: v for k, v in opts.items() if k != "handle_token"})
        if method == "CreateSession":
            handle = f"{OBJECT}/session/{sender.lstrip(':').replace('.', '_')}/{opts['session_handle_token']}"

            def on_session(_c: Any, _s: Any, path: str, _i: Any, _m: Any, _p: Any, i: Gio.DBusMethodInvocation) -> None:
                self.close_session(path, "Close called")
                i.return_value(None)

            reg = conn.register_object(handle, self.session_info, on_session, None, None)
            self.sessions[handle] = {"sender": sender, "reg": reg}
            inv.return_value(GLib.Variant("(o)", (self.respond(sender, opts["handle_token"], 0,
                                                               {"session_handle": GLib.Variant("s", handle)}),)))
        elif method == "SelectSources":
            handle = args[0]
            mode = opts.get("cursor_mode", 0)
            if mode and not mode & self.args.cursor_modes:  # what the spec says the portal does
                inv.return_value(GLib.Variant("(o)", (self.respond(sender, opts["handle_token"], 2, {}),)))
                self.close_session(handle, f"cursor mode {mode} is not offered")
                return
            token = opts.get("restore_token")
            self.sessions[handle]["restored"] = token in self.tokens
            self.tokens.discard(token)  # one use
            inv.return_value(GLib.Variant("(o)", (self.respond(sender, opts["handle_token"], 0, {}),)))
        elif method == "Start":
            handle = args[0]
            s = self.sessions[handle]
            if not s.get("restored"):
                self.prompts += 1
                self.log(prompts=self.prompts)
                if self.args.cancel:
                    inv.return_value(GLib.Variant("(o)", (self.respond(sender, opts["handle_token"], 1, {}),)))
                    return
            token = secrets.token_hex(8)
            self.tokens.add(token)
            stream = (self.node_id(), {"size": GLib.Variant("(ii)", (1280, 720)), "source_type": GLib.Variant("u", 2)})
            inv.return_value(GLib.Variant("(o)", (self.respond(sender, opts["handle_token"], 0, {
                "streams": GLib.Variant("a(ua{sv})", [stream]), "restore_token": GLib.Variant("s", token)}),)))
        elif method == "OpenPipeWireRemote":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(os.path.join(os.environ["XDG_RUNTIME_DIR"], "pipewire-0"))
            fds = Gio.UnixFDList.new()
            index = fds.append(sock.fileno())
            sock.close()
            inv.return_value_with_unix_fd_list(GLib.Variant("(h)", (index,)), fds)

    def get(self, _c: Any, _s: Any, _p: Any, _i: Any, name: str) -> GLib.Variant:
        return GLib.Variant("u", {"AvailableSourceTypes": 3, "AvailableCursorModes": self.args.cursor_modes,
                                  "version": 5}[name])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--node", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--cancel", action="store_true")
    ap.add_argument("--cursor-modes", type=int, default=3)
    args = ap.parse_args()
    conn = Gio.bus_get_sync(Gio.BusType.SESSION, None)
    portal = Portal(conn, args)
    iface = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
    conn.register_object(OBJECT, iface, portal.call, portal.get, None)
    loop = GLib.MainLoop()

    def acquired(*_a: Any) -> None:
        print("ready", flush=True)

    Gio.bus_own_name_on_connection(conn, "org.freedesktop.portal.Desktop", Gio.BusNameOwnerFlags.NONE,
                                   acquired, lambda *_a: loop.quit())
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
