"""The PipeWire video source: a node read through GStreamer, found by name or by the portal.

By node (``node = "gamescope"``): while no frames come, PipeWire's node list (pw-dump,
engine/capture/pw_nodes.py) is read once a second; the node gone (its producer quit) shows the
placeholder, and the node back (a new serial under the same name) is read again, with no
restart of rigcast.

Through the portal: the conversation (engine/capture/portal.py) runs in a thread, because the
user answers the prompt on the game box's screen whenever they get to it; the source shows its
placeholder meanwhile. A cast the desktop ends (the shared window closed) is asked for again
with the restore token, so where the portal can restore, the picture comes back unprompted.

Frames: ``pipewiresrc ! videoconvert ! BGRx/BGRA ! appsink`` keeps only the newest frame, and
the capture clock copies it into the ring (engine/capture/gst.py): one copy, in C. A size
change arrives as new caps on the next sample and is followed like a window resize.
"""

from __future__ import annotations

import sys

assert sys.platform.startswith("linux"), "rigcast.engine.capture.pipewire is Linux-only"

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from rigcast.config.model import Size, SourceConfig
from rigcast.engine import paths
from rigcast.engine.capture.base import SourceProbe
from rigcast.engine.capture.gst import GstApi, copy_sample, load
from rigcast.engine.capture.portal import Cast, PortalError, ScreenCastPortal, TokenStore
from rigcast.engine.capture.presence import WindowPresence
from rigcast.engine.capture.pw_nodes import VideoNode, video_nodes
from rigcast.engine.capture.pw_session import DesktopSession, desktop_session
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing, SourceState

log = logging.getLogger("rigcast.capture.pipewire")
T = TypeVar("T")

PROBE_TIMEOUT_S = 60.0
NODE_QUIET_S = 1.0  # no frame for this long: ask PipeWire whether the node is still there
NODE_MAX = Size(2560, 1440)  # the ring holds at least this: a game that changes resolution fits
PORTAL_SIZE, PORTAL_MAX = Size(1920, 1080), Size(3840, 2160)  # the cast's size is known only after the prompt
CAPS = "video/x-raw,format={BGRx,BGRA}"  # the ring's layout; videoconvert passes these through


def token_store() -> TokenStore:
    return TokenStore(paths.state_dir() / "portal-tokens.json")


class NodeStream:
    """One GStreamer pipeline reading one node, its newest frame waiting in the appsink."""

    def __init__(self, api: GstApi, target: str, fd: int | None = None) -> None:
        self.api = api
        Gst = api.Gst
        self.pipeline = Gst.parse_launch(f"pipewiresrc name=src ! videoconvert ! {CAPS} ! "
                                         "appsink name=sink max-buffers=1 drop=true sync=false")
        src = self.pipeline.get_by_name("src")
        if fd is not None:
            src.set_property("fd", fd)
        # A portal's node is an id (``path``); a node named in the config is a name or serial.
        key = "path" if fd is not None and src.find_property("path") is not None else "target-object"
        src.set_property(key, target)
        self.sink = self.pipeline.get_by_name("sink")
        self.bus = self.pipeline.get_bus()
        if self.pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
            self.close()
            raise RigcastError(f"GStreamer could not start reading PipeWire node {target}")

    def failure(self) -> str | None:
        """Why the stream stopped, if it did (an error or the end of the stream)."""
        Gst = self.api.Gst
        while (msg := self.bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.EOS)) is not None:
            if msg.type == Gst.MessageType.EOS:
                return "ended"
            return f"stopped: {msg.parse_error()[0].message}"
        return None

    def pull(self) -> Any:
        return self.sink.try_pull_sample(0)

    def close(self) -> None:
        self.pipeline.set_state(self.api.Gst.State.NULL)


class PortalJob(threading.Thread):
    """The portal conversation, off the capture clock: it waits as long as the user does."""

    def __init__(self, api: GstApi, session: DesktopSession, cfg: SourceConfig, stop: threading.Event) -> None:
        super().__init__(name=f"portal:{cfg.name}", daemon=True)
        self.api, self.session, self.cfg, self.stop = api, session, cfg, stop
        self.portal: ScreenCastPortal | None = None
        self.cast: Cast | None = None
        self.error = ""
        self.start()

    def run(self) -> None:
        tokens, s = token_store(), self.cfg.settings
        try:
            self.portal = ScreenCastPortal(self.api.Gio, self.api.GLib, self.session.bus_address)
            kept = tokens.get(self.cfg.name)
            self.cast, token = self.portal.start(s.share, s.cursor, kept, self.stop.is_set)
            tokens.put(self.cfg.name, token)  # a token works once: keep the new one
            log.info("%s: the portal shares node %d%s", self.cfg.name, self.cast.node_id,
                     " (the kept choice was offered)" if kept else "")
        except PortalError as e:
            self.error = str(e)
            if self.portal is not None:
                self.portal.close()
                self.portal = None


class PipeWireSource:
    def __init__(self, cfg: SourceConfig, ring: FrameRing) -> None:
        self.cfg, self.ring = cfg, ring
        self.api = load()
        self.session = desktop_session()
        log.info("%s: PipeWire and the desktop portal of the session in %s", cfg.name, self.session.how)
        self.presence = WindowPresence(cfg, ring)
        self.stream: NodeStream | None = None
        self.serial = -1  # the node read now (by node): a new serial is a restarted producer
        self.stop = threading.Event()
        self.job: PortalJob | None = None
        self.portal: ScreenCastPortal | None = None
        self.by_node = cfg.settings.node is not None
        self.last_frame = 0.0  # when the last sample came (monotonic): while they come, the node is there
        if self.by_node:
            self._follow_node()
        else:
            self._ask_portal()

    # -- by node --------------------------------------------------------------------------------
    def _follow_node(self) -> None:
        node = next((n for n in video_nodes() if n.matches(self.cfg.settings.node)), None)
        if self.stream is not None and (node is None or node.serial != self.serial):
            self._detach("is gone" if node is None else "was restarted")
        if self.stream is None and node is not None:
            self._attach_node(node)
        elif self.stream is None and self.presence.state == SourceState.STARTING:
            self.presence.lost("not found at start")

    def _attach_node(self, node: VideoNode) -> None:
        self.stream = NodeStream(self.api, str(node.serial if node.serial >= 0 else node.name))
        self.serial = node.serial
        size = node.size or self.presence.last_size
        self.presence.found(size.width, size.height)
        self.presence.set_state(SourceState.STARTING, f'reading PipeWire node "{node.label}" (serial {node.serial})')

    # -- through the portal ---------------------------------------------------------------------
    def _ask_portal(self) -> None:
        self.job = PortalJob(self.api, self.session, self.cfg, self.stop)

    def _portal_answered(self, job: PortalJob) -> None:
        self.job = None
        if job.cast is None:
            log.error("%s: %s", self.cfg.name, job.error)  # the one line: the state changes quietly
            self.presence.state = SourceState.ERROR
            self.ring.set_state(SourceState.ERROR)
            return
        self.portal = job.portal
        self.stream = NodeStream(self.api, str(job.cast.node_id), fd=job.cast.fd)
        os.close(job.cast.fd)  # pipewiresrc holds its own copy
        self.presence.set_state(SourceState.STARTING, f"reading the shared {self.cfg.settings.share}")

    # -- both -----------------------------------------------------------------------------------
    def _detach(self, why: str) -> None:
        if self.stream is not None:
            self.stream.close()
            self.stream = None
        if self.portal is not None:
            self.portal.close()
            self.portal = None
        self.presence.lost(why)

    def grab(self, ring: FrameRing, pts_ns: int) -> None:
        if self.stream is not None and (why := self.stream.failure()):
            self._detach(why)
        if self.by_node:
            # PipeWire is asked only while no frames come: a producer that sends goes on existing.
            if time.monotonic() - self.last_frame > NODE_QUIET_S and self.presence.search_due():
                self._follow_node()
        elif self.job is not None and not self.job.is_alive():
            self._portal_answered(self.job)
        elif self.portal is not None and not self.portal.poll():
            self._detach("was ended by the desktop (the shared window closed?); asking the portal again")
            self._ask_portal()
        elif (self.stream is None and self.job is None and self.presence.state == SourceState.NOT_FOUND
              and self.presence.search_due()):
            self._ask_portal()
        if self.stream is None:
            self.presence.show_placeholder(pts_ns)
            return
        sample = self.stream.pull()
        if sample is None:
            return  # nothing new: the encoder repeats the last frame
        w, h = copy_sample(self.api, sample, ring, pts_ns)
        self.last_frame = time.monotonic()
        if w:
            self.presence.last_size = Size(w, h)
            if self.presence.state != SourceState.LIVE:
                self.presence.set_state(SourceState.LIVE, f"capturing {self.cfg.describe()} {w}x{h}")
                self.presence.placeholder_shown = False

    def close(self) -> None:
        self.stop.set()
        if self.stream is not None:
            self.stream.close()
        if self.portal is not None:
            self.portal.close()


def _larger(a: Size, b: Size) -> Size:
    return Size(max(a.width, b.width), max(a.height, b.height))


def _probe(cfg: SourceConfig) -> SourceProbe:
    """What the supervisor learns, found in a process of its own (PipeWireKind.probe)."""
    session = desktop_session()
    wanted = cfg.settings.node
    if wanted is None:
        api = load()
        portal = ScreenCastPortal(api.Gio, api.GLib, session.bus_address)
        try:
            version = int(portal.property("version"))
        finally:
            portal.close()
        return SourceProbe(PORTAL_SIZE, PORTAL_MAX, f"{cfg.describe()} (ScreenCast v{version}, {session.how})")
    nodes = video_nodes()
    node = next((n for n in nodes if n.matches(wanted)), None)
    if node is None:
        names = ", ".join(f'"{n.name}"' for n in nodes[:8]) or "none"
        raise RigcastError(f'no PipeWire video node "{wanted}" in {session.how} (nodes: {names}); {cfg.info.hint}')
    size = node.size or Size(1280, 720)
    return SourceProbe(size, _larger(size, NODE_MAX), f'PipeWire node "{node.label}"')


def isolated(fn: Callable[..., T], *args: Any, what: str) -> T:
    """``fn(*args)`` in a short-lived process of its own: GStreamer and PipeWire's client threads
    never run in the supervisor (which would keep them, and their memory, for the whole stream)
    or the CLI, and a crash in them is one line here, not the engine gone (seen once: SIGSEGV)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import TimeoutError as FutureTimeout
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
    try:
        return pool.submit(fn, *args).result(timeout=PROBE_TIMEOUT_S)
    except BrokenProcessPool:
        raise RigcastError(f"{what} crashed inside GStreamer/PipeWire; check that PipeWire runs in the "
                           "game's session") from None
    except FutureTimeout:
        raise RigcastError(f"{what} got no answer from PipeWire in {PROBE_TIMEOUT_S:g} s") from None
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def list_nodes() -> tuple[str, list[VideoNode]]:
    """(the session used, its Video/Source nodes), for ``rigcast windows``."""
    return desktop_session().how, video_nodes()


class PipeWireKind:
    def probe(self, cfg: SourceConfig) -> SourceProbe:
        return isolated(_probe, cfg, what=f"looking for {cfg.describe()}")

    def open(self, cfg: SourceConfig, ring: FrameRing) -> PipeWireSource:
        return PipeWireSource(cfg, ring)
