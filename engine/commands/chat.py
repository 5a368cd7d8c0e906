"""``chat.post``: a message for the TUI's chat pane and every chat overlay, cleaned and rate limited."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import ClassVar

from rigcast.engine.commands.host import Host
from rigcast.engine.control.bus import BusError, Cmd, Command
from rigcast.engine.control.chat import make_message
from rigcast.engine.vocab import ChatPost
from rigcast.engine.vocab.results import ChatShown


@dataclass(frozen=True)
class PostChat(Cmd[ChatShown]):
    NAME: ClassVar = "chat.post"
    user: str
    text: str
    id: str | None = None
    platform: str | None = None
    color: str | None = None


async def post_chat(e: Host, c: PostChat) -> ChatShown:
    if not e.chat_rate.allow():  # first: a flood costs a counter, not a cleaning pass each
        raise BusError("rate_limited", f"more than {e.chat_rate.rate:g} chat messages a second; "
                                       f"{e.chat_rate.dropped} dropped so far")
    try:
        msg = make_message({k: v for k, v in asdict(c).items() if v is not None})
    except ValueError as err:
        raise BusError("bad_args", str(err)) from None
    e.post_chat(msg)
    if e.has_chat_overlay:
        await e.video_command(ChatPost(msg))
    return ChatShown(msg.id)


COMMANDS = (
    Command(PostChat, post_chat,
            "show a chat message (TUI chat pane, chat overlay sources); cleaned and rate limited"),
)
