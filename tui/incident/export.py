"""Exporting what a view shows to a file the user names: CSV, JSON or JSON lines by the
name's ending, written to a temporary file beside it and renamed into place."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from roomscope.tui.output import csv_cell
from roomscope.tui.text import inert_json


class ExportError(Exception):
    """One sentence: why nothing was written."""


def export(
    text: str, *, header: Sequence[str], cells: Sequence[Sequence[Any]], records: Sequence[Any]
) -> Path:
    """Write the rows to the path ``text`` names (``.csv``, ``.json`` or ``.jsonl``)."""
    raw = text.strip()
    if not raw:
        raise ExportError("No path given: write one ending in .csv, .json or .jsonl.")
    path = Path(raw).expanduser()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([csv_cell(v) for v in row] for row in cells)
        body = buffer.getvalue()
    elif suffix == ".json":
        body = inert_json(list(records), indent=2) + "\n"
    elif suffix == ".jsonl":
        body = "".join(inert_json(r, indent=None) + "\n" for r in records)
    else:
        raise ExportError(f"{path.name}: end the name in .csv, .json or .jsonl to say the format.")
    if path.is_dir():
        raise ExportError(f"{path} is a directory: name a file in it.")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise ExportError(f"Cannot write in {path.parent}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(body)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"Cannot write {path}: {exc.strerror or exc}") from None
    return path.resolve()
