"""Closed captions in the H.264 stream: CEA-608 in ATSC A/53 SEI, as OBS sends them.

OBS's SendStreamCaption puts the text into the stream's video packets as CEA-608 caption data
(libobs ``add_caption`` through libcaption's pop-on captions). PyAV can't attach that side data
to an encoded packet, so rigcast writes the SEI NAL unit itself and puts it in front of the
first slice of each packet: a ``user_data_registered_itu_t_t35`` message (country 0xB5,
provider 0x0031, "GA94", type 3) holding one CEA-608 byte pair for field 1 per picture, the rate
608 is made for. A caption is loaded off screen and shown whole (pop-on: resume caption loading,
the rows' preamble addresses, the characters, end of caption), in up to four rows of 32.

Pairs are tied to pictures by presentation time, not by the order packets come out of the
encoder, so B-frames reordering never scrambles the text: pair ``i`` rides on the picture
``start + i``. Only H.264 Annex B and length-prefixed (avcC) packets are handled; an HEVC or
AV1 encode gets none (the command says so).
"""

from __future__ import annotations

import textwrap

MAX_ROWS, ROW_CHARS = 4, 32
# Miscellaneous control codes, channel 1 (first byte 0x14 on field 1)
RCL, EDM, ENM, EOC = (0x14, 0x20), (0x14, 0x2C), (0x14, 0x2E), (0x14, 0x2F)
# Preamble address codes, white at column 0, for rows 12-15 (the bottom four)
PAC_ROWS = {12: (0x13, 0x40), 13: (0x13, 0x60), 14: (0x14, 0x40), 15: (0x14, 0x60)}
# CEA-608's basic set is ASCII but for these; what they stand for is written with them.
SPECIAL = {"á": 0x2A, "é": 0x5C, "í": 0x5E, "ó": 0x5F, "ú": 0x60, "ç": 0x7B, "÷": 0x7C, "Ñ": 0x7D, "ñ": 0x7E}
NOT_IN_608 = set("*\\^_`{|}~")


def odd_parity(b: int) -> int:
    return b | 0x80 if bin(b).count("1") % 2 == 0 else b


def caption_char(c: str) -> bool:
    """Whether CEA-608's basic set has ``c`` (else it goes out as "?")."""
    return c in SPECIAL or (" " <= c <= "\x7f" and c not in NOT_IN_608)


def _char(c: str) -> int:
    if c in SPECIAL:
        return SPECIAL[c]
    if " " <= c <= "\x7f" and c not in NOT_IN_608:
        return ord(c)
    return ord("?")


def caption_pairs(text: str) -> list[tuple[int, int]]:
    """The byte pairs (with odd parity) that show ``text`` as one pop-on caption; control codes
    sent twice, as decoders expect."""
    rows = textwrap.wrap(" ".join(text.split()), ROW_CHARS)[-MAX_ROWS:] or [""]
    codes: list[tuple[int, int]] = [RCL, RCL, ENM, ENM]
    first = 16 - len(rows)
    for i, row in enumerate(rows):
        pac = PAC_ROWS[first + i]
        codes += [pac, pac]
        chars = [_char(c) for c in row]
        if len(chars) % 2:
            chars.append(0)
        codes += list(zip(chars[::2], chars[1::2], strict=True))
    codes += [EDM, EDM, EOC, EOC]
    return [(odd_parity(a), odd_parity(b)) for a, b in codes]


def _escape(rbsp: bytes) -> bytes:
    """Emulation prevention: no 00 00 0x (x <= 3) inside a NAL unit."""
    out, zeros = bytearray(), 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def a53_sei(pair: tuple[int, int]) -> bytes:
    """One SEI NAL unit (no start code) carrying one field-1 CEA-608 pair."""
    cc = bytes([0xFC, pair[0], pair[1]])  # marker bits, cc_valid, cc_type 0 (field 1)
    payload = b"\xb5\x00\x31GA94\x03" + bytes([0xC0 | 1, 0xFF]) + cc + b"\xff"
    message = bytes([4, len(payload)]) + payload  # payloadType 4: registered ITU-T T.35
    return b"\x06" + _escape(message + b"\x80")


def _slices(data: bytes, annexb: bool) -> int | None:
    """Where the first slice NAL unit (with its start code or length) begins, if any."""
    if annexb:
        i = 0
        while True:
            i = data.find(b"\x00\x00\x01", i)
            if i < 0 or i + 3 >= len(data):
                return None
            if data[i + 3] & 0x1F in (1, 5):
                return i - 1 if i > 0 and data[i - 1] == 0 else i
            i += 3
    i = 0
    while i + 4 < len(data):
        size = int.from_bytes(data[i:i + 4], "big")
        if data[i + 4] & 0x1F in (1, 5):
            return i
        i += 4 + size
    return None


def with_caption(data: bytes, pair: tuple[int, int]) -> bytes:
    """An H.264 packet with the pair's SEI in front of its first slice (unchanged if it has none)."""
    annexb = data[:4] == b"\x00\x00\x00\x01" or data[:3] == b"\x00\x00\x01"
    at = _slices(data, annexb)
    if at is None:
        return data
    nal = a53_sei(pair)
    unit = (b"\x00\x00\x00\x01" if annexb else len(nal).to_bytes(4, "big")) + nal
    return data[:at] + unit + data[at:]


class CaptionFeed:
    """One encode's captions: pairs scheduled from a picture on, handed out by presentation time."""

    def __init__(self) -> None:
        self.pairs: list[tuple[int, int]] = []
        self.start = 0

    def schedule(self, text: str, start_pts: int) -> None:
        """``text`` from the picture ``start_pts`` on; a caption still going out is replaced."""
        self.pairs, self.start = caption_pairs(text), start_pts

    def attach(self, pts: int, data: bytes) -> bytes:
        i = pts - self.start
        if not self.pairs or not 0 <= i < len(self.pairs):
            return data
        return with_caption(data, self.pairs[i])
