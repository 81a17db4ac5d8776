"""The quality screen's time ruler: tick labels in the shown zone, and a row of markers
(joins, leaves, reconnects, mutes, and the windows of findings) on the charts' columns.

Two lines. The gutter (as wide as the charts' scale) names the zone and says "events"; the
columns line up with the charts below (the screen says how wide they are). The cursor's
column is marked on both lines; a cursor step repaints only the two columns it changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from roomscope.tui import fmt
from roomscope.widgets.sparkline_panel import GUTTER
from roomscope.widgets.timeline import Timeline, moment


@dataclass(frozen=True)
class Mark:
    """One event at one moment: ``symbol`` on the marker row, ``label`` in the readout."""

    at: float
    symbol: str
    label: str
    rank: int = 0
    """Which mark a column shows when several fall in it (highest first)."""


@dataclass(frozen=True)
class Band:
    """A finding's window: drawn under the marks, in its severity's colour."""

    start: float
    end: float
    severity: str
    """'fair' or 'poor'."""
    label: str


def marks_in(marks: Sequence[Mark], start: float, end: float) -> list[Mark]:
    """The marks in ``start <= at < end``, in time order."""
    return sorted((m for m in marks if start <= m.at < end), key=lambda m: m.at)


def bands_at(bands: Sequence[Band], t: float) -> list[Band]:
    return [b for b in bands if b.start <= t <= b.end]


def zone_name(t: float) -> str:
    """The shown zone's name at ``t`` ('UTC', 'CET' ...)."""
    return fmt.local(moment(t)).tzname() or "local"


def utc_offset(t: float) -> float:
    offset = fmt.local(moment(t)).utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


class TimeRuler(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "time-ruler--label",
        "time-ruler--tick",
        "time-ruler--zone",
        "time-ruler--mark",
        "time-ruler--fair",
        "time-ruler--poor",
        "time-ruler--cursor",
    }
    DEFAULT_CSS = """
    TimeRuler { height: 2; }
    TimeRuler > .time-ruler--label { color: $text-muted; }
    TimeRuler > .time-ruler--tick { color: $text-muted 60%; }
    TimeRuler > .time-ruler--zone { color: $text-muted; text-style: bold; }
    TimeRuler > .time-ruler--mark { color: $foreground; text-style: bold; }
    TimeRuler > .time-ruler--fair { color: $warning; }
    TimeRuler > .time-ruler--poor { color: $error; }
    TimeRuler > .time-ruler--cursor { color: $accent; background: $accent 35%; }
    """

    def __init__(self, chart_width: Callable[[], int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._chart_width = chart_width
        self.timeline: Timeline | None = None
        self.marks: list[Mark] = []
        self.bands: list[Band] = []
        self._generation = 0
        self._rows: list[Strip] = []
        self._rows_key: tuple[object, ...] | None = None

    def show(self, timeline: Timeline | None, marks: Sequence[Mark] = (), bands: Sequence[Band] = ()) -> None:
        self.timeline = timeline
        self.marks = list(marks)
        self.bands = list(bands)
        self.view_changed()

    def view_changed(self) -> None:
        self._generation += 1
        self.refresh()

    def cursor_moved(self, old: int, new: int) -> None:
        for column in {old, new}:
            if column >= 0:
                self.refresh(Region(GUTTER + column, 0, 1, 2))

    def chart_width(self) -> int:
        return max(1, min(self._chart_width(), self.size.width - GUTTER))

    # -- what each column shows ----------------------------------------------------------

    def column_marks(self, width: int) -> list[Mark | None]:
        """The mark each column shows (the highest ranked of those in it)."""
        timeline = self.timeline
        out: list[Mark | None] = [None] * width
        if timeline is None:
            return out
        for mark in self.marks:
            column = timeline.column_of(mark.at, width)
            if 0 <= column < width:
                current = out[column]
                if current is None or mark.rank > current.rank:
                    out[column] = mark
        return out

    def column_bands(self, width: int) -> list[str | None]:
        """The worst severity of the findings covering each column."""
        timeline = self.timeline
        out: list[str | None] = [None] * width
        if timeline is None:
            return out
        for band in self.bands:
            first = max(0, timeline.column_of(band.start, width))
            last = min(width - 1, timeline.column_of(band.end, width))
            for column in range(first, last + 1):
                if out[column] != "poor":
                    out[column] = band.severity
        return out

    # -- rendering -----------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"time-ruler--{name}")

    def _ensure_rows(self) -> list[Strip]:
        width = self.chart_width()
        timeline = self.timeline
        view = (timeline.view_start, timeline.view_end) if timeline is not None else (0.0, 0.0)
        key = (self._generation, width, view, self.size.width, fmt.local(moment(view[0])).utcoffset())
        if key != self._rows_key:
            self._rows = [self._tick_row(width), self._mark_row(width)]
            self._rows_key = key
        return self._rows

    def _tick_row(self, width: int) -> Strip:
        timeline = self.timeline
        if timeline is None:
            return Strip.blank(self.size.width, self.rich_style)
        zone = zone_name(timeline.cursor)
        cells = [" "] * width
        label_style = self._style("label")
        step, ticks = timeline.ticks(width, 8, utc_offset(timeline.view_start))
        seconds = step < 60
        for t in ticks:
            column = timeline.column_of(t, width)
            text = fmt.when(moment(t), seconds=seconds, date=False)
            if column < 0 or column + len(text) + 1 > width:
                continue
            cells[column] = "╵"
            for i, ch in enumerate(text):
                cells[column + 1 + i] = ch
        segments = [Segment(f"{zone:>{GUTTER - 2}}  "[:GUTTER], self._style("zone"))]
        segments.append(Segment("".join(cells), label_style))
        return Strip(segments).crop_extend(0, self.size.width, self.rich_style)

    def _mark_row(self, width: int) -> Strip:
        segments = [Segment(f"{'events':>{GUTTER - 2}}  "[:GUTTER], self._style("label"))]
        bands = self.column_bands(width)
        styles = {"fair": self._style("fair"), "poor": self._style("poor")}
        mark_style = self._style("mark")
        for mark, band in zip(self.column_marks(width), bands, strict=True):
            if mark is not None:
                style = mark_style if band is None else mark_style + Style(color=styles[band].color)
                segments.append(Segment(mark.symbol, style))
            elif band is not None:
                segments.append(Segment("━", styles[band]))
            else:
                segments.append(Segment(" ", self.rich_style))
        return Strip(Segment.simplify(segments)).crop_extend(0, self.size.width, self.rich_style)

    def render_line(self, y: int) -> Strip:
        if self.timeline is None or y > 1:
            return Strip.blank(self.size.width, self.rich_style)
        strip = self._ensure_rows()[y]
        width = self.chart_width()
        column = self.timeline.cursor_column(width)
        if 0 <= column < width:
            x = GUTTER + column
            left, middle, right = strip.divide([x, x + 1, strip.cell_length])
            cursor = self._style("cursor")
            text = middle.text
            if text.strip() and text not in "━╵":
                base = next((s.style for s in middle if s.style is not None), None)
                cell = Segment(text, (base or Style()) + Style(bgcolor=cursor.bgcolor))
            else:
                cell = Segment("▼" if y == 0 else "│", cursor)
            strip = Strip.join([left, Strip([cell], 1), right])
        return strip
