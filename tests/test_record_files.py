"""What a recording's files hold beyond the stream: chapter marks (ctl, obs-websocket's
CreateRecordChapter) that ffprobe reads back at the times they were asked for, and split files
(ctl, SplitRecordFile, split_minutes) that, laid end to end, hold every frame once."""

from __future__ import annotations

import json
import subprocess
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import obsws_python as obs

from rigcast.engine.output.record import ChapterMark, chapter_table
from tests.harness import EngineHome, XServer, free_port, run_rigcast, wait_for
from tests.test_obsws import PASSWORD, obs_config


def test_chapters_end_where_the_next_begins() -> None:
    rows = chapter_table([ChapterMark("a", 1.0, 0), ChapterMark("b", 2.5, 0)], 4.0)
    assert [(r["id"], r["start"], r["end"], r["metadata"]["title"]) for r in rows] == [
        (1, 1000, 2500, "a"), (2, 2500, 4000, "b")]
    assert rows[0]["time_base"] == Fraction(1, 1000)


def test_pyav_writes_chapters_after_the_header(tmp_path: Path) -> None:
    """What RecordOutput relies on, at every PyAV version pyproject.toml allows (.ci/lowest)."""
    path = tmp_path / "c.mkv"
    c = av.open(str(path), "w", format="matroska")
    s = c.add_stream("libx264", rate=30)
    s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
    for i in range(60):
        f = av.VideoFrame(64, 48, "yuv420p")
        f.pts = i
        c.mux(s.encode(f))
    c.mux(s.encode(None))
    c.set_chapters(chapter_table([ChapterMark("one", 0.5, 0), ChapterMark("two", 1.2, 0)], 2.0))
    c.close()
    with av.open(str(path)) as r:
        got = [(ch["metadata"].get("title"), float(ch["start"] * ch["time_base"])) for ch in r.chapters()]
    assert got == [("one", 0.5), ("two", 1.2)]


def _chapters(path: Path) -> list[tuple[str, float]]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)], capture_output=True,
                         text=True, check=True).stdout
    return [(c["tags"]["title"], float(c["start_time"])) for c in json.loads(out)["chapters"]]


def test_chapters_from_ctl_and_obs_websocket_land_at_their_times(home: EngineHome, tmp_path: Path) -> None:
    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port) + '\n[[scenes]]\nname = "S"\nitems = [ { source = "bg", kind = "color", '
                                            'color = "#204060" } ]\n')
    rec, mp4 = tmp_path / "chapters.mkv", tmp_path / "plain.mp4"
    home.up("--config", str(cfg), "--record", str(rec), "--live")
    wait_for(lambda: home.status()["recording"], 30, what="recording")
    started = time.monotonic()
    time.sleep(2)
    r = home.rigcast("ctl", "chapter", "Intro")
    at_intro = time.monotonic() - started
    assert r.returncode == 0 and 'chapter "Intro"' in r.stdout, r.stderr
    time.sleep(2)
    r = home.rigcast("ctl", "chapter")
    at_second = time.monotonic() - started
    assert r.returncode == 0 and 'chapter "Chapter 2"' in r.stdout, r.stderr
    time.sleep(2)
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        cl.send("CreateRecordChapter", {"chapterName": "Boss"})
        at_boss = time.monotonic() - started
    finally:
        cl.disconnect()
    time.sleep(2)
    home.down()
    got = _chapters(rec)
    assert [t for t, _ in got] == ["Intro", "Chapter 2", "Boss"], got
    # Where each landed against when it was asked: the gaps agree (the file's 0 is its first keyframe).
    asked = [at_intro, at_second, at_boss]
    for (_, a), (_, b), wa, wb in zip(got, got[1:], asked, asked[1:]):
        assert abs((b - a) - (wb - wa)) < 0.5, (got, asked)
    # Only an .mp4 recording: one line naming .mkv, and the engine goes on.
    home.up("--config", str(cfg), "--record", str(mp4), "--live")
    wait_for(lambda: home.status()["recording"], 30, what="recording to .mp4")
    r = home.rigcast("ctl", "chapter", "x")
    assert r.returncode != 0 and ".mkv" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert home.status()["recording"]
    home.down()


def _video_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as c:
        return [bytes(p) for p in c.demux(video=0) if p.size]


def _clip(tmp: Path) -> Path:
    """Moving pictures (every packet differs), made by the ffmpeg CLI."""
    path = tmp / "clip.mp4"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x240:rate=30", "-t", "12", "-c:v", "libx264", "-preset", "ultrafast", str(path)],
                   check=True)
    return path


def test_split_files_laid_end_to_end_hold_every_frame_once(xserver: XServer, tmp_path: Path) -> None:
    """Two recordings of one encode: one whole, one split every 3 s. The parts' video packets,
    file after file, are the whole file's, byte for byte: none lost, none doubled."""
    whole, parts = tmp_path / "whole.mkv", tmp_path / "part.mkv"
    cfg = tmp_path / "split.toml"
    cfg.write_text('[video]\nsize = "320x240"\nfps = 30\n\n[[sources]]\nname = "bg"\nkind = "media"\n'
                   f'path = "{_clip(tmp_path)}"\n\n[[outputs]]\nname = "whole"\nkind = "record"\npath = "{whole}"\n\n'
                   f'[[outputs]]\nname = "parts"\nkind = "record"\npath = "{parts}"\nsplit_minutes = 0.05\n')
    r = run_rigcast(["stream", "--config", str(cfg), "--duration", "10"], xserver.env(), tmp_path, timeout=120)
    assert r.returncode == 0, r.stderr
    files = [parts, *sorted(tmp_path.glob("part-*.mkv"), key=lambda p: int(p.stem.split("-")[1]))]
    assert len(files) >= 3, files
    for f in files:
        with av.open(str(f)) as c:
            first = next(p for p in c.demux(video=0) if p.size)
            assert first.is_keyframe, f"{f.name} starts on a keyframe"
    joined = [p for f in files for p in _video_packets(f)]
    assert joined == _video_packets(whole), "the parts hold the whole recording's frames, each once"


def test_split_from_ctl_and_obs_websocket_says_where_it_goes_on(home: EngineHome, tmp_path: Path) -> None:
    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port) + '\n[[scenes]]\nname = "S"\nitems = [ { source = "bg", kind = "color", '
                                            'color = "#204060" } ]\n')
    rec = tmp_path / "show.mkv"
    home.up("--config", str(cfg), "--record", str(rec), "--live")
    wait_for(lambda: home.status()["recording"], 30, what="recording")
    changed: list[str] = []

    def on_record_file_changed(data: Any) -> None:  # obsws-python maps the name to the event
        changed.append(data.new_output_path)

    events = obs.EventClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    events.callback.register(on_record_file_changed)
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        time.sleep(2)
        r = home.rigcast("ctl", "record", "split")
        assert r.returncode == 0 and str(tmp_path / "show-2.mkv") in r.stdout, r.stdout + r.stderr
        wait_for(lambda: changed, 15, what="RecordFileChanged after ctl record split")
        time.sleep(2)
        cl.send("SplitRecordFile")
        wait_for(lambda: len(changed) == 2, 15, what="RecordFileChanged after SplitRecordFile")
    finally:
        cl.disconnect()
        events.disconnect()
    time.sleep(2)
    home.down()
    assert changed == [str(tmp_path / "show-2.mkv"), str(tmp_path / "show-3.mkv")], changed
    for f in (rec, tmp_path / "show-2.mkv", tmp_path / "show-3.mkv"):
        assert len(_video_packets(f)) >= 30, f"{f.name} holds its seconds"
