"""The History view's parts: the time line of a subject's sessions, and the list under it.

``HistoryTimeline`` (four lines) places one mark per session (○ good, ◐ fair, ● poor,
· unknown, in the theme's verdict colours) on one time axis spanning the history read, with
date ticks in the shown zone (its name in the gutter); the first degraded session has a ▼
above it, named; the list's cursor has a ▲ under it and its mark drawn reversed. Where
several sessions fall in one column the worst is drawn (the cursor's, when it is one of
them). ``HistoryRows`` lists the sessions, one a row (when, verdict, name, degraded people,
network, cause), the first degraded flagged; moving its cursor moves the time line's.

The placing and the ticks are plain functions of epoch seconds (:func:`columns_of`,
:func:`ticks`), tested without a terminal.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from roomscope import themes
from roomscope.tui import fmt
from roomscope.tui.text import clean
from roomscope.widgets.cells import fit, merge_runs
from roomscope.widgets.row_view import RowView

if TYPE_CHECKING:
    from roomscope.tui.incident.history import Mark

GUTTER = 7
"""Cells left of the axis: the zone's name on the labels' line."""
GLYPH = {"poor": "●", "fair": "◐", "good": "○", "unknown": "·"}
FIRST = "▼"
CURSOR = "▲"
TICK = "╵"
BASE = "─"
TICK_STEPS_S: tuple[int, ...] = (3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 2 * 86400, 7 * 86400, 14 * 86400)
"""Candidate distances between two labelled ticks: hours to weeks."""
WEEK_S = 7 * 86400
LABEL_CELLS = 6
"""'Sun 22' or '14:00'."""


def columns_of(times: Sequence[float], start: float, end: float, width: int) -> list[int]:
    """The column of each time on an axis ``start..end`` ``width`` columns wide (clamped:
    a session a little outside the span still shows at its edge)."""
    if width <= 0:
        return [0 for _ in times]
    span = max(end - start, 1.0)
    out: list[int] = []
    for t in times:
        position = (t - start) / span * width
        column = math.floor(position) if math.isfinite(position) else 0
        out.append(min(max(column, 0), width - 1))
    return out


def ticks(start: float, end: float, width: int, utc_offset_s: float) -> list[tuple[int, str]]:
    """(column, label) of the ticks that fit an axis ``start..end`` ``width`` columns wide:
    round times of the shown zone (``utc_offset_s`` ahead of UTC); a tick at midnight is
    labelled with its day ('Sun 22'), or its date ('22 Nov') when the ticks are a week or
    more apart (a span of months), any other with its time ('14:00')."""
    if width <= 0 or end <= start:
        return []
    per_second = width / (end - start)
    step = next((s for s in TICK_STEPS_S if s * per_second >= LABEL_CELLS + 2), TICK_STEPS_S[-1])
    first = math.ceil((start + utc_offset_s) / step) * step - utc_offset_s
    out: list[tuple[int, str]] = []
    t = first
    while t <= end:
        column = math.floor((t - start) * per_second)
        if 0 <= column < width:
            shown = fmt.local(datetime.fromtimestamp(t, UTC))
            midnight = shown.hour == 0 and shown.minute == 0
            day = "%d %b" if step >= WEEK_S else "%a %d"
            out.append((column, shown.strftime(day if midnight else "%H:%M")))
        t += step
    return out


def shown_marks(
    columns: Sequence[int], ranks: Sequence[int], cursor: int | None, width: int
) -> list[int | None]:
    """For each column, the index of the mark drawn there: the cursor's, else the worst
    (the latest of equals), else None."""
    out: list[int | None] = [None] * max(0, width)
    for index, column in enumerate(columns):
        if not 0 <= column < width:
            continue
        held = out[column]
        if held is None or (held != cursor and (index == cursor or ranks[index] >= ranks[held])):
            out[column] = index
    return out


def when_words(moment: datetime, wide: bool) -> str:
    """'Sun 22 Nov 10:05' (wide) or 'Sun 22 10:05', in the shown zone."""
    return fmt.local(moment).strftime("%a %d %b %H:%M" if wide else "%a %d %H:%M")


class HistoryTimeline(Widget):
    """The time line: marks on a shared axis, the first degraded named, the cursor under."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "history-timeline--axis",
        "history-timeline--label",
        "history-timeline--cursor",
        "history-timeline--first",
    }
    DEFAULT_CSS = """
    HistoryTimeline { height: 4; padding: 0 1; }
    HistoryTimeline > .history-timeline--axis { color: $text-muted 50%; }
    HistoryTimeline > .history-timeline--label { color: $text-muted; }
    HistoryTimeline > .history-timeline--cursor { color: $accent; text-style: bold; }
    HistoryTimeline > .history-timeline--first { color: $warning; text-style: bold; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.marks: Sequence[Mark] = ()
        self.start = 0.0
        self.end = 1.0
        self.first: int | None = None
        self.cursor: int | None = None
        self._looks: dict[str, Style] = {}

    def show(self, marks: Sequence[Mark], start: datetime, end: datetime, first: int | None) -> None:
        self.marks = marks
        self.start, self.end = start.timestamp(), max(end.timestamp(), start.timestamp() + 1)
        self.first = first
        if self.cursor is not None and self.cursor >= len(marks):
            self.cursor = len(marks) - 1 if marks else None
        self.refresh()

    def move_cursor(self, index: int | None) -> None:
        if index != self.cursor:
            self.cursor = index
            self.refresh()

    @property
    def axis_width(self) -> int:
        return max(0, self.content_region.width - GUTTER)

    def columns(self) -> list[int]:
        return columns_of([m.at.timestamp() for m in self.marks], self.start, self.end, self.axis_width)

    # -- drawing -----------------------------------------------------------------------

    def _look(self, name: str) -> Style:
        found = self._looks.get(name)
        if found is None:
            if name == "base":
                found = self.rich_style
            elif name in GLYPH:
                found = self.rich_style + Style.parse(
                    themes.verdict_style(self.app.theme_variables, name) or "none"
                )
            else:
                component = self.get_component_rich_style(f"history-timeline--{name}")
                found = self.rich_style + Style(color=component.color, bold=component.bold)
            self._looks[name] = found
        return found

    def render_lines(self, crop: Region) -> list[Strip]:
        self._looks = {}
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        axis = self.axis_width
        if width <= 0:
            return Strip.blank(0)
        base = self._look("base")
        if axis <= 0:
            return Strip.blank(width, base)
        columns = self.columns()
        parts: list[tuple[str, Style]]
        if y == 0:
            parts = [(" " * GUTTER, base), *self._first_line(columns, axis)]
        elif y == 1:
            parts = [(fit("", GUTTER), base), *self._marks_line(columns, axis)]
        elif y == 2:
            parts = [(" " * GUTTER, base), *self._tick_line(columns, axis)]
        elif y == 3:
            zone = fmt.zone_name(datetime.fromtimestamp(self.end, UTC))
            parts = [(fit(zone, GUTTER - 1) + " ", self._look("label")), *self._label_line(axis)]
        else:
            return Strip.blank(width, base)
        used = sum(cell_len(t) for t, _ in parts)
        if used < width:
            parts.append((" " * (width - used), base))
        return Strip(merge_runs(parts)).crop(0, width)

    def _first_line(self, columns: list[int], axis: int) -> list[tuple[str, Style]]:
        base = self._look("base")
        if self.first is None or not self.marks:
            return [(" " * axis, base)]
        column = columns[self.first]
        mark = self.marks[self.first]
        label = f"first degraded: {clean(mark.session_title, 60)}, {when_words(mark.at, wide=False)}"
        room_right = axis - column - 2
        room_left = column - 1
        line: list[tuple[str, Style]]
        if room_right >= min(cell_len(label), 24) or room_right >= room_left:
            text = fit(label, max(0, room_right))
            line = [(" " * column, base), (FIRST, self._look("first")), (" " + text, self._look("first"))]
        else:
            text = fit(label, max(0, room_left))
            pad = column - 1 - cell_len(text)
            line = [(" " * pad + text + " ", self._look("first")), (FIRST, self._look("first"))]
        return line

    def _marks_line(self, columns: list[int], axis: int) -> list[tuple[str, Style]]:
        ranks = [m.verdict.rank for m in self.marks]
        drawn = shown_marks(columns, ranks, self.cursor, axis)
        line: list[tuple[str, Style]] = []
        for index in drawn:
            if index is None:
                line.append((BASE, self._look("axis")))
                continue
            verdict = self.marks[index].verdict.value
            look = self._look(verdict)
            if index == self.cursor:
                look = look + Style(reverse=True, bold=True)
            line.append((GLYPH.get(verdict, "·"), look))
        return line

    def _tick_line(self, columns: list[int], axis: int) -> list[tuple[str, Style]]:
        cells: list[tuple[str, Style]] = [(" ", self._look("base"))] * axis
        offset = _utc_offset(self.start)
        for column, _label in ticks(self.start, self.end, axis, offset):
            cells[column] = (TICK, self._look("axis"))
        if self.cursor is not None and 0 <= self.cursor < len(columns):
            cells[columns[self.cursor]] = (CURSOR, self._look("cursor"))
        return cells

    def _label_line(self, axis: int) -> list[tuple[str, Style]]:
        line = [" "] * axis
        free = 0
        for column, label in ticks(self.start, self.end, axis, _utc_offset(self.start)):
            if column < free or column + len(label) > axis:
                continue
            line[column : column + len(label)] = list(label)
            free = column + len(label) + 1
        return [("".join(line), self._look("label"))]


def _utc_offset(t: float) -> float:
    offset = fmt.local(datetime.fromtimestamp(t, UTC)).utcoffset()
    return offset.total_seconds() if offset is not None else 0.0


# ---------------------------------------------------------------------------------------
# The list


def _wide(width: int) -> bool:
    return width >= 100


def _widths(width: int) -> tuple[int, int, int, int, int]:
    """(when, title, degraded, network, cause) for a row ``width`` cells wide."""
    wide = _wide(width)
    when = 16 if wide else 12
    title = 24 if wide else 16
    degraded = 5
    network = 26 if wide else 12
    used = 2 + 10 + (when + 1) + (title + 1) + (degraded + 1) + (network + 1)
    return when, title, degraded, network, max(1, width - used)


def header_text(width: int) -> str:
    """The column titles above a :class:`HistoryRows` ``width`` cells wide."""
    when, title, degraded, network, _cause = _widths(width)
    head = fit("Verdict", 10) + fit("When", when) + " " + fit("Session", title) + " "
    head += fit("Degr.", degraded, right=True) + " " + fit("Network", network) + " "
    return "  " + head + "Cause"


class HistoryRows(RowView):
    """The subject's sessions, oldest first (rows held by the screen)."""

    def __init__(self, *, timeline: HistoryTimeline | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.timeline = timeline
        self.marks: Sequence[Mark] = ()
        self.first: int | None = None
        self.empty_text = "⋯ reading the history…"

    @property
    def count(self) -> int:
        return len(self.marks)

    def show(self, marks: Sequence[Mark], first: int | None, keep: int | None) -> None:
        self.marks = marks
        self.first = first
        self.rows_changed(keep)
        if self.timeline is not None:
            self.timeline.move_cursor(self.cursor if marks else None)

    @property
    def selected(self) -> Mark | None:
        return self.marks[self.cursor] if 0 <= self.cursor < len(self.marks) else None

    def watch_cursor(self, old: int, new: int) -> None:
        super().watch_cursor(old, new)
        if self.timeline is not None and self.marks:
            self.timeline.move_cursor(new)

    def render_row(self, index: int, width: int, selected: bool) -> Strip:
        mark = self.marks[index]
        when, title, degraded, network, cause = _widths(width)
        base = self.look("selected" if selected else "base")
        verdict = mark.verdict.value
        verdict_look = base + Style.parse(themes.verdict_style(self.app.theme_variables, verdict) or "none")
        first = index == self.first
        parts: list[tuple[str, Style]] = [
            (FIRST + " " if first else "  ", base + self.look("fair") if first else base),
            (fit(f"{GLYPH.get(verdict, '·')} {verdict}", 9) + " ", verdict_look),
            (fit(when_words(mark.at, _wide(width)), when) + " ", base),
            (fit(clean(mark.session_title, 120), title) + " ", base),
            (fit(f"{mark.degraded}/{mark.people}", degraded, right=True) + " ", base),
            (fit(clean(mark.isp, 120), network) + " ", base),
        ]
        said = clean(mark.cause, 200) or "—"
        if first:
            said = "first degraded · " + said
        parts.append((fit(said, cause), base + self.look("muted")))
        used = sum(cell_len(t) for t, _ in parts)
        if used < width:
            parts.append((" " * (width - used), base))
        return Strip(merge_runs(parts))
