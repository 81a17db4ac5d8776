"""What the ``/`` filter needs to know of a session beyond its row, asked of the store.

A filter term such as ``who:alice`` needs the session's participants, ``verdict:poor`` or
``cause:shared`` its diagnosis, ``loss>5`` its participants' quality series. The store's
filtered view asks :func:`resolver` for a function that gathers just what the query needs
(from memory, the disk cache or the provider, as every other read) and decides the row.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

from roomscope.tui.errors import NotFoundError, UnsupportedError
from roomscope.tui.query import METRICS, WORST_OF, Known, Needs, Query, diagnosis_facts, matches

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Participant, Session
    from roomscope.tui.quality import QualityAssessment


class _Report(Protocol):
    @property
    def assessment(self) -> QualityAssessment: ...


class Store(Protocol):
    """What of the store the filter asks (the store itself: this module is below it)."""

    async def participants(self, session: Session) -> list[Participant]: ...

    async def diagnosis(self, session: Session) -> SessionDiagnosis: ...

    async def quality(self, session: Session, participant_id: str) -> _Report: ...


def resolver(store: Store, query: Query) -> Callable[[Session], Awaitable[bool]]:
    """A function deciding ``query`` for one session once its participants, diagnosis and
    (for metric terms) quality series are known. Data a provider does not have (no
    participants, no quality samples) decides the term as "not there": ``who:`` and
    ``loss>5`` do not match, ``verdict:unknown`` does. Other provider errors propagate."""
    fields = {t.field for t in query.terms}
    wants_people = Needs.PARTICIPANTS in query.needs or bool(fields & set(METRICS))
    wants_findings = bool(fields & {"verdict", "cause", "rule"})
    metrics = tuple(m for m in METRICS if m in fields)

    async def decide(session: Session) -> bool:
        people: list[Participant] | None = None
        if wants_people:
            people = await _participants(store, session)
        diagnosis = await store.diagnosis(session) if wants_findings else None
        worst = await _worst(store, session, people or [], metrics) if metrics else {}
        facts = Known(session, people, diagnosis_facts(diagnosis, worst))
        return matches(query, facts) is True

    return decide


async def _participants(store: Store, session: Session) -> list[Participant]:
    try:
        return await store.participants(session)
    except (UnsupportedError, NotFoundError):
        return []


async def _worst(
    store: Store, session: Session, people: list[Participant], metrics: tuple[str, ...]
) -> dict[str, float]:
    """Per metric term: the worst value any participant had (max, or min for MOS)."""
    found: dict[str, list[float]] = {m: [] for m in metrics}

    async def one(participant: Participant) -> None:
        try:
            report = await store.quality(session, participant.id)
        except (UnsupportedError, NotFoundError):
            return
        for metric in metrics:
            series, higher_worse = WORST_OF[metric]
            for name in series:
                assessed = report.assessment.metrics.get(name)
                stats = assessed.stats if assessed is not None else None
                if stats is not None:
                    found[metric].append(stats.max if higher_worse else stats.min)

    await asyncio.gather(*(one(p) for p in people))
    return {m: (max(v) if WORST_OF[m][1] else min(v)) for m, v in found.items() if v}
