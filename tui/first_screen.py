"""The session list's first screen as the last run left it, shown before the store exists.

The store costs about 100 ms of imports (pydantic, the domain models, sqlite, the provider)
after the first frame, before it can read its first page from the disk cache. The list's
first rows, as they were last shown for the same sources and the opening view, are kept in a
small file beside the cache (plain JSON, created 0600, written atomically). The TUI reads it
on the main thread while the first frame is built (a millisecond or two: no pydantic) and
draws those rows, marked as the last run's, until the store's own rows replace them.

The file is keyed by :func:`identity` of the sources (profile names, providers, base URLs,
demo seeds and sizes, and the credentials in use, hashed together so no secret or hash of
one secret is written): rows of another account or another demo world are never shown. A
file that is missing, unreadable, of another version or key, or holds anything but the
expected fields is ignored, and the next write replaces it.

No Textual and no pydantic here: this runs before the first frame.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from roomscope.tui.kinds import SessionStatus

if TYPE_CHECKING:  # a Protocol class costs a millisecond to build, before the first frame
    from typing import Protocol

    class SessionLike(Protocol):
        """What is kept of a session (the fields the session list draws)."""

        @property
        def provider(self) -> str: ...
        @property
        def profile(self) -> str: ...
        @property
        def id(self) -> str: ...
        @property
        def name(self) -> str: ...
        @property
        def room_name(self) -> str | None: ...
        @property
        def status(self) -> SessionStatus: ...
        @property
        def started_at(self) -> datetime | None: ...
        @property
        def duration_s(self) -> float | None: ...
        @property
        def participant_count(self) -> int | None: ...
        @property
        def problem(self) -> str | None: ...


FILE_NAME = "roomscope-first-screen.json"
VERSION = 1
MAX_ROWS = 100
"""Rows kept: more than the tallest usual terminal shows."""
MAX_TEXT = 500
"""Strings are kept to this length (the list shows less); a longer one in the file is not
what this module wrote, and the file is ignored."""
MAX_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class RowPreview:
    """One row of the last run's first screen: the session fields the list draws."""

    provider: str
    profile: str
    id: str
    name: str
    room_name: str | None
    status: SessionStatus
    started_at: datetime | None
    duration_s: float | None
    participant_count: int | None
    problem: str | None

    @property
    def title(self) -> str:
        return self.name or self.room_name or self.id

    @property
    def is_live(self) -> bool:
        return self.status is SessionStatus.LIVE


@dataclass(frozen=True)
class FirstScreen:
    """The last run's first rows for these sources."""

    rows: tuple[RowPreview, ...]
    saved_at: float
    """When they were written (epoch seconds)."""
    total: int | None
    multi_profile: bool


def identity(parts: Iterable[str]) -> str:
    """One opaque key for the sources described by ``parts`` (a SHA-256 of all of them)."""
    import hashlib

    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def signature(sessions: Sequence[SessionLike]) -> list[dict[str, Any]]:
    """What the file would hold of ``sessions``: equal signatures need no new write."""
    return [_row_json(s) for s in sessions[:MAX_ROWS]]


class FirstScreenFile:
    """The file of one cache directory, for the sources of ``key``."""

    def __init__(self, directory: Path, key: str) -> None:
        self.path = directory / FILE_NAME
        self.key = key

    def read(self) -> FirstScreen | None:
        """The rows kept for this key, or None (no file, another key, anything unexpected)."""
        try:
            with open(self.path, "rb") as handle:
                raw = handle.read(MAX_BYTES + 1)
            if len(raw) > MAX_BYTES:
                return None
            data = json.loads(raw)
            return _parse(data, self.key)
        except (OSError, ValueError, TypeError, KeyError, OverflowError, RecursionError):
            return None

    def write(
        self, sessions: Sequence[SessionLike], *, total: int | None, multi_profile: bool, now: float
    ) -> None:
        """Keep the first rows of ``sessions`` (atomically, 0600). A failure to write is
        not an error of the list: the next start simply has no rows to show early."""
        if not self.path.parent.is_dir():
            return
        if not math.isfinite(now):
            return
        body = {
            "version": VERSION,
            "key": self.key,
            "saved_at": now,
            "total": total,
            "multi_profile": multi_profile,
            "rows": signature(sessions),
        }
        try:
            text = json.dumps(body, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError):  # nothing this module writes; nothing is kept then
            return
        from roomscope.tui.replace_file import replace_file

        with contextlib.suppress(OSError):
            replace_file(self.path, text.encode("ascii"), prefix=f".{FILE_NAME}.")

    def forget(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def _row_json(session: SessionLike) -> dict[str, Any]:
    started = session.started_at
    duration = session.duration_s
    room, problem = session.room_name, session.problem
    return {
        "provider": session.provider[:MAX_TEXT],
        "profile": session.profile[:MAX_TEXT],
        "id": session.id[:MAX_TEXT],
        "name": session.name[:MAX_TEXT],
        "room_name": None if room is None else room[:MAX_TEXT],
        "status": session.status.value,
        "started_at": started.isoformat() if started is not None else None,
        "duration_s": duration
        if duration is not None and math.isfinite(duration) and duration >= 0
        else None,
        "participant_count": session.participant_count,
        "problem": None if problem is None else problem[:MAX_TEXT],
    }


def _parse(data: Any, key: str) -> FirstScreen | None:
    if not isinstance(data, dict) or data.get("version") != VERSION or data.get("key") != key:
        return None
    saved_at, total, multi, rows = data["saved_at"], data["total"], data["multi_profile"], data["rows"]
    if not _number(saved_at) or not isinstance(multi, bool) or not isinstance(rows, list):
        return None
    if total is not None and not _count(total):
        return None
    if len(rows) > MAX_ROWS:
        return None
    parsed = []
    for row in rows:
        preview = _parse_row(row)
        if preview is None:
            return None
        parsed.append(preview)
    return FirstScreen(tuple(parsed), float(saved_at), total, multi)


def _parse_row(row: Any) -> RowPreview | None:
    if not isinstance(row, dict):
        return None
    texts = {name: row[name] for name in ("provider", "profile", "id", "name")}
    optional = {name: row[name] for name in ("room_name", "problem")}
    if not all(_text(v) for v in texts.values()) or not all(v is None or _text(v) for v in optional.values()):
        return None
    if not texts["id"]:
        return None
    try:
        status = SessionStatus(row["status"])
    except ValueError:
        return None
    started_at = row["started_at"]
    if started_at is not None:
        if not _text(started_at):
            return None
        started = datetime.fromisoformat(started_at)
        if started.tzinfo is None:
            return None
    else:
        started = None
    duration, count = row["duration_s"], row["participant_count"]
    if duration is not None and not (_number(duration) and duration >= 0):
        return None
    if count is not None and not _count(count):
        return None
    return RowPreview(
        provider=texts["provider"],
        profile=texts["profile"],
        id=texts["id"],
        name=texts["name"],
        room_name=optional["room_name"],
        status=status,
        started_at=started,
        duration_s=None if duration is None else float(duration),
        participant_count=count,
        problem=optional["problem"],
    )


def _text(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_TEXT


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 53
