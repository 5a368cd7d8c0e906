"""``stream.*`` and ``record.*``: which outputs run. Stream outputs are those whose record has
``Cap.STREAM``, recordings ``Cap.RECORD``; the URL of one without its own comes from the
user's API (``prepare``: asked before the command takes the bus)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from rigcast.config.kinds import Cap
from rigcast.config.secrets import mask_url
from rigcast.engine.control.bus import BusError, Param
from rigcast.engine.vocab import OutputsStart, OutputsStop, RecordPause, ReplaySave

if TYPE_CHECKING:
    from rigcast.engine.runtime import Engine

log = logging.getLogger("rigcast.engine")

AREAS = (("stream", Cap.STREAM, "add --url rtmp://... or an [[outputs]] table with a stream kind such as rtmp"),
         ("record", Cap.RECORD, "add --record FILE"),
         ("replay", Cap.REPLAY, "add a [replay] table (seconds = 30) to the config"))
DOING = {"stream": "streaming", "record": "recording", "replay": "buffering"}


def register(e: Engine) -> None:
    for what, cap, hint in AREAS:
        for verb in ("start", "stop", "toggle"):
            e.bus.register(f"{what}.{verb}", _handler(e, verb, what, cap, hint),
                           summary=f"{verb} {DOING[what]}",
                           prepare=_ingester(e) if cap == Cap.STREAM and verb != "stop" else None)
    _register_by_name(e)
    _register_pause(e)
    _register_replay_save(e)
    _register_directory(e)
    _register_service(e)


async def _run(e: Engine, todo: list[str], on: bool, urls: dict[str, str]) -> None:
    """Start or stop these outputs (the video process runs them); the engine notes which run."""
    missing = [n for n in todo if on and e.needs_ingest(n) and n not in urls]
    if missing:
        raise BusError("no_ingest", f"output {missing[0]} has no URL and your API gave none")
    changed = {n: e.changed_settings(n) for n in todo if e.changed_settings(n)}
    await e.video_command(OutputsStart(tuple(todo), urls, changed) if on else OutputsStop(tuple(todo)))
    for n in todo:
        if on:
            e.active.add(n)
            e.since[n] = time.time()
        else:
            e.active.discard(n)
            e.since.pop(n, None)
    e.publish_state()


def _register_by_name(e: Engine) -> None:
    """``output.start`` / ``output.stop``: one output by its name, whatever its kind."""

    def named(name: str) -> str:
        if not any(o.name == name for o in e.cfg.outputs):
            raise BusError("unknown_output", f'no output named "{name}"; outputs: '
                                             + ", ".join(o.name for o in e.cfg.outputs))
        return name

    async def start(args: dict[str, Any]) -> dict[str, Any]:
        name = named(args["output"])
        if name not in e.active:
            await _run(e, [name], True, {k: v for k, v in (args.get("_prepared") or {}).items() if k == name})
            log.info("%s started", name)
        return {"output": name, "active": True}

    async def stop(args: dict[str, Any]) -> dict[str, Any]:
        name = named(args["output"])
        if name in e.active:
            await _run(e, [name], False, {})
            log.info("%s stopped", name)
        return {"output": name, "active": False}

    e.bus.register("output.start", start, {"output": Param((str,))}, summary="start one output by name",
                   prepare=_ingester(e))
    e.bus.register("output.stop", stop, {"output": Param((str,))}, summary="stop one output by name")


def _register_pause(e: Engine) -> None:
    """``record.pause`` / ``record.resume``: the recordings held and resumed, their files
    going on with continuous timestamps (the video process owns the pause and reports it)."""

    def handler(want: bool | None) -> Any:
        async def run(_args: dict[str, Any]) -> dict[str, Any]:
            if not e.live(Cap.RECORD):
                raise BusError("not_recording", "nothing is recording; start a recording first")
            paused = (not e.rendered.paused) if want is None else want
            if paused != e.rendered.paused:
                await e.video_command(RecordPause(paused))
                log.info("recording %s", "paused" if paused else "resumed")
                e.publish_state()
            return {"paused": e.rendered.paused}

        return run

    for verb, want, says in (("pause", True, "pause"), ("resume", False, "resume"),
                             ("toggle_pause", None, "pause or resume")):
        e.bus.register(f"record.{verb}", handler(want), summary=f"{says} every running recording")


def _register_replay_save(e: Engine) -> None:
    """``replay.save``: the running replay buffer's last seconds written to a file (by the
    video process, off its clock); the answer names the file."""

    async def run(_args: dict[str, Any]) -> dict[str, Any]:
        if not e.live(Cap.REPLAY):
            raise BusError("not_running", "the replay buffer is not running; start it first (replay.start)")
        data = await e.video_command(ReplaySave())
        assert data is not None
        path = data.decode()
        log.info("replay saved to %s", path)
        return {"path": path}

    e.bus.register("replay.save", run, summary="write the replay buffer's last seconds to a file")


def _register_directory(e: Engine) -> None:
    """``record.directory``: where recordings go (each record output's folder); with
    ``directory``, moved there from the next start on, and saved to the config file."""
    from pathlib import Path

    from rigcast.config import fields

    async def run(args: dict[str, Any]) -> dict[str, Any]:
        recs = [o for o in e.cfg.outputs if o.has(Cap.RECORD)]
        if not recs:
            raise BusError("no_output", "no record output configured; add --record FILE")
        want = args.get("directory")
        if want is not None:
            d = Path(want).expanduser()
            if not d.is_absolute() or not d.is_dir():
                raise BusError("bad_args", f"record.directory: {want} is not an existing folder (give an absolute path)")
            if e.live(Cap.RECORD):
                raise BusError("recording", "stop the recording first; its file stays where it is being written")
            for o in recs:
                path = str(d / Path(o.settings.path).name)
                try:
                    fields.check_field(o.info.settings, "path", path)
                except fields.SettingError as err:
                    raise BusError("bad_args", f"record.directory: {err.problem}") from None
                e.cfg.outputs[e.cfg.outputs.index(o)] = o.replace(path=path)
                if e.cfg.path:
                    from rigcast.config.save import save_output_settings

                    try:
                        save_output_settings(e.cfg.path, o.name, {"path": path})
                    except (OSError, ValueError) as err:
                        log.warning("could not save the change to %s: %s", e.cfg.path, err)
            log.info("recordings go to %s", d)
            e.publish_state()
        first = next(o for o in e.cfg.outputs if o.has(Cap.RECORD))
        return {"directory": str(Path(first.settings.path).expanduser().resolve().parent)}

    e.bus.register("record.directory", run, {"directory": Param((str,), required=False)},
                   summary="the folder recordings go to; give directory to change it")


def _handler(e: Engine, verb: str, what: str, cap: Cap, hint: str) -> Any:
    async def handler(args: dict[str, Any]) -> dict[str, Any]:
        names = e.names(cap)
        if not names:
            raise BusError("no_output", f"no {what} output configured; {hint}")
        on = verb == "start" or (verb == "toggle" and not e.live(cap))
        todo = [n for n in names if (n not in e.active) == on]
        if todo:
            await _run(e, todo, on, args.get("_prepared") or {})
            log.info("%s %s", what, "started" if on else "stopped")
        return {DOING[what]: on}

    return handler


def _register_service(e: Engine) -> None:
    """``stream.service``: the first stream output's server and key (the key masked); with
    ``server``, set from the next start on and kept in the state dir, never in the config file
    (engine/stream_service.py). A key of ``****`` (what a reader was shown) keeps the key."""
    from rigcast.config import fields
    from rigcast.config.secrets import MASK
    from rigcast.engine import stream_service

    async def run(args: dict[str, Any]) -> dict[str, Any]:
        outs = [o for o in e.cfg.outputs if o.has(Cap.STREAM)]
        if not outs:
            raise BusError("no_output", "no stream output configured; add --url rtmp://...")
        out = outs[0]
        rule = out.info.service
        server, key = rule.split(out.url or "")
        if "server" in args:
            if out.name in e.active:
                raise BusError("streaming", "stop the stream first; the change applies at the next start")
            new_key = args.get("key", MASK)
            url = rule.join(args["server"], key if new_key == MASK else new_key)
            try:
                url = fields.check_field(out.info.settings, "url", url)
            except fields.SettingError as err:
                raise BusError("bad_args", f"stream.service: {err.problem}") from None
            stream_service.save(out.name, url)
            e.cfg.outputs[e.cfg.outputs.index(out)] = out = out.replace(url=url)
            server, key = rule.split(url)
            log.info("%s: the stream goes to %s from the next start", out.name, mask_url(url))
            e.publish_state()
        return {"output": out.name, "kind": out.kind, "server": server, "key": stream_service.masked(key)}

    e.bus.register("stream.service", run, {"server": Param((str,), required=False),
                                            "key": Param((str,), required=False)},
                   summary="the stream's server and (masked) key; give server (and key) to change them")


def _ingester(e: Engine) -> Any:
    async def ingest(_args: dict[str, Any]) -> dict[str, str]:
        """Push URLs from the user's API for stream outputs configured without one (a fresh
        one at every start: the backend may hand out one-time keys, as SRS on_publish allows)."""
        from rigcast.config import fields

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
