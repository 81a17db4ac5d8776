"""Read a dump line by line without ever holding more than one (bounded) line."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO


@dataclass(frozen=True, slots=True)
class Line:
    number: int
    """1-based line number in the (decompressed) file."""
    data: bytes | None
    """The line without its end of line; None when it was over the length limit (skipped)."""
    last: bool
    """Nothing follows this line (it may have been cut if ``ended`` is False)."""
    ended: bool
    """The line ended with a newline."""


def read_lines(stream: BinaryIO, max_bytes: int) -> Iterator[Line]:
    """The stream's lines; a line over ``max_bytes`` comes as ``data=None`` (and is read past,
    not kept)."""
    number = 0
    pending = stream.readline(max_bytes + 1)
    while pending:
        number += 1
        current = pending
        too_long = False
        while len(current) > max_bytes and not current.endswith(b"\n"):
            too_long = True
            current = stream.readline(max_bytes + 1)
            if not current:
                break
        ended = current.endswith(b"\n")
        data = None if too_long else current.rstrip(b"\r\n")
        pending = stream.readline(max_bytes + 1)
        yield Line(number, data, last=not pending, ended=ended)
