"""What a diagnosis says: findings, causes, evidence, verdicts and "cannot say" notes.

Every type here is a frozen dataclass of plain values (strings, numbers, timezone-aware
datetimes, tuples), so the UI, the headless commands and a cache can use them as they are.
Names of people are the provider's display names: untrusted text, to be escaped by whoever
shows them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum

from roomscope.tui.quality import Verdict, format_duration


class Severity(StrEnum):
    """How bad a finding is: ``warn`` (the fair threshold held) or ``poor``."""

    WARN = "warn"
    POOR = "poor"

    @property
    def rank(self) -> int:
        return 2 if self is Severity.POOR else 1

    @property
    def verdict(self) -> Verdict:
        return Verdict.POOR if self is Severity.POOR else Verdict.FAIR


class Cause(StrEnum):
    """Where the trouble came from (section 5 of the triage notes, cause codes U D S X C H)."""

    UPLINK = "uplink"
    """A sender's network on the way to the media server (U)."""
    DOWNLINK = "downlink"
    """A receiver's network on the way from the media server (D)."""
    SHARED = "shared"
    """Most participants at once: the SFU, the provider or a region (S)."""
    ROUTE = "route"
    """High round trip with clean loss and jitter: distance, satellite, VPN exit (S/route)."""
    CONNECTIVITY = "connectivity"
    """Reconnects, relayed (TURN/TCP) paths, network switches (X)."""
    DEVICE_CPU = "device_cpu"
    """The participant's device could not keep up (C)."""
    USER_ACTION = "user_action"
    """Mute, camera off, a reload (H)."""
    UNKNOWN = "unknown"

    @property
    def words(self) -> str:
        """'device CPU', 'user action' ..."""
        return _CAUSE_WORDS[self]


_CAUSE_WORDS = {
    Cause.UPLINK: "uplink",
    Cause.DOWNLINK: "downlink",
    Cause.SHARED: "shared",
    Cause.ROUTE: "route",
    Cause.CONNECTIVITY: "connectivity",
    Cause.DEVICE_CPU: "device CPU",
    Cause.USER_ACTION: "user action",
    Cause.UNKNOWN: "unknown",
}


class Unsaid(StrEnum):
    """Why something cannot be said."""

    NO_SAMPLES = "no_samples"
    """The provider gave no samples (of anything, or of the metric a rule needs)."""
    SHORT_PRESENCE = "short_presence"
    """The participant was present under 30 s."""
    MUTED = "muted"
    """Silence or a stopped stream while muted or with the camera off is not a fault."""
    COUNTERS_MISSING = "counters_missing"
    """The provider does not report what the rule reads."""
    BAD_SERIES = "bad_series"
    """A series that cannot be read as it is: unsorted, mismatched, out of range, unknown unit."""
    REPAIRED = "repaired"
    """A series read with some samples set aside (NaN, negative, duplicated): said, not hidden."""
    RULE_FAILED = "rule_failed"
    """A rule met data it could not handle; the rest of the diagnosis stands."""


@dataclass(frozen=True)
class Person:
    id: str
    name: str


@dataclass(frozen=True)
class Pair:
    """Media from ``sender`` as received by ``receiver``."""

    sender: Person
    receiver: Person


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime

    @property
    def duration_s(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())


@dataclass(frozen=True)
class Sample:
    at: datetime
    value: float


@dataclass(frozen=True)
class Evidence:
    """The samples of one series that breached, and the rule they breached."""

    rule: str
    participant: Person
    metric: str
    """A ``roomscope.tui.models.Metric`` value ('packet_loss_send' ...)."""
    label: str
    """'Packet loss (send)'."""
    unit: str
    condition: str
    """'> 5%', '< 3.5', '≥ 3× the first 5 s (and ≥ 150 ms)'."""
    persistence: str
    """'3 of 5 consecutive samples' ..."""
    times: tuple[float, ...]
    """When each breaching sample was taken (epoch seconds; ``samples`` has datetimes)."""
    values: tuple[float, ...]
    peak: float
    peer: Person | None = None
    """For a per-pair series: the other end (the sender, for a receive metric)."""
    caveat: str = ""
    """What to keep in mind (a unit the provider does not document ...)."""

    @property
    def samples(self) -> tuple[Sample, ...]:
        """The breaching samples (built on demand: a long finding has thousands)."""
        return tuple(
            Sample(datetime.fromtimestamp(t, UTC), v) for t, v in zip(self.times, self.values, strict=True)
        )


@dataclass(frozen=True)
class RuledOut:
    cause: Cause
    reason: str


@dataclass(frozen=True)
class Finding:
    """One thing that went wrong, who it hit, when, why, and how we know."""

    id: str
    """Stable within one diagnosis: '<rule>:<participant id>:<n>' or 'SHARED:<n>'."""
    rule: str
    """A rule id of ``roomscope.tui.diagnosis.RULES`` ('NET-LOSS-UP' ...)."""
    title: str
    severity: Severity
    peak: float | None
    """The worst value of the rule's own metric (max, or min where lower is worse)."""
    unit: str
    windows: tuple[Window, ...]
    """Separate bursts stay separate, oldest first."""
    who: tuple[Person, ...]
    """The participants the finding is about (one, or every one of a shared event)."""
    pairs: tuple[Pair, ...]
    """Sender → receiver pairs where per-pair data shows the trouble."""
    evidence: tuple[Evidence, ...]
    cause: Cause
    cause_of: Person | None
    """Whose uplink/downlink/route/device/connection it is (None for shared and unknown)."""
    explanation: str
    """One plain sentence: what happened and why."""
    ruled_out: tuple[RuledOut, ...] = ()

    @property
    def start(self) -> datetime:
        return self.windows[0].start

    @property
    def end(self) -> datetime:
        return max(w.end for w in self.windows)

    @property
    def duration_s(self) -> float:
        return sum(w.duration_s for w in self.windows)

    @property
    def participant_ids(self) -> frozenset[str]:
        """Everyone this finding names: who, the cause's owner and both ends of its pairs."""
        ids = {p.id for p in self.who}
        if self.cause_of is not None:
            ids.add(self.cause_of.id)
        for pair in self.pairs:
            ids.update((pair.sender.id, pair.receiver.id))
        return frozenset(ids)

    def short_cause(self, tz: tzinfo = UTC) -> str:
        """'shared 20:55', 'uplink Jamal 09:50', 'route Farah (RTT 710)', 'reconnects ×6 Björn'."""
        at = self.start.astimezone(tz).strftime("%H:%M")
        who = _short_name(self.cause_of.name) if self.cause_of else ""
        if self.cause is Cause.SHARED:
            return f"shared {at}"
        if self.rule == "CON-CHURN" and self.peak is not None:
            return f"reconnects ×{self.peak:g} {who}".rstrip()
        if self.cause is Cause.ROUTE and self.peak is not None and self.unit == "ms":
            return f"route {who} (RTT {self.peak:.0f})"
        if self.cause is Cause.UNKNOWN:
            return f"{self.rule} {who} {at}".replace("  ", " ")
        return f"{self.cause.words} {who} {at}".replace("  ", " ")


@dataclass(frozen=True)
class CannotSay:
    """Something the diagnosis could not judge, and why. ``participant`` None: the whole
    session; ``rule`` None: every rule; ``metric`` None: not about one series."""

    reason: Unsaid
    detail: str
    participant: Person | None = None
    rule: str | None = None
    metric: str | None = None


@dataclass(frozen=True)
class ProviderScore:
    """The provider's own quality score for a participant, beside roomscope's verdict."""

    low: float
    """The worst (lowest) held value of the provider's score."""
    typical: float
    """Its median."""
    verdict: Verdict
    """The provider's score read with roomscope's MOS thresholds."""
    source: str


@dataclass(frozen=True)
class ParticipantVerdict:
    participant: Person
    verdict: Verdict
    """Worst severity of this participant's own measurements (UNKNOWN: cannot say)."""
    cause: Cause | None
    cause_of: Person | None
    finding_ids: tuple[str, ...]
    """Findings that name this participant (who, cause or pair), worst first."""
    reason: str
    """'poor: Packet loss (recv) > 5% · uplink of Jamal García', 'no samples from this provider'."""
    cannot_say: tuple[CannotSay, ...] = ()
    provider_score: ProviderScore | None = None


@dataclass(frozen=True)
class SessionDiagnosis:
    session_id: str
    provider: str
    findings: tuple[Finding, ...]
    """Worst first: severity, then how many people, then how long."""
    verdicts: tuple[ParticipantVerdict, ...]
    """One per participant, worst first."""
    notes: tuple[CannotSay, ...]
    """What could not be said about the session as a whole."""

    @property
    def worst(self) -> Verdict:
        judged = [v.verdict for v in self.verdicts]
        return max(judged, key=lambda v: v.rank) if judged else Verdict.UNKNOWN

    @property
    def poor(self) -> int:
        return sum(1 for v in self.verdicts if v.verdict is Verdict.POOR)

    @property
    def fair(self) -> int:
        return sum(1 for v in self.verdicts if v.verdict is Verdict.FAIR)

    @property
    def judged(self) -> int:
        """Participants with a verdict (not UNKNOWN)."""
        return sum(1 for v in self.verdicts if v.verdict is not Verdict.UNKNOWN)

    @property
    def top(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    def verdict_of(self, participant_id: str) -> ParticipantVerdict | None:
        return next((v for v in self.verdicts if v.participant.id == participant_id), None)

    def findings_for(self, participant_id: str) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if participant_id in f.participant_ids)

    @property
    def summary(self) -> str:
        """The one-line summary with times in UTC (``summary_line`` for another zone)."""
        return self.summary_line(UTC)

    def summary_line(self, tz: tzinfo = UTC) -> str:
        """'● 8/8 poor · shared 20:55', '◐ 2/7 fair · downlink Ines 08:41', '○ 5/5 good',
        '? no samples from this provider'."""
        total = len(self.verdicts)
        worst = self.worst
        if worst is Verdict.UNKNOWN:
            why = next((v.reason for v in self.verdicts if v.reason), "")
            if not why:
                why = self.notes[0].detail if self.notes else "no participants"
            return f"? {why}"
        if worst is Verdict.GOOD:
            return f"○ {self.judged}/{total} good"
        count = self.poor if worst is Verdict.POOR else self.fair
        line = f"{_SYMBOL[worst]} {count}/{total} {worst.value}"
        top = self.top
        return f"{line} · {top.short_cause(tz)}" if top is not None else line


_SYMBOL = {Verdict.POOR: "●", Verdict.FAIR: "◐", Verdict.GOOD: "○", Verdict.UNKNOWN: "?"}


def _short_name(name: str) -> str:
    """The first word of a display name, at most 16 characters ('Jamal', '佐藤')."""
    first = name.split()[0] if name.split() else name
    return first[:16]


def format_window(window: Window, tz: tzinfo = UTC) -> str:
    """'10:05:11–10:08:15 (3m04s)'."""
    a = window.start.astimezone(tz).strftime("%H:%M:%S")
    b = window.end.astimezone(tz).strftime("%H:%M:%S")
    return f"{a}–{b} ({format_duration(window.duration_s)})"
