"""Writing live changes back to the user's config file, keeping everything we don't manage.

The file is re-read and only the changed keys of the changed scene item are replaced, so
unknown keys (a newer rigcast's, the user's own notes as keys) survive; tomli-w cannot keep
comments, which is said in the README. The write is atomic (temp file + rename): a crash
mid-save never leaves half a config. It is the user's file, so it stays theirs: a symlink
(dotfiles) is written through to its target and stays a link, the file keeps its mode and
owner, and the data and the rename are fsynced before the save is reported done.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w


def save_item_changes(path: str, scene: str, source: str, changes: dict[str, Any]) -> bool:
    """True if the item was found in the file and saved."""
    p = Path(path)
    doc = tomllib.loads(p.read_text(encoding="utf-8"))
    for sc in doc.get("scenes", []):
        if sc.get("name") != scene:
            continue
        for item in sc.get("items", []):
            if item.get("source") == source:
                for key, value in changes.items():  # None: back to the default, so the key goes
                    if value is None:
                        item.pop(key, None)
                    else:
                        item[key] = list(value) if isinstance(value, tuple) else value
                _write_atomic(p, tomli_w.dumps(doc))
                return True
    return False


def save_source_settings(path: str, source: str, changes: dict[str, Any]) -> bool:
    """A source's changed settings (None: back to the default), in its ``[[sources]]`` table or
    in the scene item that declares it inline. True if found and saved."""
    p = Path(path)
    doc = tomllib.loads(p.read_text(encoding="utf-8"))
    tables = [t for t in doc.get("sources", []) if t.get("name") == source]
    tables += [it for sc in doc.get("scenes", []) for it in sc.get("items", [])
               if it.get("source") == source and "kind" in it]
    if not tables:
        return False
    for key, value in changes.items():
        if value is None:
            tables[0].pop(key, None)
        else:
            tables[0][key] = value
    _write_atomic(p, tomli_w.dumps(doc))
    return True


def save_section(path: str, section: str, values: dict[str, Any]) -> None:
    """Keys of a top-level table (``[transition]``), the rest of the file kept."""
    p = Path(path)
    doc = tomllib.loads(p.read_text(encoding="utf-8"))
    doc.setdefault(section, {}).update(values)
    _write_atomic(p, tomli_w.dumps(doc))


def save_output_settings(path: str, output: str, changes: dict[str, Any]) -> bool:
    """An output's changed settings in its ``[[outputs]]`` table. False when the output isn't
    in the file (made by a flag like --record): nothing to save it in."""
    p = Path(path)
    doc = tomllib.loads(p.read_text(encoding="utf-8"))
    table = next((t for t in doc.get("outputs", []) if t.get("name") == output), None)
    if table is None:
        return False
    table.update(changes)
    _write_atomic(p, tomli_w.dumps(doc))
    return True


def _write_atomic(p: Path, text: str) -> None:
    target = p.resolve()  # through a symlink: its target changes, the link stays a link
    st = os.stat(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            if sys.platform != "win32":
                os.fchmod(f.fileno(), stat.S_IMODE(st.st_mode))
                if (st.st_uid, st.st_gid) != (os.getuid(), os.getgid()):
                    try:  # only root can give a file away; a user's own file is already theirs
                        os.fchown(f.fileno(), st.st_uid, st.st_gid)
                    except PermissionError:
                        pass
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sys.platform != "win32":  # the rename itself, durable (Windows has no directory fsync)
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
