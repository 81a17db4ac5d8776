"""Query planning for session lists: what each provider is asked for, what is done here.

A provider's API answers the parts of a query it can (text search, status, time range,
sort order, as its capabilities say); the rest is filtered and sorted locally.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from roomscope.tui.models import Session, SortKey


def sort_value(key: SortKey) -> Callable[[Session], Any]:
    def start(s: Session) -> Any:
        return s.started_at.timestamp() if s.started_at else 0.0

    getters: dict[SortKey, Callable[[Session], Any]] = {
        SortKey.START: start,
        SortKey.NAME: lambda s: (s.title.casefold(), start(s)),
        SortKey.STATUS: lambda s: (str(s.status), start(s)),
        SortKey.DURATION: lambda s: (s.duration_s or 0.0, start(s)),
        SortKey.PARTICIPANTS: lambda s: (s.participant_count or 0, start(s)),
        SortKey.PROVIDER: lambda s: (s.profile, s.provider, start(s)),
    }
    return getters[key]


def session_matches(session: Session, text: str) -> bool:
    """The live filter: case-insensitive substring of id, name, room, status, provider.
    A leading ``!`` inverts the match."""
    needle = text.strip()
    invert = needle.startswith("!")
    if invert:
        needle = needle[1:].strip()
    if not needle:
        return True
    folded = needle.casefold()
    haystack = " ".join(
        x
        for x in (
            session.id,
            session.name,
            session.room_name or "",
            session.room_id or "",
            str(session.status),
            session.provider,
            session.profile,
        )
        if x
    ).casefold()
    found = folded in haystack
    return found != invert
