"""obs-websocket's two encodings: JSON text frames and MessagePack binary frames.

Why both: obs-websocket-js — the library behind Bitfocus Companion's OBS module and most web
panels — loads its MessagePack build by default and asks for the ``obswebsocket.msgpack``
subprotocol; a server that answers without one makes it throw "Server sent no subprotocol",
and Companion then gives up for good. OBS picks what the client asks for, JSON when it asks
for nothing (obsws-python asks for nothing), and so does rigcast. Which one a session speaks
is fixed at the handshake; everything after is the same dicts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

JSON, MSGPACK = "obswebsocket.json", "obswebsocket.msgpack"
SUBPROTOCOLS = (JSON, MSGPACK)


def choose(offered: Any) -> str | None:
    """The subprotocol to answer with: the first the client offers that we speak; None (plain
    JSON, no subprotocol header) when it offers none of them."""
    return next((p for p in offered or () if p in SUBPROTOCOLS), None)


class DecodeError(ValueError):
    pass


@dataclass(frozen=True)
class Codec:
    subprotocol: str | None

    @property
    def binary(self) -> bool:
        return self.subprotocol == MSGPACK

    def encode(self, message: dict[str, Any]) -> str | bytes:
        if self.binary:
            import msgpack

            return bytes(msgpack.packb(message, use_bin_type=True))
        return json.dumps(message)

    def decode(self, raw: str | bytes) -> dict[str, Any]:
        """One client message as a dict; DecodeError for anything else (the session closes 4002)."""
        try:
            if self.binary:
                import msgpack

                if not isinstance(raw, bytes):
                    raise DecodeError("a text frame on a MessagePack session")
                msg = msgpack.unpackb(raw, raw=False, strict_map_key=False)
            else:
                msg = json.loads(raw)
        except DecodeError:
            raise
        except Exception as e:  # msgpack raises several kinds, json ValueError
            raise DecodeError(str(e)) from None
        if not isinstance(msg, dict):
            raise DecodeError("not an object")
        return msg
