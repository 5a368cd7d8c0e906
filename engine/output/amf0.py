"""AMF0, the value encoding of RTMP commands (connect, publish, onStatus...).

Only what a publisher exchanges with SRS / nginx-rtmp: numbers, booleans, strings, objects,
ECMA and strict arrays, null/undefined.
"""

from __future__ import annotations

import struct
from typing import Any

NUMBER, BOOLEAN, STRING, OBJECT, NULL, UNDEFINED, ECMA_ARRAY, OBJECT_END, STRICT_ARRAY, DATE, LONG_STRING = (
    0x00, 0x01, 0x02, 0x03, 0x05, 0x06, 0x08, 0x09, 0x0A, 0x0B, 0x0C,
)


class AmfError(ValueError):
    pass


def _key(k: str) -> bytes:
    b = k.encode("utf-8")
    return struct.pack(">H", len(b)) + b


def encode(value: Any) -> bytes:
    if value is None:
        return bytes([NULL])
    if isinstance(value, bool):
        return bytes([BOOLEAN, 1 if value else 0])
    if isinstance(value, (int, float)):
        return bytes([NUMBER]) + struct.pack(">d", float(value))
    if isinstance(value, str):
        b = value.encode("utf-8")
        if len(b) > 0xFFFF:
            return bytes([LONG_STRING]) + struct.pack(">I", len(b)) + b
        return bytes([STRING]) + struct.pack(">H", len(b)) + b
    if isinstance(value, dict):
        body = b"".join(_key(str(k)) + encode(v) for k, v in value.items())
        return bytes([OBJECT]) + body + b"\x00\x00" + bytes([OBJECT_END])
    if isinstance(value, (list, tuple)):
        return bytes([STRICT_ARRAY]) + struct.pack(">I", len(value)) + b"".join(encode(v) for v in value)
    raise AmfError(f"cannot encode {type(value).__name__} as AMF0")


def encode_all(*values: Any) -> bytes:
    return b"".join(encode(v) for v in values)


def _decode(data: bytes, pos: int) -> tuple[Any, int]:
    if pos >= len(data):
        raise AmfError("truncated AMF0 value")
    marker = data[pos]
    pos += 1
    if marker == NUMBER:
        return struct.unpack_from(">d", data, pos)[0], pos + 8
    if marker == BOOLEAN:
        return data[pos] != 0, pos + 1
    if marker == STRING:
        (n,) = struct.unpack_from(">H", data, pos)
        return data[pos + 2 : pos + 2 + n].decode("utf-8", "replace"), pos + 2 + n
    if marker == LONG_STRING:
        (n,) = struct.unpack_from(">I", data, pos)
        return data[pos + 4 : pos + 4 + n].decode("utf-8", "replace"), pos + 4 + n
    if marker in (NULL, UNDEFINED):
        return None, pos
    if marker in (OBJECT, ECMA_ARRAY):
        if marker == ECMA_ARRAY:
            pos += 4  # advisory count
        out: dict[str, Any] = {}
        while True:
            if pos + 3 > len(data):
                raise AmfError("truncated AMF0 object")
            (n,) = struct.unpack_from(">H", data, pos)
            if n == 0 and data[pos + 2] == OBJECT_END:
                return out, pos + 3
            key = data[pos + 2 : pos + 2 + n].decode("utf-8", "replace")
            out[key], pos = _decode(data, pos + 2 + n)
    if marker == STRICT_ARRAY:
        (n,) = struct.unpack_from(">I", data, pos)
        pos += 4
        items = []
        for _ in range(n):
            item, pos = _decode(data, pos)
            items.append(item)
        return items, pos
    if marker == DATE:
        return struct.unpack_from(">d", data, pos)[0], pos + 10
    raise AmfError(f"unsupported AMF0 marker 0x{marker:02x}")


def decode_all(data: bytes) -> list[Any]:
    values, pos = [], 0
    while pos < len(data):
        value, pos = _decode(data, pos)
        values.append(value)
    return values
