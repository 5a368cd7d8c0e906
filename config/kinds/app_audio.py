"""``kind = "app_audio"``: one application's sound alone (the game without the voice chat), as
OBS 28+ captures it. On Linux the application's PulseAudio/PipeWire playback stream is recorded
by itself (a sink input's monitor), matched by its binary or its client name; on Windows the
process tree of the window matched by its .exe or title, through WASAPI process loopback
(Windows 11, or Windows 10 build 20348 and later). Either way it is followed when the
application restarts.
"""

from __future__ import annotations

from dataclasses import dataclass

from rigcast.config import fields as f
from rigcast.config.kinds.audio import SoundSettings
from rigcast.config.kinds.base import Cap, KindInfo, Role


def _app(value: str, _ctx: f.Context) -> str:
    if not value.strip():
        raise ValueError("empty; name the application's binary or name, as `rigcast devices` lists it")
    if len(value) > 200:
        raise ValueError("longer than 200 characters")
    return value


@dataclass
class AppAudioSettings(SoundSettings):
    app: str = f.text("", "the application's binary or name, as `rigcast devices` lists it", required=True,
                      parse=_app)


def describe(s: AppAudioSettings) -> str:
    return f'the sound of "{s.app}"'


KINDS = (KindInfo("app_audio", Role.SOURCE, Cap.AUDIO | Cap.SOUND | Cap.CAPTURED, AppAudioSettings, describe,
                  {"linux": "rigcast.engine.audio.app_pulse:find_app", "win32": "rigcast.engine.audio.app_wasapi:find_app"},
                  order=10, summary="one application's sound alone", hint="run `rigcast devices` to list them",
                  extra={"devices": {"linux": "rigcast.engine.audio.app_pulse:list_apps",
                                     "win32": "rigcast.engine.audio.app_wasapi:list_apps"}}),)
