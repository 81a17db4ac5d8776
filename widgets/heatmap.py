"""Participants × time, each cell coloured by verdict, with a time cursor.

A line-API widget (``render_line``): a frame is built from a few segments per row, and a
cursor step repaints only what changed (the two cursor columns, the values beside the
rows, the marker and status lines), so a step writes little to the terminal.

Cells read without colour too: ``▁`` good, ``▄`` fair, ``█`` poor, ``·`` present without
samples, blank when not in the call; ``[`` joined, ``]`` left, ``↻`` reconnected; the
cursor column is ``┃`` in the colour of the cell it covers. The values of every participant
at the cursor's instant are written beside the rows.
"""

from __future__ import annotations

from datetime import datetime
from itertools import groupby
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from roomscope.themes import MONOCHROME
from roomscope.tui import fmt
from roomscope.tui.text import clean
from roomscope.widgets.cells import fit, merge_runs
from roomscope.widgets.heatmap_grid import (
    ABSENT,
    FAIR,
    GOOD,
    HEAT_METRICS,
    METRIC_WORDS,
    NO_DATA,
    POOR,
    HeatGrid,
    moment,
)

GLYPHS: dict[int, str] = {ABSENT: " ", NO_DATA: "·", GOOD: "▁", FAIR: "▄", POOR: "█"}
HEADER_LINES = 2
"""The time axis and the marker line (shared events, the cursor)."""
FOOTER_LINES = 1
VALUES_WIDTH = 15
"""'loss↓ 23.9 %' and a verdict mark."""
BLANK = Style()


class Heatmap(Widget, can_focus=True):
    """The heatmap of a :class:`~roomscope.widgets.heatmap_grid.HeatGrid`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h,left", "move(-1)", "Earlier", show=False, id="heatmap.left"),
        Binding("l,right", "move(1)", "Later", show=False, id="heatmap.right"),
        Binding("H", "move(-10)", "Much earlier", show=False, id="heatmap.far-left"),
        Binding("L", "move(10)", "Much later", show=False, id="heatmap.far-right"),
        Binding("home", "edge(-1)", "Session start", show=False, id="heatmap.first"),
        Binding("end", "edge(1)", "Session end", show=False, id="heatmap.last"),
        Binding("j,down", "row(1)", "Next participant", show=False, id="heatmap.down"),
        Binding("k,up", "row(-1)", "Previous participant", show=False, id="heatmap.up"),
        Binding(
            "m",
            "metric",
            "Metric",
            id="heatmap.metric",
            tooltip="Colour the cells by the next metric (overall, loss, jitter, RTT, MOS)",
        ),
    ]
    DEFAULT_CSS = """
    Heatmap { height: 1fr; }
    """

    def __init__(self, **kwargs: str) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.grid: HeatGrid | None = None
        self.note = "loading quality samples…"
        self.metric = HEAT_METRICS[0]
        self.row = 0
        self.top = 0
        self.cursor_t: float | None = None
        self.window: tuple[float, float] | None = None
        """An incident window (epoch seconds) drawn on the marker line: ``├───┤``."""
        self._styles: dict[str, Style] = {}
        self._styles_for: object = None
        self._run_cache: dict[int, tuple[object, list[tuple[int, str, Style]]]] = {}
        self._longest = 4
        """The widest participant name, in cells."""
        self._strip_cache: dict[int, tuple[object, Strip]] = {}

    # -- data ------------------------------------------------------------------------------

    def show(self, grid: HeatGrid | None, note: str = "") -> None:
        """Draw ``grid`` (None: ``note`` says why there is nothing)."""
        self.grid = grid
        self.note = note
        self._run_cache.clear()
        self._strip_cache.clear()
        self._longest = max((cell_len(clean(t.name, 200)) for t in grid.tracks), default=4) if grid else 4
        if grid is not None:
            self.row = min(self.row, max(0, len(grid.tracks) - 1))
            if self.cursor_t is None or not grid.start <= self.cursor_t <= grid.end:
                self.cursor_t = grid.start
        self.refresh()

    def cursor_at(self, when: datetime) -> None:
        """Put the time cursor on ``when``."""
        self.cursor_t = when.timestamp()
        self.refresh()

    def selected(self) -> tuple[str, datetime] | None:
        """The participant under the row cursor and the cursor's instant."""
        grid = self.grid
        if grid is None or not grid.tracks or self.cursor_t is None:
            return None
        return grid.tracks[self.row].participant_id, moment(self.cursor_t)

    def readings(self) -> list[str]:
        """Every row's value at the cursor, as shown."""
        grid = self.grid
        if grid is None or self.cursor_t is None:
            return []
        return [grid.reading(i, self.metric, self.cursor_t).text for i in range(len(grid.tracks))]

    # -- geometry --------------------------------------------------------------------------

    @property
    def name_width(self) -> int:
        return max(6, min(self._longest, 18 if self.size.width >= 100 else 12))

    @property
    def lead(self) -> int:
        """Where the cells start: after the name and the value at the cursor."""
        return self.name_width + 1 + VALUES_WIDTH + 1

    @property
    def columns(self) -> int:
        return max(10, self.size.width - self.lead)

    @property
    def body_height(self) -> int:
        return max(1, self.size.height - HEADER_LINES - FOOTER_LINES)

    def cursor_column(self) -> int:
        grid = self.grid
        if grid is None or self.cursor_t is None:
            return 0
        return grid.column_of(self.cursor_t, self.columns)

    # -- styles ----------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        variables = self.app.theme_variables
        key = (self.app.theme, variables.get(MONOCHROME))
        if key != self._styles_for:
            self._styles_for = key
            mono = variables.get(MONOCHROME) == "on"

            def colour(variable: str, weight: str = "") -> Style:
                look = weight if mono else f"{weight} {variables.get(variable, '')}".strip()
                return Style.parse(look) if look else Style()

            cursor_bg = variables.get("block-cursor-background", "")
            self._styles = {
                "good": colour("success"),
                "fair": colour("warning", "bold"),
                "poor": colour("error", "bold"),
                "none": Style(dim=not mono),
                "absent": Style(),
                "mark": colour("accent", "bold"),
                "shared": colour("error", "bold"),
                "cursor": Style.parse("bold reverse" if mono or not cursor_bg else f"bold on {cursor_bg}"),
                "dim": Style(dim=not mono),
                "name": Style(),
                "row": Style.parse("reverse" if mono or not cursor_bg else f"on {cursor_bg}"),
            }
        return self._styles[name]

    def _code_style(self, code: int) -> Style:
        return self._style(
            {ABSENT: "absent", NO_DATA: "none", GOOD: "good", FAIR: "fair", POOR: "poor"}[code]
        )

    # -- painting --------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            strip = self._axis_line()
        elif y == 1:
            strip = self._marker_line()
        elif y == self.size.height - 1:
            strip = self._status_line()
        else:
            strip = self._row_line(self.top + y - HEADER_LINES)
        if strip.cell_length == width:
            return strip
        return strip.adjust_cell_length(width, BLANK)

    def _axis_line(self) -> Strip:
        grid = self.grid
        if grid is None:
            return Strip([Segment(clean(self.note, 200), self._style("dim"))])
        columns = self.columns
        chars = [" "] * columns
        label_every = max(10, columns // 6)
        for c in range(0, columns - 5, label_every):
            label = fmt.when(moment(grid.column_start(c, columns)), date=False)
            for i, ch in enumerate(label):
                if c + i < columns:
                    chars[c + i] = ch
        return Strip([Segment(" " * self.lead + "".join(chars), self._style("dim"))])

    def window_columns(self) -> tuple[int, int] | None:
        """The incident window's first and last columns (None: no window, or none of it
        inside the session)."""
        grid, window = self.grid, self.window
        if grid is None or window is None or window[1] <= grid.start or window[0] >= grid.end:
            return None
        columns = self.columns
        last = grid.column_of(min(window[1], grid.end) - 1e-6, columns)
        return grid.column_of(window[0], columns), last

    def _marker_line(self) -> Strip:
        grid = self.grid
        if grid is None:
            return Strip([])
        columns = self.columns
        shared, mark = self._style("shared"), self._style("mark")
        cells: list[tuple[str, Style]] = [(" ", shared)] * columns
        window = self.window_columns()
        if window is not None:
            first, last = window
            for c in range(first, last + 1):
                cells[c] = ("─", mark)
            cells[first] = ("├", mark)
            cells[last] = ("┤", mark) if last > first else ("│", mark)
        for first, last in grid.shared_columns(columns):
            for c in range(first, last + 1):
                cells[c] = ("━", shared)
            cells[first] = ("▼", shared)
        cells[self.cursor_column()] = ("┃", mark)
        label = "shared" if grid.shared else ("window" if window is not None else "")
        at = fmt.when(moment(self.cursor_t), seconds=True, date=False) if self.cursor_t is not None else ""
        segments = [
            Segment(fit(label, self.name_width + 1), self._style("dim")),
            Segment(fit(f"at {at}", VALUES_WIDTH + 1), mark),
            *merge_runs(cells),
        ]
        return Strip(segments)

    def _status_line(self) -> Strip:
        if self.grid is None:
            return Strip([])
        count = len(self.grid.tracks)
        parts = [
            METRIC_WORDS[self.metric],
            f"{count} participant{'s' if count != 1 else ''}",
            "h/l move in time",
            "m next metric",
            "Enter: quality at the cursor",
            "j/k participant",
        ]
        text = parts[0]
        for part in parts[1:]:  # as many as fit, most useful first
            if cell_len(text) + 3 + cell_len(part) <= self.size.width:
                text += f" · {part}"
        return Strip([Segment(clean(text, 300), self._style("dim"))])

    def _runs(self, row: int) -> list[tuple[int, str, Style]]:
        """Row ``row``'s cells as runs of one look (start column, glyphs, style), marks apart;
        kept until the metric, the width or the theme changes."""
        grid = self.grid
        assert grid is not None
        columns = self.columns
        self._style("absent")  # the styles of the current theme
        key = (self.metric, columns, self._styles_for, id(grid))
        cached = self._run_cache.get(row)
        if cached is not None and cached[0] == key:
            return cached[1]
        codes = grid.cells(self.metric, columns)[row]
        marks = grid.markers(row, columns)
        runs: list[tuple[int, str, Style]] = []
        column = 0
        for code, group in groupby(codes):
            length = len(list(group))
            style = self._code_style(code)
            inside = sorted(c for c in marks if column <= c < column + length)
            at = column
            for mark in inside:
                if mark > at:
                    runs.append((at, GLYPHS[code] * (mark - at), style))
                runs.append((mark, marks[mark], style + self._style("mark")))
                at = mark + 1
            if column + length > at:
                runs.append((at, GLYPHS[code] * (column + length - at), style))
            column += length
        self._run_cache[row] = (key, runs)
        return runs

    def _row_line(self, row: int) -> Strip:
        grid = self.grid
        if grid is None or not 0 <= row < len(grid.tracks):
            return Strip([])
        track = grid.tracks[row]
        name = fit(clean(track.name, 200), self.name_width)
        segments = [Segment(name, self._style("row" if row == self.row else "name")), Segment(" ", BLANK)]
        if self.cursor_t is not None:
            reading = grid.reading(row, self.metric, self.cursor_t)
            segments.append(Segment(fit(reading.text, VALUES_WIDTH), self._code_style(reading.code)))
            segments.append(Segment(" ", BLANK))
        else:
            segments.append(Segment(" " * (VALUES_WIDTH + 1), BLANK))
        # The time cursor shows in the selected row (and on the marker line) only: a step
        # then repaints the values, the marker line and one row, not every row's cells.
        cursor = self.cursor_column() if row == self.row else -1
        return Strip.join([Strip(segments, self.lead), self._cells_strip(row, cursor)])

    def _cells_strip(self, row: int, cursor: int) -> Strip:
        """Row ``row``'s cells, with the time cursor at column ``cursor`` (-1: none; the
        strip without a cursor is kept)."""
        runs = self._runs(row)
        if cursor < 0:
            kept = self._strip_cache.get(row)
            if kept is not None and kept[0] is runs:
                return kept[1]
        segments: list[Segment] = []
        cursor_style = self._style("cursor")
        for start, glyphs, style in runs:
            end = start + len(glyphs)
            if not start <= cursor < end:
                segments.append(Segment(glyphs, style))
                continue
            if cursor > start:
                segments.append(Segment(glyphs[: cursor - start], style))
            segments.append(Segment("┃", style + cursor_style))
            if end > cursor + 1:
                segments.append(Segment(glyphs[cursor + 1 - start :], style))
        strip = Strip(segments, self.columns)
        if cursor < 0:
            self._strip_cache[row] = (runs, strip)
        return strip

    # -- what a step repaints --------------------------------------------------------------

    def _repaint_cursor(self) -> None:
        """After a time step: the values beside the names, the marker line and the selected
        row. (Textual writes a changed line from the widget's left edge to the end of the
        change: the values sit on the left so that writing them costs little.)"""
        width = self.size.width
        rows = self.body_height
        regions = [
            Region(0, HEADER_LINES, self.lead, rows),
            Region(0, 1, width, 1),
        ]
        selected = HEADER_LINES + self.row - self.top
        if HEADER_LINES <= selected < HEADER_LINES + rows:
            regions.append(Region(0, selected, width, 1))
        self.refresh(*regions)

    # -- actions ---------------------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        grid = self.grid
        if grid is None:
            return
        columns = self.columns
        target = min(columns - 1, max(0, self.cursor_column() + delta))
        self.cursor_t = grid.column_middle(target, columns)
        self._repaint_cursor()

    def action_edge(self, direction: int) -> None:
        grid = self.grid
        if grid is None:
            return
        columns = self.columns
        self.cursor_t = grid.column_middle(0 if direction < 0 else columns - 1, columns)
        self._repaint_cursor()

    def action_row(self, delta: int) -> None:
        grid = self.grid
        if grid is None or not grid.tracks:
            return
        old = self.row
        self.row = min(len(grid.tracks) - 1, max(0, self.row + delta))
        if self.row == old:
            return
        visible = self.body_height
        if self.row < self.top or self.row >= self.top + visible:
            self.top = max(0, min(self.row, self.row - visible + 1)) if self.row >= self.top else self.row
            self.refresh()
            return
        for row in (old, self.row):
            self.refresh(Region(0, HEADER_LINES + row - self.top, self.size.width, 1))

    def action_metric(self) -> None:
        index = HEAT_METRICS.index(self.metric)
        self.metric = HEAT_METRICS[(index + 1) % len(HEAT_METRICS)]
        self.refresh()
