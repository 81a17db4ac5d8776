"""Participants side by side: their metrics on one time axis and what sets them apart.

:func:`axis` is the shared span of every compared participant's series; :func:`bucket`
reads one series onto that axis ``cells`` wide (the worst value of each cell, by the
metric's direction); :func:`scale` is one scale per metric across everyone, so the same
height means the same value in every row; :func:`differences` lists what differs between
the participants (provider, session, network, device, place, verdict, findings).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from roomscope.tui.quality import THRESHOLDS

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Participant, QualitySeries, Session

METRICS = ("packet_loss_recv", "packet_loss_send", "jitter", "rtt", "mos", "bitrate_recv")
"""What the Compare view aligns, in this order."""


@dataclass(frozen=True)
class Compared:
    """One marked participant with what the view shows of them."""

    session: Session
    participant: Participant
    series: tuple[QualitySeries, ...] = ()
    diagnosis: SessionDiagnosis | None = None
    note: str = ""
    """Why there are no series (the provider's sentence)."""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.session.profile, self.session.id, self.participant.id)

    def metric(self, metric: str) -> QualitySeries | None:
        return next((s for s in self.series if s.metric.value == metric and s.peer_id is None), None)


def lower_is_worse(metric: str) -> bool:
    threshold = THRESHOLDS.get(metric)
    return threshold is not None and not threshold.higher_is_worse


def axis(items: Sequence[Compared]) -> tuple[datetime, datetime] | None:
    """The span covering every compared series (None: no samples at all)."""
    starts: list[float] = []
    ends: list[float] = []
    for item in items:
        for s in item.series:
            if not s.values:
                continue
            starts.append(s.start.timestamp())
            ends.append(s.start.timestamp() + s.offset(len(s.values) - 1))
    if not starts:
        return None
    from datetime import UTC

    lo, hi = min(starts), max(ends)
    if hi <= lo:
        hi = lo + 1
    return datetime.fromtimestamp(lo, UTC), datetime.fromtimestamp(hi, UTC)


def bucket(series: QualitySeries, start: datetime, end: datetime, cells: int) -> list[float | None]:
    """``series`` read onto ``cells`` cells from ``start`` to ``end``: the worst value of each."""
    out: list[float | None] = [None] * cells
    if cells <= 0:
        return out
    lo = start.timestamp()
    width = (end.timestamp() - lo) / cells
    worse_low = lower_is_worse(series.metric.value)
    base = series.start.timestamp()
    for i, value in enumerate(series.values):
        if value is None or not math.isfinite(value):
            continue
        cell = int((base + series.offset(i) - lo) / width) if width > 0 else 0
        if 0 <= cell < cells:
            current = out[cell]
            if current is None or (value < current if worse_low else value > current):
                out[cell] = value
    return out


def scale(items: Sequence[Compared], metric: str) -> tuple[float, float]:
    """(low, high) of ``metric`` across everyone, the poor threshold included when it is set."""
    values = [
        v
        for item in items
        if (s := item.metric(metric)) is not None
        for v in s.values
        if v is not None and math.isfinite(v)
    ]
    threshold = THRESHOLDS.get(metric)
    if threshold is not None and threshold.poor is not None:
        values.append(threshold.poor)
    if not values:
        return (0.0, 1.0)
    low, high = min(0.0, min(values)), max(values)
    return (low, high if high > low else low + 1.0)


def differences(items: Sequence[Compared]) -> list[tuple[str, list[str]]]:
    """(what, one value per participant) for each property on which they differ."""

    def network(p: Participant) -> str:
        n = p.network
        return " · ".join(x for x in ((n.connection_type, n.isp, n.asn) if n else ()) if x) or "—"

    def device(p: Participant) -> str:
        d = p.device
        return " · ".join(x for x in ((d.browser, d.os, d.device_type) if d else ()) if x) or "—"

    def place(p: Participant) -> str:
        n = p.network
        return ", ".join(x for x in ((n.city, n.country) if n else ()) if x) or "—"

    def verdict(item: Compared) -> str:
        found = item.diagnosis.verdict_of(item.participant.id) if item.diagnosis is not None else None
        return found.reason if found is not None else "unknown"

    def findings(item: Compared) -> str:
        if item.diagnosis is None:
            return "—"
        rules = [f.rule for f in item.diagnosis.findings_for(item.participant.id)]
        return ", ".join(dict.fromkeys(rules)) or "none"

    rows = [
        ("provider", [f"{i.session.profile} ({i.session.provider})" for i in items]),
        ("session", [i.session.title for i in items]),
        ("network", [network(i.participant) for i in items]),
        ("device", [device(i.participant) for i in items]),
        ("location", [place(i.participant) for i in items]),
        ("verdict", [verdict(i) for i in items]),
        ("findings", [findings(i) for i in items]),
    ]
    return [(what, values) for what, values in rows if len(set(values)) > 1]
