"""obs-websocket v5's numbers and rules, as protocol.json gives them, in one place."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

OBS_WS_VERSION = "5.5.0"
RPC_VERSION = 1
# WebSocketOpCode
HELLO, IDENTIFY, IDENTIFIED, REIDENTIFY, EVENT, REQUEST, REQUEST_RESPONSE = 0, 1, 2, 3, 5, 6, 7
REQUEST_BATCH, REQUEST_BATCH_RESPONSE = 8, 9
# WebSocketCloseCode
MESSAGE_DECODE_ERROR, MISSING_DATA_FIELD, UNKNOWN_OP, NOT_IDENTIFIED = 4002, 4003, 4006, 4007
INVALID_DATA_VALUE, ALREADY_IDENTIFIED, AUTH_FAILED, UNSUPPORTED_RPC = 4005, 4008, 4009, 4010
# RequestBatchExecutionType
SERIAL_REALTIME, SERIAL_FRAME, PARALLEL = 0, 1, 2
MAX_SLEEP_MS, MAX_SLEEP_FRAMES = 50_000, 10_000
# RequestStatus
SUCCESS, MISSING_REQUEST_TYPE, UNKNOWN_REQUEST_TYPE, GENERIC_ERROR = 100, 203, 204, 205
UNSUPPORTED_BATCH_TYPE = 206
MISSING_FIELD, INVALID_FIELD, INVALID_FIELD_TYPE, OUT_OF_RANGE = 300, 400, 401, 402
OUTPUT_RUNNING, OUTPUT_NOT_RUNNING, OUTPUT_PAUSED, OUTPUT_NOT_PAUSED = 500, 501, 502, 503
STUDIO_MODE_NOT_ACTIVE, NOT_FOUND = 506, 600
INVALID_RESOURCE_TYPE, INVALID_RESOURCE_STATE, PROCESSING_FAILED, CANNOT_ACT = 602, 604, 702, 703
# EventSubscription bits
SUB_GENERAL, SUB_SCENES, SUB_INPUTS, SUB_TRANSITIONS = 1 << 0, 1 << 2, 1 << 3, 1 << 4
SUB_FILTERS, SUB_OUTPUTS, SUB_SCENE_ITEMS = 1 << 5, 1 << 6, 1 << 7
SUB_MEDIA_INPUTS, SUB_UI = 1 << 8, 1 << 10
SUB_ALL = (1 << 12) - 1  # General .. Canvases: not the high-volume ones below
SUB_VOLUME_METERS, SUB_INPUT_ACTIVE, SUB_INPUT_SHOW, SUB_ITEM_TRANSFORM = 1 << 16, 1 << 17, 1 << 18, 1 << 19
MAX_MESSAGE = 512 * 1024  # a message larger is closed with 1009 before it is read
MAX_BATCH = 1000  # requests in one batch: more is closed with 4005, never queued


class RequestFailed(Exception):
    """A request that can't be honoured: the spec's status code and a comment, never a fake success."""

    def __init__(self, code: int, comment: str) -> None:
        super().__init__(comment)
        self.code, self.comment = code, comment


def auth_string(password: str, salt: str, challenge: str) -> str:
    secret = base64.b64encode(hashlib.sha256((password + salt).encode()).digest())
    return base64.b64encode(hashlib.sha256(secret + challenge.encode()).digest()).decode()


def timecode(seconds: float | None) -> str:
    ms = int((seconds or 0) * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def field(data: dict[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    """``data[name]``, of type ``kind`` (a JSON true is not a number), or the spec's 300/401."""
    if name not in data:
        raise RequestFailed(MISSING_FIELD, f"Your request is missing the field `{name}`.")
    value = data[name]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind in (int, float, (int, float))):
        raise RequestFailed(INVALID_FIELD_TYPE, f"The field value of `{name}` is of the wrong type.")
    return value
