"""``rigcast ctl``: one command bus request per invocation, for scripts and hotkey daemons."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from rigcast.engine.control.bus import BusError
from rigcast.engine.control.client import call
from rigcast.engine.status import clock
from rigcast.engine.vocab import LinkState, OutputState, SourceState, labelled


def describe(state: dict[str, Any]) -> str:
    e = state["engine"]
    rows = [f"engine   pid {e['pid']}, up {clock(e['uptime_s'])}, {e['canvas']} @ {e['fps']} fps, {e['encoder']}"]
    for what, key in (("stream", "streaming"), ("record", "recording")):
        on = state[key]
        rows.append(f"{what:<8} {'LIVE ' + clock(state[f'{what}_uptime_s']) if on and what == 'stream' else ''}"
                    f"{'REC ' + clock(state[f'{what}_uptime_s']) if on and what == 'record' else ''}"
                    f"{'off' if not on else ''}")
    scenes = state["scenes"]
    prog = next((s["index"] for s in scenes if s["name"] == state["program_scene"]), 0)
    rows.append(f"scene    {state['program_scene']} ({prog} of {len(scenes)})")
    for s in state["sources"]:
        rows.append(f"source   {s['name']}: {labelled(s['state'], SourceState)}{' (muted)' if s['muted'] else ''} — {s['description']}")
    for o in state["outputs"]:
        extra = f" {o.get('kbps', 0):.0f} kbps" if o["state"] in (OutputState.LIVE, OutputState.RECORDING) else ""
        if extra and o.get("queue_ms") is not None:
            extra += f" queue {o['queue_ms']} ms video {o.get('bitrate_kbps')} kbps"
        if o.get("retry_in_s") is not None:
            extra += f" retry in {o['retry_in_s']:.0f}s"
        if o.get("dropped"):
            extra += f" dropped {o['dropped']} ({o.get('dropped_pct', 0):.1f}%)"
        rows.append(f"output   {o['name']}: {labelled(o['state'], OutputState)}{extra} → {o['target']}")
    link = state.get("link", {"state": LinkState.OFF})
    if link["state"] != LinkState.OFF:
        why = f" ({link['error']})" if link.get("error") and link["state"] != LinkState.CONNECTED else ""
        rows.append(f"link     {link['state']}{why} → {link['url']}")
    return "\n".join(rows)


def obs_info(obs: dict[str, Any]) -> int:
    """What a remote tool needs to connect. The password is read here, from the state dir the
    engine keeps it in; it never travels over the control socket, status or the log."""
    if not obs.get("enabled"):
        print("rigcast: the obs-websocket server is off; enable it with [obs_websocket] enabled = true",
              file=sys.stderr)
        return 1
    print(f"server   {obs['bind']}\nport     {obs['port']}")
    if obs["auth"] == "off":
        print("password none (auth = false: loopback only)")
    elif obs["auth"] == "environment":
        print(f"password the value of ${obs['password_env']} in the engine's environment")
    else:
        from rigcast.engine.control.obs.auth import stored_password

        value = stored_password(create=False)
        if value is None:
            print("rigcast: the engine's generated obs-websocket password is not in this user's state dir",
                  file=sys.stderr)
            return 1
        print(f"password {value}")
    return 0


def screenshot(a: argparse.Namespace) -> int:
    """``ctl screenshot FILE``: the picture made by the video process, written here."""
    import base64
    from pathlib import Path

    from rigcast.config.values import Size

    path = Path(a.file).expanduser()
    fmt = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}.get(path.suffix.lower())
    if fmt is None:
        print(f"rigcast: {a.file}: name a .png or .jpg file", file=sys.stderr)
        return 1
    args: dict[str, Any] = {"format": fmt}
    if a.source:
        args["source"] = a.source
    if a.size:
        try:
            size = Size.parse(a.size)
        except ValueError as e:
            print(f"rigcast: --size: {e}", file=sys.stderr)
            return 1
        args |= {"width": size.width, "height": size.height}
    data = call("screenshot", args)
    try:
        path.write_bytes(base64.b64decode(data["image_base64"]))
    except OSError as e:
        print(f"rigcast: cannot write {path}: {e.strerror}", file=sys.stderr)
        return 1
    print(f"rigcast: {path}")
    return 0


def run_ctl(a: argparse.Namespace) -> int:
    try:
        if a.ctl == "status":
            state = call("status")
            print(json.dumps(state, indent=2) if a.json else describe(state))
        elif a.ctl == "record" and a.action in ("pause", "resume"):
            paused = call(f"record.{a.action}")["paused"]
            print(f"rigcast: recording {'paused' if paused else 'resumed'}")
        elif a.ctl in ("stream", "record"):
            data = call(f"{a.ctl}.{a.action}")
            on = data["streaming" if a.ctl == "stream" else "recording"]
            print(f"rigcast: {a.ctl} {'started' if on else 'stopped'}")
        elif a.ctl == "replay" and a.action == "save":
            print(f"rigcast: replay saved to {call('replay.save')['path']}")
        elif a.ctl == "replay":
            on = call(f"replay.{a.action}")["buffering"]
            print(f"rigcast: replay buffer {'started' if on else 'stopped'}")
        elif a.ctl == "filter" and a.filter is None:
            where = {"source": a.source} | ({"scene": a.scene} if a.scene else {})
            for row in call("source.filters", where)["filters"]:
                settings = ", ".join(f"{k}={v}" for k, v in row["settings"].items())
                print(f"{row['name']:<18} {'on ' if row['enabled'] else 'off'}  {settings}")
        elif a.ctl == "filter":
            if a.state is None:
                print("rigcast: say on or off after the filter's name", file=sys.stderr)
                return 1
            call("source.filter.set", {"source": a.source, "filter": a.filter, "enabled": a.state == "on"}
                 | ({"scene": a.scene} if a.scene else {}))
            print(f"rigcast: {a.source}: {a.filter} {a.state}")
        elif a.ctl == "screenshot":
            return screenshot(a)
        elif a.ctl == "scene":
            scene: str | int = int(a.scene) if a.scene.isdigit() else a.scene
            print(f"rigcast: program scene {call('scene.switch', {'scene': scene})['program_scene']}")
        elif a.ctl in ("studio", "preview", "transition"):
            if a.ctl == "studio":
                data = call("studio.set", {} if a.state == "toggle" else {"enabled": a.state == "on"})
            elif a.ctl == "preview":
                data = call("scene.preview", {"scene": int(a.scene) if a.scene.isdigit() else a.scene})
            else:
                data = call("studio.transition")
            print(f"rigcast: studio mode {'on' if data['studio_mode'] else 'off'}, program {data['program_scene']}"
                  + (f", preview {data['preview_scene']}" if data["studio_mode"] else ""))
        elif a.ctl == "item":
            item: dict[str, Any] = {"scene": a.scene, "source": a.source}
            item |= {k: getattr(a, k) for k in ("visible", "x", "y", "scale", "opacity") if getattr(a, k) is not None}
            data = call("scene.item.set", item)
            print(f"rigcast: {data['scene']}/{data['source']}: "
                  + ", ".join(f"{k}={v}" for k, v in data["changes"].items())
                  + (" (saved)" if data["saved"] else ""))
        elif a.ctl == "text":
            call("text.set", {"source": a.source, "text": a.text})
            print(f"rigcast: {a.source} text set")
        elif a.ctl == "obs-info":
            return obs_info(call("status").get("obs_websocket") or {})
        elif a.ctl == "mute":
            args: dict[str, Any] = {"source": a.source}
            if a.state != "toggle":
                args["muted"] = a.state == "on"
            data = call("source.mute", args)
            print(f"rigcast: {data['source']} {'muted' if data['muted'] else 'unmuted'}")
    except BusError as e:
        print(f"rigcast: {e.message}", file=sys.stderr)
        return 1
    return 0
