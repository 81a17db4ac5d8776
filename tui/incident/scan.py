"""Which sessions an incident window holds, across every open profile, and what went wrong in each.

:func:`sessions_in` streams the sessions that overlap a window (started before its end,
still going or ended after its start), listed newest first from every profile the store has
open, with a bounded look-back for sessions that started before the window
(``INCIDENT_LOOKBACK_S``). :func:`diagnose_rows` adds each session's diagnosis, a few at a
time. A :class:`WindowRow` holds what a chart or a table needs: the session's span, its
participants' degraded stretches and the shared ones, and its place in the worst-first order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from roomscope.tui import fmt
from roomscope.tui.incident.window import IncidentWindow
from roomscope.tui.limits import INCIDENT_DIAGNOSIS_CONCURRENCY, INCIDENT_LOOKBACK_S
from roomscope.tui.quality import Verdict

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Session
    from roomscope.tui.store import Store


@dataclass(frozen=True)
class Stretch:
    """A participant's degraded time (a finding's burst), as the diagnosis found it."""

    participant_id: str
    name: str
    start: datetime
    end: datetime
    verdict: Verdict
    rule: str
    cause: str


@dataclass(frozen=True)
class WindowRow:
    """One session of the window, with what its diagnosis says (when it is in)."""

    session: Session
    start: datetime
    end: datetime | None
    """None: still going."""
    diagnosis: SessionDiagnosis | None = None
    error: str | None = None
    """Why there is no diagnosis (the provider's sentence)."""
    stretches: tuple[Stretch, ...] = ()
    shared: tuple[tuple[datetime, datetime], ...] = ()
    """When most participants were degraded at once (the shared findings' bursts)."""
    degraded_s: float = 0.0
    """Seconds of degraded participant time inside the window."""
    summary: str = ""
    """The diagnosis in one line ('● 8/8 poor · shared 10:05'), or why there is none."""

    @property
    def key(self) -> tuple[str, str]:
        return (self.session.profile, self.session.id)

    @property
    def verdict(self) -> Verdict:
        return self.diagnosis.worst if self.diagnosis is not None else Verdict.UNKNOWN

    @property
    def judged(self) -> bool:
        return self.diagnosis is not None or self.error is not None

    def order(self) -> tuple[int, int, float, float]:
        """Worst first: the verdict, how many people had it, degraded time in the window,
        then the latest start."""
        diagnosis = self.diagnosis
        hit = 0
        if diagnosis is not None:
            hit = diagnosis.poor if diagnosis.worst is Verdict.POOR else diagnosis.fair
        return (-self.verdict.rank, -hit, -self.degraded_s, -self.start.timestamp())


@dataclass
class ScanProgress:
    """How far a scan of a window got (for a status line)."""

    listed: int = 0
    """Sessions read from the lists so far."""
    found: int = 0
    """Of them, the ones overlapping the window."""
    diagnosed: int = 0
    failed: int = 0
    done_listing: bool = False
    errors: list[str] = field(default_factory=list)


def session_span(session: Session, now: datetime) -> tuple[datetime, datetime | None] | None:
    """When the session ran: its start, and its end (None while live); None without a start."""
    start = session.started_at
    if start is None:
        return None
    if session.is_live:
        return start, None
    if session.ended_at is not None:
        return start, session.ended_at
    if session.duration_s is not None:
        return start, start + timedelta(seconds=max(0.0, session.duration_s))
    return start, start


def overlapping_row(session: Session, window: IncidentWindow, now: datetime) -> WindowRow | None:
    """A row for ``session`` if it overlaps ``window``."""
    if session.problem:
        return None
    span = session_span(session, now)
    if span is None or not window.overlaps(*span):
        return None
    return WindowRow(session=session, start=span[0], end=span[1])


async def sessions_in(
    store: Store,
    window: IncidentWindow,
    now: datetime,
    *,
    profiles: Sequence[str] | None = None,
    progress: ScanProgress | None = None,
) -> AsyncIterator[WindowRow]:
    """Every session of ``profiles`` (default: every open one) overlapping ``window``, newest
    first, as the lists are read (their rows are let go as the reader passes them)."""
    from roomscope.tui.models import SessionQuery

    seen = progress or ScanProgress()
    query = SessionQuery(since=window.start - timedelta(seconds=INCIDENT_LOOKBACK_S), until=window.end)
    collection = store.sessions(query, profiles)
    async for session in collection.stream():
        seen.listed += 1
        row = overlapping_row(session, window, now)
        if row is not None:
            seen.found += 1
            yield row
    seen.done_listing = True


def with_diagnosis(row: WindowRow, diagnosis: SessionDiagnosis, window: IncidentWindow) -> WindowRow:
    """``row`` with what ``diagnosis`` says, measured inside ``window``."""
    from roomscope.tui.diagnosis import Cause

    stretches: list[Stretch] = []
    shared: list[tuple[datetime, datetime]] = []
    inside = 0.0
    for finding in diagnosis.findings:
        verdict = finding.severity.verdict
        for burst in finding.windows:
            if finding.cause is Cause.SHARED:
                shared.append((burst.start, burst.end))
            for person in finding.who:
                stretches.append(
                    Stretch(
                        person.id,
                        person.name,
                        burst.start,
                        burst.end,
                        verdict,
                        finding.rule,
                        finding.cause.value,
                    )
                )
                clipped = window.clip(burst.start, burst.end)
                if clipped is not None:
                    inside += (clipped[1] - clipped[0]).total_seconds()
    return replace(
        row,
        diagnosis=diagnosis,
        error=None,
        stretches=tuple(stretches),
        shared=tuple(shared),
        degraded_s=inside,
        summary=diagnosis.summary_line(_shown(window.end)),
    )


def _shown(moment: datetime) -> tzinfo:
    """The zone a summary's times are written in (the one the UI shows)."""
    zone = fmt.local(moment).tzinfo
    return zone if zone is not None else UTC


def with_error(row: WindowRow, error: str) -> WindowRow:
    return replace(row, diagnosis=None, error=error, summary=f"? {error}")


async def diagnose_rows(
    store: Store,
    rows: Iterable[WindowRow],
    window: IncidentWindow,
    *,
    on_row: Callable[[WindowRow], None] | None = None,
    progress: ScanProgress | None = None,
    concurrency: int = INCIDENT_DIAGNOSIS_CONCURRENCY,
) -> list[WindowRow]:
    """Each row with its session's diagnosis (or the error that stopped it), a few sessions at
    a time; ``on_row`` hears of each as it is done. The result keeps the rows' order."""
    from roomscope.tui.errors import ProviderError

    seen = progress or ScanProgress()
    gate = asyncio.Semaphore(concurrency)

    async def one(row: WindowRow) -> WindowRow:
        async with gate:
            try:
                done = with_diagnosis(row, await store.diagnosis(row.session), window)
                seen.diagnosed += 1
            except ProviderError as exc:
                done = with_error(row, str(exc))
                seen.failed += 1
        if on_row is not None:
            on_row(done)
        return done

    return list(await asyncio.gather(*(one(row) for row in rows)))


def worst_first(rows: Iterable[WindowRow]) -> list[WindowRow]:
    return sorted(rows, key=WindowRow.order)


async def scan(
    store: Store,
    window: IncidentWindow,
    now: datetime,
    *,
    profiles: Sequence[str] | None = None,
    progress: ScanProgress | None = None,
) -> list[WindowRow]:
    """Every session overlapping ``window`` with its diagnosis, worst first."""
    seen = progress or ScanProgress()
    found = [row async for row in sessions_in(store, window, now, profiles=profiles, progress=seen)]
    return worst_first(await diagnose_rows(store, found, window, progress=seen))
