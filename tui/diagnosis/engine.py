"""``diagnose``: a session's data in, its findings, verdicts and summary out.

It never raises on the session's data: a series it cannot read, a rule that fails on odd
data or an attribution that goes wrong costs that piece only, and is said in a
``CannotSay`` note. Participants with no samples, present under 30 s, or without the
counters a rule reads get a note with the reason, never a silent "good".
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from itertools import chain

from roomscope.tui.diagnosis import catalogue as cat
from roomscope.tui.diagnosis.attribution import SharedEvent, attribute
from roomscope.tui.diagnosis.bursts import Burst, Side, Subject
from roomscope.tui.diagnosis.explain import sentence
from roomscope.tui.diagnosis.findings import (
    CannotSay,
    Cause,
    Evidence,
    Finding,
    Pair,
    ParticipantVerdict,
    Person,
    ProviderScore,
    SessionDiagnosis,
    Severity,
    Unsaid,
    Window,
)
from roomscope.tui.diagnosis.rules import NEEDS, PARTICIPANT_RULES
from roomscope.tui.diagnosis.series import held, read
from roomscope.tui.models import Event, EventKind, Metric, Participant, QualitySeries, Session
from roomscope.tui.quality import THRESHOLDS, Verdict

log = logging.getLogger(__name__)

CORE_METRICS = (Metric.LOSS_SEND, Metric.LOSS_RECV, Metric.JITTER, Metric.RTT)
"""Without one of these, a participant gets no verdict of its own (counters missing); a
provider's score alone is shown beside, not taken for one."""


def diagnose(
    session: Session,
    participants: Sequence[Participant],
    events: Sequence[Event],
    series: Mapping[str, Sequence[QualitySeries]],
    provider_scores: Mapping[str, float] | None = None,
) -> SessionDiagnosis:
    """The findings, per-participant verdicts and notes of one session.

    ``series`` maps a participant id to its series as the provider gave them (per-pair
    series carry ``peer_id``; a MOS series whose ``source`` does not start with
    "estimated" is the provider's own score). ``provider_scores`` is a provider's single
    score per participant on a 1-5 MOS scale, where it gives one instead of a series.
    """
    try:
        return _Diagnosis(session, participants, events, series, provider_scores or {}).run()
    except Exception as exc:  # the last guard: a diagnosis never takes the caller down
        log.exception("diagnosis of session %s failed", session.id)
        note = CannotSay(Unsaid.RULE_FAILED, f"the diagnosis failed ({type(exc).__name__}); nothing judged")
        return SessionDiagnosis(session.id, session.provider, (), (), (note,))


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def _at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


class _Diagnosis:
    def __init__(
        self,
        session: Session,
        participants: Sequence[Participant],
        events: Sequence[Event],
        series: Mapping[str, Sequence[QualitySeries]],
        provider_scores: Mapping[str, float],
    ) -> None:
        self.session = session
        self.participants = participants
        self.events = events
        self.series = series
        self.provider_scores = provider_scores
        self.notes: list[CannotSay] = []
        self.people: dict[str, Person] = {}
        self.subjects: dict[str, Subject] = {}
        self.silenced: dict[str, CannotSay] = {}
        """Participants that get no verdict, and why."""
        self.bursts: list[Burst] = []
        self.scores: dict[str, ProviderScore] = {}

    @property
    def _provider(self) -> str:
        return self.session.provider or "this provider"

    # -- reading -----------------------------------------------------------------------

    def run(self) -> SessionDiagnosis:
        self._people()
        self._subjects()
        self._apply_rules()
        shared = self._attribute()
        self._provider_scores()
        findings = self._findings(shared)
        verdicts = self._verdicts(findings)
        return SessionDiagnosis(
            self.session.id, self.session.provider, tuple(findings), tuple(verdicts), tuple(self.notes)
        )

    def _people(self) -> None:
        for p in self.participants:
            self.people.setdefault(p.id, Person(p.id, p.title))
        for pid in self.series:
            self.people.setdefault(pid, Person(pid, pid))

    def _subjects(self) -> None:
        by_id = {p.id: p for p in self.participants}
        mine: dict[str, list[Event]] = defaultdict(list)
        for e in self.events:
            if e.participant_id is not None and e.at is not None:
                mine[e.participant_id].append(e)
        for pid, person in self.people.items():
            subject = Subject(person)
            self.subjects[pid] = subject
            participant = by_id.get(pid)
            timeline = sorted(mine.get(pid, []), key=lambda e: e.at or datetime.min.replace(tzinfo=UTC))
            try:
                self._timeline(subject, participant, timeline)
            except Exception as exc:
                self.notes.append(
                    CannotSay(Unsaid.RULE_FAILED, f"events unreadable ({type(exc).__name__})", person)
                )
            for raw in self.series.get(pid, ()):
                try:
                    clean, said = read(raw, person)
                except Exception as exc:
                    clean, said = (
                        None,
                        [CannotSay(Unsaid.BAD_SERIES, f"unreadable series ({type(exc).__name__})", person)],
                    )
                subject.notes.extend(said)
                if clean is not None:
                    subject.series.setdefault((clean.metric, clean.peer_id), []).append(clean)
            if not subject.present:
                extents = [
                    (c.t0 if c.offsets is None else c.time(0), c.end)
                    for cs in subject.series.values()
                    for c in cs
                ]
                if extents:
                    subject.present = [(min(a for a, _ in extents), max(b for _, b in extents))]
            silent = self._why_silent(subject, participant)
            if silent is not None:
                self.silenced[pid] = silent

    def _why_silent(self, subject: Subject, participant: Participant | None) -> CannotSay | None:
        """Why ``subject`` gets no verdict from its samples, or None."""
        person = subject.person
        present_s = sum(b - a for a, b in subject.present)
        if participant is not None and participant.duration_s is not None:
            present_s = participant.duration_s
        if subject.present and present_s < cat.MIN_PRESENCE_S:
            return CannotSay(
                Unsaid.SHORT_PRESENCE,
                f"present {present_s:.0f} s, under {cat.MIN_PRESENCE_S:.0f} s: too short to judge",
                person,
            )
        if max(subject.reconnects, len(subject.drops)) >= cat.CHURN[0]:
            return None  # the events alone say something
        if not subject.series:
            said = [n for n in subject.notes if n.reason is not Unsaid.NO_SAMPLES]
            if said:
                return CannotSay(Unsaid.BAD_SERIES, f"no readable samples: {said[0].detail}", person)
            return CannotSay(Unsaid.NO_SAMPLES, f"no samples from {self._provider}", person)
        if not any(subject.get(m.value) for m in CORE_METRICS):
            return CannotSay(
                Unsaid.COUNTERS_MISSING, "counters missing: no loss, jitter or RTT samples", person
            )
        return None

    def _timeline(self, subject: Subject, participant: Participant | None, timeline: Sequence[Event]) -> None:
        joined = _ts(participant.joined_at) if participant else None
        left = _ts(participant.left_at) if participant else None
        end = _ts(self.session.ended_at)
        subject.network = participant.network if participant else None
        subject.reconnects = (participant.reconnects or 0) if participant else 0
        subject.relay = _relay(participant) if participant else ""
        last_leave: float | None = None
        since: float | None = joined
        muted_at: dict[str, float] = {}
        for e in timeline:
            t = _ts(e.at)
            assert t is not None
            if e.kind is EventKind.JOIN:
                since = t if since is None else min(since, t)
            elif e.kind is EventKind.LEAVE:
                if since is not None and t > since:
                    subject.present.append((since, t))
                since = None
                last_leave = t
            elif e.kind is EventKind.RECONNECT:
                subject.drops.append((last_leave if last_leave is not None else t - 1.0, t))
                since, last_leave = t, None
            elif e.kind in (EventKind.MUTE, EventKind.VIDEO_OFF):
                muted_at[e.kind.value] = t
            elif e.kind in (EventKind.UNMUTE, EventKind.VIDEO_ON):
                began = muted_at.pop("mute" if e.kind is EventKind.UNMUTE else "video_off", None)
                if began is not None:
                    subject.muted.append((began, t))
        for began in muted_at.values():
            subject.muted.append((began, left or end or began + 86_400.0))
        if since is not None:
            until = left or end
            if until is not None and until > since:
                subject.present.append((since, until))
        if not subject.present and joined is not None and (left or end):
            subject.present.append((joined, left or end or joined))
        subject.present.sort()
        subject.reconnects = max(subject.reconnects, len(subject.drops))

    # -- rules and attribution -----------------------------------------------------------

    def _apply_rules(self) -> None:
        missing: dict[str, list[Person]] = defaultdict(list)
        judged = 0
        for pid, subject in self.subjects.items():
            if pid in self.silenced and self.silenced[pid].reason is not Unsaid.COUNTERS_MISSING:
                continue
            judged += 1
            for rule_id, rule in PARTICIPANT_RULES:
                needs = NEEDS.get(rule_id)
                if needs and not any(subject.get(m.value) or subject.pairs(m.value) for m in needs):
                    missing[rule_id].append(subject.person)
                    continue
                try:
                    found = rule(subject, self.people)
                except Exception as exc:
                    log.exception("rule %s failed for %s", rule_id, pid)
                    subject.notes.append(
                        CannotSay(
                            Unsaid.RULE_FAILED,
                            f"{rule_id} failed ({type(exc).__name__})",
                            subject.person,
                            rule_id,
                        )
                    )
                    continue
                subject.found.extend(found)
                self.bursts.extend(found)
        for rule_id, people in missing.items():
            needs = NEEDS[rule_id]
            what = " or ".join(m.value for m in needs)
            if len(people) == judged:
                self.notes.append(
                    CannotSay(
                        Unsaid.COUNTERS_MISSING,
                        f"{rule_id} cannot say: no {what} samples from {self._provider}",
                        None,
                        rule_id,
                    )
                )
            else:
                for person in people:
                    self.subjects[person.id].notes.append(
                        CannotSay(
                            Unsaid.COUNTERS_MISSING,
                            f"{rule_id} cannot say: no {what} samples",
                            person,
                            rule_id,
                        )
                    )

    def _attribute(self) -> SharedEvent | None:
        try:
            return attribute(self.bursts, self.subjects)
        except Exception as exc:
            log.exception("attribution failed in session %s", self.session.id)
            self.notes.append(
                CannotSay(Unsaid.RULE_FAILED, f"attribution failed ({type(exc).__name__}): causes unknown")
            )
            for burst in self.bursts:
                burst.owner, burst.shared, burst.cause, burst.cause_of = (
                    None,
                    None,
                    Cause.UNKNOWN,
                    burst.participant,
                )
            return None

    def _provider_scores(self) -> None:
        """SCORE-PROV: the provider's own score read with the MOS thresholds, against
        roomscope's verdict from everything else."""
        threshold = THRESHOLDS[Metric.MOS.value]
        for pid, subject in self.subjects.items():
            silenced = self.silenced.get(pid)
            if silenced is not None and silenced.reason is not Unsaid.COUNTERS_MISSING:
                continue
            try:
                score = self._score_of(subject, threshold.fair or 0.0, threshold.poor or 0.0)
            except Exception as exc:
                subject.notes.append(
                    CannotSay(
                        Unsaid.RULE_FAILED,
                        f"SCORE-PROV failed ({type(exc).__name__})",
                        subject.person,
                        "SCORE-PROV",
                    )
                )
                continue
            if score is None:
                continue
            self.scores[pid] = score
            mine = [b for b in subject.found if b.kept and b.side is not Side.PROVIDER]
            ours = max((b.severity.verdict for b in mine), key=lambda v: v.rank, default=Verdict.GOOD)
            if ours is score.verdict or not any(
                subject.get(m.value) for m in CORE_METRICS if m is not Metric.MOS
            ):
                continue
            start, end = subject.present[0][0], subject.present[-1][1]
            burst = Burst(
                rule="SCORE-PROV",
                participant=subject.person,
                side=Side.PROVIDER,
                metric=Metric.MOS.value,
                label="Provider score",
                unit="",
                condition=f"{score.verdict.value} by the provider vs {ours.value} by roomscope",
                persistence=cat.rule_info("SCORE-PROV").persistence,
                start=start,
                end=max(end, start + 1.0),
                severity=Severity.WARN,
                peak=score.low,
                times=[],
                values=[],
                cause=Cause.UNKNOWN,
                cause_of=subject.person,
                higher_is_worse=False,
                note=f"{score.source}: {score.verdict.value} (low {score.low:.2f}); roomscope: {ours.value}",
            )
            subject.found.append(burst)
            self.bursts.append(burst)

    def _score_of(self, subject: Subject, fair: float, poor: float) -> ProviderScore | None:
        pid = subject.person.id
        theirs = [c for c in subject.get(Metric.MOS.value) if c.provider_score]
        if theirs:
            clean = theirs[0]
            values = [v for v in clean.values if v is not None]
            verdict = Verdict.GOOD
            if held(clean, poor, higher_is_worse=False):
                verdict = Verdict.POOR
            elif held(clean, fair, higher_is_worse=False):
                verdict = Verdict.FAIR
            lows = sorted(values)
            low = lows[min(len(lows) - 1, 2)] if verdict is not Verdict.GOOD else lows[0]
            return ProviderScore(low, statistics.median(values), verdict, clean.source or "provider MOS")
        if pid in self.provider_scores:
            value = float(self.provider_scores[pid])
            verdict = Verdict.POOR if value < poor else Verdict.FAIR if value < fair else Verdict.GOOD
            return ProviderScore(value, value, verdict, f"{self.session.provider or 'provider'} score")
        return None

    # -- findings ------------------------------------------------------------------------

    def _findings(self, shared: SharedEvent | None) -> list[Finding]:
        groups: dict[tuple[object, ...], list[Burst]] = {}
        for burst in self.bursts:
            if not burst.kept:
                continue
            primary = burst.primary()
            if primary.shared is not None:
                key: tuple[object, ...] = ("SHARED",)
            else:
                cause_of = primary.cause_of.id if primary.cause_of else None
                key = (primary.rule, primary.participant.id, primary.cause, cause_of)
            groups.setdefault(key, []).append(burst)
        findings: list[Finding] = []
        counters: dict[tuple[str, str], int] = defaultdict(int)
        for key, members in groups.items():
            try:
                if key == ("SHARED",):
                    assert shared is not None
                    findings.append(self._shared_finding(members, shared))
                    continue
                rule, pid = str(key[0]), str(key[1])
                counters[(rule, pid)] += 1
                findings.append(self._finding(f"{rule}:{pid}:{counters[(rule, pid)]}", members))
            except Exception as exc:
                log.exception("finding %s could not be built", key)
                self.notes.append(
                    CannotSay(Unsaid.RULE_FAILED, f"a {key[0]} finding was lost ({type(exc).__name__})")
                )
        findings.sort(key=lambda f: (-f.severity.rank, -len(f.participant_ids), -f.duration_s, f.start, f.id))
        return findings

    def _finding(self, fid: str, members: list[Burst]) -> Finding:
        primaries = sorted((b for b in members if b.primary() is b), key=lambda b: b.start)
        first = primaries[0]
        cause = first.cause or Cause.UNKNOWN
        peaks = [b.peak for b in primaries]
        connection = None
        if first.cause_of is not None:
            network = self.subjects[first.cause_of.id].network if first.cause_of.id in self.subjects else None
            connection = network.connection_type if network else None
        explanation = sentence(
            rule=first.rule,
            cause=cause,
            cause_of=first.cause_of,
            primaries=primaries,
            members=members,
            connection=connection,
        )
        if first.rule == "SCORE-PROV":
            explanation = (
                f"{first.participant.name}: the provider's score and roomscope disagree ({first.note})."
            )
        return Finding(
            id=fid,
            rule=first.rule,
            title=cat.rule_info(first.rule).name,
            severity=max((b.severity for b in members), key=lambda s: s.rank),
            peak=(max(peaks) if first.higher_is_worse else min(peaks)),
            unit=first.unit,
            windows=self._windows((b.start, b.end) for b in primaries),
            who=(first.participant,),
            pairs=self._pairs(members),
            evidence=self._evidence(members),
            cause=cause,
            cause_of=first.cause_of,
            explanation=explanation,
            ruled_out=tuple(first.ruled_out),
        )

    def _shared_finding(self, members: list[Burst], shared: SharedEvent) -> Finding:
        who = tuple(sorted((self.people[pid] for pid in shared.members), key=lambda p: (p.name, p.id)))
        primaries = [b for b in members if b.shared is not None] or members
        ruled = next((b.ruled_out for b in primaries if b.ruled_out), [])
        return Finding(
            id="SHARED:1",
            rule="SHARED",
            title=cat.rule_info("SHARED").name,
            severity=max((b.severity for b in members), key=lambda s: s.rank),
            peak=None,
            unit="",
            windows=self._windows(shared.windows),
            who=who,
            pairs=self._pairs(members),
            evidence=self._evidence(members),
            cause=Cause.SHARED,
            cause_of=None,
            explanation=sentence(
                rule="SHARED",
                cause=Cause.SHARED,
                cause_of=None,
                primaries=primaries,
                members=members,
                who_count=len(who),
                present=shared.present,
            ),
            ruled_out=tuple(ruled),
        )

    @staticmethod
    def _windows(spans: Iterable[tuple[float, float]]) -> tuple[Window, ...]:
        merged: list[tuple[float, float]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return tuple(Window(_at(a), _at(b)) for a, b in merged)

    def _pairs(self, members: list[Burst]) -> tuple[Pair, ...]:
        seen: dict[tuple[str, str], Pair] = {}
        for burst in members:
            if burst.side is not Side.DOWN:
                continue
            primary = burst.primary()
            sender = burst.peer
            if sender is None and primary.side is Side.UP and primary.participant.id != burst.participant.id:
                sender = primary.participant
            if sender is None or sender.id == burst.participant.id:
                continue
            seen.setdefault((sender.id, burst.participant.id), Pair(sender, burst.participant))
        return tuple(seen.values())

    @staticmethod
    def _evidence(members: list[Burst]) -> tuple[Evidence, ...]:
        merged: dict[tuple[str, str, str, str | None], list[Burst]] = defaultdict(list)
        for burst in members:
            key = (burst.rule, burst.participant.id, burst.metric, burst.peer.id if burst.peer else None)
            merged[key].append(burst)
        out = []
        for found in merged.values():
            first = found[0]
            peaks = [b.peak for b in found]
            out.append(
                Evidence(
                    rule=first.rule,
                    participant=first.participant,
                    metric=first.metric,
                    label=first.label,
                    unit=first.unit,
                    condition=first.condition,
                    persistence=first.persistence,
                    times=tuple(chain.from_iterable(b.times for b in found)),
                    values=tuple(chain.from_iterable(b.values for b in found)),
                    peak=max(peaks) if first.higher_is_worse else min(peaks),
                    peer=first.peer,
                    caveat=first.caveat,
                )
            )
        return tuple(out)

    # -- verdicts ------------------------------------------------------------------------

    def _verdicts(self, findings: list[Finding]) -> list[ParticipantVerdict]:
        out: list[ParticipantVerdict] = []
        trouble_began: dict[str, float] = {}
        for pid, subject in self.subjects.items():
            person = subject.person
            notes = tuple(subject.notes)
            named = tuple(f.id for f in findings if pid in f.participant_ids)
            score = self.scores.get(pid)
            mine = [b for b in subject.found if b.kept and b.side is not Side.PROVIDER]
            silenced = self.silenced.get(pid)
            if silenced is not None:
                notes = (silenced, *notes)
            if not mine:
                if silenced is not None:
                    verdict, reason = Verdict.UNKNOWN, silenced.detail
                else:
                    verdict, reason = Verdict.GOOD, "every rule within thresholds"
                out.append(ParticipantVerdict(person, verdict, None, None, named, reason, notes, score))
                continue
            worst = max(b.severity.rank for b in mine)
            top = min((b for b in mine if b.severity.rank == worst), key=lambda b: b.start)
            trouble_began[pid] = top.start
            primary = top.primary()
            cause = primary.cause or Cause.UNKNOWN
            cause_of = None if cause is Cause.SHARED else primary.cause_of
            verdict = top.severity.verdict
            out.append(
                ParticipantVerdict(
                    person,
                    verdict,
                    cause,
                    cause_of,
                    named,
                    f"{verdict.value}: {top.label} {_level(top)} · " + _cause_words(cause, cause_of, person),
                    notes,
                    score,
                )
            )
        out.sort(
            key=lambda v: (-v.verdict.rank, trouble_began.get(v.participant.id, 0.0), v.participant.name)
        )
        return out


def _level(burst: Burst) -> str:
    """The condition at the burst's own severity: '> 5%' for a poor loss, '> 2%' for a fair one."""
    plain, _, poor = burst.condition.partition(" (poor ")
    return poor.removesuffix(")") if poor and burst.severity is Severity.POOR else plain


def _cause_words(cause: Cause, cause_of: Person | None, me: Person) -> str:
    if cause is Cause.SHARED:
        return "shared"
    if cause_of is None or cause is Cause.UNKNOWN:
        return "cause unknown" if cause is Cause.UNKNOWN else cause.words
    whose = "own" if cause_of.id == me.id else f"of {cause_of.name}"
    if cause is Cause.ROUTE:
        return "route" if whose == "own" else f"route {whose}"
    return f"{whose} {cause.words}" if whose == "own" else f"{cause.words} {whose}"


def _relay(participant: Participant) -> str:
    """Words saying the participant's path was relayed or TCP, or ''."""
    network = participant.network
    if network is not None and network.connection_type:
        kind = network.connection_type.lower()
        if any(word in kind for word in cat.RELAY_WORDS):
            return network.connection_type
    for key in ("candidate_type", "ice_candidate_type", "connection_type", "transport", "protocol", "relay"):
        value = participant.extra.get(key)
        if value is True:
            return key
        if isinstance(value, str) and any(word in value.lower() for word in cat.RELAY_WORDS):
            return value
    return ""
