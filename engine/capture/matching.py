"""Which window a source means: platform-independent, so X11 and Windows share it.

A streamer names a game by a piece of its title, a regex, its class (WM_CLASS on X11, the window
class on Windows), its PID or its executable's name. Titles change (FPS counters, level names), so substring and regex
matches are case-insensitive; the first visible match in the window manager's order wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rigcast.config.model import SourceConfig


@dataclass(frozen=True)
class WindowInfo:
    id: int
    title: str
    wm_class: str
    pid: int | None
    x: int
    y: int
    width: int
    height: int
    visible: bool = True
    exe: str | None = None

    @property
    def label(self) -> str:
        """The title as shown (a terminal, a log line, status): any program sets its own title,
        escapes and control characters included; matching uses the title as it is."""
        from rigcast.engine.untrusted import clean

        return clean(self.title, 200)


def matches(win: WindowInfo, src: SourceConfig) -> bool:
    if src.settings.match is not None:
        return src.settings.match.casefold() in win.title.casefold()
    if src.settings.regex is not None:
        return re.search(src.settings.regex, win.title, re.IGNORECASE) is not None
    if src.settings.window_class is not None:
        wanted = src.settings.window_class.casefold()
        return any(part.casefold() == wanted for part in win.wm_class.split(".") if part)
    if src.settings.pid is not None:
        return win.pid == src.settings.pid
    if src.settings.exe is not None:
        return win.exe is not None and exe_name(win.exe) == exe_name(src.settings.exe)
    return False


def exe_file(path: str) -> str:
    """The file name of an executable path, Windows or POSIX separators alike."""
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def exe_name(path: str) -> str:
    """``C:\\Games\\Game.EXE`` and ``game`` name the same program: the file name, without
    ``.exe``, case-folded (Windows file names are case-insensitive)."""
    name = exe_file(path).casefold()
    return name[:-4] if name.endswith(".exe") else name


def pick_window(windows: list[WindowInfo], src: SourceConfig) -> WindowInfo | None:
    found = [w for w in windows if matches(w, src) and w.width > 0 and w.height > 0]
    found.sort(key=lambda w: not w.visible)  # stable: visible first, WM order kept
    return found[0] if found else None
