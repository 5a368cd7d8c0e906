"""``rigcast`` on the command line: flags are one more way to fill the config model.

Bad input of any kind ends in one line on stderr naming the problem and the fix, and a
non-zero exit — never a traceback (``-v`` shows one for a genuine internal error).
"""

from __future__ import annotations

import argparse
import datetime
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from rigcast.config import fields
from rigcast.config.kinds import Cap, Role, first, output_kind_for_url
from rigcast.config.loader import ConfigError, check_codec, load_config
from rigcast.config.model import OutputConfig, RigcastConfig, SourceConfig, VideoConfig, encoder_names
from rigcast.config.secrets import mask_text
from rigcast.engine.errors import RigcastError
from rigcast.engine.winlaunch import ARGS_FILE_FLAG

EXIT_USAGE = 2
URL_ENV = "RIGCAST_URL"  # a stream URL (with its key) that is not on any command line
# `rigcast up` hands the engine its arguments on a pipe, so the engine's command line (readable
# by every local user for as long as it runs) never carries a stream key.
ARGS_ON_STDIN = "--args-on-stdin"
ARGS_FILE = ARGS_FILE_FLAG  # the same, from a private file (Windows, over SSH: engine/winlaunch.py)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        print(f"rigcast: {mask_text(message)} (see `{self.prog} --help`)", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="rigcast", description="Capture a game window, encode, push to SRS over RTMP.")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging and tracebacks")
    p.add_argument("--host", dest="top_host", action="append", metavar="HOST",
                   help="the control room on a rig's engine over SSH (as `rigcast tui --host HOST`); repeatable")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    s = sub.add_parser("stream", help="stream in the foreground (Ctrl-C stops)")
    _job_flags(s)
    s.add_argument("--duration", metavar="SECONDS", type=float, help="stop after this long")

    for name, what in (("up", "start the engine in the background (survives the terminal) and return"),
                       ("engine", "run the engine in the foreground with its control socket (for systemd)")):
        e = sub.add_parser(name, help=what)
        _job_flags(e)
        e.add_argument("--live", action="store_true", help="go live at once (default: idle until told)")
        e.add_argument("--duration", metavar="SECONDS", type=float, help=argparse.SUPPRESS)
    sub.add_parser("down", help="stop the background engine (recordings are finalised)")

    c = sub.add_parser("ctl", help="drive the running engine from scripts")
    where = c.add_mutually_exclusive_group()
    where.add_argument("--host", action="append", metavar="HOST",
                       help="the engine on a rig over SSH (user@box, a ~/.ssh/config alias or a [[rigs]] name); "
                            "repeatable")
    where.add_argument("--all", action="store_true", help="this box's engine and every [[rigs]] rig's")
    csub = c.add_subparsers(dest="ctl", parser_class=_Parser, required=True)
    st = csub.add_parser("status", help="the engine's state")
    st.add_argument("--json", action="store_true", help="the whole state as JSON")
    for what, actions in (("stream", ("start", "stop", "toggle")),
                          ("record", ("start", "stop", "toggle", "pause", "resume", "split"))):
        w = csub.add_parser(what, help=f"start or stop {what}ing" + (" (or pause it)" if what == "record" else ""))
        w.add_argument("action", choices=actions)
    rp = csub.add_parser("replay", help="save the replay buffer's last seconds to a file, or start/stop it")
    rp.add_argument("action", choices=("save", "start", "stop", "toggle"))
    flt = csub.add_parser("filter", help="list a source's filters, or switch one on or off")
    flt.add_argument("source", metavar="SOURCE")
    flt.add_argument("--scene", metavar="SCENE", help="the video filters of this scene's item showing SOURCE")
    flt.add_argument("filter", metavar="FILTER", nargs="?", help='its name, as listed (e.g. "compressor")')
    flt.add_argument("state", nargs="?", choices=("on", "off"))
    shot = csub.add_parser("screenshot", help="write a PNG (or .jpg) of the program or one source")
    shot.add_argument("file", metavar="FILE")
    shot.add_argument("--source", metavar="NAME", help="one source instead of the program")
    shot.add_argument("--size", metavar="WxH", help="scaled to this size (default: as it is)")
    ch = csub.add_parser("chapter", help="a chapter mark in the running .mkv recordings")
    ch.add_argument("title", nargs="?", help='its title (default "Chapter N")')
    sc = csub.add_parser("scene", help="switch the program scene (of the main canvas, or --canvas NAME's)")
    sc.add_argument("scene", metavar="NAME|INDEX")
    sc.add_argument("--canvas", metavar="NAME", help="a [[canvases]] canvas (an index then counts its scenes)")
    sm = csub.add_parser("studio", help="studio mode: a preview scene to edit while the program stays on air")
    sm.add_argument("state", nargs="?", choices=("on", "off", "toggle"), default="toggle")
    pv = csub.add_parser("preview", help="studio mode's preview scene")
    pv.add_argument("scene", metavar="NAME|INDEX")
    csub.add_parser("transition", help="studio mode: take the preview to program (through the transition)")
    it = csub.add_parser("item", help="show, hide or move a scene item (saved to the config file)")
    it.add_argument("scene", metavar="SCENE")
    it.add_argument("source", metavar="SOURCE")
    vis = it.add_mutually_exclusive_group()
    vis.add_argument("--show", dest="visible", action="store_const", const=True)
    vis.add_argument("--hide", dest="visible", action="store_const", const=False)
    it.add_argument("--x", type=int)
    it.add_argument("--y", type=int)
    it.add_argument("--scale", type=float)
    it.add_argument("--opacity", type=float)
    tx = csub.add_parser("text", help="change a text source's text")
    tx.add_argument("source")
    tx.add_argument("text")
    mu = csub.add_parser("mute", help="mute, unmute or toggle a source")
    mu.add_argument("source")
    mu.add_argument("state", nargs="?", choices=("on", "off", "toggle"), default="toggle")
    cf = csub.add_parser("config", help="list the config files beside the running one, or restart on one (idle only)")
    cf.add_argument("name", nargs="?")
    cp = csub.add_parser("caption", help="a caption (CEA-608) in the running H.264 stream")
    cp.add_argument("text")
    me = csub.add_parser("media", help="play, pause, stop, restart or seek a media source")
    me.add_argument("source")
    me.add_argument("action", choices=("play", "pause", "toggle", "stop", "restart", "seek"))
    me.add_argument("at", nargs="?", help="seek: a time in seconds (12.5), or +/- seconds from here (+10, -5)")
    tr = csub.add_parser("tracks", help="the audio tracks (1-6) a source feeds, or set them (saved to the config file)")
    tr.add_argument("source")
    tr.add_argument("track", nargs="*", type=int, help="the tracks it feeds from now on, like 1 3")

    csub.add_parser("bridge", help="the control protocol on stdin/stdout, one JSON message a line: "
                                   "what `rigcast --host` runs on a rig through ssh")
    csub.add_parser("obs-info", help="obs-websocket's address, port and password, for an OBS remote tool "
                                     "(OBS's Show Connect Info)")

    tui = sub.add_parser("tui", help="the control room (default): attach to the engine, starting one if needed")
    tui.add_argument("--host", action="append", metavar="HOST",
                     help="attach to a rig's engine over SSH (user@box, a ~/.ssh/config alias or a [[rigs]] "
                          "name); repeatable: several rigs, one shown at a time")
    tui.add_argument("--theme", default=os.environ.get("RIGCAST_THEME"),
                     help="the colour theme (Textual's: textual-dark by default, textual-light for a light "
                          "terminal, ansi-dark/ansi-light for the terminal's own colours, ...); also RIGCAST_THEME")

    sub.add_parser("plugins", help="installed plugins (rigcast.plugins entry points), their kinds, and whether each loaded")
    sub.add_parser("windows", help="list capturable windows")
    sub.add_parser("devices", help="list audio outputs (desktop_audio) and microphones (mic)")
    return p


def _job_flags(s: argparse.ArgumentParser) -> None:
    """The flags that say what to capture and where to send it (stream, up, engine)."""
    s.add_argument("--config", metavar="FILE", help="TOML config; flags override it")
    src = s.add_mutually_exclusive_group()
    src.add_argument("--window", metavar="TITLE", help="capture the window whose title contains TITLE")
    src.add_argument("--window-regex", metavar="REGEX", help="capture the window whose title matches REGEX")
    src.add_argument("--window-class", metavar="CLASS", help="capture the window of this WM_CLASS")
    src.add_argument("--window-pid", metavar="PID", type=int, help="capture the window of this process")
    src.add_argument("--window-exe", metavar="NAME", help='capture the window of this program ("game.exe")')
    src.add_argument("--display", metavar="N", type=int, help="capture monitor N (1 = primary, 0 = all)")
    if sys.platform != "win32":
        src.add_argument("--pipewire-node", metavar="NAME", help='capture a PipeWire video node by name or id ("gamescope")')
        src.add_argument("--portal", choices=("window", "monitor"),
                         help="capture a window or monitor chosen in the desktop's screen-share prompt (Wayland)")
    s.add_argument("--url", metavar="URL", action="append", help="where to push (repeatable): rtmp(s)://, srt:// or a WHIP endpoint's http(s)://")
    s.add_argument("--record", metavar="FILE", help="also record to FILE (.mkv, .mp4, .flv, .ts)")
    s.add_argument("--codec", metavar="CODEC", help="h264 (default), hevc or av1")
    s.add_argument("--encoder", metavar="NAME", help=f"one of {', '.join(encoder_names())} (default auto)")
    s.add_argument("--preset", metavar="P", help="x264 preset name (mapped for hardware encoders)")
    s.add_argument("--size", metavar="WxH", help="canvas size (default: the source's size)")
    s.add_argument("--fps", metavar="N", type=int, help="canvas frame rate (default 30)")
    s.add_argument("--bitrate", metavar="KBPS", type=int, help="video bitrate, CBR (default 3000)")
    s.add_argument("--keyint", metavar="SECONDS", type=float, help="keyframe interval (default 2)")


def _check_range(flag: str, value: float | None, lo: float, hi: float) -> None:
    if value is not None and not lo <= value <= hi:
        raise ConfigError(flag, f"expected a value from {lo:g} to {hi:g}, got {value:g}")


def default_recording_path() -> str:
    videos = Path.home() / "Videos"
    folder = videos if videos.is_dir() else Path.cwd()
    return str(folder / datetime.datetime.now().strftime("rigcast-%Y-%m-%d_%H-%M-%S.mkv"))


def config_from_args(a: argparse.Namespace) -> RigcastConfig:
    from rigcast.engine.paths import default_config

    if a.config:
        cfg = load_config(a.config)
    else:  # the user's own default, if there is one (%APPDATA%\rigcast, ~/.config/rigcast)
        cfg = load_config(str(default_config())) if default_config().is_file() else RigcastConfig()
    v = cfg.video
    # Each flag is checked by its setting's own field: the same rule and message as the config file.
    for flag, attr, key in (("--size", "size", "size"), ("--fps", "fps", "fps"), ("--bitrate", "bitrate", "bitrate"),
                            ("--keyint", "keyint", "keyint"), ("--encoder", "encoder", "encoder"),
                            ("--preset", "preset", "preset"), ("--codec", "codec", "codec")):
        value = getattr(a, attr)
        if value is None:
            continue
        if attr == "keyint":
            value = float(value)
        try:
            checked = fields.check_field(VideoConfig, key, value)
        except fields.SettingError as e:
            raise ConfigError(flag, e.problem) from None
        setattr(v, fields.field_named(VideoConfig, key).name, checked)
    _check_range("--duration", a.duration, 0.1, 1e9)

    window = [(key, flag, getattr(a, attr)) for key, flag, attr in (
        ("match", "--window", "window"), ("regex", "--window-regex", "window_regex"),
        ("window_class", "--window-class", "window_class"), ("pid", "--window-pid", "window_pid"),
        ("exe", "--window-exe", "window_exe")) if getattr(a, attr) is not None]
    if window:
        key, flag, value = window[0]
        cfg.sources = [_flagged(SourceConfig, "game", first(Role.SOURCE, Cap.WINDOW).name, key, value, flag)]
    elif a.display is not None:
        cfg.sources = [_flagged(SourceConfig, "display", "display", "display", a.display, "--display")]
    elif getattr(a, "pipewire_node", None) is not None:
        cfg.sources = [_flagged(SourceConfig, "game", "pipewire", "node", a.pipewire_node, "--pipewire-node")]
    elif getattr(a, "portal", None) is not None:
        cfg.sources = [_flagged(SourceConfig, "game", "pipewire", "share", a.portal, "--portal")]
    elif not cfg.sources:
        cfg.sources = [SourceConfig("display", "display", display=1)]

    # A URL on a command line is readable by every local user (ps, /proc/PID/cmdline) while the
    # command runs; the config file and $RIGCAST_URL keep the key out of sight.
    urls, flag = (a.url, "--url") if a.url else ([os.environ[URL_ENV]], f"${URL_ENV}") if os.environ.get(URL_ENV) \
        else ([], "")
    if urls:
        # Named after what they speak ("rtmp", "srt", "whip"), numbered when there are several.
        kinds_ = [output_kind_for_url(u).name for u in urls]
        streams = [_flagged(OutputConfig, f"{k}{i + 1}" if len(urls) > 1 else k, k, "url", u, flag)
                   for i, (k, u) in enumerate(zip(kinds_, urls))]
        cfg.outputs = [o for o in cfg.outputs if not o.has(Cap.STREAM)] + streams
    if a.record:
        cfg.outputs = [o for o in cfg.outputs if not o.has(Cap.RECORD)]
        cfg.outputs.append(_flagged(OutputConfig, "record", first(Role.OUTPUT, Cap.RECORD).name, "path", a.record, "--record"))
    if not cfg.outputs:
        # Nothing to push to: a box with no server still gets a useful recording.
        cfg.outputs = [default_recording()]
    check_codec(cfg)
    return cfg


def _flagged(cls: type[SourceConfig] | type[OutputConfig], name: str, kind: str, key: str, value: object,
             flag: str) -> Any:
    """A source or output made from one flag, the value checked by its kind's settings field."""
    made = cls(name, kind)
    settings = made.info.settings
    try:
        return made.replace(**{fields.field_named(settings, key).name: fields.check_field(settings, key, value)})
    except fields.SettingError as e:
        raise ConfigError(flag, e.problem) from None


def default_recording() -> OutputConfig:
    return OutputConfig("record", first(Role.OUTPUT, Cap.RECORD).name, path=default_recording_path())


def cmd_stream(a: argparse.Namespace) -> int:
    from rigcast.engine.runtime import run_stream

    cfg = config_from_args(a)
    return run_stream(cfg, a.duration, log_level=logging.DEBUG if a.verbose else logging.INFO)


def engine_config(a: argparse.Namespace) -> tuple[RigcastConfig, list[str]]:
    """The config of a long-running engine, and the outputs ``--live`` starts.

    ``--live`` does what ``rigcast stream`` would; a recording output is always configured
    (the TUI's ``r``, ``rigcast ctl record start``) even when only a stream was asked for."""
    cfg = config_from_args(a)
    live = [o.name for o in cfg.outputs] if a.live else []
    if not any(o.has(Cap.RECORD) for o in cfg.outputs):
        cfg.outputs.append(default_recording())
    return cfg, live


def cmd_engine(a: argparse.Namespace) -> int:
    from rigcast.engine.daemon import run_engine

    cfg, live = engine_config(a)
    return run_engine(cfg, live, logging.DEBUG if a.verbose else logging.INFO, a.duration)


def cmd_up(a: argparse.Namespace) -> int:
    from rigcast.engine.daemon import up
    from rigcast.engine.winlaunch import env_names

    cfg, _live = engine_config(a)  # bad flags fail here, in the user's terminal, not in a log file
    return up(engine_argv(a.argv), env_names(cfg))


def engine_argv(argv: list[str]) -> list[str]:
    """``up``'s own arguments for ``rigcast engine``: the one token that is the subcommand
    becomes ``engine`` (the only option before it, ``-v``, takes no value); a value that
    happens to read "up" (``--window up``) stays what it is."""
    i = next(i for i, x in enumerate(argv) if not x.startswith("-"))
    return [*argv[:i], "engine", *argv[i + 1:]]


def cmd_down(_a: argparse.Namespace) -> int:
    from rigcast.engine.daemon import down

    return down()


def cmd_ctl(a: argparse.Namespace) -> int:
    from rigcast.engine.ctl import run_ctl

    a.host = _hosts(a)
    return run_ctl(a)


def cmd_tui(a: argparse.Namespace) -> int:
    from rigcast.tui.app import run_tui

    return run_tui(getattr(a, "theme", None) or os.environ.get("RIGCAST_THEME"), _hosts(a))


def _hosts(a: argparse.Namespace) -> list[str]:
    """``--host`` given before the command (``rigcast --host den``) or after it."""
    return [*(getattr(a, "top_host", None) or []), *(getattr(a, "host", None) or [])]


def cmd_plugins(_a: argparse.Namespace) -> int:
    """One row per plugin: its package and version, loaded or why not, then its kinds."""
    from rigcast.config.kinds import installed_plugins

    found = installed_plugins()[1]
    if not found:
        print("rigcast: no plugins installed (a plugin is a package with a rigcast.plugins entry point; "
              "see docs/plugins.md)")
        return 0
    for p in found:
        print(f"{p.name:<16} {p.package} {p.version}  " + ("loaded" if p.loaded else f"NOT LOADED: {p.error}"))
        for kind in p.kinds:
            print(f"    {kind}")
    return 0 if all(p.loaded for p in found) else 1


def cmd_windows(_a: argparse.Namespace) -> int:
    """Windows to capture, and on Linux PipeWire's video nodes too (Wayland, gamescope): one
    error line only when neither can be listed."""
    from rigcast.engine.capture.matching import exe_file
    from rigcast.engine.untrusted import clean

    x_error = ""
    rows: list[Any] = []
    if sys.platform == "win32":
        from rigcast.engine.capture import win32_api

        win32_api.set_dpi_awareness()
        rows = win32_api.list_windows()
    else:
        from rigcast.engine.capture.x11_windows import list_windows, open_display

        try:
            d = open_display()
        except RigcastError as e:
            x_error = str(e)
        else:
            try:
                rows = list_windows(d)
            finally:
                d.close()
    nodes, pw_error = ([], "") if sys.platform == "win32" else _pipewire_nodes()
    if x_error and pw_error:
        raise RigcastError(f"{x_error}; and {pw_error}")
    if x_error:
        print(f"X11 windows: none listed ({x_error})")
    else:
        print(f"{'ID':>10}  {'PID':>7}  {'GEOMETRY':<20} {'CLASS':<24} {'EXE':<16} TITLE")
        for w in rows:
            geom = f"{w.width}x{w.height}+{w.x}+{w.y}"
            exe = clean(exe_file(w.exe or "-"), 64)
            print(f"0x{w.id:08x}  {w.pid or '-':>7}  {geom:<20} {w.wm_class[:24]:<24} {exe[:16]:<16} {w.label}"
                  + ("" if w.visible else "  (hidden)"))
    if sys.platform == "win32":
        return 0
    if pw_error:
        print(f"\nPipeWire video nodes: none listed ({pw_error})")
        return 0
    print('\nPipeWire video nodes (--pipewire-node NAME, or node = "NAME" in a pipewire source):')
    print(f"{'SERIAL':>10}  {'SIZE':<12} NAME")
    for n in nodes:
        print(f"{n.serial:>10}  {str(n.size or '-'):<12} {clean(n.label, 120)}")
    if not nodes:
        print("  (none)")
    return 0


def _pipewire_nodes() -> tuple[list[Any], str]:
    """PipeWire's video nodes (gamescope's among them), or why they can't be listed."""
    from rigcast.engine.capture.pw_session import desktop_session

    if sys.platform == "win32":
        return [], "PipeWire is Linux's"
    else:
        from rigcast.engine.capture.pipewire import list_nodes

        try:
            desktop_session()  # no PipeWire at all: said without starting anything
            return list_nodes()[1], ""
        except RigcastError as e:
            return [], str(e)


def cmd_devices(_a: argparse.Namespace) -> int:
    """What ``device = "..."`` can name: any part of a name below (case-insensitive)."""
    from rigcast.engine.audio.capture import list_devices

    for kind, what, devices in list_devices():
        print(f"{kind} ({what}):")
        for name, default in devices:
            print(f"  {name}{'  (default)' if default else ''}")
        if not devices:
            print("  none")
    return 0


def _args_from_file(path: str) -> list[str]:
    """The engine's arguments from the private file ``rigcast up`` wrote, deleted once read,
    with the caller's environment variables and directory taken on (a scheduled task has
    neither); its output goes to the engine log (a task has no terminal), and its exit code
    last, which is how ``up`` learns that it ended (engine/winlaunch.py)."""
    from rigcast.engine import paths
    from rigcast.engine.winlaunch import read_args_payload

    with open(path, encoding="utf-8") as f:
        args, env, cwd = read_args_payload(json.load(f))
    os.unlink(path)
    os.environ.update(env)
    log = open(paths.log_path(), "a", buffering=1, encoding="utf-8")  # noqa: SIM115  (lives as long as the engine)
    sys.stdout = sys.stderr = log
    if cwd:
        try:
            os.chdir(cwd)
        except OSError as e:
            print(f"rigcast: the directory `rigcast up` ran in is gone ({e}); relative paths are from {os.getcwd()}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from rigcast.engine.textout import utf8_streams

    utf8_streams()  # a pipe on Windows would otherwise get strict ANSI: "→" or a CJK title raised
    parser = _parser()
    given = sys.argv[1:] if argv is None else list(argv)
    if given == [ARGS_ON_STDIN]:  # started by `rigcast up`
        argv = given = [str(x) for x in json.loads(sys.stdin.read())]
    elif len(given) == 2 and given[0] == ARGS_FILE:  # started by Task Scheduler (engine/winlaunch.py)
        from rigcast.engine.winlaunch import EXITED

        code: int | str | None = 1
        try:
            code = _main(parser, _args_from_file(given[1]))
            return code
        except SystemExit as e:  # argparse's own exit
            code = e.code if isinstance(e.code, int) else 2
            raise
        finally:
            print(f"{EXITED}{code}", flush=True)  # last in the log: how `up` learns the engine ended
    return _main(parser, given)


def _main(parser: argparse.ArgumentParser, given: list[str]) -> int:
    args = parser.parse_args(given)
    from rigcast.engine.logsetup import setup_logging

    setup_logging(logging.DEBUG if args.verbose else logging.INFO, "main")
    commands = {"stream": cmd_stream, "windows": cmd_windows, "devices": cmd_devices, "up": cmd_up, "down": cmd_down,
                "engine": cmd_engine, "ctl": cmd_ctl, "tui": cmd_tui,
                "plugins": cmd_plugins}
    args.argv = given
    if args.command is None:
        args.command = "tui"
    try:
        return commands[args.command](args)
    except (RigcastError, ConfigError) as e:
        print(f"rigcast: {mask_text(str(e))}", file=sys.stderr)
        return EXIT_USAGE if isinstance(e, ConfigError) else 1
    except KeyboardInterrupt:
        return 130
    except Exception as e:  # an internal error still gets one line, masked; the details in a file
        if args.verbose:
            raise
        from rigcast.engine.crash import report_crash

        return report_crash(f"`rigcast {args.command}`", e)
