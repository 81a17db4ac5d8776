"""Why a file cannot be read as a WebRTC statistics dump.

Each error names the file and what is wrong with it, and where (a line, a byte offset or a
key) when that is known. Nothing from the file's content is quoted except keys and method
names, cleaned and cut short. The exit code is 2 (bad input) for all of them.
"""

from __future__ import annotations

from typing import ClassVar


class DumpError(Exception):
    """A file that cannot be read as a dump at all: nothing was read from it."""

    kind: ClassVar[str] = "dump"
    exit_code: ClassVar[int] = 2

    def __init__(self, name: str, problem: str, *, where: str | None = None) -> None:
        self.name = name
        self.problem = problem
        self.where = where
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f" ({self.where})" if self.where else ""
        return f"{self.name}: {self.problem}{where}"


class NotADumpError(DumpError):
    """The content is not any of the dump formats (whatever the file is called)."""

    kind = "not_a_dump"


class TruncatedDumpError(DumpError):
    """The file ends before anything usable was read (a half-written or cut download)."""

    kind = "truncated"


class UnknownVersionError(DumpError):
    """A dump format this reader recognises, in a version it does not know."""

    kind = "unknown_version"


class DumpTooLargeError(DumpError):
    """The file, or what it decompresses to, is over the size limits (a gzip bomb included)."""

    kind = "too_large"
