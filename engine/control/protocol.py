"""The control protocol's messages: JSON objects over a websocket, versioned.

Kept free of any I/O so the engine's server and every client parse and build messages the
same way; docs/control-protocol.md is the prose version of this module.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from rigcast.engine.control.bus import BusError

VERSION = 1
MAX_MESSAGE = 64 * 1024  # larger requests get a "too_large" error reply
MAX_FRAME = 4 * 1024 * 1024  # larger frames close the connection (1009): not worth reading


@dataclass(frozen=True)
class Request:
    id: str | int | None
    cmd: str
    args: dict[str, Any]


def parse_request(text: str | bytes) -> Request:
    """Raises :class:`BusError` with the request's id attached where one could be read."""
    if len(text) > MAX_MESSAGE:
        raise RequestError(None, "too_large", f"message of {len(text)} bytes; the limit is {MAX_MESSAGE}")
    try:
        msg = json.loads(text)
    except (ValueError, UnicodeDecodeError) as e:
        raise RequestError(None, "bad_json", f"not JSON: {e}") from None
    if not isinstance(msg, dict):
        raise RequestError(None, "bad_request", "a request must be a JSON object")
    rid = msg.get("id")
    if rid is not None and (isinstance(rid, bool) or not isinstance(rid, (str, int))):
        raise RequestError(None, "bad_request", '"id" must be a string or an integer')
    v = msg.get("v", VERSION)
    if v != VERSION:
        raise RequestError(rid, "unsupported_version", f"protocol version {v!r}; this engine speaks {VERSION}")
    cmd = msg.get("cmd")
    if not isinstance(cmd, str) or not cmd:
        raise RequestError(rid, "bad_request", '"cmd" must be a non-empty string')
    args = msg.get("args", {})
    if not isinstance(args, dict):
        raise RequestError(rid, "bad_request", '"args" must be a JSON object')
    return Request(rid, cmd, args)


class RequestError(BusError):
    def __init__(self, rid: str | int | None, code: str, message: str) -> None:
        super().__init__(code, message)
        self.rid = rid


def _clean(value: Any) -> Any:
    """JSON has no NaN or infinity; a stat that is one becomes null rather than invalid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def dumps(msg: dict[str, Any]) -> str:
    return json.dumps(_clean(msg), separators=(",", ":"))


def request(rid: str | int, cmd: str, args: dict[str, Any] | None = None) -> str:
    return dumps({"v": VERSION, "id": rid, "cmd": cmd, "args": args or {}})


def reply_ok(rid: str | int | None, data: Any) -> str:
    return dumps({"v": VERSION, "type": "reply", "id": rid, "ok": True, "data": data})


def reply_error(rid: str | int | None, code: str, message: str) -> str:
    return dumps({"v": VERSION, "type": "reply", "id": rid, "ok": False, "error": {"code": code, "message": message}})


def event(name: str, data: dict[str, Any]) -> str:
    return dumps({"v": VERSION, "type": "event", "event": name, "data": data})


def hello(engine: dict[str, Any]) -> str:
    return dumps({"v": VERSION, "type": "hello", "protocol": VERSION, "engine": engine})
