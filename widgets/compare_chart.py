"""The Compare view's chart: one row per participant per metric on one time axis, one scale
per metric across everyone, and a cursor column shared by every row (h/l move it); each row
ends with its value at the cursor, then (from 100 columns) the participant's name.

Every row's chart starts at the same terminal column: what comes before it is ours and plain
ASCII (the metric's label on its first row, the participant's number), so no terminal can
measure it otherwise than we do. A participant's name is provider text in any script, and
terminals disagree with each other (and with Rich) about the width of some of it —
Devanagari's vowel signs, emoji sequences, East Asian "ambiguous" characters such as ``…``
and ``·`` —; at the start of a row it pushed that row's chart a few cells out of line, so it
comes last, where a different width moves nothing after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.strip import Strip

from roomscope.tui import fmt
from roomscope.tui.text import clean
from roomscope.widgets.cells import fit, merge_runs
from roomscope.widgets.row_view import RowView

HEIGHTS = "▁▂▃▄▅▆▇█"
METRIC = 19
"""The metric's label, on the first row of each metric."""
NUMBER = 2
"""The participant's number (as in the heading and the differences)."""
LABEL = METRIC + NUMBER + 1
"""Where every row's chart starts (in cells from the row's left edge)."""
VALUE = 10
NAME = 18
"""The participant's name at the end of a row, when the row is at least ``NAME_FROM`` wide."""
NAME_FROM = 100


@dataclass(frozen=True)
class CompareRow:
    """One participant's metric: its cells on the shared axis and the metric's scale."""

    label: str
    """The participant's name (provider text: drawn last)."""
    number: int
    metric: str
    unit: str
    cells: tuple[float | None, ...]
    low: float
    high: float
    poor: float | None
    worse_low: bool
    first_of_metric: bool = False


class CompareChart(RowView):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h,left", "move(-1)", "Earlier", show=False, id="compare.left"),
        Binding("l,right", "move(1)", "Later", show=False, id="compare.right"),
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: Sequence[CompareRow] = ()
        self.column = 0
        self.empty_text = "⋯ reading the marked participants' samples…"

    @property
    def count(self) -> int:
        return len(self.rows)

    @property
    def width(self) -> int:
        return self.scrollable_content_region.width or 80

    @property
    def name_width(self) -> int:
        """Cells for the names at the ends of the rows (0: too narrow, the heading names them)."""
        return NAME if self.width >= NAME_FROM else 0

    @property
    def cells(self) -> int:
        names = self.name_width + 2 if self.name_width else 0
        return max(8, self.width - LABEL - 1 - VALUE - names)

    def show(self, rows: Sequence[CompareRow]) -> None:
        self.rows = rows
        self.column = min(self.column, self.cells - 1)
        self.rows_changed()

    def action_move(self, step: int) -> None:
        self.column = max(0, min(self.cells - 1, self.column + step))
        self.refresh()

    def render_row(self, index: int, width: int, selected: bool) -> Strip:
        row = self.rows[index]
        base = self.look("selected" if selected else "base")
        metric = ascii_only(row.metric) if row.first_of_metric else ""
        prefix = fit(metric, METRIC) + fit(str(row.number), NUMBER, right=True) + " "
        parts: list[tuple[str, Style]] = [(prefix, base)]
        span = row.high - row.low or 1.0
        for i, value in enumerate(row.cells[: self.cells]):
            cursor = i == self.column
            if value is None:
                glyph, look = " ", "muted"
            else:
                level = (value - row.low) / span
                glyph = HEIGHTS[max(0, min(len(HEIGHTS) - 1, round(level * (len(HEIGHTS) - 1))))]
                bad = row.poor is not None and (value < row.poor if row.worse_low else value > row.poor)
                look = "poor" if bad else "good"
            style = base + self.look(look)
            if cursor:
                style = style + Style(reverse=True)
            parts.append((glyph, style))
        at = row.cells[self.column] if self.column < len(row.cells) else None
        text = "—" if at is None else f"{fmt.number(at)} {row.unit}".strip()
        parts.append((" " + fit(text, VALUE, right=True), base))
        if self.name_width:
            parts.append(("  " + fit(clean(row.label, 80), self.name_width), base))
        used = sum(cell_len(t) for t, _ in parts)
        if used < width:
            parts.append((" " * (width - used), base))
        return Strip(merge_runs(parts))


def ascii_only(text: str) -> str:
    """``text`` with anything but printable ASCII replaced by ``?`` (the labels before the
    chart are ours; this keeps a future one from moving the chart)."""
    return "".join(ch if " " <= ch <= "~" else "?" for ch in text)
