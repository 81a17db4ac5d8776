"""Since when: a person's, an ISP's, a room's or a profile's verdicts over past sessions, one
mark per session on a time line, and the session from which it went wrong.

:func:`marks_of` turns grouping members (one per participant per session) into one
:class:`Mark` per session for a :class:`Subject`; :func:`change_point` finds the first
degraded session after which most sessions were degraded and before which few were, and
:func:`sentence` says it: "Ana was fine until Tue 14:00; since then 5 of 6 calls poor, all
on AS3209 Vodafone (before: AS3320 Deutsche Telekom)". Pure: the store is read by
:func:`collect`, from the cache only unless fetching is asked for.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING

from roomscope.tui.incident.groups import Dimension, Member
from roomscope.tui.quality import Verdict

if TYPE_CHECKING:
    from roomscope.tui.models import Session
    from roomscope.tui.store import Store

KINDS = ("who", "isp", "room", "profile")
MARK = {Verdict.POOR: "●", Verdict.FAIR: "◐", Verdict.GOOD: "○", Verdict.UNKNOWN: "·"}


@dataclass(frozen=True)
class Subject:
    """Whose history: ``kind`` one of ``KINDS``, ``value`` as typed (any case; for ``who``
    a user id, a participant id or a display name; for ``isp`` an ASN or a name)."""

    kind: str
    value: str

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
        return {"who": "", "isp": "ISP ", "room": "room ", "profile": "profile "}[self.kind] + self.value


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

    @property
    def first_bad(self) -> int | None:
        return change_point(self.marks)


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
    None when there is no such change (always fine, always bad, or scattered)."""
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
        before = bad_before / i
        after = (total_bad - bad_before) / (len(judged) - i)
        if before <= 0.2 and after >= 0.5:
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


async def collect(
    store: Store,
    subject: Subject,
    sessions: Iterable[Session],
    *,
    fetch: bool,
) -> History:
    """The subject's history over ``sessions``: from the cache only unless ``fetch``."""
    from roomscope.tui.incident.gather import gather

    kept = [s for s in sessions if subject.holds_session(s) is not False]
    offline = store.fetcher.offline
    store.fetcher.offline = offline or not fetch
    try:
        gathered = await gather(store, kept)
    finally:
        store.fetcher.offline = offline
    by_session: dict[tuple[str, str], list[Member]] = {}
    for member in gathered.members:
        by_session.setdefault((member.profile, member.session_id), []).append(member)
    pairs = [(s, by_session.get((s.profile, s.id), [])) for s in kept]
    return History(
        subject=subject,
        marks=marks_of(subject, pairs),
        scanned=len(kept),
        unread=len(gathered.failed),
        fetched=fetch,
        errors=gathered.failed[:3],
    )
