"""One metric over the shown time window: a title line with statistics and the thresholds,
chart rows with a y scale, and a threshold row.

Layout (``GUTTER`` columns on the left hold the scale)::

    Jitter (ms)  ● fair 12s  min 3.9  avg 6.1  p95 7.5  max 24  fair > 20 ms  poor > 30 ms
           25 ┤▃▄▃▅▄▃▃█│▃▄▅▃▃▄▄▃▃
            0 ┤▁▁▂▁▁▁▁█│▁▁▁▁▁▁▁▁▁        (as many chart rows as the screen gives)
      >20 >30 ───────━│─────────         thresholds: ─ within, ━ fair/poor breached

The chart's scale spans the values shown (rounded outward), so small variation fills the
rows and the gutter says what the top and bottom are. The fair and poor levels are always
drawn in the threshold row, which marks each column breaching them (in the chart itself
too, as a line in the level's colour above the bars, where the level lies inside the
scale). A metric without thresholds (bitrate, frame rate) has no threshold row and no
verdict.

The series is bucketed to the chart's width once per (data, width, window). The time cursor
is not drawn here: the time ruler above the panels and the readout below them show it, so a
cursor step repaints those rows only (Textual writes a changed cell's line from the start of
its widget, so a column through every chart would cost most of a screen each step).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from roomscope.tui import fmt
from roomscope.widgets.cells import merge_runs

if TYPE_CHECKING:
    from roomscope.tui.models import QualitySeries
    from roomscope.tui.quality import MetricAssessment, Threshold
    from roomscope.widgets.timeline import Timeline

BLOCKS = " ▁▂▃▄▅▆▇█"
GUTTER = 11
"""Columns left of every chart: the y scale (and the zone name on the time ruler)."""


def bucket_values(
    series: QualitySeries, view_start: float, view_end: float, width: int, worst_high: bool
) -> list[float | None]:
    """The worst value of each of ``width`` equal slices of ``view_start..view_end`` (epoch
    seconds; None: no sample)."""
    span = view_end - view_start
    out: list[float | None] = [None] * width
    if width <= 0 or span <= 0:
        return out
    shift = series.start.timestamp() - view_start
    scale = width / span
    step = series.interval_s or 0.0
    offsets = series.offsets_s
    last = width - 1
    for i, value in enumerate(series.values):
        if value is None or value != value:  # a gap, or NaN
            continue
        x = (shift + (offsets[i] if offsets is not None else i * step)) * scale
        if not 0 <= x <= width:  # outside the window (or not a number)
            continue
        b = int(x)
        if b > last:
            b = last  # the window's very end belongs to its last column
        current = out[b]
        if current is None or (value > current if worst_high else value < current):
            out[b] = value
    return out


def nice_scale(low: float, high: float) -> tuple[float, float]:
    """``low..high`` widened to round numbers (a 1, 2 or 5 step about a quarter of the
    range); a flat series gets a range around its value; never below 0 for values that are
    not."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return 0.0, 1.0
    non_negative = low >= 0
    if high - low <= 0:
        pad = abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
        if non_negative:
            low = max(0.0, low)
    rough = (high - low) / 4
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (5, 2, 1) if m * magnitude <= rough)
    nice_low = math.floor(low / step) * step
    nice_high = math.ceil(high / step) * step
    if non_negative and nice_low < 0:
        nice_low = 0.0
    if nice_high <= nice_low:
        nice_high = nice_low + step
    return nice_low, nice_high


def _short(value: float, digits: int) -> str:
    """``value`` (under 1000 in size) in at most ``digits`` significant digits, never in
    exponent notation."""
    if abs(value) >= 100 or value == int(value):
        return f"{value:.0f}"
    text = f"{value:.{digits}g}"
    return f"{value:.0f}" if "e" in text else text


def compact(value: float, digits: int = 3) -> str:
    """A scale label of at most 6 characters: '0', '2.5', '53', '400', '5.4k', '1.2M'
    (``digits`` significant digits at most)."""
    magnitude = abs(value)
    if magnitude >= 1e6:
        return f"{_short(value / 1e6, digits)}M"
    if magnitude >= 1e3:
        return f"{_short(value / 1e3, digits)}k"
    return _short(value, digits)


def range_label(low: float, high: float, width: int = GUTTER - 1) -> str:
    """'0–25', '600–1.8k', '5.4–5.52k' (one suffix for both ends when they share it), with
    fewer digits when that does not fit ``width`` columns."""
    label = ""
    for digits in (3, 2, 1):
        if abs(low) >= 1e3 and 1e3 <= abs(high) < 1e6:
            label = f"{_short(low / 1e3, digits)}–{_short(high / 1e3, digits)}k"
        else:
            label = f"{compact(low, digits)}–{compact(high, digits)}"
        if len(label) <= width:
            break
    return label


def bursts(assessment: MetricAssessment) -> str:
    """How long the metric was fair/poor: '1m24s', or '3 bursts, 3m40s in all'."""
    episodes = assessment.episodes
    total = fmt.duration(sum(e.duration_s for e in episodes))
    return f"{len(episodes)} bursts, {total} in all" if len(episodes) > 1 else total


def threshold_levels(threshold: Threshold | None) -> list[tuple[str, float]]:
    """The threshold's levels, fair first: [('fair', 2.0), ('poor', 5.0)]."""
    if threshold is None or threshold.poor is None:
        return []
    levels = [("fair", threshold.fair)] if threshold.fair is not None else []
    return [*levels, ("poor", threshold.poor)]


def worst_is_high(threshold: Threshold | None) -> bool:
    """Whether a column shows its highest sample (else its lowest: dips of bitrate, frame
    rate and MOS are what matter)."""
    if threshold is None:
        return True
    if threshold.poor is None:
        return False
    return threshold.higher_is_worse


class MetricPanel(Widget):
    """Title line, chart rows, threshold row. Its height is set by the screen."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "metric-panel--title",
        "metric-panel--stats",
        "metric-panel--ok",
        "metric-panel--fair",
        "metric-panel--poor",
        "metric-panel--threshold",
        "metric-panel--fair-line",
        "metric-panel--poor-line",
        "metric-panel--muted",
        "metric-panel--scale",
    }
    DEFAULT_CSS = """
    MetricPanel { height: 3; }
    MetricPanel > .metric-panel--title { text-style: bold; color: $foreground; }
    MetricPanel > .metric-panel--stats { color: $text-muted; }
    MetricPanel > .metric-panel--ok { color: $primary; }
    MetricPanel > .metric-panel--fair { color: $warning; }
    MetricPanel > .metric-panel--poor { color: $error; }
    MetricPanel > .metric-panel--threshold { color: $text-muted 60%; }
    MetricPanel > .metric-panel--fair-line { color: $warning 70%; }
    MetricPanel > .metric-panel--poor-line { color: $error 70%; }
    MetricPanel > .metric-panel--muted { color: $text-muted; }
    MetricPanel > .metric-panel--scale { color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.series: QualitySeries | None = None
        self.assessment: MetricAssessment | None = None
        self.timeline: Timeline | None = None
        self.title: str | None = None
        """The title when it is not the metric's name (a per-sender series)."""
        self.chart_rows = 1
        self._buckets: list[float | None] = []
        self._scale: tuple[float, float] = (0.0, 1.0)
        self._heights: list[int] = []
        self._kinds: list[str | None] = []
        self._rows: list[Strip] = []
        self._rows_key: tuple[object, ...] | None = None
        self._generation = 0

    # -- what it shows -------------------------------------------------------------------

    @property
    def threshold(self) -> Threshold | None:
        return self.assessment.threshold if self.assessment is not None else None

    @property
    def has_threshold_row(self) -> bool:
        return bool(threshold_levels(self.threshold))

    def rows_for(self, chart_rows: int) -> int:
        """The panel's height with ``chart_rows`` chart rows."""
        return 1 + chart_rows + (1 if self.has_threshold_row else 0)

    def show(
        self,
        series: QualitySeries,
        assessment: MetricAssessment | None,
        timeline: Timeline,
        chart_rows: int = 1,
        *,
        title: str | None = None,
    ) -> None:
        self.title = title
        self.series = series
        self.assessment = assessment
        self.timeline = timeline
        self.chart_rows = max(1, chart_rows)
        self.styles.height = self.rows_for(self.chart_rows)
        self.view_changed()

    def view_changed(self) -> None:
        """The data or the window shown changed: bucket again, repaint everything."""
        self._generation += 1
        self.refresh()

    # -- geometry ------------------------------------------------------------------------

    def chart_width(self) -> int:
        return max(1, self.size.width - GUTTER)

    def _ensure_rows(self) -> list[Strip]:
        width = self.chart_width()
        timeline = self.timeline
        view = (timeline.view_start, timeline.view_end) if timeline is not None else (0.0, 0.0)
        key = (self._generation, width, view, self.chart_rows, self.size.width)
        if key != self._rows_key and self.series is not None and timeline is not None:
            threshold = self.threshold
            self._buckets = bucket_values(self.series, view[0], view[1], width, worst_is_high(threshold))
            shown = [v for v in self._buckets if v is not None and math.isfinite(v)]
            self._scale = nice_scale(min(shown), max(shown)) if shown else (0.0, 1.0)
            self._classify()
            self._rows = [self._chart_row(r) for r in range(self.chart_rows)]
            if self.has_threshold_row:
                self._rows.append(self._threshold_row())
            self._rows_key = key
        return self._rows

    @property
    def buckets(self) -> list[float | None]:
        """The worst value of each chart column in the window shown."""
        self._ensure_rows()
        return self._buckets

    @property
    def scale(self) -> tuple[float, float]:
        """The values at the bottom and the top of the chart."""
        self._ensure_rows()
        return self._scale

    # -- rendering -----------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if self.series is None:
            return Strip.blank(width, self.rich_style)
        if y == 0:
            return self._title(width)
        rows = self._ensure_rows()
        if y - 1 >= len(rows):
            return Strip.blank(width, self.rich_style)
        return rows[y - 1]

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"metric-panel--{name}")

    def _title(self, width: int) -> Strip:
        assert self.series is not None
        series = self.series
        assessment = self.assessment
        label = self.title or (assessment.threshold.label if assessment else str(series.metric))
        unit = series.unit if series.unit_documented else f"{series.unit or 'unit'} as reported"
        stats = assessment.stats if assessment else None
        parts = [Segment(f"{label}", self._style("title"))]
        if unit:
            parts.append(Segment(f" ({unit})", self._style("stats")))
        threshold = self.threshold
        levels = threshold_levels(threshold)
        if assessment is not None and levels:
            verdict = assessment.verdict.value
            if verdict in ("poor", "fair"):
                parts.append(Segment(f"  ● {verdict} {bursts(assessment)}", self._style(verdict)))
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
        for name, level in levels:
            assert threshold is not None
            parts.append(Segment(f"  {name} {threshold.condition(level)}", self._style(f"{name}-line")))
        if series.source:
            parts.append(Segment(f"  {series.source}", self._style("muted")))
        return Strip(parts).crop_extend(0, width, self.rich_style)

    def _classify(self) -> None:
        """Each column's bar height (in eighths of a row, over all chart rows; 0: no sample)
        and the level it breached ('ok', 'fair', 'poor'; None: no sample)."""
        low, high = self._scale
        per_unit = self.chart_rows * 8 / (high - low)
        threshold = self.threshold
        levels = threshold_levels(threshold)
        heights: list[int] = []
        kinds: list[str | None] = []
        for value in self._buckets:
            if value is None:
                heights.append(0)
                kinds.append(None)
                continue
            heights.append(max(1, round((value - low) * per_unit)))
            kind = "ok"
            for name, level in levels:
                assert threshold is not None
                if threshold.breaches(value, level):
                    kind = name
            kinds.append(kind)
        self._heights, self._kinds = heights, kinds

    def _gutter(self, text: str, mark: str) -> Segment:
        return Segment(f"{text:>{GUTTER - 1}}{mark}"[-GUTTER:], self._style("scale"))

    def _chart_row(self, row: int) -> Strip:
        rows = self.chart_rows
        low, high = self._scale
        total_levels = rows * 8
        row_from_bottom = rows - 1 - row
        floor = row_from_bottom * 8
        if rows == 1:
            label, mark = range_label(low, high), "┤"
        elif row == 0:
            label, mark = compact(high), "┤"
        elif row == rows - 1:
            label, mark = compact(low), "┤"
        else:
            label, mark = "", "│"
        lines: dict[int, Style] = {}
        threshold = self.threshold
        if rows > 1:
            for name, level in threshold_levels(threshold):
                if low < level < high:
                    at = round((level - low) / (high - low) * total_levels)
                    if floor <= at < floor + 8:
                        lines[at] = self._style(f"{name}-line")
        line_style = next(iter(lines.values()), None)
        styles: dict[str | None, Style] = {name: self._style(name) for name in ("ok", "fair", "poor")}
        styles[None] = self._style("muted")
        cells: list[tuple[str, Style]] = []
        for height, kind in zip(self._heights, self._kinds, strict=True):
            fill = min(8, max(0, height - floor)) if kind is not None else 0
            if fill == 0 and line_style is not None and kind is not None:
                cells.append(("─", line_style))
            else:
                cells.append((BLOCKS[fill], styles[kind]))
        segments = [self._gutter(label, mark), *merge_runs(cells)]
        return Strip(segments).crop_extend(0, self.size.width, self.rich_style)

    def _threshold_row(self) -> Strip:
        threshold = self.threshold
        assert threshold is not None
        sign = ">" if threshold.higher_is_worse else "<"
        levels = threshold_levels(threshold)
        label = " ".join(f"{sign}{compact(level)}" for _name, level in levels)
        within = self._style("threshold")
        styles: dict[str | None, Style] = {"fair": self._style("fair"), "poor": self._style("poor")}
        cells = [
            (" ", within) if kind is None else ("─", within) if kind == "ok" else ("━", styles[kind])
            for kind in self._kinds
        ]
        segments = [self._gutter(label, "─"), *merge_runs(cells)]
        return Strip(segments).crop_extend(0, self.size.width, self.rich_style)
