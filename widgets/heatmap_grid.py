"""The heatmap's numbers: each participant's verdict per time column, and values at an instant.

No Textual here: :class:`HeatGrid` is built once from the quality reports (in a worker
thread: grading every sample is the costly part), then asked for the cells of one metric at
one width (cheap, cached) and for every participant's value at the cursor.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import pairwise
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from roomscope.tui.kinds import EventKind
from roomscope.tui.quality import THRESHOLDS, Threshold

if TYPE_CHECKING:
    from roomscope.tui.models import Event, Participant, Session
    from roomscope.tui.store import QualityReport

ABSENT, NO_DATA, GOOD, FAIR, POOR = 0, 1, 2, 3, 4
"""Cell codes, worse is higher: not in the call, present without samples, then verdicts."""

HEAT_METRICS: tuple[str, ...] = ("overall", "loss", "jitter", "rtt", "mos")
"""The metrics ``m`` cycles through, in that order."""

METRIC_SOURCES: dict[str, tuple[str, ...]] = {
    "loss": ("packet_loss_send", "packet_loss_recv"),
    "jitter": ("jitter",),
    "rtt": ("rtt",),
    "mos": ("mos",),
}
METRIC_SOURCES["overall"] = tuple(m for name in HEAT_METRICS[1:] for m in METRIC_SOURCES[name])

METRIC_WORDS: dict[str, str] = {
    "overall": "overall (worst of all)",
    "loss": "packet loss",
    "jitter": "jitter",
    "rtt": "RTT",
    "mos": "MOS",
}
SHORT: dict[str, str] = {
    "packet_loss_send": "loss↑",
    "packet_loss_recv": "loss↓",
    "jitter": "jitter",
    "rtt": "RTT",
    "mos": "MOS",
}


def _grades(threshold: Threshold, values: Sequence[float | None]) -> bytes:
    """Every sample's cell code (one comprehension, not a call per sample)."""
    poor = threshold.poor
    fair = threshold.fair
    if threshold.higher_is_worse:
        poor = math.inf if poor is None else poor
        fair = poor if fair is None else fair
        return bytes(
            ABSENT if v is None else POOR if v > poor else FAIR if v > fair else GOOD for v in values
        )
    poor = -math.inf if poor is None else poor
    fair = poor if fair is None else fair
    return bytes(ABSENT if v is None else POOR if v < poor else FAIR if v < fair else GOOD for v in values)


@dataclass(frozen=True)
class Graded:
    """One series read once: sample times (epoch seconds, sorted), values and cell codes."""

    metric: str
    unit: str
    times: tuple[float, ...]
    values: tuple[float | None, ...]
    codes: bytes
    step: float
    """The usual gap between samples (how far a value reaches)."""

    @classmethod
    def read(
        cls, metric: str, unit: str, start: datetime, offsets: Sequence[float], values: Sequence[float | None]
    ) -> Graded:
        base = start.timestamp()
        count = min(len(offsets), len(values))
        times = [base + o for o in offsets[:count]]
        vals: list[float | None] = [None if v is None or v != v else v for v in values[:count]]  # NaN: a gap
        if not all(map(math.isfinite, times)) or any(b < a for a, b in pairwise(times)):
            pairs = sorted((t, v) for t, v in zip(times, vals, strict=True) if math.isfinite(t))
            times = [t for t, _v in pairs]
            vals = [v for _t, v in pairs]
        codes = _grades(THRESHOLDS[metric], vals)
        gaps = sorted(b - a for a, b in pairwise(times[:1000]) if b > a)
        step = gaps[len(gaps) // 2] if gaps else 1.0
        return cls(metric, unit, tuple(times), tuple(vals), codes, step)

    def at(self, t: float) -> tuple[float | None, int]:
        """The value and code of the sample in force at ``t`` (none beyond one step)."""
        index = bisect_right(self.times, t) - 1
        if index < 0 or t - self.times[index] > self.step * 1.5:
            return None, ABSENT
        return self.values[index], self.codes[index]


@dataclass
class Track:
    """One participant's row."""

    participant_id: str
    name: str
    joined: float | None
    left: float | None
    series: dict[str, Graded] = field(default_factory=dict)
    reconnects: tuple[float, ...] = ()

    def present(self, t0: float, t1: float) -> bool:
        joined = self.joined if self.joined is not None else -math.inf
        left = self.left if self.left is not None else math.inf
        return joined < t1 and left >= t0


@dataclass(frozen=True)
class Reading:
    """A participant's values at one instant, for the current metric."""

    code: int
    text: str
    """'loss↓ 11.2 %', 'RTT 925 ms', '—' (no sample), '' (not in the call)."""


FINE = 2048
"""Time buckets each row is first reduced to (in the worker that builds the grid): a column
of any width up to this is the worst of a few buckets, so drawing at a new width or in
another metric costs little."""


def _pickers(columns: int) -> list[itemgetter[Any]]:
    """For ``columns`` time columns over the fine buckets: the i-th picker takes the i-th
    bucket of every column (its last one where the column has fewer), so that the worst of
    each column is one ``max`` over the picks (C-level work, not a loop per cell)."""
    spans = [
        (c * FINE // columns, max(c * FINE // columns + 1, (c + 1) * FINE // columns)) for c in range(columns)
    ]
    longest = max(b - a for a, b in spans)
    return [itemgetter(*(min(a + i, b - 1) for a, b in spans)) for i in range(longest)]


class HeatGrid:
    """Every participant's series over the session's span [start, end] (epoch seconds)."""

    def __init__(
        self, start: float, end: float, tracks: Sequence[Track], shared: Sequence[tuple[float, float]] = ()
    ):
        self.start = start
        self.end = max(end, start + 1.0)
        self.tracks = list(tracks)
        self.shared = list(shared)
        self._cells: dict[tuple[str, int], list[list[int]]] = {}
        self._fine: dict[str, list[bytes]] = {metric: [] for metric in HEAT_METRICS}
        for track in self.tracks:
            self._reduce(track)

    def _reduce(self, track: Track) -> None:
        """The track's worst code per fine bucket, for every metric."""
        scale = FINE / self.span
        start = self.start
        buckets: dict[str, bytearray] = {}
        for name, graded in track.series.items():
            worst = bytearray(FINE)
            for t, code in zip(graded.times, graded.codes, strict=True):
                i = int((t - start) * scale)
                if 0 <= i < FINE and code > worst[i]:
                    worst[i] = code
            buckets[name] = worst
        presence = bytearray(FINE)
        first = 0 if track.joined is None else max(0, math.floor((track.joined - start) * scale))
        last = FINE - 1 if track.left is None else min(FINE - 1, math.floor((track.left - start) * scale))
        if first <= last:
            presence[first : last + 1] = bytes([NO_DATA]) * (last + 1 - first)
        for metric in HEAT_METRICS:
            sources = [buckets[name] for name in METRIC_SOURCES[metric] if name in buckets]
            merged = bytes(map(max, presence, *sources)) if sources else bytes(presence)
            self._fine[metric].append(merged)

    @property
    def span(self) -> float:
        return self.end - self.start

    def column_of(self, t: float, columns: int) -> int:
        return min(columns - 1, max(0, int((t - self.start) * columns / self.span)))

    def column_start(self, column: int, columns: int) -> float:
        return self.start + self.span * column / columns

    def column_middle(self, column: int, columns: int) -> float:
        return self.start + self.span * (column + 0.5) / columns

    def cells(self, metric: str, columns: int) -> list[list[int]]:
        """Per track, the worst cell code in each of ``columns`` time columns (cached)."""
        key = (metric, columns)
        found = self._cells.get(key)
        if found is None and columns < 2:  # one column: the worst of all
            found = [[max(fine)] for fine in self._fine[metric]]
        if found is None:
            pickers = _pickers(columns)
            found = [list(map(max, *(pick(fine) for pick in pickers))) for fine in self._fine[metric]]
            self._cells[key] = found
        return found

    def reading(self, row: int, metric: str, t: float) -> Reading:
        """What participant ``row`` measured at ``t`` for ``metric`` (the worst source)."""
        track = self.tracks[row]
        best: tuple[int, str] | None = None
        for name in METRIC_SOURCES[metric]:
            graded = track.series.get(name)
            if graded is None:
                continue
            value, code = graded.at(t)
            if value is None:
                continue
            if best is None or code > best[0]:
                best = (code, f"{SHORT[name]} {_number(value, graded.unit)}")
        if best is not None:
            return Reading(best[0], best[1])
        if track.present(t, t):
            return Reading(NO_DATA, "—")
        return Reading(ABSENT, "")

    def markers(self, row: int, columns: int) -> dict[int, str]:
        """Join, leave and reconnect marks of one row, by column."""
        track = self.tracks[row]
        marks: dict[int, str] = {}
        edge = self.span / columns
        if track.joined is not None and track.joined > self.start + edge:
            marks[self.column_of(track.joined, columns)] = "["
        if track.left is not None and track.left < self.end - edge:
            marks[self.column_of(track.left, columns)] = "]"
        for t in track.reconnects:
            marks[self.column_of(t, columns)] = "↻"
        return marks

    def shared_columns(self, columns: int) -> list[tuple[int, int]]:
        """The shared events' windows as column ranges (first, last)."""
        return [(self.column_of(a, columns), self.column_of(b, columns)) for a, b in self.shared]


def _number(value: float, unit: str) -> str:
    if unit == "%":
        return f"{value:.1f} %"
    if unit == "":
        return f"{value:.2f}"
    return f"{value:.0f} {unit}"


def epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def moment(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def build_grid(
    session: Session,
    participants: Sequence[Participant],
    reports: Mapping[str, QualityReport],
    events: Sequence[Event],
    shared: Sequence[tuple[datetime, datetime]],
    now: datetime,
) -> HeatGrid:
    """The grid of ``participants`` (in their order) over the session's span."""
    tracks: list[Track] = []
    latest: list[float] = []
    for p in participants:
        track = Track(p.id, p.title, epoch(p.joined_at), epoch(p.left_at))
        report = reports.get(p.id)
        for series in report.series if report is not None else ():
            metric = str(series.metric)
            if metric not in SHORT or not series.values:
                continue
            offsets = [series.offset(i) for i in range(len(series.values))]
            graded = Graded.read(metric, series.unit, series.start, offsets, series.values)
            track.series[metric] = graded
            if graded.times:
                latest.append(graded.times[-1])
        track.reconnects = tuple(
            e.at.timestamp()
            for e in events
            if e.kind is EventKind.RECONNECT and e.participant_id == p.id and e.at
        )
        tracks.append(track)
    start = session.started_at or min(
        (t.joined for t in tracks if t.joined is not None), default=now.timestamp()
    )
    begin = start.timestamp() if isinstance(start, datetime) else start
    end = (session.ended_at or now).timestamp()
    if session.ended_at is None and latest:
        end = max(end, max(latest))
    return HeatGrid(begin, end, tracks, [(a.timestamp(), b.timestamp()) for a, b in shared])
