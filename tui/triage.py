"""Symptom-first triage against the store: the candidate sessions of every open profile,
their diagnoses, and the ranked matches (``roomscope.tui.symptoms`` does the ranking).

The headless ``triage`` command and the palette's symptom command both run :func:`triage`.
No Textual here.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from roomscope.tui.limits import TRIAGE_CONCURRENCY, TRIAGE_LOOKBACK_S, TRIAGE_MAX_SESSIONS
from roomscope.tui.symptom_names import symptom_name

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Session
    from roomscope.tui.store import Store
    from roomscope.tui.symptoms import Ask, Match


@dataclass
class Triage:
    matches: list[Match]
    sessions: int
    """Candidate sessions diagnosed."""
    more: bool = False
    """More candidates than ``TRIAGE_MAX_SESSIONS``: only the latest were diagnosed."""
    failed: list[str] = field(default_factory=list)
    """'<title> (<id>): <error>' for each candidate whose diagnosis failed."""


async def triage(store: Store, ask: Ask, now: datetime, *, since: datetime | None = None) -> Triage:
    """Rank what explains ``ask`` in the sessions live near ``ask.at`` (or started since
    ``since`` without a time), in every profile of ``store``."""
    from roomscope.tui import symptoms
    from roomscope.tui.errors import ProviderError
    from roomscope.tui.models import SessionQuery

    if ask.at is not None:
        reach = timedelta(seconds=ask.within_s)
        query = SessionQuery(
            since=ask.at - reach - timedelta(seconds=TRIAGE_LOOKBACK_S), until=ask.at + reach
        )
    else:
        query = SessionQuery(since=since)
    candidates: list[Session] = []
    more = False
    async with contextlib.aclosing(store.sessions(query).stream()) as listed:
        async for session in listed:
            if session.problem or not symptoms.is_candidate(session, ask, now):
                continue
            if len(candidates) >= TRIAGE_MAX_SESSIONS:
                more = True
                break
            candidates.append(session)
    gate = asyncio.Semaphore(TRIAGE_CONCURRENCY)
    failed: list[str] = []

    async def diagnose(session: Session) -> tuple[Session, SessionDiagnosis] | None:
        async with gate:
            try:
                if ask.who is not None and not await _took_part(store, session, ask.who):
                    return None  # her sessions only: the participant list is cheaper than a diagnosis
                return session, await store.diagnosis(session)
            except ProviderError as exc:
                failed.append(f"{session.title} ({session.id}): {exc}")
                return None

    found = await asyncio.gather(*(diagnose(s) for s in candidates))
    matches = symptoms.rank(ask, [d for d in found if d is not None])
    return Triage(matches, len(candidates), more, failed)


async def _took_part(store: Store, session: Session, who: str) -> bool:
    from roomscope.tui.diagnosis import Person
    from roomscope.tui.symptoms import person_matches

    participants = await store.participants(session)
    return any(person_matches(Person(p.id, p.title), who) for p in participants)


def parse_at(text: str, now: datetime) -> datetime:
    """'10:05' (the latest such time, in the shown zone), '2026-11-22 10:05' or an ISO time.
    Raises ValueError saying what is wrong."""
    from roomscope.tui.query import QueryError, parse

    value = text.strip()
    if " " in value and value[:1].isdigit():
        value = value.replace(" ", "T", 1)
    try:
        terms = parse(f"at:{value}", now).terms if value else ()
    except QueryError as exc:
        raise ValueError(str(exc).removeprefix("at: ")) from None
    moment = terms[0].moment if len(terms) == 1 else None
    if moment is None:
        raise ValueError(f"expected a time like 10:05 or an ISO time, got {text.strip()[:40]!r}")
    return moment


_CLOCK = re.compile(r"~?\d{1,2}:\d{2}(:\d{2})?|~?\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})?")


@dataclass(frozen=True)
class Words:
    """What a person typed: 'choppy 10:05 alice' → symptom, time text, person."""

    symptom: str
    at: str | None
    who: str | None


def parse_words(text: str) -> Words | None:
    """The symptom, an optional time and an optional person from free text (the palette):
    the first word is the symptom ("can't hear" may be two), a word like 10:05 or an ISO time
    is the time, the rest is the person. None when the text does not start with a symptom."""
    words = text.split()
    if not words:
        return None
    for size in (2, 1):
        try:
            name = symptom_name("-".join(words[:size]))
        except ValueError:
            continue
        rest = words[size:]
        at = next((w.lstrip("~") for w in rest if _CLOCK.fullmatch(w)), None)
        person = " ".join(w for w in rest if w.lstrip("~") != at and w.lower() not in ("at", "around", "for"))
        return Words(name, at, person or None)
    return None
