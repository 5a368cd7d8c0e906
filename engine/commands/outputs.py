"""``stream.*`` and ``record.*``: which outputs run. Stream outputs are those whose record has
``Cap.STREAM``, recordings ``Cap.RECORD``; the URL of one without its own comes from the
user's API (``prepare``: asked before the command takes the bus)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from rigcast.config import fields
from rigcast.config.kinds import Cap
from rigcast.config.secrets import MASK, mask_url
from rigcast.engine.commands.host import Host
from rigcast.engine.commands.scenes import save_change
from rigcast.engine.control.bus import BusError, Cmd, Command, R, internal
from rigcast.engine.encode.captions import caption_char
from rigcast.engine.vocab import (
    CaptionSend,
    OutputsStart,
    OutputsStop,
    RecordChapter,
    RecordPause,
    RecordSplit,
    ReplaySave,
)
from rigcast.engine.vocab.results import (
    Buffering,
    CaptionSent,
    ChapterAdded,
    OutputActive,
    RecordFolder,
    Recording,
    RecordPaused,
    RecordSplitTo,
    ReplaySaved,
    ServiceRow,
    Streaming,
)

log = logging.getLogger("rigcast.engine")


@dataclass(frozen=True)
class Area:
    """The outputs one family of commands starts and stops: those whose record has ``cap``."""

    what: str
    cap: Cap
    doing: str
    hint: str  # what to add when there is none
    result: type[Streaming | Recording | Buffering]  # what its commands answer: running or not


STREAM = Area("stream", Cap.STREAM, "streaming", "add --url rtmp://... or an [[outputs]] table with a stream kind "
                                                 "such as rtmp", Streaming)
RECORD = Area("record", Cap.RECORD, "recording", "add --record FILE", Recording)
REPLAY = Area("replay", Cap.REPLAY, "buffering", "add a [replay] table (seconds = 30) to the config", Buffering)


async def run_outputs(e: Host, todo: list[str], on: bool, urls: Mapping[str, str]) -> None:
    """Start or stop these outputs (the video process runs them); the engine notes which run."""
    missing = [n for n in todo if on and e.needs_ingest(n) and n not in urls]
    if missing:
        raise BusError("no_ingest", f"output {missing[0]} has no URL and your API gave none")
    changed = {n: e.changed_settings(n) for n in todo if e.changed_settings(n)}
    await e.video_command(OutputsStart(tuple(todo), dict(urls), changed) if on else OutputsStop(tuple(todo)))
    e.set_running(todo, on)
    e.publish_state()


# -- every output of an area ---------------------------------------------------------------
@dataclass(frozen=True)
class SwitchArea(Cmd[R]):
    """Start, stop or toggle every output of one area. ``ingest`` holds the push URLs the
    user's API handed out for this start (filled in by :func:`ask_ingest`). Each command below
    is one of these, named by its class keywords."""

    NAME: ClassVar[str]
    AREA: ClassVar[Area]
    VERB: ClassVar[str]  # start, stop or toggle
    ingest: Mapping[str, str] = internal(dict)

    def __init_subclass__(cls, *, name: str, area: Area, verb: str, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.NAME, cls.AREA, cls.VERB = name, area, verb


async def switch_area(e: Host, c: SwitchArea[Any]) -> Streaming | Recording | Buffering:
    area = c.AREA
    names = e.names(area.cap)
    if not names:
        raise BusError("no_output", f"no {area.what} output configured; {area.hint}")
    on = c.VERB == "start" or (c.VERB == "toggle" and not e.live(area.cap))
    todo = [n for n in names if (n not in e.active) == on]
    if todo:
        await run_outputs(e, todo, on, c.ingest)
        log.info("%s %s", area.what, "started" if on else "stopped")
    return area.result(on)


class StartStreaming(SwitchArea[Streaming], name="stream.start", area=STREAM, verb="start"): ...
class StopStreaming(SwitchArea[Streaming], name="stream.stop", area=STREAM, verb="stop"): ...
class ToggleStreaming(SwitchArea[Streaming], name="stream.toggle", area=STREAM, verb="toggle"): ...
class StartRecording(SwitchArea[Recording], name="record.start", area=RECORD, verb="start"): ...
class StopRecording(SwitchArea[Recording], name="record.stop", area=RECORD, verb="stop"): ...
class ToggleRecording(SwitchArea[Recording], name="record.toggle", area=RECORD, verb="toggle"): ...
class StartReplay(SwitchArea[Buffering], name="replay.start", area=REPLAY, verb="start"): ...
class StopReplay(SwitchArea[Buffering], name="replay.stop", area=REPLAY, verb="stop"): ...
class ToggleReplay(SwitchArea[Buffering], name="replay.toggle", area=REPLAY, verb="toggle"): ...


# -- one output by its name ----------------------------------------------------------------
def output_named(e: Host, name: str) -> str:
    if not any(o.name == name for o in e.cfg.outputs):
        raise BusError("unknown_output", f'no output named "{name}"; outputs: '
                                         + ", ".join(o.name for o in e.cfg.outputs))
    return name


@dataclass(frozen=True)
class StartOutput(Cmd[OutputActive]):
    NAME: ClassVar = "output.start"
    output: str
    ingest: Mapping[str, str] = internal(dict)


async def start_output(e: Host, c: StartOutput) -> OutputActive:
    name = output_named(e, c.output)
    if name not in e.active:
        await run_outputs(e, [name], True, {k: v for k, v in c.ingest.items() if k == name})
        log.info("%s started", name)
    return OutputActive(name, True)


@dataclass(frozen=True)
class StopOutput(Cmd[OutputActive]):
    NAME: ClassVar = "output.stop"
    output: str


async def stop_output(e: Host, c: StopOutput) -> OutputActive:
    name = output_named(e, c.output)
    if name in e.active:
        await run_outputs(e, [name], False, {})
        log.info("%s stopped", name)
    return OutputActive(name, False)


# -- pausing recordings --------------------------------------------------------------------
@dataclass(frozen=True)
class PauseArgs(Cmd[RecordPaused]):
    """The recordings held and resumed, their files going on with continuous timestamps (the
    video process owns the pause and reports it). ``WANT`` None toggles."""

    NAME: ClassVar[str]
    WANT: ClassVar[bool | None]

    def __init_subclass__(cls, *, name: str, want: bool | None, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.NAME, cls.WANT = name, want


async def pause_recording(e: Host, c: PauseArgs) -> RecordPaused:
    if not e.live(Cap.RECORD):
        raise BusError("not_recording", "nothing is recording; start a recording first")
    paused = (not e.rendered.paused) if c.WANT is None else c.WANT
    if paused != e.rendered.paused:
        await e.video_command(RecordPause(paused))
        log.info("recording %s", "paused" if paused else "resumed")
        e.publish_state()
    return RecordPaused(e.rendered.paused)


@dataclass(frozen=True)
class AddChapter(Cmd[ChapterAdded]):
    """A chapter mark in the running .mkv recordings, now (OBS's CreateRecordChapter)."""

    NAME: ClassVar = "record.chapter"
    title: str | None = None  # None: "Chapter N"


async def add_chapter(e: Host, c: AddChapter) -> ChapterAdded:
    if not e.live(Cap.RECORD):
        raise BusError("not_recording", "nothing is recording; start a recording first")
    data = await e.video_command(RecordChapter(c.title or ""))
    assert data is not None
    log.info("chapter: %s", data.decode())
    return ChapterAdded(data.decode())


MAX_CAPTION = 4 * 32  # CEA-608's four rows of 32 characters


@dataclass(frozen=True)
class SendCaption(Cmd[CaptionSent]):
    """A caption in the stream's H.264 (CEA-608 in its SEI, as OBS's SendStreamCaption): a
    viewer's player shows it with captions on; the user's own speech-to-text can send them."""

    NAME: ClassVar = "stream.caption"
    text: str


async def send_caption(e: Host, c: SendCaption) -> CaptionSent:
    text = " ".join(c.text.split())
    if not text or len(text) > MAX_CAPTION:
        raise BusError("bad_args", f"stream.caption: text must be 1 to {MAX_CAPTION} characters (four rows of 32)")
    if not (e.live(Cap.STREAM) or e.live(Cap.RECORD)):
        raise BusError("not_running", "nothing is live or recording; captions go into a running stream")
    await e.video_command(CaptionSend(text))
    shown = "".join(c if caption_char(c) else "?" for c in text)
    log.info("caption: %s", shown)
    return CaptionSent(shown)


@dataclass(frozen=True)
class SplitRecording(Cmd[RecordSplitTo]):
    """The running recordings go on in new files from the next keyframe (OBS's SplitRecordFile)."""

    NAME: ClassVar = "record.split"


async def split_recording(e: Host, _c: SplitRecording) -> RecordSplitTo:
    if not e.live(Cap.RECORD):
        raise BusError("not_recording", "nothing is recording; start a recording first")
    data = await e.video_command(RecordSplit())
    assert data is not None
    paths = tuple(data.decode().split("\n"))
    log.info("recording split; next: %s", ", ".join(paths))
    return RecordSplitTo(paths)


class PauseRecording(PauseArgs, name="record.pause", want=True): ...
class ResumeRecording(PauseArgs, name="record.resume", want=False): ...
class TogglePause(PauseArgs, name="record.toggle_pause", want=None): ...


# -- the replay buffer, the record folder, the stream service -------------------------------
@dataclass(frozen=True)
class SaveReplay(Cmd[ReplaySaved]):
    NAME: ClassVar = "replay.save"


async def save_replay(e: Host, _c: SaveReplay) -> ReplaySaved:
    """The running replay buffer's last seconds written to a file (by the video process, off
    its clock); the answer names the file."""
    if not e.live(Cap.REPLAY):
        raise BusError("not_running", "the replay buffer is not running; start it first (replay.start)")
    data = await e.video_command(ReplaySave())
    assert data is not None
    path = data.decode()
    log.info("replay saved to %s", path)
    return ReplaySaved(path)


@dataclass(frozen=True)
class RecordDirectory(Cmd[RecordFolder]):
    NAME: ClassVar = "record.directory"
    directory: str | None = None  # given: moved there from the next start on


async def record_directory(e: Host, c: RecordDirectory) -> RecordFolder:
    """Where recordings go (each record output's folder); with ``directory``, moved there from
    the next start on, and saved to the config file."""
    recs = [o for o in e.cfg.outputs if o.has(Cap.RECORD)]
    if not recs:
        raise BusError("no_output", "no record output configured; add --record FILE")
    if c.directory is not None:
        d = Path(c.directory).expanduser()
        if not d.is_absolute() or not d.is_dir():
            raise BusError("bad_args", f"record.directory: {c.directory} is not an existing folder "
                                       "(give an absolute path)")
        if e.live(Cap.RECORD):
            raise BusError("recording", "stop the recording first; its file stays where it is being written")
        for o in recs:
            path = str(d / Path(o.settings.path).name)
            try:
                fields.check_field(o.info.settings, "path", path)
            except fields.SettingError as err:
                raise BusError("bad_args", f"record.directory: {err.problem}") from None
            e.replace_output(o.replace(path=path))
            if e.cfg.path:
                from rigcast.config.save import save_output_settings

                save_change(e, save_output_settings, o.name, {"path": path})
        log.info("recordings go to %s", d)
        e.publish_state()
    first = next(o for o in e.cfg.outputs if o.has(Cap.RECORD))
    return RecordFolder(str(Path(first.settings.path).expanduser().resolve().parent))


@dataclass(frozen=True)
class StreamService(Cmd[ServiceRow]):
    NAME: ClassVar = "stream.service"
    server: str | None = None
    key: str | None = None  # ``****`` (what a reader was shown) keeps the key


async def stream_service(e: Host, c: StreamService) -> ServiceRow:
    """The first stream output's server and key (the key masked); with ``server``, set from the
    next start on and kept in the state dir, never in the config file (engine/stream_service.py)."""
    from rigcast.engine import stream_service as kept

    outs = [o for o in e.cfg.outputs if o.has(Cap.STREAM)]
    if not outs:
        raise BusError("no_output", "no stream output configured; add --url rtmp://...")
    out = outs[0]
    rule = out.info.service
    server, key = rule.split(out.url or "")
    if c.server is not None:
        if out.name in e.active:
            raise BusError("streaming", "stop the stream first; the change applies at the next start")
        new_key = MASK if c.key is None else c.key
        url = rule.join(c.server, key if new_key == MASK else new_key)
        try:
            url = fields.check_field(out.info.settings, "url", url)
        except fields.SettingError as err:
            raise BusError("bad_args", f"stream.service: {err.problem}") from None
        kept.save(out.name, url)
        out = out.replace(url=url)
        e.replace_output(out)
        server, key = rule.split(url)
        log.info("%s: the stream goes to %s from the next start", out.name, mask_url(url))
        e.publish_state()
    return ServiceRow(out.name, out.kind, server, kept.masked(key))


# -- the user's API, asked before a start takes the bus ---------------------------------------
Ingesting = TypeVar("Ingesting", SwitchArea[Any], StartOutput)


async def ask_ingest(e: Host, c: Ingesting) -> Ingesting:
    """Push URLs from the user's API for stream outputs configured without one (a fresh one at
    every start: the backend may hand out one-time keys, as SRS on_publish allows)."""
    want = [n for n in e.names(Cap.STREAM) if e.needs_ingest(n) and n not in e.active]
    if not want:
        return c
    if e.ingest is None:
        raise BusError("no_ingest", "a stream output has no URL and there is no [link] to ask for one")
    urls: dict[str, str] = {}
    for name in want:
        data = await e.ingest.request("ingest", {"output": name})
        url = data.get("url")
        if not isinstance(url, str):
            raise BusError("bad_ingest", 'your API answered the ingest request without a "url" string')
        try:
            urls[name] = fields.check_field(e.output(name).info.settings, "url", url)
        except fields.SettingError as err:
            raise BusError("bad_ingest", f"the ingest URL from your API: {err.problem}") from None
        log.info("%s: the API says publish to %s", name, mask_url(url))
    return dataclasses.replace(c, ingest=urls)


AREA_COMMANDS: tuple[type[SwitchArea[Any]], ...] = (
    StartStreaming, StopStreaming, ToggleStreaming, StartRecording, StopRecording, ToggleRecording, StartReplay,
    StopReplay, ToggleReplay)

COMMANDS: tuple[Command[Any, Any], ...] = (
    *(Command[SwitchArea[Any], Host](cls, switch_area, f"{cls.VERB} {cls.AREA.doing}",
                                     ask_ingest if cls.AREA is STREAM and cls.VERB != "stop" else None)
      for cls in AREA_COMMANDS),
    Command(StartOutput, start_output, "start one output by name", ask_ingest),
    Command(StopOutput, stop_output, "stop one output by name"),
    Command(PauseRecording, pause_recording, "pause every running recording"),
    Command(ResumeRecording, pause_recording, "resume every running recording"),
    Command(TogglePause, pause_recording, "pause or resume every running recording"),
    Command(SaveReplay, save_replay, "write the replay buffer's last seconds to a file"),
    Command(AddChapter, add_chapter, "a chapter mark in the running .mkv recordings; title optional"),
    Command(SendCaption, send_caption, "a caption (CEA-608) in the running H.264 streams and recordings"),
    Command(SplitRecording, split_recording, "the running recordings go on in new files from the next keyframe"),
    Command(RecordDirectory, record_directory, "the folder recordings go to; give directory to change it"),
    Command(StreamService, stream_service,
            "the stream's server and (masked) key; give server (and key) to change them"),
)
