"""The Windows layer's rules, one test each, run anywhere (issue 2/5: the 15 defects found by
reading rigcast against the wheels Windows users install). Windows itself can't run here: each
OS call these rules feed is checked against the real wheel's source and CPython's, and the
hosted-runner workflow (.github/workflows/windows.yml) runs the same tests there."""

from __future__ import annotations


# 1 -------------------------------------------------------------------------------------------
def test_wgc_update_interval_only_where_windows_has_it() -> None:
    """windows-capture 2.0.1 refuses a session that sets ``minimum_update_interval`` where
    GraphicsCaptureSession.MinUpdateInterval is missing (before build 26100)."""
    from rigcast.engine.capture.methods import wgc_update_interval

    for build in (18362, 19045, 22000, 22621, 22631):  # 10 1903, 10 22H2, 11 21H2/22H2/23H2
        assert wgc_update_interval(build, 16) is None, build
    assert wgc_update_interval(26100, 16) == 16 and wgc_update_interval(26200, 16) == 16  # 24H2, 25H2
