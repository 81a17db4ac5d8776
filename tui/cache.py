"""The disk cache: one sqlite3 file (WAL) under the user cache directory.

One row per cached page or record: an opaque key, the profile and kind it belongs to, the
JSON body, when it was fetched and when it expires (NULL: never, for data that cannot
change any more, such as an ended session's participants).

The file and its directory are private (0600 / 0700). The schema is versioned with
``PRAGMA user_version``: another version is dropped and rebuilt (a cache is disposable).
A corrupt file is moved aside and rebuilt; a directory that cannot be written leaves the
app running on an in-memory cache. Either way :attr:`Cache.note` says what happened.

Thread-safe: one connection guarded by a lock, so callers may use worker threads.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roomscope.tui.paths import APP_NAME, default_cache_dir

SCHEMA_VERSION = 1
FILE_NAME = "roomscope-cache.sqlite3"
__all__ = ["APP_NAME", "Cache", "CacheError", "CacheInfo", "Entry", "default_cache_dir", "make_key"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key        TEXT PRIMARY KEY,
    profile    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       BLOB NOT NULL,
    fetched_at REAL NOT NULL,
    expires_at REAL
);
CREATE INDEX IF NOT EXISTS entries_profile ON entries (profile, kind);
"""


def make_key(identity: str, kind: str, params: Any, cursor: str | None, limit: int | None) -> str:
    """A stable key for one request of one data source."""
    blob = json.dumps([identity, kind, params, cursor, limit], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    body: bytes
    fetched_at: float
    expires_at: float | None

    def is_fresh(self, now: float) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class CacheInfo:
    path: str
    persistent: bool
    size_bytes: int
    entries: int
    by_kind: dict[str, int]
    by_profile: dict[str, int]
    oldest: float | None
    newest: float | None
    schema: int
    note: str | None


class Cache:
    """The page cache. ``Cache.open(directory)`` never raises for a bad directory or file."""

    def __init__(
        self,
        path: Path | None,
        *,
        clock: Callable[[], float] = time.time,
        note: str | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        self.note = note
        """What went wrong opening the cache, if anything (shown in the UI)."""
        self._lock = threading.Lock()
        self._conn = self._connect(path)

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def open(cls, directory: Path | None = None, *, clock: Callable[[], float] = time.time) -> Cache:
        directory = directory if directory is not None else default_cache_dir()
        path = directory / FILE_NAME
        try:
            _private_dir(directory)
            _private_file(path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return cls(
                None,
                clock=clock,
                note=f"cache disabled ({reason}: {directory}); running without a disk cache",
            )
        try:
            return cls(path, clock=clock)
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                return cls(
                    None,
                    clock=clock,
                    note=f"cache disabled ({exc}: {path}); running without a disk cache",
                )
            moved = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            with contextlib.suppress(OSError):
                os.replace(path, moved)
            for suffix in ("-wal", "-shm"):
                with contextlib.suppress(OSError):
                    os.remove(f"{path}{suffix}")
            try:
                _private_file(path)
                return cls(
                    path,
                    clock=clock,
                    note=f"cache was unreadable and has been rebuilt (old file kept as {moved.name})",
                )
            except (OSError, sqlite3.DatabaseError) as again:
                return cls(
                    None,
                    clock=clock,
                    note=f"cache disabled ({again}); running without a disk cache",
                )

    @staticmethod
    def _connect(path: Path | None) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(path) if path else ":memory:",
            check_same_thread=False,
            isolation_level=None,
            timeout=5.0,
        )
        try:
            if path is not None:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                conn.executescript("DROP TABLE IF EXISTS entries;")
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("SELECT count(*) FROM entries").fetchone()
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    @property
    def persistent(self) -> bool:
        return self.path is not None

    # -- access --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _guard(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._conn
            except sqlite3.DatabaseError as exc:
                self._degrade(exc)
                raise CacheError(str(exc)) from None

    def _degrade(self, exc: sqlite3.DatabaseError) -> None:
        """The file broke while in use: carry on in memory and say so."""
        with contextlib.suppress(sqlite3.Error):
            self._conn.close()
        self._conn = self._connect(None)
        where = f": {self.path}" if self.path else ""
        self.path = None
        self.note = f"cache failed ({exc}{where}); running without a disk cache"

    def get(self, key: str) -> Entry | None:
        try:
            with self._guard() as conn:
                row = conn.execute(
                    "SELECT body, fetched_at, expires_at FROM entries WHERE key = ?", (key,)
                ).fetchone()
        except CacheError:
            return None
        if row is None:
            return None
        body = row[0] if isinstance(row[0], bytes) else str(row[0]).encode()
        return Entry(body=body, fetched_at=float(row[1]), expires_at=row[2])

    def put(
        self,
        key: str,
        *,
        profile: str,
        kind: str,
        body: bytes,
        fetched_at: float | None = None,
        expires_at: float | None = None,
    ) -> None:
        fetched = self.clock() if fetched_at is None else fetched_at
        with contextlib.suppress(CacheError), self._guard() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO entries (key, profile, kind, body, fetched_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key, profile, kind, body, fetched, expires_at),
            )

    def delete(self, key: str) -> None:
        with contextlib.suppress(CacheError), self._guard() as conn:
            conn.execute("DELETE FROM entries WHERE key = ?", (key,))

    def clear(self, profile: str | None = None) -> int:
        """Delete every entry (or one profile's). Returns how many were removed."""
        with self._guard() as conn:
            if profile is None:
                cursor = conn.execute("DELETE FROM entries")
            else:
                cursor = conn.execute("DELETE FROM entries WHERE profile = ?", (profile,))
            removed = cursor.rowcount
            if self.path is not None:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.execute("VACUUM")
            return int(removed)

    def info(self) -> CacheInfo:
        with self._guard() as conn:
            total, oldest, newest = conn.execute(
                "SELECT count(*), min(fetched_at), max(fetched_at) FROM entries"
            ).fetchone()
            by_kind = dict(conn.execute("SELECT kind, count(*) FROM entries GROUP BY kind").fetchall())
            by_profile = dict(
                conn.execute("SELECT profile, count(*) FROM entries GROUP BY profile").fetchall()
            )
        size = 0
        if self.path is not None:
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(OSError):
                    size += os.stat(f"{self.path}{suffix}").st_size
        return CacheInfo(
            path=str(self.path) if self.path else ":memory:",
            persistent=self.persistent,
            size_bytes=size,
            entries=int(total),
            by_kind=by_kind,
            by_profile=by_profile,
            oldest=oldest,
            newest=newest,
            schema=SCHEMA_VERSION,
            note=self.note,
        )

    def close(self) -> None:
        with self._lock, contextlib.suppress(sqlite3.Error):
            self._conn.close()


class CacheError(Exception):
    """The cache failed while in use (it has switched to memory)."""


def _private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied", str(directory))


def _private_file(path: Path) -> None:
    """Create ``path`` with mode 0600 (or tighten an existing one) before sqlite opens it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", 0o600)


def _is_corruption(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text
        or "malformed" in text
        or "corrupt" in text
        or "disk image" in text
        or not isinstance(exc, sqlite3.OperationalError)
    )
