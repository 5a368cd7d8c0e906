"""WHIP push: WebRTC to SRS or any WHIP endpoint, through aiortc.

Why aiortc and not FFmpeg 8's ``whip`` muxer in PyAV: the muxer gets through offer/answer and ICE
and then fails at DTLS, against SRS 7 and against an aiortc endpoint alike; aiortc completes
DTLS-SRTP with both, is asyncio, maintained, and its ``RTCRtpSender`` packetises packets that
are already encoded (``av.Packet``). So the one H.264 encode is passed through untouched, with
its SPS/PPS put in front of each keyframe (WebRTC has no container header to carry them), and
the mix arrives as Opus from the audio track's second encode (engine/encode/opus.py), made only
while a WHIP output runs.

Threads: aiortc runs on an event loop of this output's own; the output's thread takes packets
from its queue exactly as every output does (``ready_packets``) and hands them to that loop. The
canvas clock only ever puts packets into the queue, so a slow peer never holds it up.

Profile: the first offer carries the encode's own ``profile-level-id`` alone (SRS picks 42e01f
whenever an offer lists it, and it takes High); an endpoint that refuses it, or answers without
H.264, is offered constrained baseline (42e01f) next. A receiver that takes only constrained baseline
(aiortc does) gets the shared encode switched to it while nothing else uses it (per-output
encodes come later), and status says why; with other outputs on the encode it is refused with
the fix (``video.profile = "baseline"``).

The session ends on stop (DELETE to the session's URL), when ICE/DTLS fails, or when a peer
that sent RTCP reports goes quiet for ``QUIET_S`` (a vanished endpoint; ICE consent alone takes
30 s to notice). Either of the last two is a network error, retried on the backoff.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from typing import Any

import av
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc import codecs as rtc_codecs
from aiortc import sdp as rtc_sdp
from aiortc.rtcrtpparameters import RTCRtcpFeedback, RTCRtpCodecParameters

from rigcast.config.kinds.whip import WebRtcStats
from rigcast.engine.output.errors import NetworkError, RejectedError, SessionEnd
from rigcast.engine.output.h264_params import (
    CONSTRAINED_BASELINE,
    annexb_parameter_sets,
    is_constrained_baseline,
    profile_level_id,
)
from rigcast.engine.output.network import NetworkOutput
from rigcast.engine.output.packets import VIDEO, EncodedPacket, opus
from rigcast.engine.output.whip_http import (
    WhipHttpFailed,
    WhipNetworkError,
    WhipRejected,
    delete_session,
    post_offer,
)
from rigcast.engine.untrusted import from_outside
from rigcast.engine.vocab.reports import OutputStatus

QUIET_S = 6.0  # no RTCP report from a peer that was sending them: it has gone
STATS_EVERY_S = 1.0
PLI_EVERY_S = 2.0  # a receiver's keyframe requests, at most this often (the encode is shared)
HANDOFF_LIMIT = 300  # packets waiting for the sender: beyond this the peer can't keep up
PROFILE_WAIT_S = 5.0
_register_lock = threading.Lock()


class _Lost(NetworkError):
    """The WebRTC session broke while live."""


def _offer_h264(plid: str) -> None:
    """aiortc offers only the two baseline profiles of its own encoder; the encode's own profile
    is added to its codec table (it has no API for it) so an offer and an answer can carry it."""
    video = rtc_codecs.CODECS["video"]
    with _register_lock:
        if any(c.parameters.get("profile-level-id") == plid for c in video):
            return
        pt = max(c.payloadType or 0 for c in video) + 1
        params: dict[str, int | str | None] = {"level-asymmetry-allowed": "1", "packetization-mode": "1", "profile-level-id": plid}
        video += [RTCRtpCodecParameters("video/H264", 90000, payloadType=pt, parameters=params,
                                        rtcpFeedback=[RTCRtcpFeedback("nack"), RTCRtcpFeedback("nack", "pli"),
                                                      RTCRtcpFeedback("goog-remb")]),
                  RTCRtpCodecParameters("video/rtx", 90000, payloadType=pt + 1, parameters={"apt": pt})]


def _h264_capability(plid: str) -> Any:
    for c in RTCRtpSender.getCapabilities("video").codecs:
        if c.mimeType.lower() == "video/h264" and c.parameters.get("profile-level-id") == plid \
                and c.parameters.get("packetization-mode") == "1":
            return c
    raise LookupError(plid)


class _PacketTrack(MediaStreamTrack):
    """A track whose "frames" are packets already encoded: aiortc's sender packetises them."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.waiting: asyncio.Queue[av.Packet] = asyncio.Queue()

    async def recv(self) -> av.Packet:  # type: ignore[override]
        return await self.waiting.get()


class _Peer:
    """One WHIP session: the peer connection, its two tracks and the endpoint's session URL.
    Every method runs on the output's event loop."""

    def __init__(self, url: str, token: str | None, timeout_s: float, plid: str,
                 ice: list[str], keyframe: Any) -> None:
        self.url, self.token, self.timeout_s, self.plid = url, token, timeout_s, plid
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[RTCIceServer(u) for u in ice]))
        self.video, self.audio = _PacketTrack("video"), _PacketTrack("audio")
        self.location = ""
        self.answered_plid: str | None = None
        self.broken: str | None = None
        self.keyframe = keyframe
        self.handoff_dropped = 0

    async def connect(self) -> None:
        pc = self.pc
        vt = pc.addTransceiver(self.video, "sendonly")
        pc.addTransceiver(self.audio, "sendonly")
        if self.plid != CONSTRAINED_BASELINE:
            _offer_h264(self.plid)
        vt.setCodecPreferences([_h264_capability(self.plid)])
        # A receiver's PLI/FIR asks aiortc's encoder for a keyframe; there is none here (the
        # packets come encoded), so the request goes to the shared encoder instead, rate-limited.
        vt.sender._send_keyframe = self.keyframe  # type: ignore[method-assign]

        @pc.on("connectionstatechange")
        def _changed() -> None:
            if pc.connectionState in ("failed", "closed") and self.broken is None:
                self.broken = f"the WebRTC connection {pc.connectionState}"

        await pc.setLocalDescription(await pc.createOffer())  # gathers every candidate: no trickle
        answer = await asyncio.to_thread(post_offer, self.url, pc.localDescription.sdp, self.token,
                                         self.timeout_s)
        self.location = answer.location
        self.answered_plid = _answered_h264(answer.sdp)
        if self.answered_plid is None:
            raise WhipRejected("the endpoint's answer takes no H.264 video")
        try:
            await pc.setRemoteDescription(RTCSessionDescription(answer.sdp, "answer"))
        except ValueError as e:
            raise WhipRejected(f"the endpoint's answer can't be used: {e}") from None
        deadline = time.monotonic() + self.timeout_s
        while pc.connectionState != "connected":
            if self.broken or time.monotonic() > deadline:
                raise WhipNetworkError(self.broken or f"ICE/DTLS did not connect within {self.timeout_s:.0f} s "
                                                      f"(state {pc.connectionState})")
            await asyncio.sleep(0.05)

    def push(self, kind: int, packet: av.Packet) -> None:
        track = self.video if kind == VIDEO else self.audio
        if track.waiting.qsize() >= HANDOFF_LIMIT:
            self.handoff_dropped += 1
            return
        track.waiting.put_nowait(packet)

    async def stats(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rtt_ms": None, "lost": 0, "sent_packets": 0, "last_report_age_s": None}
        now = time.time()
        for sender in self.pc.getSenders():
            for st in (await sender.getStats()).values():
                if st.type == "outbound-rtp":
                    out["sent_packets"] += st.packetsSent
                elif st.type == "remote-inbound-rtp":
                    out["lost"] += max(0, st.packetsLost)
                    if st.roundTripTime is not None and sender.kind == "video":
                        out["rtt_ms"] = round(st.roundTripTime * 1000, 1)
                    age = now - st.timestamp.timestamp()
                    if out["last_report_age_s"] is None or age < out["last_report_age_s"]:
                        out["last_report_age_s"] = round(age, 1)
        return out

    async def close(self) -> int:
        """DELETE the session (its status, 0 when unreachable or none), then close the peer."""
        status = 0
        if self.location:
            status = await asyncio.to_thread(delete_session, self.location, self.token, 3.0)
        await self.pc.close()
        return status


def _answered_h264(answer: str) -> str | None:
    """The profile-level-id of the H.264 codec the answer puts first (the one sent)."""
    for media in rtc_sdp.SessionDescription.parse(answer).media:
        if media.kind == "video" and media.port:
            for codec in media.rtp.codecs:
                if codec.mimeType.lower() == "video/h264":
                    return str(codec.parameters.get("profile-level-id", CONSTRAINED_BASELINE)).lower()
    return None


def event_loop(platform: str) -> asyncio.AbstractEventLoop:
    """The loop aiortc runs on: a selector loop everywhere. On Windows asyncio's default is the
    Proactor loop, whose UDP endpoint can stop receiving for good after an ICMP port-unreachable
    (an unreachable ICE candidate sends one): gh-91227, fixed only in CPython 3.11.9, and the
    other recoverable errors of gh-127057 only on CPython's main branch. ICE, DTLS and SRTP are
    all UDP; the selector loop reports such an error and goes on receiving."""
    if platform == "win32":
        return asyncio.SelectorEventLoop()
    return asyncio.new_event_loop()


class WhipOutput(NetworkOutput):
    audio_kind = staticmethod(opus)

    def __init__(self, cfg: Any, templates: Any, upstream: Any = None) -> None:
        super().__init__(cfg, templates, upstream)
        s = cfg.settings
        self.token: str | None = s.token()
        self.timeout_s = s.connect_timeout_ms / 1000
        self.ice = [s.stun] if s.stun else []
        self.link_stats: WebRtcStats | None = None
        self.param_sets = b""
        self._last_pli = 0.0
        self.deleted: int | None = None  # the endpoint's answer to the last DELETE

    def status(self) -> OutputStatus:
        st = super().status()
        st.link = self.link_stats
        return st

    def payload(self, pkt: EncodedPacket) -> bytes:
        if pkt.kind == VIDEO and pkt.keyframe:
            return self.param_sets + pkt.data
        return pkt.data

    def _keyframe_request(self) -> None:
        now = time.monotonic()
        if now - self._last_pli >= PLI_EVERY_S:
            self._last_pli = now
            self.upstream.want_keyframe()

    def _encode_plid(self) -> str | None:
        extradata = bytes(self.templates.video.codec_context.extradata or b"")
        self.param_sets = annexb_parameter_sets(extradata)
        return profile_level_id(extradata)

    def _match_profile(self, peer: _Peer) -> str | None:
        """None when the encode can go out as it is (switched if it must); else why not."""
        plid, answered = self._encode_plid(), peer.answered_plid
        if plid is None or answered is None or plid[:4] == answered[:4] or is_constrained_baseline(plid):
            return None
        if not is_constrained_baseline(answered):
            return f"the endpoint answered H.264 profile {answered}, which the encode ({plid}) is not"
        refused = self.upstream.want_profile("baseline", PROFILE_WAIT_S)
        if refused:
            return refused
        self._encode_plid()
        self.note = (f"H.264 switched from {plid} to constrained baseline: the endpoint takes only that "
                     '(video.profile = "baseline" starts that way)')
        self.log.warning("%s: %s", self.name, self.note)
        return None

    def session(self) -> SessionEnd:
        """Offer, connect and stream; refusals and network failures are raised (WhipRejected,
        WhipNetworkError, _Lost, timeouts) and mapped by the loop (network.py)."""
        loop = event_loop(sys.platform)
        runner = threading.Thread(target=loop.run_forever, name=f"whip-loop:{self.name}", daemon=True)
        runner.start()

        def call(coro: Any, timeout: float) -> Any:
            return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

        peer: _Peer | None = None
        own = self._encode_plid()
        # The encode's own profile alone first: SRS picks 42e01f whenever an offer lists it.
        offers = [own, CONSTRAINED_BASELINE] if own and not is_constrained_baseline(own) else [CONSTRAINED_BASELINE]
        try:
            for i, plid in enumerate(offers):
                peer = call(self._make_peer(plid), 5)
                try:
                    call(peer.connect(), self.timeout_s * 2 + 5)
                    break
                except (WhipRejected, WhipHttpFailed) as e:
                    if i + 1 == len(offers):
                        raise
                    self.log.info("%s: the endpoint refused H.264 %s (%s); offering constrained baseline",
                                  self.name, plid, from_outside(str(e)))
                    call(peer.close(), 10)
                    peer = None
            assert peer is not None  # the loop either broke with a connected peer or raised
            refused = self._match_profile(peer)
            if refused:
                raise RejectedError(refused)
            return self._stream(peer, loop, call)
        finally:
            if peer is not None:
                try:
                    self.deleted = call(peer.close(), 10)
                except Exception as e:
                    self.log.warning("%s: closing the WebRTC session: %s", self.name, from_outside(str(e)))
            self.link_stats = None
            loop.call_soon_threadsafe(loop.stop)
            runner.join(5)
            loop.close()

    async def _make_peer(self, plid: str) -> _Peer:
        return _Peer(self.url, self.token, self.timeout_s, plid, self.ice, self._keyframe_request)

    def _stream(self, peer: _Peer, loop: asyncio.AbstractEventLoop, call: Any) -> SessionEnd:
        started = self.went_live()
        heard = False

        def check() -> None:
            nonlocal heard
            if peer.broken:
                raise _Lost(peer.broken)
            stats = call(peer.stats(), 5)
            age = stats.pop("last_report_age_s")
            heard = heard or age is not None
            if heard and (age is None or age > QUIET_S):
                raise _Lost(f"the peer sent no RTCP report for {QUIET_S:.0f} s")
            self.link_stats = WebRtcStats(rtt_ms=stats["rtt_ms"], lost=stats["lost"], sent_packets=stats["sent_packets"],
                                          profile=peer.answered_plid, handoff_dropped=peer.handoff_dropped)

        idle = self.every(STATS_EVERY_S, check)
        try:
            for kind, p in self.ready_packets(idle):
                loop.call_soon_threadsafe(peer.push, kind, p)
            return SessionEnd.STOPPED
        finally:
            self.ended(None, started)

