"""The imports on disk: one JSON file per import in the user data directory.

Files are written atomically (a private temporary file in the same directory, flushed,
then renamed over) with mode 0600 in a 0700 directory; a file that cannot be read (cut,
edited, another version) is left alone and named in ``problems``, never a crash. Records
are read once and kept while their file is unchanged, so asking for a participant's
imports costs a directory listing.
"""

from __future__ import annotations

import os
import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from roomscope.tui.imports.records import RECORD_VERSION, ImportRecord
from roomscope.tui.models import QualitySeries
from roomscope.tui.replace_file import replace_file

ID_PATTERN = re.compile(r"^imp-[0-9a-f]{8}$")
"""What an import id looks like (an id is also its file name)."""


def new_id() -> str:
    return f"imp-{secrets.token_hex(4)}"


@dataclass(frozen=True)
class _Loaded:
    stamp: tuple[int, int]
    record: ImportRecord | None


class ImportLibrary:
    """The imports kept in ``directory`` (created on the first write)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.problems: list[str] = []
        """Files that could not be read at the last listing, and why."""
        self._loaded: dict[str, _Loaded] = {}
        self._sorted: list[ImportRecord] = []
        self._folder: tuple[int, int] | None = None
        """The directory's (mtime, inode) when ``_sorted`` was read."""
        self._lock = threading.Lock()

    # -- reading -------------------------------------------------------------------------

    def records(self) -> list[ImportRecord]:
        """Every readable import, oldest first (one ``stat`` while the directory is unchanged:
        imports are only ever written by a rename into it, or removed)."""
        try:
            info = os.stat(self.directory)
            folder: tuple[int, int] | None = (info.st_mtime_ns, info.st_ino)
        except OSError:
            folder = None
        with self._lock:
            if folder is not None and folder == self._folder:
                return list(self._sorted)
            found: dict[str, _Loaded] = {}
            problems: list[str] = []
            try:
                entries = list(os.scandir(self.directory))
            except FileNotFoundError:
                entries = []
            for entry in entries:
                name, dot, ext = entry.name.partition(".")
                if ext != "json" or not dot or not ID_PATTERN.match(name):
                    continue
                try:
                    info = entry.stat()
                except OSError:
                    continue
                stamp = (info.st_mtime_ns, info.st_size)
                known = self._loaded.get(name)
                if known is None or known.stamp != stamp:
                    known = _Loaded(stamp, self._read(Path(entry.path), problems))
                elif known.record is None:
                    problems.append(f"{entry.path}: not a readable import")
                found[name] = known
            self._loaded = found
            self.problems = problems
            records = [k.record for k in found.values() if k.record is not None]
            self._sorted = sorted(records, key=lambda r: (r.imported_at, r.id))
            self._folder = folder
            return list(self._sorted)

    @staticmethod
    def _read(path: Path, problems: list[str]) -> ImportRecord | None:
        try:
            record = ImportRecord.model_validate_json(path.read_bytes())
        except (OSError, ValueError, ValidationError) as exc:
            problems.append(f"{path}: not a readable import ({type(exc).__name__})")
            return None
        if record.version != RECORD_VERSION or record.id != path.stem:
            problems.append(f"{path}: an import of another version or name")
            return None
        return record

    def get(self, import_id: str) -> ImportRecord | None:
        return next((r for r in self.records() if r.id == import_id), None)

    def for_participant(self, provider: str, session_id: str, participant_id: str) -> list[ImportRecord]:
        return [r for r in self.records() if r.belongs_to(provider, session_id, participant_id)]

    def for_session(self, provider: str, session_id: str) -> list[ImportRecord]:
        return [r for r in self.records() if r.belongs_to(provider, session_id)]

    def series_for(self, provider: str, session_id: str, participant_id: str) -> list[QualitySeries]:
        """The imported series of one participant (each labelled with its dump)."""
        return [s for r in self.for_participant(provider, session_id, participant_id) for s in r.series]

    def own_sessions(self) -> list[ImportRecord]:
        """The imports that are sessions of their own."""
        return [r for r in self.records() if r.attached is None]

    # -- writing -------------------------------------------------------------------------

    def add(self, record: ImportRecord) -> Path:
        """Write ``record`` (atomically, 0600); an existing one of that id is replaced."""
        if not ID_PATTERN.match(record.id):
            raise ValueError(f"not an import id: {record.id!r}")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._folder = None  # read again: a change within one mtime tick leaves it the same
        target = self.directory / f"{record.id}.json"
        replace_file(target, record.model_dump_json().encode(), prefix=".import-", durable=True)
        return target

    def remove(self, import_id: str) -> bool:
        """Delete an import; False when there is none of that id."""
        if not ID_PATTERN.match(import_id):
            return False
        self._folder = None
        try:
            (self.directory / f"{import_id}.json").unlink()
        except FileNotFoundError:
            return False
        return True
