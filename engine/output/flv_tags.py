"""Splits the FLV byte stream PyAV's muxer writes into tags, for RTMP.

The FLV muxer is handed this object as its file: each ``write`` may hold part of a tag or
several tags; complete ones go to ``on_tag(type, timestamp_ms, payload)`` as they complete.
"""

from __future__ import annotations

from collections.abc import Callable

FLV_HEADER = 9 + 4  # "FLV", version, flags, header size, then PreviousTagSize0
TAG_HEADER = 11


class FlvTagSink:
    def __init__(self, on_tag: Callable[[int, int, bytes], None]) -> None:
        self.on_tag = on_tag
        self.buf = bytearray()
        self.header_seen = False

    def write(self, data: bytes) -> int:
        self.buf += data
        if not self.header_seen:
            if len(self.buf) < FLV_HEADER:
                return len(data)
            if bytes(self.buf[:3]) != b"FLV":
                raise ValueError("not an FLV stream")
            del self.buf[:FLV_HEADER]
            self.header_seen = True
        buf = self.buf
        while len(buf) >= TAG_HEADER:
            size = int.from_bytes(buf[1:4], "big")
            end = TAG_HEADER + size + 4  # + PreviousTagSize
            if len(buf) < end:
                break
            tag_type = buf[0] & 0x1F
            ts = int.from_bytes(buf[4:7], "big") | (buf[7] << 24)
            payload = bytes(buf[TAG_HEADER : TAG_HEADER + size])
            del buf[:end]
            self.on_tag(tag_type, ts, payload)
        return len(data)

    def flush(self) -> None:
        pass
