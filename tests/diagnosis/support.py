"""Builders for synthetic sessions: participants, series with bursts, events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from roomscope.tui.diagnosis import SessionDiagnosis, diagnose
from roomscope.tui.diagnosis.series import CANONICAL
from roomscope.tui.models import (
    Event,
    EventKind,
    Metric,
    NetworkInfo,
    Participant,
    QualitySeries,
    Session,
    SessionStatus,
)

T0 = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)
STEP = 2.0
N = 300
"""Samples per synthetic series: 10 minutes at 2 s."""
CLEAN: dict[Metric, float] = {
    Metric.LOSS_SEND: 0.4,
    Metric.LOSS_RECV: 0.3,
    Metric.JITTER: 5.0,
    Metric.RTT: 40.0,
    Metric.BITRATE_SEND: 900.0,
    Metric.BITRATE_RECV: 2000.0,
}
"""A healthy participant's values."""


def at(index: int) -> datetime:
    """When sample ``index`` of a synthetic series was taken."""
    return T0 + timedelta(seconds=index * STEP)


def burst(base: float, *stretches: tuple[int, int, float], n: int = N) -> list[float | None]:
    """``n`` samples of ``base`` with ``(start, length, value)`` stretches."""
    values: list[float | None] = [base] * n
    for start, length, value in stretches:
        values[start : start + length] = [value] * length
    return values


def series(
    pid: str,
    metric: Metric,
    values: Sequence[float | None],
    *,
    unit: str | None = None,
    peer: str | None = None,
    offsets: list[float] | None = None,
    documented: bool = True,
    source: str = "",
    start: datetime = T0,
) -> QualitySeries:
    return QualitySeries(
        provider="demo",
        session_id="s-1",
        participant_id=pid,
        metric=metric,
        unit=CANONICAL[metric] if unit is None else unit,
        unit_documented=documented,
        source=source,
        start=start,
        interval_s=None if offsets is not None else STEP,
        offsets_s=offsets,
        values=list(values),
        peer_id=peer,
    )


def healthy(pid: str, **changed: Sequence[float | None]) -> list[QualitySeries]:
    """A participant's six network series, clean unless ``changed`` (keyed by metric value)."""
    out = []
    for metric, value in CLEAN.items():
        values = changed.get(metric.value, [value] * N)
        out.append(series(pid, metric, values))
    for name, values in changed.items():
        if Metric(name) not in CLEAN:
            out.append(series(pid, Metric(name), values))
    return out


def participant(
    pid: str, *, minutes: float = 10.0, connection: str | None = "wifi", **fields: object
) -> Participant:
    return Participant(
        provider="demo",
        session_id="s-1",
        id=pid,
        name=str(fields.pop("name", f"Person {pid}")),
        joined_at=T0,
        left_at=T0 + timedelta(minutes=minutes),
        duration_s=minutes * 60,
        network=NetworkInfo(connection_type=connection),
        **fields,  # type: ignore[arg-type]
    )


def session(minutes: float = 10.0) -> Session:
    return Session(
        provider="demo",
        id="s-1",
        name="Synthetic",
        status=SessionStatus.ENDED,
        started_at=T0,
        ended_at=T0 + timedelta(minutes=minutes),
        duration_s=minutes * 60,
    )


def event(pid: str | None, kind: EventKind, seconds: float, n: int = 0) -> Event:
    return Event(
        provider="demo",
        session_id="s-1",
        id=f"e-{kind.value}-{seconds}-{n}",
        at=T0 + timedelta(seconds=seconds),
        kind=kind,
        participant_id=pid,
    )


def run(
    series_by: Mapping[str, list[QualitySeries]],
    *,
    people: Sequence[Participant] | None = None,
    events: Sequence[Event] = (),
    scores: Mapping[str, float] | None = None,
) -> SessionDiagnosis:
    if people is None:
        people = [participant(pid) for pid in series_by]
    return diagnose(session(), list(people), list(events), dict(series_by), scores)
