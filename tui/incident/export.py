"""Exporting what a view shows to a file the user names: CSV, JSON or JSON lines by the
name's ending, written to a temporary file beside it and renamed into place.

:func:`export` writes rows held in memory; :class:`ExportWriter` writes rows as they come
(a whole session list streamed page by page), so memory stays bounded however many there
are. Either way nothing is left behind when writing fails: the temporary file goes, and the
named file is only ever replaced whole. Cells pass through ``output.csv_cell`` (inert, no
formula; a batch whose text needs nothing is written as it is) and records through
``inert_json`` (a JSON array's batches encoded by pydantic-core's serialiser, several times
faster than ``json``'s indenting encoder, for the same text).
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Generic, TypeVar

from roomscope.tui.output import inert_rows, json_array_end, json_array_piece
from roomscope.tui.text import inert_json, make_json_inert

T = TypeVar("T")

FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl"}


class ExportError(Exception):
    """One sentence: why nothing was written."""


def target_of(text: str) -> tuple[Path, str]:
    """The path ``text`` names and its format (``csv``, ``json``, ``jsonl``); raises
    :class:`ExportError` for an empty name, an unknown ending or a directory."""
    raw = text.strip()
    if not raw:
        raise ExportError("No path given: write one ending in .csv, .json or .jsonl.")
    path = Path(raw).expanduser()
    shape = FORMATS.get(path.suffix.lower())
    if shape is None:
        raise ExportError(f"{path.name}: end the name in .csv, .json or .jsonl to say the format.")
    if path.is_dir():
        raise ExportError(f"{path} is a directory: name a file in it.")
    return path, shape


class ExportWriter(Generic[T]):
    """One export being written, a batch of rows at a time.

    Opening it checks the name and creates the hidden temporary file beside the target;
    :meth:`add` writes rows (``cells`` gives a row's CSV cells, ``record`` its JSON object:
    only the one the format needs is called); :meth:`finish` renames the file into place;
    leaving a ``with`` block without finishing (an error, a cancelled worker) removes it."""

    def __init__(
        self,
        text: str,
        *,
        header: Sequence[str],
        cells: Callable[[T], Sequence[Any]],
        record: Callable[[T], Any],
    ) -> None:
        self.path, self.shape = target_of(text)
        self.count = 0
        self._cells = cells
        self._record = record
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except OSError as exc:
            raise ExportError(f"Cannot write in {self.path.parent}: {exc.strerror or exc}") from None
        self._tmp: Path | None = Path(tmp)
        self._handle: IO[str] = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._handle, lineterminator="\n")
        try:
            if self.shape == "csv":
                self._csv.writerow(header)
        except OSError as exc:
            self.discard()
            raise ExportError(f"Cannot write {self.path}: {exc.strerror or exc}") from None

    def __enter__(self) -> ExportWriter[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.discard()

    def add(self, rows: Sequence[T]) -> None:
        """Write ``rows`` after those already written."""
        try:
            if self.shape == "csv":
                self._csv.writerows(inert_rows([self._cells(row) for row in rows]))
            elif self.shape == "jsonl":
                self._handle.write("".join(inert_json(self._record(row), indent=None) + "\n" for row in rows))
            elif rows:
                body = indented_json([self._record(row) for row in rows])
                self._handle.write(json_array_piece(body, first=self.count == 0))
        except OSError as exc:
            self.discard()
            raise ExportError(f"Cannot write {self.path}: {exc.strerror or exc}") from None
        self.count += len(rows)

    def finish(self) -> Path:
        """Close the file and rename it into place; the path written."""
        tmp = self._tmp
        if tmp is None:
            raise ExportError(f"{self.path} was not written.")
        try:
            if self.shape == "json":
                self._handle.write(json_array_end(self.count))
            self._handle.close()
            os.replace(tmp, self.path)
        except OSError as exc:
            self.discard()
            raise ExportError(f"Cannot write {self.path}: {exc.strerror or exc}") from None
        self._tmp = None
        return self.path.resolve()

    def discard(self) -> None:
        """Give up: the temporary file goes (nothing, once finished)."""
        if not self._handle.closed:
            self._handle.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


def indented_json(value: Any) -> str:
    """``inert_json(value, indent=2)``, encoded by pydantic-core's serialiser: the same text
    for the JSON values records hold, except numbers it writes otherwise than Python (1e-5
    for 1e-05), which parse back the same. Anything it cannot encode goes the slow way."""
    from pydantic_core import PydanticSerializationError, to_json

    try:
        text = to_json(value, indent=2, inf_nan_mode="constants").decode()
    except (PydanticSerializationError, TypeError, ValueError, UnicodeDecodeError):
        return inert_json(value, indent=2)
    return make_json_inert(text)


def export(
    text: str, *, header: Sequence[str], cells: Sequence[Sequence[Any]], records: Sequence[Any]
) -> Path:
    """Write the rows to the path ``text`` names (``.csv``, ``.json`` or ``.jsonl``);
    ``cells[i]`` and ``records[i]`` are row ``i`` as CSV cells and as a JSON object."""
    writer = ExportWriter[int](text, header=header, cells=lambda i: cells[i], record=lambda i: records[i])
    with writer as out:
        out.add(range(len(cells)))
        return out.finish()
