"""Symptom-first triage: from what a person noticed ("choppy, around 10:05, Alice") to the
sessions, participants and intervals whose findings explain it, best match first.

The symptom words are the vendors' vocabulary (Twilio, Agora, Plivo): each maps to the rules
that explain it, with a weight (1 when the rule is the symptom's direct cause, less when it
explains it only sometimes) and to the metrics whose breach shows it. A finding's score is
that weight, times its severity, times how near its nearest burst is to the asked time, times
whether it names the asked person. No Textual and no store here: the callers (the headless
``triage`` command and the palette) fetch the diagnoses and hand them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from roomscope.tui.diagnosis import RULES, Finding, Person, SessionDiagnosis, Severity, Window
from roomscope.tui.models import Session
from roomscope.tui.symptom_names import symptom_name

NEAR_S = 600.0
"""A burst this far from the asked time scores half of one that covers it."""
WITHIN_S = 3600.0
"""Default: a session is a candidate when it was live within this of the asked time."""
OTHERS = 0.3
"""A finding that does not name the asked person keeps this share of its score (her trouble
may still show in it: a shared event, a sender she listened to)."""
WARN = 0.6
"""A warn finding scores this share of a poor one."""
DIRECT = 0.9
"""A rule of at least this weight explains the symptom; a lighter one may."""
OFF_METRIC = 0.5
"""A finding whose evidence shows none of the symptom's metrics keeps this share (a SHARED
event of RTT alone does not explain 'choppy' the way one of loss does)."""


@dataclass(frozen=True)
class Symptom:
    name: str
    """A name of ``roomscope.tui.symptom_names.SYMPTOM_WORDS`` (which also holds the other
    ways to say it)."""
    summary: str
    rules: Mapping[str, float]
    """Rule id → how directly it explains the symptom (0..1)."""
    metrics: frozenset[str]
    """The metrics whose breach shows the symptom (``roomscope.tui.models.Metric`` values)."""


def _rules(name: str, extra: Mapping[str, float]) -> dict[str, float]:
    """The rules the catalogue says explain ``name`` (weight 1), and ``extra`` ones."""
    weights = {rule.id: 1.0 for rule in RULES if name in rule.symptoms}
    weights.update(extra)
    return weights


SYMPTOMS: tuple[Symptom, ...] = (
    Symptom(
        "choppy",
        "audio or video breaking up: packets lost on the way",
        _rules("choppy", {"SCORE-MOS": 0.6, "CON-CHURN": 0.4, "NET-JIT": 0.4, "OUT-VFREEZE": 0.4}),
        frozenset({"packet_loss_recv", "packet_loss_send"}),
    ),
    Symptom(
        "robotic",
        "voice sounding robotic or metallic: jitter, packets arriving unevenly",
        _rules("robotic", {"SCORE-MOS": 0.6, "NET-LOSS-DN": 0.4, "NET-SPIKE": 0.8}),
        frozenset({"jitter"}),
    ),
    Symptom(
        "lag",
        "replies late, people talking over each other: a long round trip",
        _rules("lag", {"SCORE-MOS": 0.5, "CON-RELAY": 0.6}),
        frozenset({"rtt"}),
    ),
    Symptom(
        "frozen",
        "video stopping or stuck on one frame",
        _rules("frozen", {"CPU-ENC": 0.7, "NET-LOSS-DN": 0.4, "NET-LOSS-UP": 0.4, "CON-CHURN": 0.4}),
        frozenset({"freeze_recv", "fps_send", "bitrate_recv", "bitrate_send"}),
    ),
    Symptom(
        "blurry",
        "video soft or pixelated: the sender's encoder held back (bandwidth or CPU)",
        _rules("blurry", {"NET-LOSS-UP": 0.3}),
        frozenset({"bandwidth_limited", "cpu_limited", "bwe_send", "fps_send"}),
    ),
    Symptom(
        "cant-hear",
        "someone could not be heard: media stopped one way",
        _rules("can't hear", {"NET-LOSS-DN": 0.5, "CON-CHURN": 0.4, "SHARED": 0.3}),
        frozenset({"bitrate_recv", "bitrate_send", "packet_loss_recv"}),
    ),
    Symptom(
        "dropped",
        "someone dropped out of the call and came back (or did not)",
        _rules("dropped", {"NET-NOMEDIA": 0.4, "CON-RELAY": 0.6, "SHARED": 0.5}),
        frozenset(),
    ),
)


def symptom(text: str) -> Symptom:
    """The symptom ``text`` names ('choppy', "can't hear", 'NO AUDIO' ...). Raises
    ValueError naming the valid ones."""
    name = symptom_name(text)
    return next(s for s in SYMPTOMS if s.name == name)


@dataclass(frozen=True)
class Ask:
    """What a person noticed: a symptom, roughly when (None: any time), and who (a name or
    id, None: anyone)."""

    symptom: Symptom
    at: datetime | None = None
    who: str | None = None
    within_s: float = WITHIN_S


@dataclass(frozen=True)
class Match:
    session: Session
    finding: Finding
    score: float
    window: Window
    """The finding's burst nearest to the asked time (its first without one)."""
    person: Person | None
    """The asked person where the finding names her, else the first it is about."""
    why: str
    """'NET-LOSS-DN explains choppy · 2m from the asked time · names Alice'."""


def person_matches(person: Person, who: str) -> bool:
    """``who`` is the person's id, or a part of her name (any case)."""
    needle = who.strip().casefold()
    return bool(needle) and (person.id == who.strip() or needle in person.name.casefold())


def is_candidate(session: Session, ask: Ask, now: datetime) -> bool:
    """Live within ``ask.within_s`` of the asked time (every session without one)."""
    if ask.at is None:
        return True
    start = session.started_at
    if start is None:
        return False
    end = session.ended_at or now
    slack = timedelta(seconds=ask.within_s)
    return start - slack <= ask.at <= end + slack


def _distance_s(window: Window, at: datetime) -> float:
    if window.start <= at <= window.end:
        return 0.0
    return min(abs((window.start - at).total_seconds()), abs((at - window.end).total_seconds()))


def _people(finding: Finding) -> list[Person]:
    seen: dict[str, Person] = {}
    for person in (
        *finding.who,
        *((finding.cause_of,) if finding.cause_of else ()),
        *(p for pair in finding.pairs for p in (pair.receiver, pair.sender)),
    ):
        seen.setdefault(person.id, person)
    return list(seen.values())


def match(ask: Ask, session: Session, finding: Finding) -> Match | None:
    """How well ``finding`` explains what was asked; None when its rule cannot."""
    weight = ask.symptom.rules.get(finding.rule)
    if not weight or not finding.windows:
        return None
    reasons = [f"{finding.rule} {'explains' if weight >= DIRECT else 'may explain'} {ask.symptom.name}"]
    score = weight * (1.0 if finding.severity is Severity.POOR else WARN)
    metrics = {e.metric for e in finding.evidence}
    if ask.symptom.metrics and metrics and not metrics & ask.symptom.metrics:
        score *= OFF_METRIC
        reasons[0] += " only in part"
    window = finding.windows[0]
    if ask.at is not None:
        at = ask.at
        window = min(finding.windows, key=lambda w: _distance_s(w, at))
        distance = _distance_s(window, at)
        score *= 1.0 / (1.0 + (distance / NEAR_S) ** 2)
        reasons.append("at the asked time" if distance == 0 else f"{_span(distance)} from the asked time")
    people = _people(finding)
    person = finding.who[0] if finding.who else (people[0] if people else None)
    if ask.who is not None:
        named = next((p for p in people if person_matches(p, ask.who)), None)
        if named is None:
            score *= OTHERS
        else:
            person = named
            reasons.append(f"names {named.name}")
    # Longer trouble that more people had explains a complaint a little better.
    score += 0.01 * min(1.0, finding.duration_s / NEAR_S) + 0.001 * min(10, len(finding.who))
    return Match(session, finding, round(score, 4), window, person, " · ".join(reasons))


def _span(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{round(seconds)}s" if minutes < 1 else f"{minutes}m"


def rank(ask: Ask, diagnosed: Iterable[tuple[Session, SessionDiagnosis]]) -> list[Match]:
    """Every finding of ``diagnosed`` that explains the symptom, best first (then the latest
    burst). With ``ask.who``, only sessions where someone of that name or id took part."""
    found: list[Match] = []
    for session, diagnosis in diagnosed:
        who = ask.who
        if who is not None and not any(person_matches(v.participant, who) for v in diagnosis.verdicts):
            continue
        for finding in diagnosis.findings:
            hit = match(ask, session, finding)
            if hit is not None:
                found.append(hit)
    found.sort(key=lambda m: (-m.score, -m.window.start.timestamp()))
    return found
