"""Comparing participants: the shared axis, bucketing by the worst value, one scale per
metric, and what differs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roomscope.tui.incident.compare import Compared, axis, bucket, differences, scale
from roomscope.tui.models import Metric, NetworkInfo, Participant, QualitySeries, Session

T0 = datetime(2026, 11, 22, 10, tzinfo=UTC)
SESSION = Session(provider="demo", profile="prod", id="s", name="Call", started_at=T0)


def series(metric: Metric, values: list[float | None], start: datetime = T0) -> QualitySeries:
    return QualitySeries(
        provider="demo",
        session_id="s",
        participant_id="p",
        metric=metric,
        unit="ms",
        start=start,
        interval_s=10,
        values=values,
    )


def person(pid: str, isp: str) -> Participant:
    return Participant(
        provider="demo", session_id="s", id=pid, name=pid, network=NetworkInfo(isp=isp, city="Berlin")
    )


def test_axis_bucket_and_scale() -> None:
    a = Compared(SESSION, person("a", "x"), (series(Metric.RTT, [10, 500, 20, 30]),))
    b = Compared(SESSION, person("b", "x"), (series(Metric.RTT, [40, 50], T0 + timedelta(seconds=60)),))
    span = axis([a, b])
    assert span == (T0, T0 + timedelta(seconds=70))
    cells = bucket(a.series[0], span[0], span[1], 7)
    assert cells[:4] == [10, 500, 20, 30] and cells[4:] == [None, None, None]
    assert scale([a, b], "rtt") == (0.0, 500.0)
    mos = series(Metric.MOS, [4.2, 2.0, 4.0])
    assert bucket(mos, T0, T0 + timedelta(seconds=30), 1) == [2.0]  # lower is worse for MOS
    assert axis([Compared(SESSION, person("c", "x"))]) is None


def test_differences_name_only_what_differs() -> None:
    a = Compared(SESSION, person("a", "Telekom"))
    b = Compared(SESSION, person("b", "Vodafone"))
    found = dict(differences([a, b]))
    assert found == {"network": ["Telekom", "Vodafone"]}
