"""Call-quality maths: thresholds, summaries, the MOS estimate and verdicts.

Every threshold lives here (``THRESHOLDS``). A metric is *poor* (or *fair*) when it breaches
its threshold in at least ``HOLD_COUNT`` of ``HOLD_WINDOW`` consecutive samples, so one bad
sample does not condemn a call. The participant's verdict is the worst of its metrics and
names the metric that tripped it first, when, and for how long.

MOS is estimated from RTT, jitter and packet loss with the simplified E-model
(ITU-T G.107 as popularised by Twilio, NetBeez and PingPlotter, R0 = 93.2)::

    EL  = RTT + 2*jitter + 10                       (effective latency, ms)
    R   = 93.2 - EL/40           if EL < 160
          93.2 - (EL - 120)/10   otherwise
    R  -= 2.5 * loss%
    MOS = 1 + 0.035*R + 7e-6*R*(R - 60)*(100 - R)   (R <= 0 gives 1; clamped to 1..4.5)

The loss fed to the estimate is the worse of send and receive loss at that sample.

Nothing here raises on any float: a sample that is not finite (infinity, NaN) is a gap,
sums cannot overflow, an offset that is not finite or beyond ``MAX_OFFSET_S`` is clamped,
and a moment that no datetime can hold is left unknown.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import math
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from roomscope.tui.models import QualitySeries


class Verdict(StrEnum):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        return {"poor": 3, "fair": 2, "good": 1, "unknown": 0}[self.value]


HOLD_WINDOW = 5
"""Samples in the sliding window a breach must hold in."""
HOLD_COUNT = 3
"""Breaching samples within ``HOLD_WINDOW`` that make a held breach."""
MAX_OFFSET_S = 10 * 366 * 86_400.0
"""A sample further than this from its series' start is placed at this offset."""
_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Threshold:
    label: str
    unit: str
    poor: float | None
    fair: float | None
    higher_is_worse: bool = True

    def breaches(self, value: float, level: float) -> bool:
        return value > level if self.higher_is_worse else value < level

    def condition(self, level: float) -> str:
        """'> 5%', '> 400 ms', '< 3.5'."""
        sign = ">" if self.higher_is_worse else "<"
        unit = self.unit if self.unit in ("", "%") else f" {self.unit}"
        return f"{sign} {level:g}{unit}"

    def describe(self, level: float) -> str:
        """'Packet loss (recv) > 5%'."""
        return f"{self.label} {self.condition(level)}"


def _metric_thresholds() -> dict[str, Threshold]:
    return {
        "packet_loss_send": Threshold("Packet loss (send)", "%", poor=5.0, fair=2.0),
        "packet_loss_recv": Threshold("Packet loss (recv)", "%", poor=5.0, fair=2.0),
        "jitter": Threshold("Jitter", "ms", poor=30.0, fair=20.0),
        "rtt": Threshold("RTT", "ms", poor=400.0, fair=250.0),
        "mos": Threshold("MOS", "", poor=3.5, fair=4.0, higher_is_worse=False),
        "bitrate_send": Threshold("Bitrate (send)", "kbps", poor=None, fair=None),
        "bitrate_recv": Threshold("Bitrate (recv)", "kbps", poor=None, fair=None),
        "fps": Threshold("Frame rate", "fps", poor=None, fair=None, higher_is_worse=False),
        "fps_send": Threshold("Frame rate (send)", "fps", poor=None, fair=None, higher_is_worse=False),
        "cpu_limited": Threshold("CPU-limited (send)", "%", poor=50.0, fair=0.0),
        "bandwidth_limited": Threshold("Bandwidth-limited (send)", "%", poor=50.0, fair=0.0),
        "bwe_send": Threshold(
            "Bandwidth estimate (send)", "kbps", poor=100.0, fair=None, higher_is_worse=False
        ),
        "freeze_recv": Threshold("Video freeze (recv)", "%", poor=30.0, fair=5.0),
        # Client statistics only (imported browser dumps). Concealment has no published
        # cut-off (triage notes, OUT-AFREEZE): shown, never a verdict. The path and ICE
        # series are states read by CON-RELAY, CON-SWITCH and CON-ICE, not held levels.
        "concealment_recv": Threshold("Audio concealed (recv)", "%", poor=None, fair=None),
        "relay_path": Threshold("Relayed or TCP path", "", poor=None, fair=None),
        "path_switch": Threshold("Candidate-pair switch", "", poor=None, fair=None),
        "ice_state": Threshold("ICE state (1 disconnected, 2 failed)", "", poor=None, fair=None),
    }


THRESHOLDS: dict[str, Threshold] = _metric_thresholds()
"""Keyed by ``Metric`` value. ``poor``/``fair`` of ``None``: the metric never sets a verdict."""

METRIC_ORDER: tuple[str, ...] = (
    "packet_loss_send",
    "packet_loss_recv",
    "bitrate_send",
    "bitrate_recv",
    "jitter",
    "rtt",
    "mos",
    "fps",
    "fps_send",
    "cpu_limited",
    "bandwidth_limited",
    "bwe_send",
    "freeze_recv",
    "concealment_recv",
    "relay_path",
    "path_switch",
    "ice_state",
)


def mos_estimate(rtt_ms: float, jitter_ms: float, loss_pct: float) -> float:
    """The simplified E-model MOS estimate (see the module docstring)."""
    effective = rtt_ms + 2.0 * jitter_ms + 10.0
    if effective < 160.0:
        r = 93.2 - effective / 40.0
    else:
        r = 93.2 - (effective - 120.0) / 10.0
    r -= 2.5 * loss_pct
    if r <= 0.0:
        return 1.0
    mos = 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r)
    return min(4.5, max(1.0, mos))


# ---------------------------------------------------------------------------------------
# Summaries


@dataclass(frozen=True)
class Stats:
    count: int
    min: float
    avg: float
    p95: float
    max: float


def summarize(values: Iterable[float | None]) -> Stats | None:
    """min/avg/p95/max over the finite values (p95 by nearest rank)."""
    data = sorted(v for v in values if v is not None and math.isfinite(v))
    if not data:
        return None
    n = len(data)
    rank = max(0, math.ceil(0.95 * n) - 1)
    try:
        avg = math.fsum(data) / n
    except OverflowError:  # finite samples whose sum is not: divide first
        avg = math.fsum(v / n for v in data)
    return Stats(count=n, min=data[0], avg=avg, p95=data[rank], max=data[-1])


def held_mask(values: Sequence[float | None], breach: Callable[[float], bool]) -> list[bool]:
    """True at each sample that closes a window of ``HOLD_WINDOW`` samples holding
    at least ``HOLD_COUNT`` breaches; such a window marks all its breaching samples."""
    # inf and NaN are gaps, not breaches
    hits = [i for i, v in enumerate(values) if v is not None and math.isfinite(v) and breach(v)]
    held = [False] * len(values)
    for i in held_indices(hits):
        held[i] = True
    return held


def held_indices(hits: Sequence[int]) -> list[int]:
    """The breaches (sorted sample indices) that are held: those lying in a window of
    ``HOLD_WINDOW`` consecutive samples with at least ``HOLD_COUNT`` breaches, i.e. among
    ``HOLD_COUNT`` successive breaches less than ``HOLD_WINDOW`` samples apart end to end.
    (Written with C-level maps: a long stretch of breaches costs little.)"""
    need = HOLD_COUNT
    if len(hits) < need:
        return []
    if hits[-1] - hits[0] == len(hits) - 1:
        return list(hits)  # one unbroken stretch of breaches
    # starts[k]: the breaches k .. k+need-1 fit in one window
    starts = list(map(HOLD_WINDOW.__gt__, map(operator.sub, itertools.islice(hits, need - 1, None), hits)))
    pad = [False] * (need - 1)
    covered = starts + pad
    for shift in range(1, need):  # breach j is held if a run starting at j-shift holds
        covered = list(map(operator.or_, covered, pad[:shift] + starts + pad[: need - 1 - shift]))
    return list(itertools.compress(hits, covered))


@dataclass(frozen=True)
class Episode:
    """A stretch of held breaches: first to last breaching sample."""

    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


def offset_of(series: QualitySeries, index: int) -> float:
    """Seconds after ``series.start`` of sample ``index``, within 0..``MAX_OFFSET_S``
    (an offset that is not finite counts as the end of that range, or its start)."""
    value = series.offset(index)
    if math.isnan(value):
        return 0.0
    return min(max(value, 0.0), MAX_OFFSET_S)


def _step(series: QualitySeries) -> float:
    step = series.interval_s or 0.0
    return step if math.isfinite(step) and 0.0 <= step <= MAX_OFFSET_S else 0.0


def at_offset(start: datetime, seconds: float) -> datetime | None:
    """``start`` plus ``seconds``; None when no datetime can hold the result."""
    try:
        return start + timedelta(seconds=seconds)
    except (OverflowError, ValueError):
        return None


def held_spans(mask: Sequence[bool]) -> list[tuple[int, int]]:
    """(first, last) sample index of each stretch of held samples. Held samples less than
    ``HOLD_WINDOW`` samples apart belong to one stretch; a longer clean run ends it."""
    return held_runs([i for i, flag in enumerate(mask) if flag])


def held_runs(held: Sequence[int]) -> list[tuple[int, int]]:
    """``held_spans`` from the sorted indices of the held samples."""
    out: list[tuple[int, int]] = []
    if not held:
        return out
    if held[-1] - held[0] == len(held) - 1:
        return [(held[0], held[-1])]  # one unbroken stretch
    start = last = held[0]
    for i in held[1:]:
        if i - last > HOLD_WINDOW:
            out.append((start, last))
            start = i
        last = i
    out.append((start, last))
    return out


def episodes(series: QualitySeries, mask: Sequence[bool]) -> list[Episode]:
    step = _step(series)
    return [Episode(offset_of(series, a), offset_of(series, b) + step) for a, b in held_spans(mask)]


@dataclass(frozen=True)
class MetricAssessment:
    metric: str
    unit: str
    stats: Stats | None
    verdict: Verdict
    threshold: Threshold
    episodes: tuple[Episode, ...] = ()
    """Held poor episodes (or fair ones when the verdict is fair)."""
    source: str = ""
    """The series' source (a metric may come from the provider and from imported dumps)."""


@dataclass(frozen=True)
class QualityAssessment:
    verdict: Verdict
    metrics: dict[str, MetricAssessment] = field(default_factory=dict)
    tripped_by: str | None = None
    """The metric whose held breach started first at the verdict's level."""
    tripped_at: datetime | None = None
    tripped_for_s: float = 0.0
    """Total seconds the tripping metric spent in held breach."""
    note: str = ""

    def of(self, series: QualitySeries) -> MetricAssessment | None:
        """The assessment of ``series`` (``metrics`` keys the first series of a metric by
        the metric, another source's series of that metric by ``metric|source``)."""
        found = self.metrics.get(str(series.metric))
        if found is not None and found.source == series.source:
            return found
        return self.metrics.get(f"{series.metric}|{series.source}", found)

    def reason(self) -> str:
        """One line: 'poor: Packet loss (recv) > 5% from 10:05:12 for 1m34s'."""
        if self.verdict is Verdict.UNKNOWN:
            return self.note or "no quality samples"
        if self.tripped_by is None:
            return f"{self.verdict.value}: every metric within thresholds"
        assessment = self.metrics[self.tripped_by]
        level = assessment.threshold.poor if self.verdict is Verdict.POOR else assessment.threshold.fair
        text = f"{self.verdict.value}: {assessment.threshold.describe(level or 0.0)}"
        if self.tripped_at is not None:
            with contextlib.suppress(OverflowError, ValueError):  # a moment at the end of time
                text += f" from {self.tripped_at.astimezone().strftime('%H:%M:%S')}"
        if self.tripped_for_s:
            text += f" for {format_duration(self.tripped_for_s)}"
        return text


def format_duration(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _assess_metric(series: QualitySeries) -> MetricAssessment:
    metric = str(series.metric)
    threshold = THRESHOLDS.get(metric) or Threshold(metric, series.unit, None, None)
    stats = summarize(series.values)
    verdict = Verdict.UNKNOWN if stats is None else Verdict.GOOD
    found: tuple[Episode, ...] = ()
    if stats is not None and threshold.poor is not None:
        level_poor = threshold.poor
        mask = held_mask(series.values, lambda v: threshold.breaches(v, level_poor))
        if any(mask):
            verdict = Verdict.POOR
            found = tuple(episodes(series, mask))
        elif threshold.fair is not None:
            level_fair = threshold.fair
            mask = held_mask(series.values, lambda v: threshold.breaches(v, level_fair))
            if any(mask):
                verdict = Verdict.FAIR
                found = tuple(episodes(series, mask))
    return MetricAssessment(metric, series.unit, stats, verdict, threshold, found, series.source)


def assessment_keys(series: Sequence[QualitySeries]) -> list[str]:
    """The key of each series in ``QualityAssessment.metrics``: the metric for its first
    series, ``metric|source`` for a series of the same metric from another source."""
    keys: list[str] = []
    seen: set[str] = set()
    for s in series:
        key = str(s.metric)
        if key in seen:
            key = f"{key}|{s.source}"
        seen.add(key)
        keys.append(key)
    return keys


def assess(series: Sequence[QualitySeries]) -> QualityAssessment:
    """The participant's verdict from all of its series (MOS included if present)."""
    if not series:
        return QualityAssessment(Verdict.UNKNOWN, note="no quality samples")
    keys = assessment_keys(series)
    metrics = {key: _assess_metric(s) for key, s in zip(keys, series, strict=True)}
    by_metric = dict(zip(keys, series, strict=True))
    worst = max((m.verdict for m in metrics.values()), key=lambda v: v.rank)
    if worst in (Verdict.GOOD, Verdict.UNKNOWN):
        return QualityAssessment(worst, metrics)
    candidates = [key for key, m in metrics.items() if m.verdict is worst and m.episodes]

    def began(key: str) -> datetime | None:
        # Series may start at different moments: compare wall-clock times, not offsets.
        return at_offset(by_metric[key].start, metrics[key].episodes[0].start_s)

    first = min(
        candidates, key=lambda k: (began(k) or _NEVER, -sum(e.duration_s for e in metrics[k].episodes))
    )
    return QualityAssessment(
        worst,
        metrics,
        tripped_by=first,
        tripped_at=began(first),
        tripped_for_s=sum(e.duration_s for e in metrics[first].episodes),
    )


# ---------------------------------------------------------------------------------------
# MOS series


def _value_at(series: QualitySeries, offsets: Sequence[float], t: float) -> float | None:
    """The sample of ``series`` nearest to ``t`` seconds after ``series.start``."""
    if not series.values:
        return None
    if series.offsets_s is None and series.interval_s:
        position = t / series.interval_s
        if not math.isfinite(position):
            return None
        index = round(position)
        if 0 <= index < len(series.values):
            return series.values[index]
        return None
    pos = bisect.bisect_left(offsets, t)
    best: int | None = None
    for candidate in (pos - 1, pos):
        if 0 <= candidate < len(offsets) and (
            best is None or abs(offsets[candidate] - t) < abs(offsets[best] - t)
        ):
            best = candidate
    return series.values[best] if best is not None else None


def mos_values(
    rtt: QualitySeries,
    jitter: QualitySeries | None,
    losses: Sequence[QualitySeries],
) -> list[float | None]:
    """A MOS estimate on ``rtt``'s time grid; missing jitter or loss count as 0."""
    out: list[float | None] = []
    jitter_offsets = [jitter.offset(i) for i in range(len(jitter.values))] if jitter else []
    loss_offsets = [[s.offset(i) for i in range(len(s.values))] for s in losses]
    shift_j = (jitter.start - rtt.start).total_seconds() if jitter else 0.0
    shifts_l = [(s.start - rtt.start).total_seconds() for s in losses]
    for i, r in enumerate(rtt.values):
        if r is None or not math.isfinite(r):
            out.append(None)  # a gap, not a MOS of 1
            continue
        t = rtt.offset(i)
        j = _value_at(jitter, jitter_offsets, t - shift_j) if jitter else 0.0
        if j is None or not math.isfinite(j):
            j = 0.0
        worst_loss = 0.0
        for s, offs, shift in zip(losses, loss_offsets, shifts_l, strict=True):
            v = _value_at(s, offs, t - shift)
            if v is not None and math.isfinite(v):
                worst_loss = max(worst_loss, v)
        out.append(round(mos_estimate(r, j, worst_loss), 3))
    return out


def with_mos(series: Sequence[QualitySeries]) -> list[QualitySeries]:
    """``series`` plus an estimated MOS series when RTT exists and no MOS was supplied."""
    from roomscope.tui.models import Metric

    present = {s.metric: s for s in series}
    if Metric.MOS in present or Metric.RTT not in present:
        return list(series)
    rtt = present[Metric.RTT]
    losses = [present[m] for m in (Metric.LOSS_SEND, Metric.LOSS_RECV) if m in present]
    mos = rtt.model_copy(
        update={
            "metric": Metric.MOS,
            "unit": "",
            "unit_documented": True,
            "source": "estimated (E-model from RTT, jitter, loss)",
            "values": mos_values(rtt, present.get(Metric.JITTER), losses),
        }
    )
    return [*series, mos]


def order_series(series: Iterable[QualitySeries]) -> list[QualitySeries]:
    rank = {name: i for i, name in enumerate(METRIC_ORDER)}
    return sorted(series, key=lambda s: (rank.get(str(s.metric), 99), s.source))


def downsample(
    values: Sequence[float | None], width: int, reducer: Callable[[list[float]], float] = max
) -> list[float | None]:
    """Reduce ``values`` to at most ``width`` buckets (``reducer`` per bucket, gaps kept)."""
    n = len(values)
    if width <= 0:
        return []
    if n <= width:
        return list(values)
    out: list[float | None] = []
    for b in range(width):
        lo = b * n // width
        hi = max(lo + 1, (b + 1) * n // width)
        bucket = [v for v in values[lo:hi] if v is not None]
        out.append(reducer(bucket) if bucket else None)
    return out
