"""Automatic scene switching ([[switch]]): the game's window gone shows the BRB scene by itself,
back when it returns; a scene switched by hand holds the rules off for [switcher] hold_s. Against
a real glxgears window and nginx-rtmp, the received pictures decoded."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from rigcast.config.loader import ConfigError, parse_config
from rigcast.config.model import SwitchRule
from rigcast.engine.desktop import Focused
from rigcast.engine.switcher import Facts, holds, wanted
from tests.harness import (
    EngineHome,
    NginxRtmp,
    Pulse,
    XServer,
    decode,
    looks_like,
    sample_picture,
    show_image,
    start_glxgears,
    wait_for,
)

RED = (255, 0, 0)


def test_the_first_rule_that_holds_decides() -> None:
    rules = [SwitchRule("BRB", "game", "not_found"), SwitchRule("Paused", "game", "hidden"),
             SwitchRule("NoCam", "cam", "not_found")]
    assert wanted(rules, {"game": "live", "cam": "live"}) is None
    assert wanted(rules, {"game": "hidden", "cam": "not_found"}) == (2, rules[1])
    assert wanted(rules, {"game": "live", "cam": "not_found"}) == (3, rules[2])


def test_each_kind_of_condition() -> None:
    import datetime

    win = SwitchRule("Chat", window="^Discord|discord")
    assert holds(win, Facts(focused=Focused("Discord - #general", "discord Discord")))
    assert not holds(win, Facts(focused=Focused("glxgears", "glxgears"))) and not holds(win, Facts())
    quiet = SwitchRule("Quiet", silent="mic", for_s=3)
    assert holds(quiet, Facts(quiet_s={"mic": 3.5})) and not holds(quiet, Facts(quiet_s={"mic": 1.0}))
    afk = SwitchRule("AFK", idle_s=60)
    assert holds(afk, Facts(idle_s=61)) and not holds(afk, Facts(idle_s=5)) and not holds(afk, Facts())
    night = SwitchRule("Night", between="22:00-02:00")  # across midnight
    assert holds(night, Facts(clock=datetime.time(23, 30))) and holds(night, Facts(clock=datetime.time(1, 0)))
    assert not holds(night, Facts(clock=datetime.time(2, 0))) and not holds(night, Facts(clock=datetime.time(12, 0)))
    day = SwitchRule("Day", between="09:00-17:30")
    assert holds(day, Facts(clock=datetime.time(17, 29))) and not holds(day, Facts(clock=datetime.time(17, 30)))


@pytest.mark.parametrize(("rule", "at", "says"), [
    ({"scene": "BRB"}, "switch[0].source", "exactly one condition"),
    ({"source": "game", "window": "x", "scene": "BRB"}, "switch[0].source", "got source, window"),
    ({"silent": "nope", "scene": "BRB"}, "switch[0].silent", 'no source with sound named "nope"'),
    ({"window": "(", "scene": "BRB"}, "switch[0].window", "not a valid regular expression"),
    ({"between": "25:00-03:00", "scene": "BRB"}, "switch[0].between", "22:00-02:00"),
    ({"idle_s": 0, "scene": "BRB"}, "switch[0].idle_s", "from 1 to 86400"),
    ({"source": "nope", "state": "not_found", "scene": "BRB"}, "switch[0].source", 'no captured source named "nope"'),
    ({"source": "game", "state": "not_found", "scene": "Nope"}, "switch[0].scene", 'no scene named "Nope"'),
    ({"source": "game", "state": "gone", "scene": "BRB"}, "switch[0].state", "gone"),
])
def test_a_bad_rule_is_one_line_naming_it(rule: dict, at: str, says: str) -> None:
    doc = {"sources": [{"name": "game", "kind": "window", "match": "x"}],
           "scenes": [{"name": "Game", "items": [{"source": "game"}]}, {"name": "BRB", "items": []}], "switch": [rule]}
    with pytest.raises(ConfigError) as e:
        parse_config(doc)
    assert e.value.where == at and says in str(e.value), str(e.value)


def test_brb_while_the_game_is_gone_and_a_hand_switch_holds(home: EngineHome, xserver: XServer, nginx: NginxRtmp,
                                                           tmp_path: Path) -> None:
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(f"""[[sources]]
name = "game"
kind = "window"
match = "glxgears"
[[scenes]]
name = "Game"
items = [ {{ source = "game" }} ]
[[scenes]]
name = "BRB"
items = [ {{ source = "bg", kind = "color", color = "#ff0000" }} ]
[[switch]]
source = "game"
state = "not_found"
scene = "BRB"
[switcher]
hold_s = 8
[[outputs]]
name = "s"
kind = "rtmp"
url = "{nginx.url('auto')}"
""")
    gears = start_glxgears(xserver)
    try:
        home.up("--config", str(cfg), "--live")
        wait_for(lambda: nginx.publishing("auto"), 30, what="live")
        time.sleep(3)
        gears.close()
        t = time.monotonic()
        wait_for(lambda: home.status()["program_scene"] == "BRB", 30, what="BRB once the game's window closed")
        print(f"\nBRB {time.monotonic() - t:.1f} s after the window closed")
        time.sleep(2)
        gears = start_glxgears(xserver)
        t = time.monotonic()
        wait_for(lambda: home.status()["program_scene"] == "Game", 30, what="the game's scene back")
        print(f"the game back {time.monotonic() - t:.1f} s after its window reopened")
        time.sleep(2)
        gears.close()
        wait_for(lambda: home.status()["program_scene"] == "BRB", 30, what="BRB again")
        r = home.rigcast("ctl", "scene", "Game")  # by hand: the rule (still true) holds off
        assert r.returncode == 0, r.stderr
        t = time.monotonic()
        time.sleep(1.5)
        assert home.status()["program_scene"] == "Game", "a switch by hand holds for hold_s"
        wait_for(lambda: home.status()["program_scene"] == "BRB", 40, what="the rule again after hold_s")
        assert time.monotonic() - t >= 5, "not before hold_s (8 s from the switch, less the ctl process)"
        log = home.log()
        home.down()
    finally:
        gears.close()
    autos = [line for line in log.splitlines() if "automatic scene switch to" in line]
    assert [a.split("switch to ")[1].split(" ")[0] for a in autos] == ["BRB", "Game", "BRB", "BRB"], autos
    assert "holds off for 8 s" in log
    d = decode(nginx.recordings("auto")[0], keep_every=5)
    red = [looks_like(f[100:200, 100:200], RED, 40) for f in d.frames]
    runs = [red[0]] + [b for a, b in zip(red, red[1:]) if a != b]
    assert runs[:4] == [False, True, False, True], runs
    assert np.mean(red) < 0.9


def _rules_config(tmp_path: Path, rules: str, extra: str = "") -> Path:
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(f"""[[sources]]
name = "game"
kind = "window"
match = "glxgears"
{extra}
[[scenes]]
name = "Game"
items = [ {{ source = "game" }} ]
[[scenes]]
name = "Other"
items = [ {{ source = "bg", kind = "color", color = "#ff0000" }} ]
{rules}
""")
    return cfg


def _xdotool(home: EngineHome, *args: str) -> None:
    import subprocess

    subprocess.run(["xdotool", *args], env=home.env(), check=True, timeout=30)


def test_the_focused_window_switches_scenes(home: EngineHome, xserver: XServer, gears: object, tmp_path: Path) -> None:
    chat = show_image(xserver, sample_picture(200, 150), "chat-window", (50, 50), tmp_path)
    try:
        home.up("--config", str(_rules_config(tmp_path, '[[switch]]\nwindow = "^chat"\nscene = "Other"\n')))
        _xdotool(home, "search", "--name", "glxgears", "windowactivate", "--sync")
        wait_for(lambda: home.status()["program_scene"] == "Game", 15, what="the game's scene with glxgears focused")
        _xdotool(home, "search", "--name", "chat-window", "windowactivate", "--sync")
        wait_for(lambda: home.status()["program_scene"] == "Other", 15, what="the chat window focused to switch")
        _xdotool(home, "search", "--name", "glxgears", "windowactivate", "--sync")
        wait_for(lambda: home.status()["program_scene"] == "Game", 15, what="the game's scene back with the game focused")
        assert "the focused window matches /^chat/" in home.log()
    finally:
        chat.close()


def test_no_input_for_a_while_switches_and_a_mouse_move_brings_the_game_back(home: EngineHome, gears: object,
                                                                            tmp_path: Path) -> None:
    home.up("--config", str(_rules_config(tmp_path, "[[switch]]\nidle_s = 2\nscene = \"Other\"\n")))
    _xdotool(home, "mousemove", "10", "10")
    wait_for(lambda: home.status()["program_scene"] == "Other", 20, what="the idle rule after 2 s without input")
    _xdotool(home, "mousemove", "200", "200")
    wait_for(lambda: home.status()["program_scene"] == "Game", 10, what="the game's scene once the mouse moved")
    assert "no input for 2 s" in home.log()


def test_an_audio_source_silent_for_a_while_switches(home: EngineHome, gears: object, pulse: Pulse,
                                                    tmp_path: Path) -> None:
    home.extra_env.update(pulse.env())
    cfg = _rules_config(tmp_path, '[[switch]]\nsilent = "desk"\nfor_s = 1.5\nscene = "Other"\n',
                        '[[sources]]\nname = "desk"\nkind = "desktop_audio"\n')
    home.up("--config", str(cfg))
    wait_for(lambda: home.status()["program_scene"] == "Other", 20, what="the silence rule with nothing playing")
    player = pulse.play_tone(440, 6, 0.5)
    try:
        wait_for(lambda: home.status()["program_scene"] == "Game", 10, what="the game's scene while the tone plays")
        player.wait(30)
    finally:
        if player.poll() is None:
            player.kill()
    wait_for(lambda: home.status()["program_scene"] == "Other", 10, what="the silence rule after the tone")
    assert '"desk" has been silent for 1.5 s' in home.log()
