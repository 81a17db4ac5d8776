"""Writing records out: a JSON document, JSON Lines, CSV or an aligned table, with ``--fields``.

A command hands its rows as dictionaries (JSON, JSONL) or as a header and rows of cells
(CSV, the table); this module picks the fields the user asked for, checks them against the
ones the command writes (an unknown one is a usage error, exit 2, naming the valid ones) and
writes text that is inert in a terminal and in a spreadsheet. Nothing heavy is imported.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TextIO

from roomscope.tui import fmt
from roomscope.tui.sources import UsageError
from roomscope.tui.text import clean, inert_json, terminal_safe

if TYPE_CHECKING:
    from roomscope.tui.models import Session


class Shape(StrEnum):
    TABLE = "table"
    JSON = "json"
    JSONL = "jsonl"
    CSV = "csv"


def shape_of(args: argparse.Namespace) -> Shape:
    """The output format the command line asked for (a table when none)."""
    for shape in (Shape.JSON, Shape.JSONL, Shape.CSV):
        if getattr(args, shape.value, False):
            return shape
    return Shape.TABLE


def fields_of(args: argparse.Namespace, valid: Sequence[str]) -> list[str] | None:
    """``--fields a,b,c`` checked against ``valid`` (the fields this command writes in this
    format), in the order given; None without ``--fields``. Raises UsageError (exit 2)."""
    text: str | None = getattr(args, "fields", None)
    if text is None:
        return None
    if shape_of(args) is Shape.TABLE:
        raise UsageError("--fields picks the fields of --json, --jsonl or --csv output; add one of them")
    asked = [name.strip() for name in text.split(",") if name.strip()]
    if not asked:
        raise UsageError("--fields: name at least one field; valid: " + ", ".join(valid))
    unknown = [name for name in asked if name not in valid]
    if unknown:
        names = ", ".join(repr(clean(name, 40)) for name in unknown)
        raise UsageError(f"--fields: unknown field {names}; valid: " + ", ".join(valid))
    return list(dict.fromkeys(asked))


def pick(record: Mapping[str, Any], fields: Sequence[str] | None) -> Any:
    """``record`` with only ``fields`` (all of it when None)."""
    if fields is None:
        return record
    return {name: record.get(name) for name in fields}


def print_json(value: Any, out: TextIO | None = None) -> None:
    """JSON that parses back to the exact strings, with nothing a terminal would act on."""
    stream = out or sys.stdout
    stream.write(inert_json(value, indent=2))
    stream.write("\n")


def print_jsonl(records: Iterable[Any], out: TextIO | None = None) -> int:
    """One JSON object a line (JSON Lines); the number written."""
    stream = out or sys.stdout
    count = 0
    for record in records:
        stream.write(inert_json(record, indent=None))
        stream.write("\n")
        count += 1
    return count


def json_array_piece(indented: str, *, first: bool) -> str:
    """The items of an indented JSON array (``"[\n  {...},\n  {...}\n]"``) as the next piece
    of a larger array written a batch at a time; :func:`json_array_end` closes it."""
    return ("[\n" if first else ",\n") + indented[2:-2]


def json_array_end(count: int) -> str:
    """What ends an array written by :func:`json_array_piece` after ``count`` items (``[]``
    when there were none), as ``print_json`` ends a whole one."""
    return "\n]\n" if count else "[]\n"


def print_records(
    records: Iterable[Mapping[str, Any]],
    shape: Shape,
    fields: Sequence[str] | None,
    out: TextIO | None = None,
) -> None:
    """A list of records as a JSON array or as JSON Lines, each cut to ``fields``."""
    picked = (pick(r, fields) for r in records)
    if shape is Shape.JSONL:
        print_jsonl(picked, out)
    else:
        print_json(list(picked), out)


def project(
    header: Sequence[str], rows: Iterable[Sequence[Any]], fields: Sequence[str] | None
) -> tuple[list[str], Iterable[list[Any]]]:
    """CSV columns cut to ``fields``, in their order."""
    if fields is None:
        return list(header), (list(row) for row in rows)
    index = [list(header).index(name) for name in fields]
    return list(fields), ([row[i] for i in index] for row in rows)


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], out: TextIO | None = None) -> None:
    stream = out or sys.stdout
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(csv_cells(row))


def write_csv_rows(rows: Iterable[Sequence[Any]], out: TextIO | None = None) -> None:
    """CSV rows without a header, as one write. Each cell as :func:`csv_cell` makes it; a
    row whose text is all printable and starts no cell with a formula character is written
    as it is (what ``csv_cell`` would return), without a call per cell."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(inert_rows(rows))
    (out or sys.stdout).write(buffer.getvalue())


_FORMULA_STARTS = frozenset("=+-@")


def inert_rows(rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """``[csv_cells(row) for row in rows]``, checked a batch, then a row, at a time: a
    printable string is one ``terminal_safe`` leaves as it is, and only a string starting
    with ``= + - @`` can need the spreadsheet guard. None is written as an empty cell by
    the csv module itself, and other values pass through ``csv_cell`` unchanged."""
    batch = rows if isinstance(rows, list) else list(rows)
    texts = [v for row in batch for v in row if isinstance(v, str)]
    if "".join(texts).isprintable() and _FORMULA_STARTS.isdisjoint({t[:1] for t in texts}):
        return batch
    out: list[Sequence[Any]] = []
    for row in batch:
        texts = [v for v in row if isinstance(v, str)]
        if "".join(texts).isprintable() and _FORMULA_STARTS.isdisjoint({t[:1] for t in texts}):
            out.append(row)
        else:
            out.append(csv_cells(row))
    return out


def csv_cells(row: Sequence[Any]) -> list[Any]:
    return [csv_cell(v) for v in row]


def csv_cell(value: Any) -> Any:
    """A cell that is inert in a terminal (see ``terminal_safe``: one line, no control or
    bidi characters) and in a spreadsheet (a string it would run as a formula gets a
    leading quote); None is an empty cell. The one CSV guard of every command and export."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return value
    text = terminal_safe(value)
    if text[:1] in ("=", "+", "-", "@") and not _numeric(text):
        return "'" + text
    return text


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO | None = None, *, width: int = 80
) -> None:
    """Aligned columns (measured in terminal cells: CJK, emoji), each cell one safe line of at
    most ``width`` cells."""
    from roomscope.tui.cellwidth import cell_len

    def pad(text: str, size: int) -> str:
        return text + " " * (size - cell_len(text))

    stream = out or sys.stdout
    cells = [[clean(c, width) for c in row] for row in rows]
    widths = [cell_len(h) for h in header]
    for row in cells:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_len(cell))
    line = "  ".join(pad(h, widths[i]) for i, h in enumerate(header)).rstrip()
    stream.write(line + "\n")
    for row in cells:
        stream.write("  ".join(pad(c, widths[i]) for i, c in enumerate(row)).rstrip() + "\n")


def print_pairs(pairs: Sequence[tuple[str, str]], out: TextIO | None = None, *, width: int = 200) -> None:
    """'label   value' lines with every value starting in one column."""
    stream = out or sys.stdout
    column = max((len(label) for label, _ in pairs), default=0) + 1
    for label, value in pairs:
        stream.write(f"{label:<{column}}{clean(value, width)}".rstrip() + "\n")


def timed(label: str) -> str:
    """A table header for a column of times, naming their zone: 'START (UTC)'."""
    return f"{label} ({fmt.zone()})"


SESSION_CSV_HEADER = (
    "id",
    "profile",
    "provider",
    "name",
    "room",
    "status",
    "started_at",
    "ended_at",
    "duration_s",
    "participants",
    "problem",
)
"""The columns of ``roomscope sessions --csv`` (the TUI's export of the list adds its own)."""


def session_csv_row(s: Session) -> list[Any]:
    """A session as a row under :data:`SESSION_CSV_HEADER`."""
    return [
        s.id,
        s.profile,
        s.provider,
        s.name,
        s.room_name,
        s.status.value,
        fmt.iso(s.started_at),
        fmt.iso(s.ended_at),
        s.duration_s,
        s.participant_count,
        s.problem,
    ]
