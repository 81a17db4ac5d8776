"""How the incident commands write: JSON, JSON lines, CSV and aligned tables, all inert.

The same rules as the other headless commands: JSON parses back to the exact strings with
nothing a terminal would act on, a CSV cell is one terminal-safe line that a spreadsheet will
not run as a formula, a table cell is one clean line measured in terminal cells.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from roomscope.tui.output import csv_cell
from roomscope.tui.text import clean, inert_json, terminal_safe


def iso(moment: datetime | None) -> str | None:
    """UTC to the second with a Z ('2026-11-22T10:05:00Z'), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def write_json(value: Any, out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    stream.write(inert_json(value, indent=2))
    stream.write("\n")


def write_jsonl(rows: Iterable[Any], out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    for row in rows:
        stream.write(inert_json(row, indent=None))
        stream.write("\n")


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO | None = None) -> None:
    writer = csv.writer(out or sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])


def write_table(header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO | None = None) -> None:
    from rich.cells import cell_len  # columns are measured in terminal cells (CJK, emoji)

    def pad(text: str, width: int) -> str:
        return text + " " * (width - cell_len(text))

    stream = out or sys.stdout
    cells = [[clean(c, 80) for c in row] for row in rows]
    widths = [cell_len(h) for h in header]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_len(cell))
    stream.write("  ".join(pad(h, widths[i]) for i, h in enumerate(header)).rstrip() + "\n")
    for row in cells:
        stream.write("  ".join(pad(c, widths[i]) for i, c in enumerate(row)).rstrip() + "\n")


def terminal_line(text: str) -> str:
    """One line of provider text safe to print."""
    return terminal_safe(text)
