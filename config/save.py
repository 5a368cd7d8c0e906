"""Writing live changes back to the user's config file, keeping everything we don't manage.

The file is re-read and only the changed keys of the changed scene item are replaced, so
unknown keys (a newer rigcast's, the user's own notes as keys) survive; tomli-w cannot keep
comments, which is said in the README. The write is atomic (temp file + rename): a crash
mid-save never leaves half a config.
"""

from __future__ import annotations

import os
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
    fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
