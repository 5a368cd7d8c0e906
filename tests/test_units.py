"""The pure logic under the engine, tested on its own (real data, no stand-ins needed)."""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from rigcast.config.loader import ConfigError, parse_config, to_toml
from rigcast.config.model import Size, SourceConfig
from rigcast.config.secrets import mask_text, mask_url, remember_secret
from rigcast.engine.capture.matching import WindowInfo, pick_window
from rigcast.engine.compose.layout import fit_rect
from rigcast.engine.encode.select import AUTO_ORDER, EncoderUnavailable, choose_encoder
from rigcast.engine.errors import RigcastError
from rigcast.engine.framering import FrameRing
from rigcast.engine.output import amf0
from rigcast.engine.output.backoff import Backoff
from rigcast.engine.output.flv_tags import FlvTagSink
from rigcast.engine.output.rtmp_client import ChunkReader, RtmpTarget, encode_message


def test_mask_url_hides_key_query_and_password() -> None:
    assert mask_url("rtmp://127.0.0.1:1935/live/abc123") == "rtmp://127.0.0.1:1935/live/****"
    assert mask_url("rtmp://h/live/k?secret=s3") == "rtmp://h/live/****?****"
    assert mask_url("rtmps://user:pw@h/app/k") == "rtmps://****@h/app/****"
    assert mask_url("rtmp://h/live") == "rtmp://h/live"


def test_mask_text_masks_urls_and_remembered_secrets_as_tokens() -> None:
    remember_secret("zebra-42-key")
    text = mask_text("failed rtmp://h/live/zzz and key zebra-42-key; glxzebra-42-keys stays")
    assert "zzz" not in text and "zebra-42-key;" not in text
    assert "glxzebra-42-keys" in text


def test_size_parse_and_even() -> None:
    assert Size.parse("1281x721").even() == Size(1280, 720)
    with pytest.raises(ValueError):
        Size.parse("10x10")


def test_config_round_trips_through_tomli_w() -> None:
    doc = {
        "video": {"size": "1280x720", "fps": 60, "bitrate": 6000},
        "sources": [{"name": "game", "kind": "window", "class": "steam_app_1"}],
        "outputs": [{"name": "srs", "kind": "rtmp", "url": "rtmp://h/live/k"}],
    }
    cfg = parse_config(doc)
    import tomllib

    again = parse_config(tomllib.loads(to_toml(cfg)))
    assert again.video.size == Size(1280, 720) and again.video.fps == 60
    assert again.sources[0].settings.window_class == "steam_app_1"
    assert again.outputs[0].url == "rtmp://h/live/k"


def test_link_obs_websocket_chat_and_windows_keys_round_trip() -> None:
    import tomllib

    doc = {
        "link": {"url": "wss://api.example.com/rigcast", "token_env": "MY_TOKEN", "reconnect_max_s": 5},
        "obs_websocket": {"enabled": True, "port": 4460},
        "sources": [{"name": "game", "kind": "window", "exe": "game.exe", "method": "gdi"},
                    {"name": "mon", "kind": "display", "display": 2, "method": "dxgi"},
                    {"name": "chat", "kind": "chat", "size": "500x300", "max_lines": 5, "lifetime_s": 30}],
        "outputs": [{"name": "srs", "kind": "rtmp"}],  # the URL comes from the API
    }
    again = parse_config(tomllib.loads(to_toml(parse_config(doc))))
    assert (again.link.url, again.link.token_env, again.link.reconnect_max_s) == (
        "wss://api.example.com/rigcast", "MY_TOKEN", 5.0)
    assert again.obs_websocket.enabled and again.obs_websocket.port == 4460
    assert (again.sources[0].settings.exe, again.sources[0].settings.method, again.sources[1].settings.method) == ("game.exe", "gdi", "dxgi")
    chat = again.sources[2].settings
    assert (str(chat.size), chat.max_lines, chat.lifetime_s, chat.font_size) == ("500x300", 5, 30.0, 24)
    assert again.outputs[0].url is None
    with pytest.raises(ConfigError, match="or a \\[link\\]"):
        parse_config({"outputs": [{"name": "srs", "kind": "rtmp"}]})
    with pytest.raises(ConfigError, match="use one of|expected one of"):
        parse_config({"sources": [{"name": "g", "kind": "window", "exe": "a", "method": "dxgi"}]})


def test_scenes_round_trip_through_tomli_w(tmp_path: Path) -> None:
    import tomllib

    (tmp_path / "logo.png").write_bytes(b"png")
    doc = {
        "transition": {"kind": "cut"},
        "sources": [{"name": "game", "kind": "display", "display": 1},
                    {"name": "logo", "kind": "image", "path": "logo.png"},
                    {"name": "t", "kind": "text", "text": "hi", "outline_width": 2}],
        "scenes": [{"name": "A", "items": [{"source": "game"},
                                           {"source": "logo", "x": 5, "scale": 0.5, "crop": [1, 2, 3, 4]}]},
                   {"name": "B", "items": [{"source": "bg", "kind": "color", "color": "#102030"},
                                           {"source": "t", "visible": False}]}],
    }
    cfg = parse_config(doc, base_dir=tmp_path)
    again = parse_config(tomllib.loads(to_toml(cfg)))
    assert again.transition.kind == "cut"
    assert [s.name for s in again.sources] == ["game", "logo", "t", "bg"]
    assert again.source("bg") is not None and again.source("bg").settings.color == "#102030"  # type: ignore[union-attr]
    logo = again.scenes[0].items[1]
    assert (logo.x, logo.scale, logo.crop) == (5, 0.5, (1, 2, 3, 4))
    assert again.scenes[1].items[1].visible is False


def test_config_errors_name_the_key() -> None:
    with pytest.raises(ConfigError) as e:
        parse_config({"video": {"bframes": 9}}, "x.toml: ")
    assert str(e.value).startswith("x.toml: video.bframes: ")


def test_backoff_schedule_is_1s_times_1_5_capped() -> None:
    b = Backoff(1.0, 1.5, 10.0)
    delays = [b.next_delay() for _ in range(8)]
    assert delays[:4] == [1.0, 1.5, 2.25, 3.375]
    assert max(delays) == 10.0 and delays[-1] == 10.0
    b.reset()
    assert b.next_delay() == 1.0


@pytest.mark.parametrize("src,dst,expect", [
    ((1920, 1080), (1280, 720), (0, 0, 1280, 720)),
    ((800, 600), (1280, 720), (160, 0, 960, 720)),
    ((1280, 400), (1280, 720), (0, 160, 1280, 400)),
])
def test_fit_rect_letterboxes_on_even_pixels(src, dst, expect) -> None:  # type: ignore[no-untyped-def]
    r = fit_rect(*src, *dst)
    assert r == expect and all(v % 2 == 0 for v in r)


def test_window_matching_by_title_regex_class_pid() -> None:
    wins = [
        WindowInfo(1, "Terminal", "xterm.XTerm", 10, 0, 0, 100, 100),
        WindowInfo(2, "Hollow Knight FPS 60", "hollow_knight.x86_64.Hollow Knight", 20, 0, 0, 1920, 1080, visible=False),
        WindowInfo(3, "Hollow Knight", "hollow_knight.x86_64.Hollow Knight", 21, 0, 0, 1920, 1080),
    ]
    assert pick_window(wins, SourceConfig("g", "window", match="hollow")).id == 3  # visible first
    assert pick_window(wins, SourceConfig("g", "window", regex=r"FPS \d+")).id == 2
    assert pick_window(wins, SourceConfig("g", "window", window_class="xterm")).id == 1
    assert pick_window(wins, SourceConfig("g", "window", pid=20)).id == 2
    assert pick_window(wins, SourceConfig("g", "window", match="doom")) is None


def test_encoder_auto_tries_hardware_in_order_then_x264() -> None:
    tried: list[str] = []

    def try_open(name: str) -> str:
        tried.append(name)
        if name != "libx264":
            raise EncoderUnavailable(f"no {name} device")
        return "ctx"

    name, ctx, reasons = choose_encoder("auto", try_open)
    assert (name, ctx) == ("libx264", "ctx") and tried == list(AUTO_ORDER)
    assert reasons[0] == "h264_nvenc: no h264_nvenc device"
    with pytest.raises(RigcastError, match="--encoder auto"):
        choose_encoder("h264_qsv", try_open)


def test_amf0_round_trip() -> None:
    values = ["connect", 1.0, {"app": "live", "n": 2.0, "ok": True, "none": None}, [1.0, "x"]]
    assert amf0.decode_all(amf0.encode_all(*values)) == values


def test_rtmp_chunks_round_trip_including_extended_timestamps() -> None:
    r = ChunkReader()
    r.chunk_size = 4096
    payload = bytes(range(256)) * 40  # 10240 bytes: three chunks
    wire = encode_message(6, 9, 1, 0x1234567, payload) + encode_message(4, 8, 1, 77, b"abc")
    msgs = r.feed(wire[:5000]) + r.feed(wire[5000:])
    assert [(m.type_id, m.timestamp, m.payload) for m in msgs] == [(9, 0x1234567, payload), (8, 77, b"abc")]


def test_rtmp_target_splits_app_key_and_query() -> None:
    t = RtmpTarget.parse("rtmp://srs.example:19350/live/room1?secret=abc")
    assert (t.host, t.port, t.app, t.stream) == ("srs.example", 19350, "live", "room1?secret=abc")
    assert t.tc_url == "rtmp://srs.example:19350/live"
    assert RtmpTarget.parse("rtmps://h/app/k").port == 443


def test_flv_sink_splits_tags_across_writes() -> None:
    got: list[tuple[int, int, bytes]] = []
    sink = FlvTagSink(lambda t, ts, p: got.append((t, ts, p)))

    def tag(t: int, ts: int, p: bytes) -> bytes:
        head = bytes([t]) + len(p).to_bytes(3, "big") + (ts & 0xFFFFFF).to_bytes(3, "big") + bytes([ts >> 24]) + b"\0\0\0"
        return head + p + struct.pack(">I", 11 + len(p))

    data = b"FLV\x01\x05\x00\x00\x00\x09" + b"\0\0\0\0" + tag(18, 0, b"meta") + tag(9, 0x01000005, b"v" * 100)
    for i in range(0, len(data), 7):
        sink.write(data[i : i + 7])
    assert got == [(18, 0, b"meta"), (9, 0x01000005, b"v" * 100)]


def test_frame_ring_never_hands_out_the_slot_being_written() -> None:
    ring = FrameRing.create(64, 32, nslots=4)
    try:
        seen = set()
        for i in range(20):
            slot = ring.begin_write()
            px = ring.slot_pixels(slot, 64, 32)
            px[:] = i
            ring.commit(slot, 64, 32, 256, i)
            ref = ring.acquire_latest()
            assert ref is not None and ref.seq == i + 1
            # While the reader holds a slot, the writer picks another one.
            nxt = ring.begin_write()
            assert nxt not in (ref.slot,)
            ring.abort(nxt)
            assert int(ring.slot_pixels(ref.slot, 64, 32)[0, 0, 0]) == i
            assert ring.still_valid(ref)
            ring.release()
            seen.add(ref.slot)
        assert len(seen) >= 3
    finally:
        ring.close()


def test_packet_time_base_is_kept_as_fraction() -> None:
    from rigcast.engine.output.packets import VIDEO, EncodedPacket

    p = EncodedPacket(VIDEO, b"x", 90, 90, 1, Fraction(1, 30), True)
    assert p.dts_s == 3.0
    assert np.isclose(float(p.time_base), 1 / 30)


# -- scene layout ------------------------------------------------------------------------------
def test_layout_first_item_fits_the_canvas_others_keep_their_size() -> None:
    from rigcast.config.model import SceneItem
    from rigcast.engine.compose.layout import clip, covers, place

    first = place(SceneItem("g"), 800, 600, 1280, 720, first=True)
    assert first is not None and first.dst == (160, 0, 960, 720) and not covers(first.dst, 1280, 720)
    logo = place(SceneItem("l", x=20, y=10), 64, 48, 1280, 720, first=False)
    assert logo is not None and logo.dst == (20, 10, 64, 48)
    half = place(SceneItem("l", x=20, y=10, scale=0.5), 64, 48, 1280, 720, first=False)
    assert half is not None and half.dst == (20, 10, 32, 24)
    cropped = place(SceneItem("l", crop=(4, 2, 10, 6)), 64, 48, 1280, 720, first=False)
    assert cropped is not None and cropped.src == (4, 2, 54, 42) and cropped.dst[2:] == (50, 40)
    assert place(SceneItem("l", crop=(40, 0, 30, 0)), 64, 48, 1280, 720, first=False) is None
    # Off the canvas on the left/top: only the visible part is drawn.
    assert clip((-10, -5, 64, 48), 1280, 720) == (slice(0, 43), slice(0, 54), slice(5, 48), slice(10, 64))
    assert clip((1300, 0, 10, 10), 1280, 720) is None


def test_layout_box_modes() -> None:
    from rigcast.config.model import SceneItem
    from rigcast.engine.compose.layout import place

    fit = place(SceneItem("g", width=400, height=400, fit="fit"), 800, 400, 1920, 1080, first=False)
    assert fit is not None and fit.dst == (0, 100, 400, 200)
    fill = place(SceneItem("g", width=400, height=400, fit="fill"), 800, 400, 1920, 1080, first=False)
    assert fill is not None and fill.dst == (0, 0, 400, 400) and fill.src == (200, 0, 600, 400)
    stretch = place(SceneItem("g", width=400, height=400, fit="stretch"), 800, 400, 1920, 1080, first=False)
    assert stretch is not None and stretch.dst == (0, 0, 400, 400) and stretch.src == (0, 0, 800, 400)


def test_item_changes_are_saved_keeping_unknown_keys(tmp_path: Path) -> None:
    import tomllib

    from rigcast.config.save import save_item_changes

    cfg = tmp_path / "r.toml"
    cfg.write_text('mine = 1\n[[scenes]]\nname = "A"\nitems = [ { source = "g", note = "x" } ]\n')
    assert save_item_changes(str(cfg), "A", "g", {"visible": False, "x": 5})
    doc = tomllib.loads(cfg.read_text())
    assert doc["mine"] == 1 and doc["scenes"][0]["items"][0] == {"source": "g", "note": "x", "visible": False, "x": 5}
    assert not save_item_changes(str(cfg), "B", "g", {"x": 1})


def test_ws_link_to_this_machine_means_a_literal_loopback_host() -> None:
    from rigcast.config.model import is_loopback_host

    for host in ("127.0.0.1", "127.9.9.9", "::1", "[::1]", "localhost", "LOCALHOST"):
        assert is_loopback_host(host), host
    for host in ("127.evil.example", "127.0.0.1.nip.io", "localhost.evil.example", "10.0.0.1", "", None):
        assert not is_loopback_host(host), host
    with pytest.raises(ConfigError, match="wss://"):
        parse_config({"link": {"url": "ws://127.evil.example/rigcast"}})
    assert parse_config({"link": {"url": "ws://127.0.0.1:9/rigcast"}}).link.url


def test_failed_logins_brake_doubles_and_is_forgotten() -> None:
    from rigcast.engine.control.obs.auth import FailureBrake

    b = FailureBrake()
    assert b.delay("a", 0) == 0
    for i in range(6):
        b.failed("a", float(i))
    assert b.delay("a", 6) == 8.0 and b.delay("b", 6) == 0
    b.failed("b", 6)
    assert b.delay("b", 6.1) == 0.5
    assert b.delay("a", 6 + 61) == 0, "forgotten a minute after the last failure"
    b.succeeded("b")
    assert b.delay("b", 7) == 0


def test_saving_keeps_the_files_mode_owner_and_symlink(tmp_path: Path) -> None:
    import os
    import stat

    from rigcast.config.save import save_item_changes

    real = tmp_path / "dotfiles" / "rigcast.toml"
    real.parent.mkdir()
    real.write_text('[[scenes]]\nname = "A"\nitems = [ { source = "g" } ]\n')
    os.chmod(real, 0o640)
    os.chown(real, 1234, 4321)  # the tests run as root: a file of another owner, as after sudo
    link = tmp_path / "rigcast.toml"
    link.symlink_to(real)
    assert save_item_changes(str(link), "A", "g", {"x": 7})
    assert link.is_symlink() and link.resolve() == real, "the link still points at the user's file"
    st = os.stat(real)
    assert stat.S_IMODE(st.st_mode) == 0o640 and (st.st_uid, st.st_gid) == (1234, 4321)
    assert "x = 7" in real.read_text()
    assert sorted(p.name for p in real.parent.iterdir()) == ["rigcast.toml"], "no temp file left"


def test_text_too_big_to_draw_is_refused_not_allocated() -> None:
    from rigcast.engine.capture.still import TextKind

    cfg = SourceConfig("t", "text", text="", font_size=512)
    with pytest.raises(RigcastError, match="too large"):
        TextKind.render(cfg, "W" * 4096)
    assert TextKind.render(cfg, "W" * 8).shape[2] == 4


def test_a_rig_is_dialled_with_batchmode_and_keepalives_and_the_users_ssh_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from rigcast.engine.control.sshlink import SshRoute, as_line

    monkeypatch.delenv("RIGCAST_SSH_COMMAND", raising=False)
    argv = SshRoute("me@den", "~/.local/bin/rigcast").argv()
    assert argv[:2] == ["ssh", "-T"] and "BatchMode=yes" in argv and "ServerAliveInterval=5" in argv
    assert argv[-3:] == ["--", "me@den", "~/.local/bin/rigcast ctl bridge"], "the host can't pass for an option"
    monkeypatch.setenv("RIGCAST_SSH_COMMAND", "ssh -F '/home/me/rig config'")
    assert SshRoute("den").argv()[:4] == ["ssh", "-F", "/home/me/rig config", "-T"]
    assert as_line('{"a": "x\\ny"}') == b'{"a": "x\\ny"}\n'
    assert as_line('{\n "a": 1\n}') == b'{"a":1}\n', "a pretty message is re-packed onto one line"
