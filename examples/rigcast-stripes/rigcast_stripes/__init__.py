"""rigcast-stripes: a rigcast plugin, and the template for writing one (docs/plugins.md).

One kind of each shape a plugin can add:

- ``kind = "stripes"`` (a drawn source): N vertical stripes, stripe i in colour i of a fixed
  palette, so a test (or a viewer) can tell each stripe by its number. The compositor draws it
  in the video process, from the picture ``still()`` returns once (draw.py).
- ``kind = "ticker"`` (a captured source): a bar that moves one step a frame, made in a worker
  process of its own, like a game capture, so a source that hangs or crashes can't stop the
  canvas clock (ticker.py).
- ``kind = "tone"`` (an audio source): a sine, made in an audio worker process of its own, as a
  microphone is read, and mixed like one (volume, mute, filters, tracks) (tone.py).
- ``kind = "packet_file"`` (an output): the encoded packets written to an MPEG-TS file, from
  the output's own thread (packets.py).
- ``[video] encoder = "x264_lowlatency"`` (an encoder): libx264 tuned for latency (encoder.py).
- ``[transition] kind = "wipe"``: the coming scene slides in from the left (wipe.py).
- ``kind = "swap_channels"`` (an audio filter) and ``kind = "invert"`` (a video filter on a
  scene item): FFmpeg filters, run in C by the mixer and the compositor.

This module holds only the records: it is imported wherever rigcast reads a config (the CLI,
the TUI's host, every worker). The code that makes pixels or writes files is in the modules the
records' factories name, imported only where it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rigcast.config import fields as f
from rigcast.config.filterlist import FilterBase, filter_kind
from rigcast.config.kinds.audio import SoundSettings
from rigcast.config.kinds.base import Cap, KindInfo, Role
from rigcast.config.values import SIZE, Size

# Stripe i is PALETTE[i % 8], RGB.
PALETTE = ((230, 25, 75), (60, 180, 75), (255, 225, 25), (0, 130, 200),
           (245, 130, 48), (145, 30, 180), (70, 240, 240), (240, 50, 230))


@dataclass
class StripesSettings:
    """What ``[[sources]] kind = "stripes"`` takes, each with its bounds: a bad value is one
    line naming the key, from rigcast's own validation."""

    count: int = f.number(4, 1, 64, integer=True)
    size: Size | None = f.custom(None, (str,), SIZE.expect, SIZE.parse, SIZE.dump)  # None: the canvas's


def describe(s: StripesSettings) -> str:
    return f"{s.count} stripes"


@dataclass
class TickerSettings:
    size: Size = f.custom(Size(320, 180), (str,), SIZE.expect, SIZE.parse, SIZE.dump)
    step: int = f.number(8, 1, 256, integer=True)  # pixels the bar moves each frame


@dataclass
class ToneSettings(SoundSettings):  # volume, mute, sync offset, filters and tracks, as a mic has
    freq: float = f.number(1000.0, 20, 20_000)
    level_db: float = f.number(-20.0, -60, 0)


def _check_ts(path: str, _ctx: f.Context) -> str:
    """A bad value is a ValueError: rigcast turns it into one line naming the key."""
    if Path(path).suffix.lower() != ".ts":
        raise ValueError(f'cannot write packets to "{path}": use a file ending in .ts')
    if not Path(path).expanduser().resolve().parent.is_dir():
        raise ValueError(f'cannot write packets to "{path}": its folder does not exist')
    return path


@dataclass
class PacketFileSettings:
    path: str = f.custom("", (str,), "a file path ending in .ts", _check_ts, required=True)


@dataclass
class SwapChannelsSettings(FilterBase):  # FilterBase gives every filter its ``enabled`` flag
    pass


@dataclass
class InvertSettings(FilterBase):
    pass


@dataclass
class EncoderSettings:
    """An encoder is set by ``[video]`` (bitrate, preset, keyint, ...): nothing of its own."""


@dataclass(frozen=True)
class WipeSettings:
    """What ``[transition]`` sets for a kind that blends over time (``Cap.BLENDS``)."""

    duration_ms: int = f.number(300, 0, 10_000, integer=True)


KINDS = (
    KindInfo("stripes", Role.SOURCE, Cap.VIDEO | Cap.DRAWN, StripesSettings, describe,
             {"": "rigcast_stripes.draw:StripesKind"}, summary="numbered stripes (the example plugin)"),
    KindInfo("ticker", Role.SOURCE, Cap.VIDEO | Cap.CAPTURED, TickerSettings,
             lambda s: f"a bar moving {s.step} px a frame", {"": "rigcast_stripes.ticker:TickerKind"},
             summary="a moving bar, in a process of its own (the example plugin)"),
    KindInfo("tone", Role.SOURCE, Cap.AUDIO | Cap.SOUND | Cap.CAPTURED, ToneSettings,
             lambda s: f"a {s.freq:g} Hz tone at {s.level_db:g} dBFS", {"": "rigcast_stripes.tone:open_tone"},
             summary="a sine, in a process of its own (the example plugin)"),
    KindInfo("packet_file", Role.OUTPUT, Cap.RECORD, PacketFileSettings,
             lambda s: str(Path(s.path).expanduser()), {"": "rigcast_stripes.packets:PacketFileOutput"},
             summary="encoded packets to an MPEG-TS file (the example plugin)"),
    # extra: the codec it makes; whether a new bitrate applies while open (adaptive bitrate).
    KindInfo("x264_lowlatency", Role.ENCODER, Cap.VIDEO, EncoderSettings, lambda s: "encoder",
             {"": "rigcast_stripes.encoder:LowLatencyX264"}, summary="libx264, zerolatency (the example plugin)",
             extra={"codec": "h264", "live_bitrate": True}),
    KindInfo("wipe", Role.TRANSITION, Cap.BLENDS, WipeSettings, lambda s: f"wipe over {s.duration_ms} ms",
             {"": "rigcast_stripes.wipe:wipe"}, summary="the new scene slides in from the left (the example plugin)",
             extra={"obs": ("Wipe", "wipe_transition")}),
    # Filters are FFmpeg filter chains: the record says which filters, from its settings.
    filter_kind("swap_channels", Cap.AUDIO, SwapChannelsSettings, "left and right swapped (the example plugin)",
                lambda s: ("pan", "stereo|c0=c1|c1=c0")),
    filter_kind("invert", Cap.VIDEO, InvertSettings, "colours inverted (the example plugin)",
                lambda s: ("negate", "")),
)
