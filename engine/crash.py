"""An error nobody anticipated, in the CLI or the control room: one line, the details in a file.

A traceback on the terminal is noise to a streamer and can carry a stream key (an exception's
message may quote a URL); an exit status of 0 after one tells scripts all went well. So every
uncaught error ends the same way: the traceback, masked, appended to ``crash.log`` in the
state dir (0600), one line on stderr naming the error and that file, and exit status 1.
"""

from __future__ import annotations

import datetime
import sys
import traceback
from pathlib import Path

from rigcast.config.secrets import mask_text

EXIT_CRASH = 1


def crash_log_path() -> Path:
    from rigcast.engine import paths

    return paths.state_dir() / "crash.log"


def record_crash(where: str, error: BaseException) -> str:
    """Write ``error``'s traceback to the crash log; the one line to show for it."""
    what = mask_text(f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else type(error).__name__)
    try:
        path = crash_log_path()
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        from rigcast.engine.private_files import open_private

        with open_private(path, "a") as f:
            f.write(f"--- {datetime.datetime.now().isoformat(timespec='seconds')} {where}\n{mask_text(text)}\n")
        return f"rigcast: internal error in {where}: {what} (details: {path})"
    except Exception as e:  # the state dir itself may be what is broken
        return f"rigcast: internal error in {where}: {what} (could not write the crash log: {mask_text(str(e))})"


def report_crash(where: str, error: BaseException) -> int:
    print(record_crash(where, error), file=sys.stderr, flush=True)
    return EXIT_CRASH
