"""The crash log: where an internal error's traceback goes instead of the screen.

Redacted (no secret survives) and inert line by line (a provider string quoted in an
exception message cannot drive the terminal of whoever reads the log later); the file is
created 0600 in a 0700 directory and appended to.
"""

from __future__ import annotations

import os
import traceback
from datetime import UTC, datetime
from pathlib import Path


def write_crash_log(path: Path | None, error: BaseException) -> str | None:
    """Append ``error``'s traceback to ``path``; the path written, or None if it could not be."""
    from roomscope.tui.redact import REDACTOR
    from roomscope.tui.text import terminal_safe

    if path is None:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        lines = "".join(traceback.format_exception(error)).splitlines()
        text = "\n".join(terminal_safe(line) for line in lines)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as handle:
            handle.write(f"--- {datetime.now(UTC).isoformat()}\n{REDACTOR(text)}\n")
    except OSError:
        return None
    return str(path)
