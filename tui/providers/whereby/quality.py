"""Whereby call quality: ``/insights/participant`` gives four series (``packetLossSend``,
``packetLossRecv``, ``bitrateSend``, ``bitrateRecv``) every ``sampleRateMs``.

The API spec states neither units nor the element shape; the series are read defensively
and labelled with the units the Insights dashboard documentation uses (percent, bits per
second) with ``unit_documented=False``. Insights data lags real time by 10-15 minutes
(Whereby's documentation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from roomscope.tui.models import Metric, QualitySeries
from roomscope.tui.providers.base import BadPayloadError
from roomscope.tui.providers.parsing import number, parse_time

DEFAULT_SAMPLE_RATE_MS = 2000.0
"""The Insights dashboard documentation: values are captured every 2 seconds."""
SERIES: tuple[tuple[str, Metric, str], ...] = (
    ("packetLossSend", Metric.LOSS_SEND, "%"),
    ("packetLossRecv", Metric.LOSS_RECV, "%"),
    ("bitrateSend", Metric.BITRATE_SEND, "bps"),
    ("bitrateRecv", Metric.BITRATE_RECV, "bps"),
)
"""Series name, metric, and the unit the Insights dashboard documentation gives it."""
DEFINITIONS: Mapping[str, str] = {
    "packetLossSend": "sending loss is the worst of the participant's outgoing streams",
    "packetLossRecv": "receiving loss as the dashboard defines it",
    "bitrateSend": "sending bitrate is the sum of all outgoing streams",
    "bitrateRecv": "receiving bitrate as the dashboard defines it",
}
"""How Whereby's Insights dashboard documentation defines each series
(whereby/docs ``using-the-insights-dashboard.md``)."""
LOSS_GUIDANCE = (
    "Whereby's Insights dashboard calls packet loss above 3 % sustained a problem; spikes of 2-4 s are normal"
)
"""Shown beside a loss series' verdict (``extra["guidance"]``)."""


VALUE_KEYS = ("value", "v", "y", "val")
TIME_KEYS = ("timestamp", "timeStamp", "time", "t", "ts", "x", "at", "date")


@dataclass
class Point:
    at: float | None
    """Seconds after the item's start when the sample carried its own time."""
    value: float | None


def sample_point(element: Any, start: datetime) -> tuple[Point, bool]:
    """One series element -> (point, readable). Plain numbers, numeric text, ``null`` (a gap),
    ``{value, timestamp}``-like objects and ``[time, value]`` pairs are understood. A relative
    time below 1e8 is taken as milliseconds after the item's start (``sampleRateMs`` is in ms)."""
    if element is None:
        return Point(None, None), True
    raw_time: Any = None
    raw_value: Any = element
    if isinstance(element, Mapping):
        raw_value = next((element[k] for k in VALUE_KEYS if k in element), None)
        raw_time = next((element[k] for k in TIME_KEYS if k in element), None)
        if raw_value is None and not any(k in element for k in VALUE_KEYS):
            numbers = [
                v for k, v in element.items() if k not in TIME_KEYS and number(v, "sample") is not None
            ]
            if len(numbers) != 1:
                return Point(None, None), False
            raw_value = numbers[0]
    elif isinstance(element, (list, tuple)):
        if len(element) == 1:
            raw_value = element[0]
        elif len(element) == 2:
            raw_time, raw_value = element
        else:
            return Point(None, None), False
    if raw_value is None:
        at = relative_time(raw_time, start)
        return Point(at, None), True
    value = number(raw_value, "sample")
    if value is None:
        return Point(None, None), False
    return Point(relative_time(raw_time, start), value), True


def relative_time(raw: Any, start: datetime) -> float | None:
    if raw is None:
        return None
    absolute = parse_time(raw, epochs=True)
    if absolute is not None:
        return (absolute - start).total_seconds()
    relative = number(raw, "milliseconds")
    if relative is not None and 0 <= relative < 1e8:
        return relative / 1000.0
    return None


def quality_series(
    details: list[dict[str, Any]],
    sid: str,
    pid: str,
    fallback_start: datetime | None,
    *,
    provider: str = "whereby",
) -> list[QualitySeries]:
    """The four series of ``/insights/participant``, one per metric across all items.

    One item whose samples carry no times of their own -> a regular series (``interval_s``).
    Several items, or samples with their own times -> an irregular one (``offsets_s``), with a
    gap between items."""
    segments: list[tuple[datetime, float, dict[str, Any]]] = []
    for item in details:
        start = parse_time(item.get("timeStamp"), epochs=True) or fallback_start
        samples = item.get("samples")
        if not isinstance(samples, Mapping):
            continue
        if start is None:
            raise BadPayloadError(
                "Whereby sent quality samples without a usable start time (timeStamp).",
                provider=provider,
                field="timeStamp",
            )
        rate = number(item.get("sampleRateMs"), "interval_ms")
        rate_s = (rate if rate is not None else DEFAULT_SAMPLE_RATE_MS) / 1000.0
        segments.append((start, rate_s, dict(samples)))
    if not segments:
        return []
    origin = min(start for start, _r, _s in segments)
    out: list[QualitySeries] = []
    for key, metric, unit in SERIES:
        runs: list[list[tuple[float, float | None]]] = []
        timed = len(segments) > 1
        unreadable = 0
        for start, rate_s, samples in segments:
            raw = samples.get(key)
            if not isinstance(raw, list) or not raw:
                continue
            shift = (start - origin).total_seconds()
            run: list[tuple[float, float | None]] = []
            for index, element in enumerate(raw):
                point, readable = sample_point(element, start)
                unreadable += not readable
                timed |= point.at is not None
                at = point.at if point.at is not None else index * rate_s
                run.append((shift + at, point.value))
            runs.append(sorted(run, key=lambda p: p[0]))
        if not runs:
            continue
        source = (
            f"Whereby /insights/participant samples.{key}; unit as the Insights dashboard documents it "
            f"(the API does not state units); {DEFINITIONS[key]}"
        )
        guidance = {"guidance": LOSS_GUIDANCE} if unit == "%" else {}
        if unreadable:
            source += f"; {unreadable} unreadable sample(s) shown as gaps"

        def series(
            metric: Metric = metric,
            unit: str = unit,
            source: str = source,
            guidance: dict[str, str] = guidance,
            **shape: Any,
        ) -> QualitySeries:
            return QualitySeries(
                provider=provider,
                session_id=sid,
                participant_id=pid,
                metric=metric,
                unit=unit,
                unit_documented=False,
                source=source,
                start=origin,
                extra=dict(guidance),
                **shape,
            )

        if not timed:
            out.append(series(interval_s=segments[0][1], values=[v for _t, v in runs[0]]))
            continue
        runs.sort(key=lambda r: r[0][0])
        points: list[tuple[float, float | None]] = []
        for run in runs:
            if points:
                points.append(((points[-1][0] + run[0][0]) / 2, None))  # a gap between items
            points.extend(run)
        out.append(series(offsets_s=[max(0.0, t) for t, _v in points], values=[v for _t, v in points]))
    return out
