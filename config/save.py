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
                item.update(changes)
                _write_atomic(p, tomli_w.dumps(doc))
                return True
    return False


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
