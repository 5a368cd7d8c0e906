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
from rigcast.engine.switcher import wanted
from tests.harness import EngineHome, NginxRtmp, XServer, decode, looks_like, start_glxgears, wait_for

RED = (255, 0, 0)


def test_the_first_rule_that_holds_decides() -> None:
    rules = [SwitchRule("game", "not_found", "BRB"), SwitchRule("game", "hidden", "Paused"),
             SwitchRule("cam", "not_found", "NoCam")]
    assert wanted(rules, {"game": "live", "cam": "live"}) is None
    assert wanted(rules, {"game": "hidden", "cam": "not_found"}) == (2, rules[1])
    assert wanted(rules, {"game": "live", "cam": "not_found"}) == (3, rules[2])


@pytest.mark.parametrize(("rule", "at", "says"), [
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
