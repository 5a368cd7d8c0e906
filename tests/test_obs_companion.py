"""What Bitfocus Companion asks beyond the common requests: a key sequence pressing one of the
config's [hotkeys], groups answered as OBS answers a collection without any, and the count of
Companion's requests rigcast refuses (only what can't exist on a headless box)."""

from __future__ import annotations

from pathlib import Path

import obsws_python as obs
import pytest

from rigcast.engine.control.obs.hotkeys import combo_of
from tests.harness import EngineHome, free_port, wait_for
from tests.test_obsws import PASSWORD, obs_config


def test_obs_key_ids_become_hotkey_combos() -> None:
    assert combo_of("OBS_KEY_F9", {"control": True, "shift": True}) == "ctrl+shift+f9"
    assert combo_of("OBS_KEY_NUM5", {"alt": True, "command": False}) == "alt+kp_5"
    assert combo_of("OBS_KEY_A", {}) == "a"
    with pytest.raises(ValueError, match="no key for"):
        combo_of("OBS_KEY_MOUSE1", {})


def test_companions_refusals_are_what_a_headless_box_cant_have() -> None:
    from rigcast.engine.control.obs import server  # noqa: F401  (every request module registers)
    from rigcast.engine.control.obs.coverage import COMPANION
    from rigcast.engine.control.obs.requests import NOTES, REQUESTS

    _version, names = COMPANION
    assert len(names) == len(set(names)) == 91
    missing = [n for n in names if n not in REQUESTS and n != "Sleep"]
    assert not missing, missing
    refused = {n for n in names if NOTES.get(n, ("",))[0] == "refused"}
    headless = {"StartVirtualCam", "StopVirtualCam", "ToggleVirtualCam", "OpenInputFiltersDialog",
                "OpenInputInteractDialog", "OpenInputPropertiesDialog", "OpenSourceProjector", "OpenVideoMixProjector",
                "PressInputPropertiesButton"}
    assert refused == headless, sorted(refused ^ headless)


def test_a_key_sequence_presses_a_configured_hotkey_and_groups_answer_as_obs(home: EngineHome,
                                                                              tmp_path: Path) -> None:
    port = free_port()
    cfg = tmp_path / "rigcast.toml"
    cfg.write_text(obs_config(home, port).replace('kind = "window"\nmatch = "glxgears"', 'kind = "color"\ncolor = "#000000"')
                   + '\n[[scenes]]\nname = "One"\nitems = [ { source = "game" } ]\n'
                   '[[scenes]]\nname = "Two"\nitems = [ { source = "game" } ]\n'
                   '[hotkeys]\n"ctrl+shift+f9" = "scene Two"\n')
    home.up("--config", str(cfg))
    cl = obs.ReqClient(host="127.0.0.1", port=port, password=PASSWORD, timeout=15)
    try:
        assert cl.get_current_program_scene().current_program_scene_name == "One"
        cl.trigger_hot_key_by_key_sequence("OBS_KEY_F9", pressShift=True, pressCtrl=True, pressAlt=False, pressCmd=False)
        wait_for(lambda: cl.get_current_program_scene().current_program_scene_name == "Two", 10,
                 what="the hotkey's scene on program")
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.trigger_hot_key_by_key_sequence("OBS_KEY_F8", pressShift=False, pressCtrl=True, pressAlt=False, pressCmd=False)
        assert e.value.code == 600 and "ctrl+f8" in str(e.value)
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.get_group_scene_item_list("One")
        assert e.value.code == 602
        with pytest.raises(obs.error.OBSSDKRequestError) as e:
            cl.get_group_scene_item_list("no such group")
        assert e.value.code == 600
        assert cl.get_group_list().groups == []
    finally:
        cl.disconnect()
