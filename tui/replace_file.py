"""Replacing a file whole: readers see the old content or the new, never half of it.

The new content goes to a fresh file beside the target (``mkstemp``: a name nobody else has,
created 0600, never through a link), which is then renamed over the target. Used for the
files that hold user data or cached rows; no Textual, no pydantic.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def replace_file(target: Path, body: bytes, *, prefix: str, durable: bool = False) -> None:
    """Write ``body`` to ``target`` (0600) through a temporary file named ``prefix…`` in its
    directory. ``durable``: flushed to the disk, the rename included, before returning.
    Raises OSError; the temporary file is gone whatever happens."""
    directory = target.parent
    fd, temp = tempfile.mkstemp(dir=directory, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(body)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    if durable:
        with contextlib.suppress(OSError):  # the rename is durable once the directory is
            dir_fd = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
