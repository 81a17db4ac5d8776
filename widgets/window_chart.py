"""The Window view's chart: one row per session on one shared time axis, worst first.

Each row: the session's verdict mark, its name, how many people, its diagnosis in one line
(when the view is wide enough), then its bar across the window. In the bar, the session's
span is a thin line; a stretch when participants were degraded rises with the share of them
(▁ one of many … █ all), in the colour of the worst verdict; a shared finding (most people
at once: the SFU, the provider or a region) is ▓ in the shared colour. ``WindowAxis`` above
it writes the times under which the bar cells fall.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widgets import Static

from roomscope.tui import fmt
from roomscope.tui.text import clean
from roomscope.widgets.cells import fit, merge_runs
from roomscope.widgets.row_view import RowView

if TYPE_CHECKING:
    from roomscope.tui.incident.scan import WindowRow
    from roomscope.tui.incident.window import IncidentWindow

HEIGHTS = "▁▂▃▄▅▆▇█"
SPAN = "─"
SHARED = "▓"
MARK = {"poor": "●", "fair": "◐", "good": "○", "unknown": "?"}
TICKS_S = (60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200)


@dataclass(frozen=True)
class BarLayout:
    """Where each part of a row goes, for a given width."""

    title: int
    people: int
    summary: int
    bar_at: int
    bar: int


def layout_for(width: int) -> BarLayout:
    """2 cells of mark, the title, people, the summary from 100 cells on, and the bar."""
    summary = 30 if width >= 100 else 0
    title = 22 if width >= 100 else 18
    people = 3
    bar_at = 2 + title + 1 + people + 1 + (summary + 1 if summary else 0) + 1
    return BarLayout(title, people, summary, bar_at, max(8, width - bar_at))


def bar_cells(row: WindowRow, window: IncidentWindow, cells: int, now: datetime) -> list[tuple[str, str]]:
    """(character, look) for each cell of ``row``'s bar ``cells`` wide."""
    start = window.start.timestamp()
    step = window.duration_s / cells
    span_start = row.start.timestamp()
    span_end = (row.end or now).timestamp()
    people = max(
        1, len(row.diagnosis.verdicts) if row.diagnosis is not None else (row.session.participant_count or 1)
    )
    out: list[tuple[str, str]] = []
    stretches = [(s.start.timestamp(), s.end.timestamp(), s) for s in row.stretches]
    shared = [(a.timestamp(), b.timestamp()) for a, b in row.shared]
    for c in range(cells):
        a, b = start + c * step, start + (c + 1) * step
        if b <= span_start or a > span_end:
            out.append((" ", "base"))
            continue
        if any(x < b and y > a for x, y in shared):
            out.append((SHARED, "shared"))
            continue
        who: set[str] = set()
        worst = 0
        for x, y, stretch in stretches:
            if x < b and y > a:
                who.add(stretch.participant_id)
                worst = max(worst, stretch.verdict.rank)
        if who:
            share = min(1.0, len(who) / people)
            glyph = HEIGHTS[min(len(HEIGHTS) - 1, max(0, round(share * (len(HEIGHTS) - 1))))]
            out.append((glyph, "poor" if worst >= 3 else "fair"))
        else:
            out.append((SPAN, "muted" if row.diagnosis is None else "good"))
    return out


def axis_text(window: IncidentWindow, cells: int) -> list[tuple[int, str]]:
    """(cell, 'HH:MM') for the ticks that fit under a bar ``cells`` wide."""
    seconds_per_cell = window.duration_s / max(1, cells)
    step = next((t for t in TICKS_S if t / seconds_per_cell >= 7), TICKS_S[-1])
    local_start = fmt.local(window.start)
    # the first tick: the window's start rounded up to the step, in the shown zone
    midnight = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    since = (local_start - midnight).total_seconds()
    first = midnight + timedelta(seconds=-(-since // step) * step)
    ticks: list[tuple[int, str]] = []
    moment = first
    clock = "%H:%M" if step >= 60 else "%H:%M:%S"
    while moment <= fmt.local(window.end):
        cell = int((moment.timestamp() - window.start.timestamp()) / seconds_per_cell)
        if cell + 5 <= cells:
            ticks.append((cell, moment.strftime(clock)))
        moment += timedelta(seconds=step)
    return ticks


class WindowAxis(Static):
    """The time axis above a :class:`WindowChart`'s bars."""

    DEFAULT_CSS = """
    WindowAxis { height: 1; padding: 0 0 0 1; color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)

    def show(self, window: IncidentWindow | None, lay: BarLayout) -> None:
        if window is None:
            self.update("")
            return
        line = [" "] * (lay.bar_at + lay.bar)
        head = fit("Session", lay.title) + " " + fit("ppl", lay.people, right=True)
        if lay.summary:
            head += " " + fit("Quality", lay.summary)
        for i, ch in enumerate("  " + head):
            line[i] = ch
        for cell, label in axis_text(window, lay.bar):
            at = lay.bar_at + cell
            if at + len(label) <= len(line):
                line[at : at + len(label)] = list(label)
        self.update(Text("".join(line).rstrip()), layout=False)


class WindowChart(RowView):
    """Sessions of a window as bars on one time axis (rows held by the screen)."""

    def __init__(self, *, axis: WindowAxis | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis
        self.window: IncidentWindow | None = None
        self.rows: Sequence[WindowRow] = ()
        self.now: datetime | None = None
        self.empty_text = "⋯ reading the sessions of the window…"
        self._bars: dict[tuple[int, int], list[tuple[str, str]]] = {}

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def bar_layout(self) -> BarLayout:
        return layout_for(self.scrollable_content_region.width or self.size.width or 80)

    def show(
        self, window: IncidentWindow, rows: Sequence[WindowRow], now: datetime, keep: int | None = None
    ) -> None:
        """Draw ``rows`` (the cursor goes to row ``keep`` when given)."""
        if window != self.window:
            self._bars.clear()
        self.window = window
        self.rows = rows
        self.now = now
        if len(self._bars) > 4 * max(64, len(rows)):
            self._bars.clear()
        self.rows_changed(keep)
        self._show_axis()

    @property
    def selected(self) -> WindowRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def on_resize(self) -> None:
        super().on_resize()
        self._bars.clear()
        self._show_axis()

    def _show_axis(self) -> None:
        if self.axis is not None:
            self.axis.show(self.window, self.bar_layout)

    def render_row(self, index: int, width: int, selected: bool) -> Strip:
        row = self.rows[index]
        lay = layout_for(width)
        base = self.look("selected" if selected else "base")
        verdict = row.verdict.value
        mark_look = verdict if verdict in ("poor", "fair", "good") else "muted"
        parts: list[tuple[str, Style]] = [(MARK[verdict] + " ", base + self.look(mark_look))]
        parts.append((fit(clean(row.session.title, 120), lay.title) + " ", base))
        people = len(row.diagnosis.verdicts) if row.diagnosis is not None else row.session.participant_count
        parts.append((fit("—" if people is None else str(people), lay.people, right=True) + " ", base))
        if lay.summary:
            summary = row.summary[2:] if row.summary[:2] in ("● ", "◐ ", "○ ", "? ") else row.summary
            parts.append((fit(clean(summary, 120) or "…", lay.summary) + " ", base + self.look("muted")))
        parts.append((" ", base))
        if self.window is not None:
            key = (id(row), lay.bar)
            cells = self._bars.get(key)
            if cells is None:
                cells = bar_cells(row, self.window, lay.bar, self.now or row.start)
                self._bars[key] = cells
            for glyph, look in cells:
                parts.append((glyph, base if look == "base" else base + self.look(look)))
        used = sum(cell_len(t) for t, _ in parts)
        if used < width:
            parts.append((" " * (width - used), base))
        return Strip(merge_runs(parts))
