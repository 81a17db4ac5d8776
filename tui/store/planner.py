"""Query planning for session lists: what each provider is asked for, what is done here.

A provider's API answers the parts of a query it can (text search, status, time range,
sort order, as its capabilities say); the rest is filtered and sorted locally. The filter
text is the ``/`` language of :mod:`roomscope.tui.query`: a provider is sent only what its
server matches the same way (one positive free-text word its search covers, a positive
``status:``, the latest ``since:``), and the whole query is always applied here as well.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from roomscope.tui.errors import Capability
from roomscope.tui.models import Session, SessionQuery, SessionStatus, SortKey
from roomscope.tui.providers.base import Provider
from roomscope.tui.query import Known, Needs, Query, matches, parse

SEARCHED_ELSEWHERE = tuple(s.value for s in SessionStatus)
"""What the local free text reads besides a session's id, name and room: its status word
(and its provider and profile names, which the planner knows per provider). A server's text
search covers id, name and room only, so a word that could match these is kept local."""


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
    parsed: Query = field(default_factory=Query)
    """The filter text read as the ``/`` language (applied here in full)."""

    @property
    def filters(self) -> bool:
        """Whether anything is filtered here."""
        return self.filter_text or self.filter_status or self.filter_time

    @property
    def needs(self) -> frozenset[Needs]:
        """What deciding the filter needs beyond the session row (participants, a diagnosis)."""
        return self.parsed.needs - {Needs.SESSION}

    @property
    def floor(self) -> datetime | None:
        """The latest start any kept session can have been before: the time range's start,
        or a positive ``since:`` term's, whichever is later."""
        return _latest(self.query.since, positive_since(self.parsed))

    def past_range(self, session: Session) -> bool:
        """No session after this one can be kept: the list is newest first and this one
        started before the range (or a ``since:`` term) did."""
        since = self.floor
        local = self.filter_time or positive_since(self.parsed) is not None
        return (
            local
            and self.newest_first
            and since is not None
            and session.started_at is not None
            and session.started_at < since
        )

    def keep(self, session: Session) -> bool | None:
        """The local filter: the parts of the query some provider could not apply, and the
        whole filter text. None: the text has terms this row alone cannot decide (they need
        the session's participants or its diagnosis)."""
        query = self.query
        if self.filter_status and query.status is not None and session.status is not query.status:
            return False
        if self.filter_time and session.started_at is not None:
            if query.since and session.started_at < query.since:
                return False
            if query.until and session.started_at > query.until:
                return False
        if self.parsed.empty:
            return True
        return matches(self.parsed, Known(session))


def server_sorts(provider: Provider, key: SortKey, descending: bool) -> bool:
    """Whether the API itself produces this order (newest first is the usual default)."""
    natural = key is SortKey.START and descending and provider.newest_first
    return natural or key in provider.sort_keys


def positive_since(parsed: Query) -> datetime | None:
    """The latest moment of the query's positive ``since:`` terms (None without one)."""
    moments = [t.moment for t in parsed.terms if t.field == "since" and not t.negated and t.moment]
    return max(moments) if moments else None


def positive_status(parsed: Query) -> SessionStatus | None:
    """The status every kept session has, by the query's positive ``status:`` terms (None
    without one, or when two of them disagree and nothing can match anyway)."""
    wanted = {t.value for t in parsed.terms if t.field == "status" and not t.negated}
    return SessionStatus(wanted.pop()) if len(wanted) == 1 else None


def server_text(parsed: Query, provider: Provider) -> str:
    """The one word of ``parsed`` that ``provider``'s text search may be sent: a positive
    free-text term without spaces that cannot match what only the local filter reads (a
    status word, the provider's or the profile's name). The longest such word (the most
    selective); "" when there is none."""
    elsewhere = [*SEARCHED_ELSEWHERE, provider.name.casefold(), provider.profile.casefold()]
    words = [
        t.value
        for t in parsed.terms
        if t.field is None
        and not t.negated
        and t.value.strip() == t.value
        and not any(ch.isspace() for ch in t.value)
        and not any(t.value.casefold() in other for other in elsewhere)
    ]
    return max(words, key=len) if words else ""


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def plan_query(query: SessionQuery, providers: Sequence[Provider], now: datetime | None = None) -> QueryPlan:
    """Split ``query`` between the providers' APIs and the store. ``now`` anchors the
    filter text's ``since:`` and ``at:`` terms; a text that is not a valid query raises
    :class:`~roomscope.tui.query.QueryError`."""
    parsed = parse(query.text, now or datetime.now(UTC)) if query.text.strip() else Query()
    term_since = positive_since(parsed)
    term_status = positive_status(parsed)
    sources: list[SourcePlan] = []
    client_text = client_status = client_time = False
    all_sorted = True
    newest_first = True
    by_start = query.sort is SortKey.START
    for provider in providers:
        caps = provider.capabilities
        sorts = server_sorts(provider, query.sort, query.descending)
        all_sorted &= sorts
        times = Capability.TIME_FILTER in caps
        server = query.model_copy(
            update={
                "text": server_text(parsed, provider) if Capability.TEXT_SEARCH in caps else "",
                "status": (query.status or term_status) if Capability.STATUS_FILTER in caps else None,
                "since": _latest(query.since, term_since) if times else None,
                "until": query.until if times else None,
                "sort": query.sort if sorts else SortKey.START,
                "descending": query.descending if sorts else True,
            }
        )
        client_text |= not parsed.empty
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
        parsed=parsed,
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
