"""Open a dump file as a bounded stream of bytes: plain, or gzip found by its magic bytes.

The file name plays no part. A plain file over ``max_bytes`` is refused before a byte is
read; gzip content is inflated lazily, a read at a time, and refused as soon as it passes
``max_bytes`` or inflates more than ``max_ratio`` times its compressed size (a decompression
bomb), so neither a 2 GB file nor a gzip bomb costs more than a buffer of memory. A gzip
stream that ends early (a cut download) ends the stream quietly with ``truncated`` set: the
readers keep what came before and say the rest is missing.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from roomscope.tui.clientstats.errors import DumpTooLargeError, NotADumpError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

GZIP_MAGIC = b"\x1f\x8b"
MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """Size limits for reading one dump."""

    max_bytes: int = 1 << 30
    """The largest dump read, on disk or decompressed (1 GiB)."""
    max_ratio: float = 100.0
    """The most a gzip dump may inflate (decompressed : compressed); JSON dumps reach ~20."""
    ratio_grace_bytes: int = 16 * MIB
    """The ratio is checked once this much has been decompressed (tiny files inflate a lot)."""
    max_line_bytes: int = 64 * MIB
    """The longest line (or single JSON value) a reader accepts."""
    buffer_bytes: int = MIB
    """Read-ahead buffer of the stream."""


DEFAULT_LIMITS = ReadLimits()


def _size_words(size: int) -> str:
    if size >= 1 << 30:
        return f"{size / (1 << 30):.1f} GiB"
    if size >= MIB:
        return f"{size / MIB:.0f} MiB"
    return f"{size >> 10} KiB"


class _BoundedRaw(io.RawIOBase):
    """The file's bytes, inflated when gzip, counted and bounded."""

    def __init__(self, handle: io.FileIO, name: str, limits: ReadLimits, compressed: bool) -> None:
        self._handle = handle
        self._name = name
        self._limits = limits
        self.compressed = compressed
        self._gzip: gzip.GzipFile | None = gzip.GzipFile(fileobj=handle) if compressed else None
        self.bytes_read = 0
        """Bytes handed out (decompressed bytes for gzip)."""
        self.truncated = False
        """The gzip stream ended before its end marker (the file was cut)."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        if self._gzip is None:
            count = self._handle.readinto(view)
        else:
            try:
                data = self._gzip.read1(len(view))  # read() would drop data it has when the end is cut
            except EOFError:
                self.truncated = True
                data = b""
            except (gzip.BadGzipFile, zlib.error, OSError) as err:
                raise NotADumpError(
                    self._name, "the gzip data is corrupt", where=f"after {self.bytes_read} bytes"
                ) from err
            count = len(data)
            view[:count] = data
        count = count or 0
        self.bytes_read += count
        self._check()
        return count

    def _check(self) -> None:
        limits = self._limits
        if self.bytes_read > limits.max_bytes:
            what = "decompresses to" if self.compressed else "is"
            raise DumpTooLargeError(
                self._name, f"{what} more than {_size_words(limits.max_bytes)}; larger dumps are refused"
            )
        if self.compressed and self.bytes_read > limits.ratio_grace_bytes:
            consumed = max(1, self._handle.tell())
            if self.bytes_read / consumed > limits.max_ratio:
                raise DumpTooLargeError(
                    self._name,
                    f"inflates more than {limits.max_ratio:g} times its compressed size "
                    "(a decompression bomb?); refused",
                    where=f"after {self.bytes_read} decompressed bytes",
                )

    def close(self) -> None:
        try:
            if self._gzip is not None:
                self._gzip.close()
            self._handle.close()
        finally:
            super().close()


class DumpStream:
    """An open dump: ``stream`` reads its (decompressed) bytes. Use as a context manager."""

    def __init__(self, path: Path, name: str, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.name = name
        self.limits = limits
        try:
            size = os.stat(path).st_size
        except OSError as err:
            raise NotADumpError(name, f"cannot be read ({err.strerror or err})") from err
        if size > limits.max_bytes:
            raise DumpTooLargeError(
                name, f"is {_size_words(size)}; dumps over {_size_words(limits.max_bytes)} are refused"
            )
        if size == 0:
            raise NotADumpError(name, "is empty")
        try:
            handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        except OSError as err:
            raise NotADumpError(name, f"cannot be read ({err.strerror or err})") from err
        compressed = handle.read(2) == GZIP_MAGIC
        handle.seek(0)
        self.file_size = size
        self._raw = _BoundedRaw(handle, name, limits, compressed)
        self.stream = io.BufferedReader(self._raw, buffer_size=limits.buffer_bytes)

    @property
    def compressed(self) -> bool:
        return self._raw.compressed

    @property
    def truncated(self) -> bool:
        """The gzip stream was cut short (the stream ended early)."""
        return self._raw.truncated

    @property
    def bytes_read(self) -> int:
        """Bytes read so far (decompressed), read-ahead included."""
        return self._raw.bytes_read

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> DumpStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def open_dump(path: Path | str, name: str | None = None, limits: ReadLimits = DEFAULT_LIMITS) -> DumpStream:
    """Open ``path`` for reading (``name``: how messages call it, the file name by default)."""
    path = Path(path)
    return DumpStream(path, name or path.name, limits)
