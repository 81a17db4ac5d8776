"""The working material between the rules and the findings.

A rule turns one participant's data (``Subject``) into ``Burst``s: one held breach of one
series, with its samples. Attribution then gives each burst a cause, or folds it into
another burst that explains it; the engine groups bursts into findings. Times are epoch
seconds here; the findings carry datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from roomscope.tui.diagnosis.findings import CannotSay, Cause, Person, RuledOut, Severity
from roomscope.tui.diagnosis.series import Clean
from roomscope.tui.models import NetworkInfo


class Side(StrEnum):
    """Which part of the path a burst measures; attribution reads causes from it."""

    UP = "up"
    """What the participant sends (send loss, bandwidth estimate, bandwidth limitation)."""
    DOWN = "down"
    """What the participant receives (receive loss, jitter)."""
    RTT = "rtt"
    MEDIA_UP = "media_up"
    MEDIA_DOWN = "media_down"
    CPU = "cpu"
    CHURN = "churn"
    RELAY = "relay"
    SYMPTOM = "symptom"
    """An outcome (video freeze) whose cause lies elsewhere."""
    SCORE = "score"
    PROVIDER = "provider"


NETWORK_SIDES = frozenset({Side.UP, Side.DOWN, Side.RTT, Side.MEDIA_UP, Side.MEDIA_DOWN, Side.CHURN})
"""The sides that count towards a shared event."""


@dataclass
class Burst:
    rule: str
    participant: Person
    side: Side
    metric: str
    label: str
    unit: str
    condition: str
    persistence: str
    start: float
    end: float
    severity: Severity
    peak: float
    times: list[float]
    """When each sample that breached was taken (epoch seconds) ..."""
    values: list[float]
    """... and its value."""
    peer: Person | None = None
    higher_is_worse: bool = True
    caveat: str = ""
    # -- set by attribution --
    cause: Cause | None = None
    cause_of: Person | None = None
    owner: Burst | None = None
    """The burst this one is folded into (it explains this one)."""
    shared: int | None = None
    """The shared window this burst belongs to (index), if any."""
    ruled_out: list[RuledOut] = field(default_factory=list)
    note: str = ""
    """Words attribution adds to the explanation ('around a reconnect' ...)."""
    kept: bool = True
    """False: attribution judged it no finding (a relayed path without trouble)."""

    def overlaps(self, start: float, end: float) -> bool:
        return self.start < end and start < self.end

    def overlap_s(self, start: float, end: float) -> float:
        return max(0.0, min(self.end, end) - max(self.start, start))

    @property
    def duration_s(self) -> float:
        return self.end - self.start

    def primary(self) -> Burst:
        burst = self
        seen = 0
        while burst.owner is not None and seen < 50:
            burst = burst.owner
            seen += 1
        return burst


@dataclass
class Subject:
    """Everything known about one participant, read and checked."""

    person: Person
    series: dict[tuple[str, str | None], list[Clean]] = field(default_factory=dict)
    """By (metric, peer id); most keys hold one series."""
    present: list[tuple[float, float]] = field(default_factory=list)
    """When the participant was connected (epoch seconds)."""
    drops: list[tuple[float, float]] = field(default_factory=list)
    """(left, back) of each reconnect."""
    reconnects: int = 0
    muted: list[tuple[float, float]] = field(default_factory=list)
    """When its microphone or camera was off."""
    network: NetworkInfo | None = None
    relay: str = ""
    """What says its path was relayed ('connection_type relay' ...), or ''."""
    found: list[Burst] = field(default_factory=list)
    """What the rules found so far (rules that run later may read it)."""
    notes: list[CannotSay] = field(default_factory=list)

    def get(self, metric: str, peer: str | None = None) -> list[Clean]:
        return self.series.get((metric, peer), [])

    def first(self, metric: str, peer: str | None = None) -> Clean | None:
        found = self.series.get((metric, peer))
        return found[0] if found else None

    def pairs(self, metric: str) -> list[Clean]:
        return [c for (m, peer), found in self.series.items() if m == metric and peer for c in found]

    def is_muted(self, start: float, end: float) -> bool:
        return any(a <= start and end <= b + 2.0 for a, b in self.muted)

    def present_at(self, t: float) -> bool:
        return any(a <= t < b for a, b in self.present)
