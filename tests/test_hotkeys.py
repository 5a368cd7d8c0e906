"""Global hotkeys on the game box: ``xdotool key`` on the Xvfb display, as a player's keyboard
would press them, fires a scene switch and a replay save; both show in the saved file. A combo
another X client already grabbed is one warning naming it, and the rest still work.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import av
import pytest

from rigcast.config.hotkeys import parse_hotkeys
from rigcast.config.loader import ConfigError, parse_config, to_toml
from rigcast.engine.hotkeys.win32 import MOD_CONTROL, MOD_NOREPEAT, MOD_SHIFT, modifiers, virtual_key
from tests.harness import EngineHome, looks_like, wait_for
from tests.test_encodes import BLUE, marked_scenes, numbered_clip  # noqa: F401 (a fixture)

GRAB = """
import sys, time
from Xlib import X, XK, display
d = display.Display()
code = d.keysym_to_keycode(XK.string_to_keysym("F11"))
for extra in (0, X.LockMask, X.Mod2Mask, X.LockMask | X.Mod2Mask):
    d.screen().root.grab_key(code, X.ControlMask | X.ShiftMask | extra, True, X.GrabModeAsync, X.GrabModeAsync)
d.sync()
print("grabbed", flush=True)
time.sleep(120)
"""


def test_combos_and_actions_are_checked_and_written_back() -> None:
    keys = parse_hotkeys({"Ctrl+Shift+F9": "save_replay", "alt+1": "scene 2", "super+m": "mute mic"})
    assert [(str(h.combo), h.command, h.args) for h in keys] == [
        ("ctrl+shift+f9", "replay.save", ()), ("alt+1", "scene.switch", (("scene", 2),)),
        ("super+m", "source.mute", (("source", "mic"),))]
    for table, says in (({"ctrl+hyper+a": "save_replay"}, '"hyper" in "ctrl+hyper+a" is not a modifier'),
                        ({"ctrl+f99": "save_replay"}, '"f99" in "ctrl+f99" is not a key'),
                        ({"ctrl+a": "fly"}, 'unknown action "fly"'),
                        ({"ctrl+a": "scene"}, '"scene" needs a scene name or number'),
                        ({"ctrl+a": "save_replay now"}, '"save_replay" takes nothing after it'),
                        ({"ctrl+a": "save_replay", "Ctrl+A": "toggle_stream"}, "the same combo as another")):
        with pytest.raises(ConfigError) as e:
            parse_config({"hotkeys": table})
        assert str(e.value).startswith("hotkeys: ") and says in str(e.value), str(e.value)
    import tomllib

    cfg = parse_config({"hotkeys": {"Ctrl+Shift+F9": "save_replay", "alt+1": "scene 2"}})
    assert tomllib.loads(to_toml(cfg))["hotkeys"] == {"ctrl+shift+f9": "save_replay", "alt+1": "scene 2"}


def test_windows_gets_the_virtual_keys_and_modifiers_of_each_combo() -> None:
    """RegisterHotKey's side, checked here: it can't run on this box."""
    assert [virtual_key(k) for k in ("a", "z", "0", "9", "f1", "f9", "f24", "kp_3", "pageup", "space")] == [
        0x41, 0x5A, 0x30, 0x39, 0x70, 0x78, 0x87, 0x63, 0x21, 0x20]
    (h,) = parse_hotkeys({"ctrl+shift+f9": "save_replay"})
    assert modifiers(h) == MOD_CONTROL | MOD_SHIFT | MOD_NOREPEAT


def test_xdotool_keys_switch_the_scene_and_save_a_replay(home: EngineHome, numbered_clip: Path,  # noqa: F811
                                                        tmp_path: Path) -> None:
    saves = tmp_path / "replays"
    saves.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", GRAB], env=home.env(), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "grabbed"
        cfg = tmp_path / "keys.toml"
        cfg.write_text(marked_scenes(numbered_clip, "640x360", f"""
[replay]
seconds = 5
path = "{saves}"

[hotkeys]
"ctrl+shift+f9" = "save_replay"
"ctrl+shift+f10" = "scene marked"
"ctrl+shift+f11" = "toggle_stream"
"""))
        home.up("--config", str(cfg), "--live")
        wait_for(lambda: "hotkeys: ctrl+shift+f9 = save_replay" in home.log(), 20, what="the hotkeys grabbed")
        log = home.log()
        assert "hotkey ctrl+shift+f11 is already taken by another program on this display; it is not set" in log
        wait_for(lambda: home.status()["stats"].get("frames", 0) > 6 * 30, 30, what="frames buffered")

        def key(combo: str) -> None:
            subprocess.run(["xdotool", "key", combo], env=home.env(), check=True)

        key("ctrl+shift+F10")
        wait_for(lambda: home.status()["program_scene"] == "marked", 10, what="the scene switched by a hotkey")
        time.sleep(1)
        key("ctrl+shift+F9")
        saved = wait_for(lambda: list(saves.glob("*.mkv")), 15, what="a replay saved by a hotkey")
        assert home.pid() is not None and home.status()["engine"]["state"] == "running"
    finally:
        home.down()
        holder.kill()
    with av.open(str(saved[0])) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    marked = [looks_like(f[288:342, 500:620], BLUE, tol=40) for f in frames]
    assert not marked[0] and marked[-1], "the replay shows the switch the hotkey made, before the save"
