"""The rules a squeezed uplink runs on, one at a time: the send queue in seconds
(engine/output/sendqueue.py), the bitrate controller (engine/output/adaptive.py) and an encode's
choice among what its outputs want (engine/encode/video_encode.py). The end-to-end proof is
tests/test_uplink.py; these pin each rule's edges."""

from __future__ import annotations

import queue
from fractions import Fraction
from types import SimpleNamespace

import pytest

from rigcast.config.model import OutputConfig
from rigcast.engine.encode.video import VideoSettings
from rigcast.engine.encode.video_encode import VideoEncode
from rigcast.engine.output.adaptive import CLEAR_FOR_S, HEADROOM, BitrateController
from rigcast.engine.output.packets import AUDIO, VIDEO, EncodedPacket
from rigcast.engine.output.sendqueue import SendQueue
from rigcast.engine.output.upstream import Upstream

FPS, GOP = 30, 60


def _stream(seconds: float) -> list[EncodedPacket]:
    """30 fps video with a keyframe every 2 s, AAC every 1024/48000 s, in time order."""
    packets = [EncodedPacket(VIDEO, b"v" * 500, i, i, 1, Fraction(1, FPS), i % GOP == 0)
               for i in range(int(seconds * FPS))]
    packets += [EncodedPacket(AUDIO, b"a" * 40, i * 1024, i * 1024, 1024, Fraction(1, 48000), True)
                for i in range(int(seconds * 48000 / 1024))]
    return sorted(packets, key=lambda p: p.dts_s)


def test_a_network_queue_never_holds_more_than_its_limit_and_drops_only_video_up_to_a_keyframe() -> None:
    q = SendQueue(limit_s=0.7)
    offered = _stream(8.5)  # nothing is sent: the link is gone (8.5 s: 0.5 s after a keyframe)
    for p in offered:
        q.put_nowait(p)
        assert q.delay_s() <= 0.7 + 1 / FPS
    held = []
    while True:
        try:
            held.append(q.get_nowait())
        except queue.Empty:
            break
    video_held = [p for p in held if p.kind == VIDEO]
    assert video_held[0].keyframe, "what is left starts at a keyframe"
    assert q.dropped_video == q.video_in - len(video_held) > 0, "every video frame not held is counted"
    audio_offered = sum(p.kind == AUDIO for p in offered)
    assert q.dropped_audio < audio_offered, "audio is kept while it is not itself the delay"
    assert min(p.dts_s for p in held if p.kind == AUDIO) >= video_held[0].dts_s - 0.7


def test_a_recording_queue_never_drops_for_delay() -> None:
    q = SendQueue(limit_s=None, max_packets=10_000)
    for p in _stream(10):
        q.put_nowait(p)
    assert q.dropped_video == 0 and q.delay_s() > 9
    small = SendQueue(limit_s=None, max_packets=5)
    for p in _stream(1)[:5]:
        small.put_nowait(p)
    with pytest.raises(queue.Full):  # only a consumer that stopped altogether makes it refuse
        small.put_nowait(_stream(1)[5])


def test_the_controller_cuts_to_the_link_once_per_squeeze_and_climbs_back_to_the_cap() -> None:
    c = BitrateController(max_kbps=3000, min_kbps=300, audio_kbps=160)
    t = 0.0
    assert c.update(t, 0.0, 3100) is None
    said = c.update(t := t + 0.5, 0.4, 1500)  # media waits; the link took 1500
    assert said and "congested" in said
    assert c.target_kbps == int(1500 * HEADROOM - 160)
    for delay in (0.5, 0.45, 0.35, 0.3):  # the queue drains after the cut: not a new squeeze
        assert c.update(t := t + 0.5, delay, 1500) is None
    steps = 0
    while c.target_kbps < 3000:
        if c.update(t := t + 0.5, 0.0, 3000):
            steps += 1
        assert t < 200
    assert steps >= 3 and c.target_kbps == 3000, "up in steps, to the configured rate and no further"
    assert c.update(t + CLEAR_FOR_S * 2, 0.0, 3000) is None


def test_the_controller_never_goes_under_its_floor() -> None:
    c = BitrateController(max_kbps=3000, min_kbps=800, audio_kbps=160)
    c.update(1.0, 2.0, 200)
    assert c.target_kbps == 800


def _output(name: str, wanted: int | None, stream: bool = True) -> SimpleNamespace:
    cfg = OutputConfig(name, "rtmp", url="rtmp://127.0.0.1/live/k") if stream else OutputConfig(name, "record", path="x.mkv")
    upstream = Upstream()
    upstream.want_kbps(wanted)
    return SimpleNamespace(name=name, cfg=cfg, upstream=upstream)


def test_an_encode_makes_what_its_least_squeezed_stream_wants_and_a_recording_follows() -> None:
    enc = VideoEncode(VideoSettings(160, 96, FPS, 3000, 2, "ultrafast", None, 0, adaptive=True), "h264", "libx264",
                      1, "bilinear", None, 160)
    try:
        assert enc.facts.live_bitrate
        enc.outputs = {"a": _output("a", 900), "b": _output("b", None), "rec": _output("rec", None, stream=False)}
        enc.adapt_bitrate()
        assert enc.kbps == 3000, "the unsqueezed output keeps its quality; the squeezed one drops frames"
        enc.outputs["b"].upstream.want_kbps(1200)
        enc.adapt_bitrate()
        assert enc.kbps == 1200 and enc.encoder.stream.codec_context.bit_rate == 1_200_000
        del enc.outputs["a"], enc.outputs["b"]  # only the recording left: back to its own rate
        enc.adapt_bitrate()
        assert enc.kbps == 3000
    finally:
        enc.close()
