"""``stream.*`` and ``record.*``: which outputs run. Stream outputs are those whose record has
``Cap.STREAM``, recordings ``Cap.RECORD``; the URL of one without its own comes from the
user's API (``prepare``: asked before the command takes the bus)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from config.kinds import Cap
from config.secrets import mask_url
from engine.control.bus import BusError
from engine.vocab import OutputsStart, OutputsStop

if TYPE_CHECKING:
    from engine.runtime import Engine

log = logging.getLogger("rigcast.engine")

AREAS = (("stream", Cap.STREAM, "add --url rtmp://... or an [[outputs]] table with a stream kind such as rtmp"),
         ("record", Cap.RECORD, "add --record FILE"))


def register(e: Engine) -> None:
    for what, cap, hint in AREAS:
        for verb in ("start", "stop", "toggle"):
            e.bus.register(f"{what}.{verb}", _handler(e, verb, what, cap, hint),
                           summary=f"{verb} {'streaming' if what == 'stream' else 'recording'}",
                           prepare=_ingester(e) if cap == Cap.STREAM and verb != "stop" else None)


def _handler(e: Engine, verb: str, what: str, cap: Cap, hint: str) -> Any:
    async def handler(args: dict[str, Any]) -> dict[str, Any]:
        names = e.names(cap)
        if not names:
            raise BusError("no_output", f"no {what} output configured; {hint}")
        on = verb == "start" or (verb == "toggle" and not e.live(cap))
        todo = [n for n in names if (n not in e.active) == on]
        if todo:
            urls = args.get("_prepared") or {}
            missing = [n for n in todo if on and e.needs_ingest(n) and n not in urls]
            if missing:
                raise BusError("no_ingest", f"output {missing[0]} has no URL and your API gave none")
            await e.video_command(OutputsStart(tuple(todo), urls) if on else OutputsStop(tuple(todo)))
            for n in todo:
                if on:
                    e.active.add(n)
                    e.since[n] = time.time()
                else:
                    e.active.discard(n)
                    e.since.pop(n, None)
            log.info("%s %s", what, "started" if on else "stopped")
            e.publish_state()
        return {"streaming" if what == "stream" else "recording": on}

    return handler


def _ingester(e: Engine) -> Any:
    async def ingest(_args: dict[str, Any]) -> dict[str, str]:
        """Push URLs from the user's API for stream outputs configured without one (a fresh
        one at every start: the backend may hand out one-time keys, as SRS on_publish allows)."""
        from config import fields

        want = [n for n in e.names(Cap.STREAM) if e.needs_ingest(n) and n not in e.active]
        if not want:
            return {}
        if e.link is None:
            raise BusError("no_ingest", "a stream output has no URL and there is no [link] to ask for one")
        urls: dict[str, str] = {}
        for name in want:
            data = await e.link.request("ingest", {"output": name})
            url = data.get("url")
            if not isinstance(url, str):
                raise BusError("bad_ingest", 'your API answered the ingest request without a "url" string')
            out = e.output(name)
            try:
                urls[name] = fields.check_field(out.info.settings, "url", url)
            except fields.SettingError as err:
                raise BusError("bad_ingest", f"the ingest URL from your API: {err.problem}") from None
            log.info("%s: the API says publish to %s", name, mask_url(url))
        return urls

    return ingest
