"""The shape rules that keep each kind in one place: no kind compared by name outside its own
record, every state styled, one validator giving the same message from every way in."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from rigcast.config import fields
from rigcast.config.kinds import Cap, Role, all_kinds, find, kinds, names
from rigcast.config.loader import ConfigError, parse_config
from rigcast.config.model import SceneItem, VideoConfig
from rigcast.engine.commands import TABLE
from rigcast.engine.control.bus import BusError, CommandBus
from rigcast.engine.vocab import LinkState, OutputState, SourceState

ROOT = Path(__file__).resolve().parent.parent
KIND_NAMES = sorted({k.name for k in all_kinds()})
_NAMES = "|".join(KIND_NAMES)
_COMPARE = re.compile(
    rf"""\.kind\s*(==|!=)\s*["']({_NAMES})["']"""  # cfg.kind == "rtmp"
    r"""|\.kind\s+(not\s+)?in\s+[A-Z_(\[{]"""  # o.kind in STREAM_KINDS, s.kind in ("image", ...)
    rf"""|["']kind["']\]?\)?\s*(==|!=)\s*["']({_NAMES})["']"""  # o.get("kind") == "rtmp"
    rf"""|\bkind\s*(==|!=)\s*["']({_NAMES})["']"""  # kind == "window"
    rf"""|["']({_NAMES})["']\s*(==|!=)\s*[\w.]*kind\b""")  # "rtmp" == o.kind


def test_no_module_outside_a_kinds_record_compares_kinds_by_name() -> None:
    offenders = []
    for folder in ("engine", "tui", "config"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.is_relative_to(ROOT / "config" / "kinds"):
                continue  # a kind's own record
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if _COMPARE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert not offenders, "compare capability flags (Cap), not kind names:\n" + "\n".join(offenders)


def _own_modules(kind: str) -> set[Path]:
    """A kind's own modules: its record and the modules its factories name (with their helpers
    named after it, like engine/output/srt_lib.py)."""
    own = {ROOT / "config" / "kinds" / f"{kind}.py"}
    for k in all_kinds():
        if k.name == kind:
            for path in k.factories.values():
                module = Path(*path.partition(":")[0].removeprefix("rigcast.").split("."))
                own |= set((ROOT / module.parent).glob(f"{module.name}*.py"))
    return own


def test_a_kinds_own_statistics_are_read_only_in_its_own_modules() -> None:
    """Everyone else shows them through the record's stats class (``summary()``): a new output
    kind with statistics of its own touches its record and its module, nothing else."""
    keyed = {k.name: k.stats.WIRE_KEY for k in all_kinds() if k.stats is not None}
    assert set(keyed) == {"srt", "whip"}, "the registry is where the list comes from"
    offenders = []
    for kind, key in keyed.items():
        reads = re.compile(rf"""["']{key}["']|\.{key}\b""")
        own = _own_modules(kind)
        for folder in ("engine", "tui", "config"):
            for path in sorted((ROOT / folder).rglob("*.py")):
                if path in own:
                    continue
                offenders += [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
                              for n, line in enumerate(path.read_text().splitlines(), 1)
                              if reads.search(line.split("#", 1)[0])]
    assert not offenders, "show a kind's statistics through its record's stats class:\n" + "\n".join(offenders)


def test_the_grep_finds_what_it_is_for() -> None:
    """The check above is only worth something if it catches the comparisons it forbids."""
    for bad in ('if o.kind == "rtmp":', "if 'record' != cfg.kind:", "if s.kind in AUDIO_KINDS:",
                'o.get("kind") == "rtmp"', 'if kind == "window":'):
        assert _COMPARE.search(bad), bad
    assert not _COMPARE.search("if o.has(Cap.STREAM):")


def test_every_kind_question_is_answered_by_a_record() -> None:
    assert names(Role.OUTPUT, Cap.STREAM) == ("rtmp", "srt", "whip") and names(Role.OUTPUT, Cap.RECORD) == ("record",)
    assert set(names(Role.SOURCE, Cap.AUDIO)) == {"desktop_audio", "mic", "app_audio"}
    assert set(names(Role.SOURCE, Cap.DRAWN)) == {"image", "color", "text", "chat"}
    assert set(names(Role.SOURCE, Cap.CAPTURED)) == {"window", "display", "pipewire", "media", "desktop_audio", "mic",
                                                   "app_audio"}
    from rigcast.engine.encode.select import auto_order

    for codec, software in (("h264", "libx264"), ("hevc", "libx265"), ("av1", "libsvtav1")):
        order = auto_order(codec)  # hardware first, the software encoder last: it always opens
        assert order[-1] == software and all(find(Role.ENCODER, n).has(Cap.HARDWARE) for n in order[:-1]), order
    only_linux = {"pipewire", "h264_vaapi", "hevc_vaapi", "av1_vaapi"}  # PipeWire, the portal and VAAPI are Linux's
    for k in all_kinds():  # every record names a settings dataclass and a factory for Linux and Windows
        assert k.factory_path("linux") and bool(k.factory_path("win32")) == (k.name not in only_linux), k.name
        assert isinstance(k.describe(k.settings(**_required(k.settings))), str)


def _required(cls: type) -> dict[str, object]:
    return {f.name: "x" for f in fields.fields_of(cls) if fields.spec(f).required}  # type: ignore[union-attr]


def test_every_state_the_engine_emits_has_a_style_in_the_tui() -> None:
    from textual.app import App, ComposeResult

    from rigcast.tui.panels import OutputsPanel, SourcesPanel, StatusBar
    from rigcast.tui.states import PREFIXES

    class Probe(App[None]):
        CSS_PATH = ROOT / "tui" / "app.tcss"

        def compose(self) -> ComposeResult:
            yield StatusBar(id="status")
            yield SourcesPanel(id="sources")
            yield OutputsPanel(id="outputs")

    missing: list[str] = []

    async def run() -> None:
        app = Probe()
        async with app.run_test():
            for widget, kind in ((app.query_one(SourcesPanel), SourceState), (app.query_one(OutputsPanel), OutputState),
                                 (app.query_one(StatusBar), LinkState)):
                for state in kind:
                    style = widget.get_component_rich_style(PREFIXES[kind] + state.value, partial=True)
                    if style.color is None:
                        missing.append(f"{kind.__name__}.{state.name}")

    asyncio.run(run())
    assert not missing, "states without a colour in app.tcss: " + ", ".join(missing)


def test_wire_values_and_labels() -> None:
    assert SourceState.NOT_FOUND == "not_found" and SourceState.NOT_FOUND.label == "window not found"
    assert OutputState.REJECTED == "rejected" and OutputState.REJECTED.label == "rejected by server"
    assert SourceState.from_code(SourceState.LOST.code) is SourceState.LOST
    docs = (ROOT / "docs" / "control-protocol.md").read_text()
    for kind in (SourceState, OutputState, LinkState):
        for state in kind:
            assert f"`{state.value}`" in docs, f"{kind.__name__}.{state.name} is not documented"


BAD_ITEM_VALUES = [("x", 20000), ("y", -16385), ("scale", 0), ("scale", 17.0), ("opacity", 1.5), ("visible", 1)]


@pytest.mark.parametrize("key,value", BAD_ITEM_VALUES)
def test_the_loader_and_the_bus_give_the_same_problem(key: str, value: object) -> None:
    doc = {"sources": [{"name": "g", "kind": "display"}], "scenes": [{"name": "A", "items": [{"source": "g", key: value}]}]}
    with pytest.raises(ConfigError) as loaded:
        parse_config(doc)
    bus = CommandBus(None, TABLE)  # checked before any handler runs: no engine needed
    with pytest.raises(BusError) as sent:
        asyncio.run(bus.execute("scene.item.set", {"scene": "A", "source": "g", key: value}))
    assert loaded.value.where.endswith(f"items[0].{key}")
    assert sent.value.message == f"scene.item.set: {key}: {loaded.value.problem}"


@pytest.mark.parametrize("key,value", [("x", 16384), ("y", -16384), ("scale", 16.0), ("opacity", 0.0), ("visible", False)])
def test_any_value_the_bus_accepts_loads_again(key: str, value: object) -> None:
    checked = fields.check_field(SceneItem, key, value)
    doc = {"sources": [{"name": "g", "kind": "display"}], "scenes": [{"name": "A", "items": [{"source": "g", key: checked}]}]}
    assert getattr(parse_config(doc).scenes[0].items[0], key) == value


def test_flags_and_the_loader_share_one_message() -> None:
    with pytest.raises(ConfigError) as loaded:
        parse_config({"video": {"fps": 0}})
    with pytest.raises(fields.SettingError) as flagged:
        fields.check_field(VideoConfig, "fps", 0)
    assert loaded.value.problem == flagged.value.problem == "expected a whole number from 1 to 240, got 0"


def test_each_stream_kind_says_which_parts_of_its_url_are_secret() -> None:
    """Masking asks the record of the kind that takes the URL's scheme, not a scheme branch in
    config/secrets.py: a new kind brings its own rule."""
    from rigcast.config.kinds import url_secret_parts

    assert all(k.secret_parts is not None for k in kinds(Role.OUTPUT, Cap.STREAM))
    for url, secret, plain in (
            ("rtmp://srs/live/K3yRtmp", "K3yRtmp", "live"),
            ("srt://srs:10080?streamid=%23!::r=live/K3ySrt,m=publish", "K3ySrt", "publish"),
            ("http://srs:1985/rtc/v1/whip/?app=live&stream=K3yWhip", "K3yWhip", "whip")):
        parts = url_secret_parts(url)
        assert secret in parts and plain not in parts, (url, parts)
    secrets_py = (ROOT / "config" / "secrets.py").read_text()
    assert not re.search(r"""["'](https?|srt|rtmps?)["']|streamid""", secrets_py), "a kind's rule in secrets.py"
