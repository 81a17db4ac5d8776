"""Rows let go of memory but kept for later: a private temporary file of JSON chunks.

A view whose rows cannot be fetched again cheaply (a merge of partitions read once, in an
order no request gives) keeps a bounded window in memory and spills the rest here. The
file is anonymous (unlinked at once, readable only by this user) and disappears with the
process; nothing in it outlives the view.
"""

from __future__ import annotations

import contextlib
import tempfile
from typing import IO, Generic, TypeVar

from pydantic import TypeAdapter

T = TypeVar("T")


class Spill(Generic[T]):
    """Chunks of rows by number: ``put`` writes one, ``get`` reads it back."""

    def __init__(self, adapter: TypeAdapter[list[T]]) -> None:
        self.adapter = adapter
        self._file: IO[bytes] | None = None
        self._where: dict[int, tuple[int, int]] = {}
        self._end = 0

    def __contains__(self, key: int) -> bool:
        return key in self._where

    def put(self, key: int, rows: list[T]) -> None:
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="roomscope-spill-")  # noqa: SIM115 (kept open)
        body = self.adapter.dump_json(rows)
        self._file.seek(self._end)
        self._file.write(body)
        self._where[key] = (self._end, len(body))
        self._end += len(body)

    def get(self, key: int) -> list[T] | None:
        where = self._where.get(key)
        if where is None or self._file is None:
            return None
        self._file.seek(where[0])
        return self.adapter.validate_json(self._file.read(where[1]))

    def clear(self) -> None:
        """Forget every chunk (the file is truncated, not closed)."""
        self._where.clear()
        self._end = 0
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.truncate(0)

    def close(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        self._where.clear()
