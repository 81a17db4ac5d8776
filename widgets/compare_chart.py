"""The Compare view's chart: one row per participant per metric on one time axis, one scale
per metric across everyone, and a cursor column shared by every row (h/l move it); each row
ends with its value at the cursor."""

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
LABEL = 26
VALUE = 10


@dataclass(frozen=True)
class CompareRow:
    """One participant's metric: its cells on the shared axis and the metric's scale."""

    label: str
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
    def cells(self) -> int:
        return max(8, (self.scrollable_content_region.width or 80) - LABEL - VALUE - 2)

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
        label = f"{row.metric} · {row.label}" if row.first_of_metric else f"  · {row.label}"
        parts: list[tuple[str, Style]] = [(fit(clean(label, 80), LABEL) + " ", base)]
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
        used = sum(cell_len(t) for t, _ in parts)
        if used < width:
            parts.append((" " * (width - used), base))
        return Strip(merge_runs(parts))
