"""The quality screen's time window: the whole axis, the part shown (zoom) and the cursor.

Plain arithmetic on epoch seconds, no Textual: the chart columns, the cursor's column, zoom
around the cursor, and the tick marks of the time ruler. A chart of ``width`` columns shows
``view_start .. view_end``; column ``c`` covers ``[view_start + c*w, view_start + (c+1)*w)``
with ``w = span / width``; the cursor sits at the middle of a column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

ZOOM_FACTOR = 2.0
"""``+`` halves the span shown, ``-`` doubles it."""
BIG_STEP = 10
"""Columns moved by ``H``/``L`` (and shift+arrows)."""
TICK_STEPS_S: tuple[int, ...] = (
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400,
)  # fmt: skip
"""Candidate distances between two labelled ticks of the ruler."""


@dataclass
class Timeline:
    """The axis (``start``..``end``), the window shown and the cursor, in epoch seconds."""

    start: float
    end: float
    view_start: float = math.nan
    view_end: float = math.nan
    cursor: float = math.nan
    min_column_s: float = 1.0
    """The fewest seconds a column may cover when zooming in (one sample's interval)."""

    def __post_init__(self) -> None:
        if not self.end > self.start:
            self.end = self.start + 1.0
        if math.isnan(self.view_start) or math.isnan(self.view_end):
            self.view_start, self.view_end = self.start, self.end
        if math.isnan(self.cursor):
            self.cursor = self.start

    # -- geometry ----------------------------------------------------------------------

    @property
    def span(self) -> float:
        return self.view_end - self.view_start

    @property
    def zoomed(self) -> bool:
        return self.view_start > self.start or self.view_end < self.end

    def column_of(self, t: float, width: int) -> int:
        """The column ``t`` falls in (may lie outside ``0..width-1``)."""
        if width <= 0:
            return 0
        position = (t - self.view_start) / self.span * width
        if not math.isfinite(position):
            return -1
        column = math.floor(position)
        if column == width and t <= self.view_end:
            return width - 1  # the very end belongs to the last column
        return column

    def time_of(self, column: int, width: int) -> float:
        """The middle of ``column``."""
        return self.view_start + (column + 0.5) * self.span / max(1, width)

    def cursor_column(self, width: int) -> int:
        return self.column_of(self.cursor, width)

    # -- moving ------------------------------------------------------------------------

    def place(self, t: float, width: int) -> None:
        """Put the cursor at the middle of the column of ``t`` (clamped to the axis),
        panning the view when ``t`` lies outside it."""
        t = min(max(t, self.start), self.end)
        if t < self.view_start:
            self._pan_to(t)
        elif t > self.view_end:
            self._pan_to(t - self.span)
        column = min(max(self.column_of(t, width), 0), max(0, width - 1))
        self.cursor = min(max(self.time_of(column, width), self.start), self.end)

    def move(self, columns: int, width: int) -> None:
        """Move the cursor ``columns`` columns (negative: left)."""
        column = self.cursor_column(width) + columns
        self.place(self.time_of(column, width), width)

    def home(self, width: int) -> None:
        self.place(self.start, width)

    def end_(self, width: int) -> None:
        self.place(self.end, width)

    def _pan_to(self, view_start: float) -> None:
        span = self.span
        view_start = min(max(view_start, self.start), self.end - span)
        self.view_start, self.view_end = view_start, view_start + span

    # -- zoom --------------------------------------------------------------------------

    def zoom(self, factor: float, width: int) -> bool:
        """Scale the span shown by ``factor`` around the cursor (it keeps its place on
        screen where it can). False when nothing changed (at a limit)."""
        full = self.end - self.start
        span = min(full, max(self.min_column_s * width, self.span * factor))
        if math.isclose(span, self.span):
            return False
        share = (self.cursor - self.view_start) / self.span
        view_start = self.cursor - share * span
        view_start = min(max(view_start, self.start), self.end - span)
        self.view_start, self.view_end = view_start, view_start + span
        self.place(self.cursor, width)
        return True

    def reset(self, width: int) -> bool:
        """Show the whole axis again. False when it already was."""
        if not self.zoomed:
            return False
        self.view_start, self.view_end = self.start, self.end
        self.place(self.cursor, width)
        return True

    # -- ruler -------------------------------------------------------------------------

    def ticks(self, width: int, label_width: int, utc_offset_s: float) -> tuple[int, list[float]]:
        """The tick step (seconds) whose labels (``label_width`` columns each, plus a gap)
        fit ``width`` columns, and the tick times in the view: round times of the shown
        zone (``utc_offset_s`` seconds ahead of UTC)."""
        if width <= 0:
            return TICK_STEPS_S[-1], []
        per_second = width / self.span
        step = next((s for s in TICK_STEPS_S if s * per_second >= label_width + 2), TICK_STEPS_S[-1])
        first = math.ceil((self.view_start + utc_offset_s) / step) * step - utc_offset_s
        out: list[float] = []
        t = first
        while t <= self.view_end:
            out.append(t)
            t += step
        return step, out


def epoch(moment: datetime) -> float:
    return moment.timestamp()


def moment(t: float) -> datetime:
    """The aware datetime of epoch seconds ``t``."""
    return datetime.fromtimestamp(t, UTC)
