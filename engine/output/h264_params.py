"""An H.264 encode's parameter sets, as WebRTC needs them.

With a global header (every encode here has one, for the containers' sake) an H.264 encoder
keeps SPS/PPS in its extradata and leaves them out of the keyframes. A WebRTC receiver has no
container header: it needs them in-band, ahead of each keyframe, and it negotiates the profile
as SDP's ``profile-level-id`` (the SPS's profile_idc, constraint flags and level_idc in hex).
FFmpeg's encoders give the extradata as Annex B (start codes) or as ``avcC``; both are read.
"""

from __future__ import annotations

START = b"\x00\x00\x00\x01"
NAL_SPS = 7
CONSTRAINED_BASELINE = "42e01f"  # what aiortc (and every WebRTC stack) takes at the least


def annexb_parameter_sets(extradata: bytes) -> bytes:
    """SPS and PPS as Annex B NAL units, whichever form the extradata has."""
    if not extradata:
        return b""
    if extradata[:1] != b"\x01":  # already Annex B
        return extradata
    out, data, pos = bytearray(), extradata, 5
    for count_mask in (0x1F, 0xFF):  # SPS count (low 5 bits), then PPS count
        if pos >= len(data):
            break
        count, pos = data[pos] & count_mask, pos + 1
        for _ in range(count):
            size = int.from_bytes(data[pos:pos + 2], "big")
            out += START + data[pos + 2:pos + 2 + size]
            pos += 2 + size
    return bytes(out)


def profile_level_id(extradata: bytes) -> str | None:
    """The encode's ``profile-level-id`` (e.g. 640028 for High 4.0), from its SPS."""
    if extradata[:1] == b"\x01" and len(extradata) >= 4:
        return extradata[1:4].hex()
    data = annexb_parameter_sets(extradata)
    for nal in data.replace(b"\x00\x00\x01", START).split(START):
        if nal and nal[0] & 0x1F == NAL_SPS and len(nal) >= 4:
            return nal[1:4].hex()
    return None


def is_constrained_baseline(plid: str) -> bool:
    """Baseline with constraint_set1 (what WebRTC calls constrained baseline), at any level."""
    profile, flags = int(plid[:2], 16), int(plid[2:4], 16)
    return (profile == 0x42 and bool(flags & 0x40)) or (profile == 0x4D and bool(flags & 0x80))
