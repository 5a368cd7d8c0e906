"""``chat.post``: a message for the TUI's chat pane and every chat overlay, cleaned and rate limited."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rigcast.engine.control.bus import BusError, Param
from rigcast.engine.control.chat import make_message
from rigcast.engine.vocab import ChatPost

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine


def register(e: Engine) -> None:
    async def post(args: dict[str, Any]) -> dict[str, Any]:
        if not e.chat_rate.allow():  # first: a flood costs a counter, not a cleaning pass each
            raise BusError("rate_limited", f"more than {e.chat_rate.rate:g} chat messages a second; "
                                           f"{e.chat_rate.dropped} dropped so far")
        try:
            msg = make_message(args)
        except ValueError as err:
            raise BusError("bad_args", str(err)) from None
        e.chat.append(msg)
        e.bus.publish(msg)
        if e.has_chat_overlay:
            await e.video_command(ChatPost(msg))
        return {"id": msg.id, "shown": True}

    e.bus.register("chat.post", post,
                   {"user": Param((str,)), "text": Param((str,)), "id": Param((str,), False),
                    "platform": Param((str,), False), "color": Param((str,), False)},
                   summary="show a chat message (TUI chat pane, chat overlay sources); cleaned and rate limited")
