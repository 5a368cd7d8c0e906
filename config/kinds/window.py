"""``kind = "window"``: one game window, found by title, regex, WM_CLASS, process or executable."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rigcast.config import fields as f
from rigcast.config.kinds.base import Cap, KindInfo, Role

WINDOW_METHODS: tuple[str, ...] = ("wgc", "gdi")  # Windows; Linux has one way
MATCH_KEYS = ("match", "regex", "class", "pid", "exe")


@dataclass
class WindowSettings:
    match: str | None = f.text(None, "a title substring")
    regex: str | None = f.text(None, "a title regular expression", parse=f.regex)
    window_class: str | None = f.text(None, "a WM_CLASS name", key="class")
    pid: int | None = f.number(None, 1, 4_194_304, integer=True)
    exe: str | None = f.text(None, 'an executable\'s file name like "game.exe"')
    method: str = f.choice("auto", ("auto", *WINDOW_METHODS))

    def validate(self, data: dict[str, Any]) -> None:
        given = [k for k in MATCH_KEYS if k in data]
        if len(given) != 1:
            raise f.SettingError("match", "a window source needs exactly one of match, regex, class, pid or exe"
                                 + (f" (got {', '.join(given)})" if given else ""))


def describe(s: WindowSettings) -> str:
    if s.match is not None:
        return f'window titled "*{s.match}*"'
    if s.regex is not None:
        return f"window with title matching /{s.regex}/"
    if s.window_class is not None:
        return f'window of class "{s.window_class}"'
    if s.exe is not None:
        return f"window of {s.exe}"
    return f"window of pid {s.pid}"


KINDS = (KindInfo("window", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED | Cap.WINDOW, WindowSettings, describe,
                  {"linux": "rigcast.engine.capture.x11:X11WindowKind", "win32": "rigcast.engine.capture.win_window:WinWindowKind"},
                  order=1, summary="a game window", hint="run `rigcast windows` to list them"),)
