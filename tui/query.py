"""The `/` filter language, shared by the session list and the headless ``--filter``.

Several terms are ANDed; ``-term`` or ``!term`` negates one::

    standup                 free text in id, name, room, status, provider, profile
    verdict:poor            the session's worst verdict (poor, fair, good, unknown)
    cause:shared            a finding's cause (uplink, downlink, shared, route, connectivity,
                            cpu, user, unknown)
    rule:NET-RTT            a finding's rule id
    loss>5  rtt>=300  jitter>30  mos<3.5
                            a participant's worst value of that metric (> >= < <= =)
    isp:comcast  country:IN  city:berlin  browser:safari  os:ios  net:wifi
                            any participant's network or device (substring, any case)
    who:alice               a participant's name or id
    provider:telnyx  profile:prod  room:board  status:live
    since:2h                started within the span (or since an ISO date/time)
    at:10:05                active at that time (HH:MM[:SS] the most recent such time, or ISO)

Parsing is cheap and needs nothing heavy, so the filter bar reports a bad query at once
(``QueryError`` says what is wrong and where) and keeps the last good result. Matching asks a
:class:`Facts` for what it knows; a term whose data is not known yet (participants or findings
not loaded) makes the match ``None`` ("cannot say yet") rather than a silent no.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from roomscope.tui import fmt
from roomscope.tui.kinds import SessionStatus

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Participant, Session


class Needs(StrEnum):
    """What a term needs to be decided."""

    SESSION = "session"
    PARTICIPANTS = "participants"
    DIAGNOSIS = "diagnosis"


TEXT_FIELDS: dict[str, Needs] = {
    "provider": Needs.SESSION,
    "profile": Needs.SESSION,
    "room": Needs.SESSION,
    "status": Needs.SESSION,
    "isp": Needs.PARTICIPANTS,
    "country": Needs.PARTICIPANTS,
    "city": Needs.PARTICIPANTS,
    "browser": Needs.PARTICIPANTS,
    "os": Needs.PARTICIPANTS,
    "net": Needs.PARTICIPANTS,
    "who": Needs.PARTICIPANTS,
    "verdict": Needs.DIAGNOSIS,
    "cause": Needs.DIAGNOSIS,
    "rule": Needs.DIAGNOSIS,
}
"""``field:value`` terms and what deciding them needs."""

TIME_FIELDS = ("since", "at")
METRICS = ("loss", "rtt", "jitter", "mos")
"""``metric OP number`` terms (each needs the diagnosis: the participants' worst values)."""

VERDICTS = ("poor", "fair", "good", "unknown")
CAUSES = ("uplink", "downlink", "shared", "route", "connectivity", "cpu", "user", "unknown")
CAUSE_ALIASES = {"device_cpu": "cpu", "device": "cpu", "user_action": "user", "network": "connectivity"}

_OPS = (">=", "<=", ">", "<", "=")
_SPAN = re.compile(r"^(\d+(?:\.\d+)?)(s|m|min|h|d|w)$", re.IGNORECASE)
_SPAN_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_MAX_SPAN_S = 100 * 365 * 86400


HELP: tuple[tuple[str, str], ...] = (
    ("standup", "free text in id, name, room, status, provider, profile"),
    ("-word  !word", "negates a term (-status:live, !standup)"),
    ("status:live", "live, ended or unknown; provider:  profile:  room:"),
    ("since:2h  since:2026-11-20", "started within a span (s, m, h, d, w) or since a date"),
    ("at:10:05", "active at that time (the most recent 10:05), or an ISO time"),
    ("verdict:poor", "the worst verdict: poor, fair, good, unknown (diagnoses the rows)"),
    ("cause:shared", "a finding's cause: uplink, downlink, shared, route, connectivity, cpu, user"),
    ("rule:NET-RTT", "a finding's rule id (a prefix: rule:NET)"),
    ("loss>5  rtt>=300  jitter>30  mos<3.5", "a participant's worst value (> >= < <= =)"),
    (
        "who:alice  isp:comcast  country:IN",
        "a participant's name or id, network; city: browser: os: net:wifi",
    ),
)
"""The language in brief, for the ``?`` help (several terms are ANDed)."""


class QueryError(ValueError):
    """A query that cannot be read: ``str()`` says what is wrong, ``position`` where."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@dataclass(frozen=True)
class Term:
    """One condition. ``field`` is None for free text."""

    field: str | None
    op: str
    value: str
    negated: bool = False
    number: float | None = None
    moment: datetime | None = None

    @property
    def needs(self) -> Needs:
        if self.field is None or self.field in TIME_FIELDS:
            return Needs.SESSION
        if self.field in METRICS:
            return Needs.DIAGNOSIS
        return TEXT_FIELDS[self.field]

    def describe(self) -> str:
        sign = "-" if self.negated else ""
        if self.field is None:
            return f"{sign}{self.value}"
        return f"{sign}{self.field}{self.op}{self.value}"


@dataclass(frozen=True)
class Query:
    """A parsed filter: its terms, ANDed."""

    terms: tuple[Term, ...] = ()
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.terms

    @property
    def needs(self) -> frozenset[Needs]:
        return frozenset(term.needs for term in self.terms)

    def describe(self) -> str:
        return " ".join(term.describe() for term in self.terms)


@dataclass(frozen=True)
class DiagnosisFacts:
    """What the diagnosis says of a session, as the filter needs it."""

    verdict: str = "unknown"
    causes: frozenset[str] = frozenset()
    rules: frozenset[str] = frozenset()
    worst: dict[str, float] = field(default_factory=dict)
    """Per metric of :data:`METRICS`: the worst value any participant had."""


class Facts(Protocol):
    """What is known of one session; None where it is not known (yet)."""

    @property
    def session(self) -> Session: ...

    @property
    def participants(self) -> Sequence[Participant] | None: ...

    @property
    def diagnosis(self) -> DiagnosisFacts | None: ...


@dataclass(frozen=True)
class Known:
    """A plain :class:`Facts`."""

    session: Session
    participants: Sequence[Participant] | None = None
    diagnosis: DiagnosisFacts | None = None


# -- parsing ---------------------------------------------------------------------------------


def _tokens(text: str) -> Iterable[tuple[int, str]]:
    """Whitespace-separated words with their offsets; "double quotes" keep spaces."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        word: list[str] = []
        while i < n and not text[i].isspace():
            if text[i] == '"':
                end = text.find('"', i + 1)
                if end == -1:
                    raise QueryError("a quote is not closed", i)
                word.append(text[i + 1 : end])
                i = end + 1
            else:
                word.append(text[i])
                i += 1
        yield start, "".join(word)


def parse(text: str, now: datetime) -> Query:
    """Parse a filter; raises :class:`QueryError`. ``now`` anchors ``since:`` and ``at:``."""
    terms: list[Term] = []
    for position, word in _tokens(text):
        negated = False
        body = word
        if body[:1] in ("-", "!") and len(body) > 1:
            negated, body = True, body[1:]
        elif body in ("-", "!"):
            raise QueryError(f"“{body}” negates nothing: write it before a term, e.g. -status:live", position)
        terms.append(_term(body, negated, position, now))
    return Query(tuple(terms), text)


def _term(body: str, negated: bool, position: int, now: datetime) -> Term:
    lowered = body.casefold()
    for metric in METRICS:
        if lowered.startswith(metric) and lowered[len(metric) : len(metric) + 1] in ("<", ">", "="):
            rest = body[len(metric) :]
            op = next(o for o in _OPS if rest.startswith(o))
            raw = rest[len(op) :]
            try:
                number = float(raw)
            except ValueError:
                raise QueryError(f"{metric}{op}: expected a number, got “{raw}”", position) from None
            if not math.isfinite(number):
                raise QueryError(f"{metric}{op}: expected a finite number, got “{raw}”", position)
            return Term(metric, op, raw, negated, number=number)
    name, colon, value = body.partition(":")
    key = name.casefold()
    if not colon or (key not in TEXT_FIELDS and key not in TIME_FIELDS):
        if colon and re.fullmatch(r"[a-z]+", key) and not value.startswith("//"):
            known = ", ".join([*TEXT_FIELDS, *TIME_FIELDS])
            raise QueryError(f"unknown field “{name}:”: use one of {known}", position)
        return Term(None, ":", body, negated)
    if not value:
        raise QueryError(f"{key}: needs a value, e.g. {key}:{_example(key)}", position)
    if key == "status":
        try:
            value = SessionStatus(value.casefold()).value
        except ValueError:
            raise QueryError(f"status: expected live, ended or unknown, got “{value}”", position) from None
    elif key == "verdict":
        if value.casefold() not in VERDICTS:
            raise QueryError(f"verdict: expected one of {', '.join(VERDICTS)}, got “{value}”", position)
        value = value.casefold()
    elif key == "cause":
        folded = CAUSE_ALIASES.get(value.casefold(), value.casefold())
        if folded not in CAUSES:
            raise QueryError(f"cause: expected one of {', '.join(CAUSES)}, got “{value}”", position)
        value = folded
    elif key == "rule":
        value = value.upper()
    elif key == "since":
        return Term(key, ":", value, negated, moment=_since(value, now, position))
    elif key == "at":
        return Term(key, ":", value, negated, moment=_at(value, now, position))
    return Term(key, ":", value, negated)


def _example(key: str) -> str:
    return {"since": "2h", "at": "10:05", "status": "live", "verdict": "poor", "cause": "shared"}.get(
        key, "text"
    )


def _since(value: str, now: datetime, position: int) -> datetime:
    match = _SPAN.match(value.strip())
    if match:
        seconds = float(match.group(1)) * _SPAN_SECONDS[match.group(2).lower()]
        if seconds > _MAX_SPAN_S:
            raise QueryError(f"since: {value} reaches back more than 100 years", position)
        return now - timedelta(seconds=seconds)
    return _iso(value, now, position, "since")


def _at(value: str, now: datetime, position: int) -> datetime:
    clock = _CLOCK.match(value.strip())
    if clock is None:
        return _iso(value, now, position, "at")
    hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise QueryError(f"at: {value} is not a time of day", position)
    local_now = fmt.local(now)  # the shown time zone (local, or UTC under --utc)
    moment = datetime.combine(local_now.date(), time(hour, minute, second), tzinfo=local_now.tzinfo)
    if moment > local_now:
        moment -= timedelta(days=1)  # the most recent such time
    return moment.astimezone(UTC)


def _iso(value: str, now: datetime, position: int, key: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise QueryError(
            f"{key}: expected a span like 2h/7d, a time like 10:05 or an ISO date, got “{value}”", position
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=now.tzinfo or UTC)


def moment(value: str, now: datetime, key: str = "at") -> datetime:
    """A point in time as the command line's ``--until``/``--at`` take it: ``HH:MM[:SS]``
    (the most recent such time in the shown zone), a span ago (``2h``, ``3d``) or an ISO
    date/time. Raises :class:`QueryError` (``key`` names the option in its message)."""
    text = value.strip()
    if _SPAN.match(text):
        return _since(text, now, 0)
    if _CLOCK.match(text):
        return _at(text, now, 0)
    return _iso(text, now, 0, key)


# -- matching --------------------------------------------------------------------------------


def matches(query: Query, facts: Facts) -> bool | None:
    """True or False when every term can be decided; None while some term's data is unknown
    (and no decided term already rules the session out)."""
    undecided = False
    for term in query.terms:
        outcome = _decide(term, facts)
        if outcome is None:
            undecided = True
            continue
        if outcome == term.negated:
            return False
    return None if undecided else True


def _decide(term: Term, facts: Facts) -> bool | None:
    session = facts.session
    if term.field is None:
        return _contains(_session_text(session), term.value)
    if term.field in ("provider", "profile", "room", "status"):
        values = {
            "provider": [session.provider],
            "profile": [session.profile],
            "room": [session.room_name or "", session.room_id or ""],
            "status": [str(session.status)],
        }[term.field]
        if term.field == "status":
            return str(session.status) == term.value
        return any(_contains(v, term.value) for v in values)
    if term.field == "since":
        assert term.moment is not None
        return session.started_at is not None and session.started_at >= term.moment
    if term.field == "at":
        assert term.moment is not None
        start, end = session.started_at, session.ended_at
        if start is None:
            return False
        return start <= term.moment and (end is None or term.moment <= end)
    if term.needs is Needs.PARTICIPANTS:
        people = facts.participants
        if people is None:
            return None
        return any(_contains(v, term.value) for p in people for v in _participant_values(p, term.field))
    diagnosis = facts.diagnosis
    if diagnosis is None:
        return None
    if term.field == "verdict":
        return diagnosis.verdict == term.value
    if term.field == "cause":
        return term.value in diagnosis.causes
    if term.field == "rule":
        return any(rule.upper().startswith(term.value) for rule in diagnosis.rules)
    worst = diagnosis.worst.get(term.field)
    if worst is None or term.number is None:
        return False
    return _compare(worst, term.op, term.number)


def _compare(value: float, op: str, number: float) -> bool:
    return {
        ">": value > number,
        ">=": value >= number,
        "<": value < number,
        "<=": value <= number,
        "=": value == number,
    }[op]


def _contains(haystack: str, needle: str) -> bool:
    return needle.casefold() in haystack.casefold()


def _session_text(session: Session) -> str:
    parts = (
        session.id,
        session.name,
        session.room_name or "",
        session.room_id or "",
        str(session.status),
        session.provider,
        session.profile,
    )
    return " ".join(p for p in parts if p)


def _participant_values(p: Participant, name: str | None) -> list[str]:
    network, device = p.network, p.device
    if name == "who":
        return [p.name, p.id, p.user_id or "", p.external_id or ""]
    if name == "net":
        return [network.connection_type or ""] if network else []
    if name in ("isp", "city", "country"):
        if network is None:
            return []
        if name == "isp":
            return [network.isp or "", network.asn or ""]
        return [getattr(network, name) or ""]
    if device is None:
        return []
    return [device.browser or ""] if name == "browser" else [device.os or ""]


# -- facts from a diagnosis ------------------------------------------------------------------

WORST_OF: dict[str, tuple[tuple[str, ...], bool]] = {
    "loss": (("packet_loss_send", "packet_loss_recv"), True),
    "rtt": (("rtt",), True),
    "jitter": (("jitter",), True),
    "mos": (("mos",), False),
}
"""Per metric term: the series it reads (``Metric`` values) and whether higher is worse."""


def diagnosis_facts(
    diagnosis: SessionDiagnosis | None, worst: dict[str, float] | None = None
) -> DiagnosisFacts:
    """What the filter reads of a diagnosis: the worst verdict, the findings' causes (in the
    filter's words) and rule ids, and ``worst`` (per metric term, the worst value any
    participant had, from their quality series)."""
    if diagnosis is None:
        return DiagnosisFacts(worst=dict(worst or {}))
    causes = frozenset(CAUSE_ALIASES.get(f.cause.value, f.cause.value) for f in diagnosis.findings)
    return DiagnosisFacts(
        verdict=diagnosis.worst.value,
        causes=causes,
        rules=frozenset(f.rule for f in diagnosis.findings),
        worst=dict(worst or {}),
    )
