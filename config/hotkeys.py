"""``[hotkeys]``: key combos on the game box mapped to actions, each one command of the bus.

    [hotkeys]
    "ctrl+shift+f9" = "save_replay"
    "ctrl+f1" = "scene 1"
    "ctrl+f5" = "toggle_stream"
    "ctrl+m" = "mute mic"

Why here and not in the TUI: the TUI runs over SSH and can't hear a key pressed in the game.
The combo and action rules are one place (this module) shared by the X11 grabber and the
Windows one (engine/hotkeys/), so a config moves between them unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MODIFIERS = ("ctrl", "shift", "alt", "super")
_NAMED = ("space", "tab", "return", "escape", "backspace", "insert", "delete", "home", "end", "pageup", "pagedown",
          "up", "down", "left", "right", "pause", "print", "scrolllock", "minus", "equal", "comma", "period",
          "slash", "semicolon", "apostrophe", "grave", "bracketleft", "bracketright", "backslash")
KEYS = tuple("abcdefghijklmnopqrstuvwxyz0123456789") + tuple(f"f{n}" for n in range(1, 25)) + _NAMED + tuple(
    f"kp_{n}" for n in range(10))
# action word -> (bus command, the argument the rest of the action gives, if any)
ACTIONS: dict[str, tuple[str, str | None]] = {
    "save_replay": ("replay.save", None), "toggle_replay": ("replay.toggle", None),
    "start_stream": ("stream.start", None), "stop_stream": ("stream.stop", None),
    "toggle_stream": ("stream.toggle", None),
    "start_record": ("record.start", None), "stop_record": ("record.stop", None),
    "toggle_record": ("record.toggle", None), "pause_record": ("record.toggle_pause", None),
    "add_chapter": ("record.chapter", None), "split_record": ("record.split", None),
    "scene": ("scene.switch", "scene"), "mute": ("source.mute", "source"),
}


@dataclass(frozen=True)
class Combo:
    mods: frozenset[str]
    key: str

    def __str__(self) -> str:
        return "+".join([m for m in MODIFIERS if m in self.mods] + [self.key])


@dataclass(frozen=True)
class Hotkey:
    combo: Combo
    command: str  # a bus command
    args: tuple[tuple[str, Any], ...] = ()
    action: str = ""  # as the user wrote it


def parse_combo(text: str) -> Combo:
    parts = [p.strip().lower() for p in text.split("+")]
    if not parts or not all(parts):
        raise ValueError(f'"{text}" is not a key combo; write it like "ctrl+shift+f9"')
    *mods, key = parts
    for m in mods:
        if m not in MODIFIERS:
            raise ValueError(f'"{m}" in "{text}" is not a modifier; use {", ".join(MODIFIERS)}')
    if key not in KEYS:
        raise ValueError(f'"{key}" in "{text}" is not a key rigcast knows; use a letter, a digit, f1-f24 or one of '
                         f'{", ".join(_NAMED)}')
    if len(set(mods)) != len(mods):
        raise ValueError(f'"{text}" names a modifier twice')
    return Combo(frozenset(mods), key)


def parse_action(text: str) -> tuple[str, tuple[tuple[str, Any], ...]]:
    word, _, rest = text.strip().partition(" ")
    if word not in ACTIONS:
        raise ValueError(f'unknown action "{word}"; use one of {", ".join(ACTIONS)} (scene and mute take a name)')
    command, arg = ACTIONS[word]
    rest = rest.strip()
    if arg is None:
        if rest:
            raise ValueError(f'"{word}" takes nothing after it')
        return command, ()
    if not rest:
        raise ValueError(f'"{word}" needs a {"scene name or number" if arg == "scene" else "source name"} after it')
    value: Any = int(rest) if arg == "scene" and re.fullmatch(r"\d+", rest) else rest
    return command, ((arg, value),)


def parse_hotkeys(table: dict[str, Any]) -> tuple[Hotkey, ...]:
    """The ``[hotkeys]`` table; ValueError naming the combo and the problem."""
    out: list[Hotkey] = []
    for combo_text, action in table.items():
        try:
            combo = parse_combo(combo_text)
            if not isinstance(action, str):
                raise ValueError(f"expected an action like \"save_replay\" or \"scene 2\", got {action!r}")
            command, args = parse_action(action)
        except ValueError as e:
            raise ValueError(f'"{combo_text}": {e}') from None
        if any(h.combo == combo for h in out):
            raise ValueError(f'"{combo_text}": the same combo as another hotkey')
        out.append(Hotkey(combo, command, args, action.strip()))
    return tuple(out)
