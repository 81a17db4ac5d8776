"""Since when: a person's, an ISP's, a room's or a profile's verdicts over past sessions, one
mark per session on a time line, and the session from which it went wrong.

:func:`marks_of` turns grouping members (one per participant per session) into one
:class:`Mark` per session for a :class:`Subject`; :func:`change_point` finds the first
degraded session after which most sessions were degraded and before which few were, and
:func:`sentence` says it: "Ana was fine until Tue 14:00; since then 5 of 6 calls poor, all
on AS3209 Vodafone (before: AS3320 Deutsche Telekom)". Pure: the store is read by
:func:`read_history` (:func:`past_sessions` then :func:`collect`), from the cache only unless
fetching is asked for; the headless ``history`` command and the TUI's History view share it.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

from roomscope.tui.incident.groups import UNKNOWN, Dimension, Group, Member
from roomscope.tui.quality import Verdict

if TYPE_CHECKING:
    from roomscope.tui.models import Session
    from roomscope.tui.store import Store

KINDS = ("who", "isp", "room", "profile")
KIND_WORDS = {"who": "person", "isp": "ISP", "room": "room", "profile": "profile"}
"""What each kind is called in the TUI (the palette's commands, the view's heading)."""
MARK = {Verdict.POOR: "●", Verdict.FAIR: "◐", Verdict.GOOD: "○", Verdict.UNKNOWN: "·"}
DEFAULT_SPAN = timedelta(days=7)
"""How far back a history reads unless told (``--since``)."""
DEFAULT_LIMIT = 2000
"""At most this many sessions are looked at (``--limit``)."""
PAST_RUN = 25
"""The session list is read newest first until this many sessions in a row started before
the span: a list merged from several sources may be a little out of order at the edges."""


@dataclass(frozen=True)
class Subject:
    """Whose history: ``kind`` one of ``KINDS``, ``value`` as typed (any case; for ``who``
    a user id, a participant id or a display name; for ``isp`` an ASN or a name)."""

    kind: str
    value: str
    label: str = ""
    """What to call the subject in words (a person's name when ``value`` is their user id)."""

    def holds(self, member: Member) -> bool:
        needle = self.value.strip().casefold()
        if not needle:
            return False
        if self.kind == "who":
            return needle in (member.user_id.casefold(), member.participant_id.casefold()) or (
                member.name.casefold() == needle
            )
        if self.kind == "isp":
            asn = member.asn.casefold().removeprefix("as")
            return (
                needle.removeprefix("as") == asn
                if asn and needle.removeprefix("as").isdigit()
                else (needle in member.isp.casefold())
            )
        if self.kind == "room":
            return member.room.casefold() == needle
        return member.profile.casefold() == needle

    def holds_session(self, session: Session) -> bool | None:
        """Whether ``session`` can be kept or left out on its own (None: its participants decide)."""
        if self.kind == "room":
            return (session.room_name or "").casefold() == self.value.strip().casefold()
        if self.kind == "profile":
            return session.profile.casefold() == self.value.strip().casefold()
        return None

    @property
    def words(self) -> str:
        prefix = {"who": "", "isp": "ISP ", "room": "room ", "profile": "profile "}[self.kind]
        return prefix + (self.label or self.value)


class SubjectError(ValueError):
    """What is wrong with a subject as typed (one sentence)."""


def parse_subject(text: str, default_kind: str = "who") -> Subject:
    """A subject as typed: ``isp AS3320``, ``room daily-standup``, ``profile prod``,
    ``person Ana Silva`` (or ``who …``), or ``KIND=VALUE``; a bare value is ``default_kind``."""
    raw = text.strip()
    head, sep, rest = raw.partition("=")
    if not sep or " " in head.strip():
        head, _, rest = raw.partition(" ")
    kind = {"person": "who", "user": "who", "who": "who", "isp": "isp", "asn": "isp"}.get(
        head.strip().casefold(), head.strip().casefold()
    )
    if kind not in KINDS:
        kind, rest = default_kind, raw
    value = rest.strip()
    if not value:
        names = ", ".join(KIND_WORDS[k] for k in KINDS)
        raise SubjectError(
            f"say whose history: a {KIND_WORDS[kind]}'s name (or one of: {names}, then a name)"
        )
    return Subject(kind, value)


def subject_of_group(group: Group) -> Subject | None:
    """The history subject of a Groups view's group: its ISP (by ASN when it has one), room
    or profile; None for the other dimensions and for the unknown group."""
    if group.key == UNKNOWN:
        return None
    if group.dimension is Dimension.ISP:
        asn = group.label.split(" ", 1)[0]
        value = asn if asn.upper().startswith("AS") and asn[2:].isdigit() else group.label
        return Subject("isp", value, group.label)
    if group.dimension is Dimension.ROOM:
        return Subject("room", group.label)
    if group.dimension is Dimension.PROFILE:
        return Subject("profile", group.label.split(" (", 1)[0], group.label)
    return None


HISTORY_DIMENSIONS = (Dimension.ISP, Dimension.ROOM, Dimension.PROFILE)
"""The Groups view's dimensions whose groups have a history."""


@dataclass(frozen=True)
class Mark:
    """One session of the subject's history."""

    profile: str
    session_id: str
    session_title: str
    at: datetime
    verdict: Verdict
    """The worst verdict of the subject's participants in the session."""
    people: int
    degraded: int
    cause: str
    isp: str
    """The subject's network in the session (the most common one among its participants)."""

    @property
    def bad(self) -> bool:
        return self.verdict in (Verdict.POOR, Verdict.FAIR)


@dataclass
class History:
    subject: Subject
    marks: list[Mark]
    """Oldest first."""
    scanned: int = 0
    """Sessions looked at."""
    unread: int = 0
    """Sessions whose participants were not in the cache (or could not be fetched)."""
    fetched: bool = False
    errors: list[str] = field(default_factory=list)
    since: datetime | None = None
    """The start of the span read."""
    stopped: str = ""
    """Why the session list stopped before the span's start (a provider's error)."""
    cache_ended: bool = False
    """Reading the cache only, the cached list ended before the span's start."""
    sessions: dict[tuple[str, str], Session] = field(default_factory=dict)
    """The marked sessions by (profile, id), to open them."""

    @property
    def first_bad(self) -> int | None:
        return change_point(self.marks)


@dataclass
class HistoryProgress:
    """How far reading a history got (for a progress line)."""

    fetch: bool = False
    listed: int = 0
    """Sessions read from the lists so far."""
    listing_done: bool = False
    total: int = 0
    """Sessions of the span whose participants are read."""
    read: int = 0
    """Of them, read (or left out)."""

    @property
    def fraction(self) -> float | None:
        return self.read / self.total if self.listing_done and self.total else None

    def words(self) -> str:
        if not self.listing_done:
            return f"reading the session lists… {self.listed:,} sessions"
        return f"{self.read:,} of {self.total:,} sessions read"


def marks_of(subject: Subject, sessions: Iterable[tuple[Session, Sequence[Member]]]) -> list[Mark]:
    """One mark per session in which the subject took part, oldest first."""
    marks: list[Mark] = []
    for session, members in sessions:
        mine = [m for m in members if subject.holds(m)]
        if not mine or session.started_at is None:
            continue
        worst = max((m.verdict for m in mine), key=lambda v: v.rank)
        causes = Counter(m.cause for m in mine if m.degraded and m.cause)
        isps = Counter(m.key(Dimension.ISP)[1] for m in mine)
        marks.append(
            Mark(
                profile=session.profile,
                session_id=session.id,
                session_title=session.title,
                at=session.started_at,
                verdict=worst,
                people=len(mine),
                degraded=sum(1 for m in mine if m.degraded),
                cause=causes.most_common(1)[0][0] if causes else "",
                isp=isps.most_common(1)[0][0],
            )
        )
    marks.sort(key=lambda m: m.at)
    return marks


def change_point(marks: Sequence[Mark]) -> int | None:
    """The index of the first degraded session after which most were degraded (at least half)
    and before which few were (at most a fifth), choosing the split that separates them most;
    None when there is no such change (always fine, always bad, or scattered). One degraded
    session among fine ones after it is a one-off, not a change: the sessions from the split
    on are all degraded, or at least two of them are."""
    judged = [m for m in marks if m.verdict is not Verdict.UNKNOWN]
    if len(judged) < 2:
        return None
    best: tuple[float, int] | None = None
    bad_before = 0
    total_bad = sum(1 for m in judged if m.bad)
    for i in range(1, len(judged)):
        bad_before += judged[i - 1].bad
        if not judged[i].bad:
            continue
        bad_after = total_bad - bad_before
        before = bad_before / i
        after = bad_after / (len(judged) - i)
        if before <= 0.2 and after >= 0.5 and (bad_after >= 2 or after == 1.0):
            gap = after - before
            if best is None or gap > best[0]:
                best = (gap, i)
    if best is None:
        return None
    return marks.index(judged[best[1]])


def sentence(history: History, tz: tzinfo | None = None) -> str:
    """What the history says, in one sentence."""
    marks = history.marks
    who = history.subject.words
    if not marks:
        where = (
            "in the sessions read"
            if history.fetched
            else "in the cached sessions (--fetch asks the providers)"
        )
        return f"No session of {who} {where}."
    bad = [m for m in marks if m.bad]
    point = change_point(marks)
    if point is None:
        if not bad:
            return f"{who} was fine in all {len(marks)} sessions."
        return f"{who}: {len(bad)} of {len(marks)} sessions degraded, with no clear start."
    last_good = next((m for m in reversed(marks[:point]) if not m.bad), marks[point - 1])
    after = marks[point:]
    poor = [m for m in after if m.bad]
    when = _when(last_good.at, tz)
    text = f"{who} was fine until {when}; since then {len(poor)} of {len(after)} sessions degraded"
    text += f" (first: {after[0].session_title}, {_when(after[0].at, tz)})"
    isps_after = {m.isp for m in poor}
    isps_before = {m.isp for m in marks[:point]}
    if len(isps_after) == 1:
        (isp,) = isps_after
        if isp not in isps_before and history.subject.kind != "isp":
            text += f", all on {isp} (before: {', '.join(sorted(isps_before))})"
        elif history.subject.kind != "isp":
            text += f", all on {isp}"
    causes = Counter(m.cause for m in poor if m.cause)
    if causes:
        cause, count = causes.most_common(1)[0]
        text += f"; {'all' if count == len(poor) else f'{count} of them'} {cause}"
    return text + "."


def _when(moment: datetime, tz: tzinfo | None) -> str:
    shown = moment.astimezone(tz) if tz is not None else moment.astimezone()
    return shown.strftime("%a %d %b %H:%M")


def timeline(marks: Sequence[Mark]) -> str:
    """'○○○○●●◐●': one mark per session, oldest first."""
    return "".join(MARK[m.verdict] for m in marks)


async def past_sessions(
    store: Store,
    since: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    fetch: bool,
    progress: HistoryProgress | None = None,
) -> tuple[list[Session], str, bool]:
    """The sessions started since ``since``, newest first, at most ``limit``: the whole
    list newest first (the pages the session list caches on disk, through a collection of
    its own), read until it reaches ``since``; from the cache only unless ``fetch``. Also
    why the list stopped early (a provider's error, or ''), and whether the cached list
    ended before ``since``."""
    from roomscope.tui.errors import OfflineMissError, ProviderError
    from roomscope.tui.models import SessionQuery
    from roomscope.tui.store.fetcher import cache_only

    sessions: list[Session] = []
    stopped = ""
    cache_ended = False
    before = 0
    with cache_only(not fetch):
        try:
            async with contextlib.aclosing(store.sessions_apart(SessionQuery()).stream()) as listed:
                async for session in listed:
                    if progress is not None:
                        progress.listed += 1
                    started = session.started_at
                    if started is not None and started < since:
                        before += 1
                        if before >= PAST_RUN:
                            break
                        continue
                    before = 0
                    if session.problem or started is None:
                        continue
                    sessions.append(session)
                    if len(sessions) >= limit:
                        break
        except OfflineMissError as exc:
            if fetch:
                stopped = str(exc)
            else:
                cache_ended = True
        except ProviderError as exc:
            stopped = str(exc)
    if progress is not None:
        progress.listing_done = True
    return sessions, stopped, cache_ended


async def collect(
    store: Store,
    subject: Subject,
    sessions: Iterable[Session],
    *,
    fetch: bool,
    progress: HistoryProgress | None = None,
) -> History:
    """The subject's history over ``sessions``: from the cache only unless ``fetch``."""
    from roomscope.tui.incident.gather import gather
    from roomscope.tui.store.fetcher import cache_only

    kept = [s for s in sessions if subject.holds_session(s) is not False]

    def one_read() -> None:
        if progress is not None:
            progress.read += 1

    if progress is not None:
        progress.total, progress.read = len(kept), 0
    with cache_only(not fetch):
        gathered = await gather(store, kept, on_done=one_read)
    by_session: dict[tuple[str, str], list[Member]] = {}
    for member in gathered.members:
        by_session.setdefault((member.profile, member.session_id), []).append(member)
    pairs = [(s, by_session.get((s.profile, s.id), [])) for s in kept]
    marks = marks_of(subject, pairs)
    marked = {(m.profile, m.session_id) for m in marks}
    return History(
        subject=subject,
        marks=marks,
        scanned=len(kept),
        unread=len(gathered.failed),
        fetched=fetch,
        errors=gathered.failed[:3],
        sessions={(s.profile, s.id): s for s in kept if (s.profile, s.id) in marked},
    )


async def read_history(
    store: Store,
    subject: Subject,
    since: datetime,
    *,
    limit: int = DEFAULT_LIMIT,
    fetch: bool,
    progress: HistoryProgress | None = None,
) -> History:
    """The subject's history over the sessions started since ``since`` (at most ``limit``),
    from the cache only unless ``fetch``."""
    if progress is not None:
        progress.fetch = fetch
    sessions, stopped, cache_ended = await past_sessions(
        store, since, limit=limit, fetch=fetch, progress=progress
    )
    found = await collect(store, subject, sessions, fetch=fetch, progress=progress)
    found.since = since
    found.stopped = stopped
    found.cache_ended = cache_ended
    return found


# -- what a history's rows are in files (the headless command and the view's export) ----

MARK_CSV_HEADER = (
    "at",
    "profile",
    "session_id",
    "session",
    "verdict",
    "people",
    "degraded",
    "cause",
    "network",
)


def mark_json(mark: Mark) -> dict[str, Any]:
    from roomscope.tui.incident.output import iso

    return {
        "at": iso(mark.at),
        "profile": mark.profile,
        "session_id": mark.session_id,
        "session": mark.session_title,
        "verdict": mark.verdict.value,
        "people": mark.people,
        "degraded": mark.degraded,
        "cause": mark.cause or None,
        "network": mark.isp,
    }


def mark_cells(mark: Mark) -> list[Any]:
    record = mark_json(mark)
    return ["" if record[name] is None else record[name] for name in MARK_CSV_HEADER]
