"""Captions: CEA-608 in the H.264 stream's SEI, read back by FFmpeg's own caption decoder
(``movie=FILE[out0+subcc]`` and cc_dec, as the issue names it), first on packets rigcast
captions itself, then from obs-websocket's SendStreamCaption and ``ctl caption`` in what
nginx received."""

from __future__ import annotations

import subprocess
import time
from fractions import Fraction
from pathlib import Path

import av
import obsws_python as obs
import pytest

from rigcast.engine.encode.captions import CaptionFeed, a53_sei, caption_pairs, odd_parity, with_caption
from tests.harness import EngineHome, NginxRtmp, free_port, wait_for
from tests.test_obsws import PASSWORD, obs_config


def read_captions(path: Path) -> str:
    """What FFmpeg's closed-caption decoder reads out of the video's A/53 side data, as SRT."""
    r = subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"movie={path}[out0+subcc]", "-map", "0:1",
                        "-f", "srt", "-"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_pairs_have_odd_parity_and_pop_on_framing() -> None:
    pairs = caption_pairs("Hi é")
    assert all(bin(b).count("1") % 2 == 1 for p in pairs for b in p)
    strip = [(a & 0x7F, b & 0x7F) for a, b in pairs]
    assert strip[:2] == [(0x14, 0x20)] * 2 and strip[-2:] == [(0x14, 0x2F)] * 2  # RCL ... EOC
    assert (ord("H"), ord("i")) in strip and (ord(" "), 0x5C) in strip  # é is 0x5C in 608
    assert odd_parity(0x00) == 0x80 and odd_parity(0x01) == 0x01
    assert len(caption_pairs("x" * 200)) < 4 * (2 + 16) + 8, "at most four rows of 32"


def test_the_sei_goes_before_the_first_slice_in_either_framing() -> None:
    sei = a53_sei((0x94, 0x20))
    assert sei[0] == 0x06 and b"GA94" in sei and sei.endswith(b"\x80")
    annexb = b"\x00\x00\x00\x01\x09\xf0" + b"\x00\x00\x00\x01\x65\x88\x84"
    got = with_caption(annexb, (0x94, 0x20))
    assert got == b"\x00\x00\x00\x01\x09\xf0" + b"\x00\x00\x00\x01" + sei + b"\x00\x00\x00\x01\x65\x88\x84"
    avcc = (2).to_bytes(4, "big") + b"\x09\xf0" + (3).to_bytes(4, "big") + b"\x41\x9a\x02"
    got = with_caption(avcc, (0x94, 0x20))
    assert got == avcc[:6] + len(sei).to_bytes(4, "big") + sei + avcc[6:]
    assert with_caption(b"\x00\x00\x00\x01\x67\x64", (0x94, 0x20)) == b"\x00\x00\x00\x01\x67\x64", "no slice, no SEI"


@pytest.mark.parametrize("bframes", [0, 2])
def test_ffmpegs_caption_decoder_reads_what_rigcast_writes(tmp_path: Path, bframes: int) -> None:
    """libx264 packets (B-frames reordered too), captioned by presentation time, muxed to FLV."""
    path = tmp_path / f"cc{bframes}.flv"
    out = av.open(str(path), "w")
    s = out.add_stream("libx264", rate=30, options={"bf": str(bframes)})
    s.width, s.height, s.pix_fmt = 160, 120, "yuv420p"
    s.codec_context.time_base = Fraction(1, 30)
    feed = CaptionFeed()
    feed.schedule("HELLO FROM RIGCAST", 10)
    frame = av.VideoFrame(160, 120, "yuv420p")
    for i in range(120):
        frame.pts = i
        for p in s.encode(frame):
            q = av.Packet(feed.attach(p.pts, bytes(p)))
            q.pts, q.dts, q.time_base, q.is_keyframe, q.stream = p.pts, p.dts, p.time_base, p.is_keyframe, s
            out.mux(q)
    for p in s.encode(None):
        out.mux(p)
    out.close()
    assert "HELLO FROM RIGCAST" in read_captions(path)


def test_send_stream_caption_reaches_the_received_stream(home: EngineHome, nginx: NginxRtmp, tmp_path: Path) -> None:
    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port).replace('kind = "window"\nmatch = "glxgears"', 'kind = "color"\ncolor = "#304050"')
                   + '[video]\nsize = "320x240"\nfps = 30\n'
                   f'[[outputs]]\nname = "live"\nkind = "rtmp"\nurl = "{nginx.url("cc")}"\n')
    home.up("--config", str(cfg))
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.send_stream_caption("too early")
        assert e.value.code == 501
        cl.start_stream()
        wait_for(lambda: nginx.publishing("cc"), 30, what="live")
        time.sleep(2)
        cl.send_stream_caption("Welcome to the stream")
        time.sleep(3)
        r = home.rigcast("ctl", "caption", "Boss fight next")
        assert r.returncode == 0 and 'caption "Boss fight next"' in r.stdout, r.stderr
        time.sleep(3)
    finally:
        cl.disconnect()
    home.down()
    nginx.stop()
    srt = read_captions(nginx.recordings("cc")[0])
    assert "Welcome to the stream" in srt and "Boss fight next" in srt, srt
    assert srt.index("Welcome") < srt.index("Boss"), srt
