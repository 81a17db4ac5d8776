"""Query planning for session lists: what each provider is asked for, what is done here.

A provider's API answers the parts of a query it can (text search, status, time range,
sort order, as its capabilities say); the rest is filtered and sorted locally.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from roomscope.tui.errors import Capability
from roomscope.tui.models import Session, SessionQuery, SortKey
from roomscope.tui.providers.base import Provider


@dataclass(frozen=True)
class SourcePlan:
    """One provider's part of a session list."""

    provider: Provider
    query: SessionQuery
    """What this provider is asked for: the parts of the query its API can answer."""
    sort_by_start: bool
    """The API cannot list in start order: read the whole list and sort it here."""


@dataclass(frozen=True)
class QueryPlan:
    """How a session list is produced: what each provider is asked for, what is done here."""

    query: SessionQuery
    sources: tuple[SourcePlan, ...]
    merge_descending: bool
    """With several sources: merge them by start time in this direction."""
    filter_text: bool
    """Some provider cannot search text: the text filter runs here."""
    filter_status: bool
    """Some provider cannot filter by status: the status filter runs here."""
    filter_time: bool
    """Some provider cannot filter by time: the time range is applied here."""
    sort: bool
    """The combined list is sorted here by ``query.sort``."""
    newest_first: bool = False
    """The list the local filter reads is in start order, newest first."""

    @property
    def filters(self) -> bool:
        """Whether anything is filtered here."""
        return self.filter_text or self.filter_status or self.filter_time

    def past_range(self, session: Session) -> bool:
        """No session after this one can be in the time range: the list is newest first and
        this one started before the range did (only while the time range is applied here)."""
        since = self.query.since
        return (
            self.filter_time
            and self.newest_first
            and since is not None
            and session.started_at is not None
            and session.started_at < since
        )

    def keep(self, session: Session) -> bool:
        """The local filter: the parts of the query some provider could not apply."""
        query = self.query
        if self.filter_text and not session_matches(session, query.text):
            return False
        if self.filter_status and query.status is not None and session.status is not query.status:
            return False
        if self.filter_time and session.started_at is not None:
            if query.since and session.started_at < query.since:
                return False
            if query.until and session.started_at > query.until:
                return False
        return True


def server_sorts(provider: Provider, key: SortKey, descending: bool) -> bool:
    """Whether the API itself produces this order (newest first is the usual default)."""
    natural = key is SortKey.START and descending and provider.newest_first
    return natural or key in provider.sort_keys


def plan_query(query: SessionQuery, providers: Sequence[Provider]) -> QueryPlan:
    """Split ``query`` between the providers' APIs and the store."""
    sources: list[SourcePlan] = []
    client_text = client_status = client_time = False
    all_sorted = True
    newest_first = True
    by_start = query.sort is SortKey.START
    for provider in providers:
        caps = provider.capabilities
        sorts = server_sorts(provider, query.sort, query.descending)
        all_sorted &= sorts
        server = query.model_copy(
            update={
                "text": query.text if Capability.TEXT_SEARCH in caps else "",
                "status": query.status if Capability.STATUS_FILTER in caps else None,
                "since": query.since if Capability.TIME_FILTER in caps else None,
                "until": query.until if Capability.TIME_FILTER in caps else None,
                "sort": query.sort if sorts else SortKey.START,
                "descending": query.descending if sorts else True,
            }
        )
        client_text |= bool(query.text.strip()) and server.text != query.text
        client_status |= query.status is not None and server.status is None
        client_time |= (query.since or query.until) is not None and server.since is None
        sort_by_start = by_start and not sorts
        if sort_by_start:
            newest_first &= query.descending
        else:
            natural = server.sort is SortKey.START and server.descending and provider.newest_first
            newest_first &= natural or (server.sort is SortKey.START and server.descending and sorts)
        sources.append(SourcePlan(provider, server, sort_by_start=sort_by_start))
    if len(sources) == 1:
        sort_here = not by_start and not all_sorted
    else:
        sort_here = not by_start
    merge_descending = query.descending if by_start else True
    return QueryPlan(
        query=query,
        sources=tuple(sources),
        merge_descending=merge_descending,
        filter_text=client_text,
        filter_status=client_status,
        filter_time=client_time,
        sort=sort_here,
        newest_first=newest_first and (len(sources) == 1 or merge_descending),
    )


def sort_value(key: SortKey) -> Callable[[Session], Any]:
    """The sort key of a session for a column (ties broken by start time)."""

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
