"""One metric over the session's time axis: a title line with statistics and the poor
threshold, and a sparkline whose cells turn warning/error where the metric breached.

The series is bucketed to the panel's width once per (data, width); a 10,000-sample
series costs one pass, not one per frame.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from roomscope.tui import fmt
from roomscope.tui.kinds import Metric

if TYPE_CHECKING:
    from roomscope.tui.models import QualitySeries
    from roomscope.tui.quality import MetricAssessment

BLOCKS = " ▁▂▃▄▅▆▇█"


def bucketize(
    series: QualitySeries, axis_start: datetime, axis_end: datetime, width: int, worst_high: bool
) -> list[float | None]:
    """The worst value of each of ``width`` equal slices of the axis (None: no sample)."""
    span = (axis_end - axis_start).total_seconds()
    out: list[float | None] = [None] * width
    if width <= 0 or span <= 0:
        return out
    shift = (series.start - axis_start).total_seconds()
    scale = width / span
    step = series.interval_s
    offsets = series.offsets_s
    values = series.values
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        t = shift + (offsets[i] if offsets is not None else i * (step or 0.0))
        b = int(t * scale)
        if b < 0 or b >= width:
            if b == width and t <= span:
                b = width - 1
            else:
                continue
        current = out[b]
        if current is None or (value > current if worst_high else value < current):
            out[b] = value
    return out


class MetricPanel(Widget):
    """Title line + sparkline rows. Height comes from CSS (2 or more rows)."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-panel--title",
        "metric-panel--stats",
        "metric-panel--ok",
        "metric-panel--fair",
        "metric-panel--poor",
        "metric-panel--threshold",
        "metric-panel--muted",
    }
    DEFAULT_CSS = """
    MetricPanel { height: 3; }
    MetricPanel > .metric-panel--title { text-style: bold; color: $foreground; }
    MetricPanel > .metric-panel--stats { color: $text-muted; }
    MetricPanel > .metric-panel--ok { color: $primary; }
    MetricPanel > .metric-panel--fair { color: $warning; }
    MetricPanel > .metric-panel--poor { color: $error; }
    MetricPanel > .metric-panel--threshold { color: $error 60%; }
    MetricPanel > .metric-panel--muted { color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.series: QualitySeries | None = None
        self.assessment: MetricAssessment | None = None
        self.axis: tuple[datetime, datetime] | None = None
        self._buckets: list[float | None] = []
        self._bucket_key: tuple[int, int] | None = None
        self._generation = 0

    def show(
        self, series: QualitySeries, assessment: MetricAssessment | None, axis: tuple[datetime, datetime]
    ) -> None:
        self.series = series
        self.assessment = assessment
        self.axis = axis
        self._generation += 1
        self.refresh()

    # -- geometry ------------------------------------------------------------------------

    def _chart_width(self) -> int:
        return max(1, self.size.width)

    def _ensure_buckets(self) -> list[float | None]:
        width = self._chart_width()
        key = (self._generation, width)
        if self._bucket_key != key and self.series is not None and self.axis is not None:
            threshold = self.assessment.threshold if self.assessment else None
            worst_high = threshold.higher_is_worse if threshold is not None else True
            if threshold is not None and threshold.poor is None:
                worst_high = False  # bitrate/fps: show dips
            self._buckets = bucketize(self.series, self.axis[0], self.axis[1], width, worst_high)
            self._bucket_key = key
        return self._buckets

    # -- rendering -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.series is None:
            return Strip.blank(width, self.rich_style)
        if y == 0:
            return self._title(width)
        rows = max(1, self.size.height - 1)
        return self._chart_row(y - 1, rows, width)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"metric-panel--{name}")

    def _title(self, width: int) -> Strip:
        assert self.series is not None
        series = self.series
        assessment = self.assessment
        label = assessment.threshold.label if assessment else str(series.metric)
        unit = series.unit if series.unit_documented else f"{series.unit or 'unit'} as reported"
        stats = assessment.stats if assessment else None
        parts = [Segment(f"{label}", self._style("title"))]
        if unit:
            parts.append(Segment(f" ({unit})", self._style("stats")))
        if stats is not None:
            parts.append(
                Segment(
                    f"  min {fmt.number(stats.min)}  avg {fmt.number(stats.avg)}"
                    f"  p95 {fmt.number(stats.p95)}  max {fmt.number(stats.max)}",
                    self._style("stats"),
                )
            )
        else:
            parts.append(Segment("  no samples", self._style("muted")))
        if assessment is not None and assessment.threshold.poor is not None:
            mark = assessment.threshold.condition(assessment.threshold.poor)
            parts.append(Segment(f"  poor {mark}", self._style("threshold")))
            verdict = assessment.verdict.value
            if verdict in ("poor", "fair"):
                seconds = sum(e.duration_s for e in assessment.episodes)
                parts.append(Segment(f"  ● {verdict} {fmt.duration(seconds)}", self._style(verdict)))
        if series.source:
            parts.append(Segment(f"  {series.source}", self._style("muted")))
        return Strip(parts).crop_extend(0, width, self.rich_style)

    def _levels(self) -> tuple[float, float]:
        """The value range the chart spans (threshold always inside it)."""
        assert self.series is not None
        values = [v for v in self._buckets if v is not None]
        threshold = self.assessment.threshold if self.assessment else None
        if self.series.metric == Metric.MOS:
            return 1.0, 4.5
        high = max(values) if values else 1.0
        low = 0.0
        if threshold is not None and threshold.poor is not None:
            high = max(high, threshold.poor * 1.25)
        return low, high if high > low else low + 1.0

    def _chart_row(self, row: int, rows: int, width: int) -> Strip:
        buckets = self._ensure_buckets()
        low, high = self._levels()
        threshold = self.assessment.threshold if self.assessment else None
        total_levels = rows * 8
        poor_level: int | None = None
        if threshold is not None and threshold.poor is not None:
            poor_level = round((threshold.poor - low) / (high - low) * total_levels)
        row_from_bottom = rows - 1 - row
        floor = row_from_bottom * 8
        segments: list[Segment] = []
        styles = {
            "ok": self._style("ok"),
            "fair": self._style("fair"),
            "poor": self._style("poor"),
            "threshold": self._style("threshold"),
            "muted": self._style("muted"),
        }
        for value in buckets[:width]:
            if value is None:
                segments.append(Segment(" ", styles["muted"]))
                continue
            level = max(1, round((value - low) / (high - low) * total_levels))
            fill = min(8, max(0, level - floor))
            kind = "ok"
            if threshold is not None and threshold.poor is not None:
                if threshold.breaches(value, threshold.poor):
                    kind = "poor"
                elif threshold.fair is not None and threshold.breaches(value, threshold.fair):
                    kind = "fair"
            if fill == 0 and poor_level is not None and floor <= poor_level < floor + 8 and rows > 1:
                segments.append(Segment("┈", styles["threshold"]))
            else:
                segments.append(Segment(BLOCKS[fill], styles[kind]))
        return Strip(segments).crop_extend(0, width, self.rich_style)
