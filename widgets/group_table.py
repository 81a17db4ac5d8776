"""The Groups view's table: one row per group, the outlier first.

Columns: the group, participants, degraded, the share degraded as a bar and a percentage,
the dominant cause, and when it began (from 100 columns on).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.style import Style
from textual.strip import Strip

from roomscope.tui import fmt
from roomscope.tui.text import clean
from roomscope.widgets.cells import fit, merge_runs
from roomscope.widgets.row_view import RowView

if TYPE_CHECKING:
    from roomscope.tui.incident.groups import Group

BAR = 10


def share_bar(share: float, cells: int = BAR) -> str:
    """'█████▌    ' for a share of 0.55 over 10 cells."""
    eighths = round(max(0.0, min(1.0, share)) * cells * 8)
    full, part = divmod(eighths, 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")).ljust(cells)


def header_text(width: int) -> str:
    wide = width >= 100
    group = _group_width(width)
    head = fit("Group", group) + " " + fit("People", 6, right=True) + " " + fit("Degr.", 6, right=True)
    head += " " + fit("Share", BAR + 6) + " " + "Dominant cause"
    if wide:
        head = head.ljust(width - 7) + "From"
    return "  " + head


def _group_width(width: int) -> int:
    return 30 if width >= 100 else 22


class GroupTable(RowView):
    """Groups of one dimension (rows held by the screen)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.groups: Sequence[Group] = ()
        self.empty_text = "⋯ reading the participants…"

    @property
    def count(self) -> int:
        return len(self.groups)

    def show(self, groups: Sequence[Group], keep: int | None = 0) -> None:
        self.groups = groups
        self.rows_changed(keep)

    @property
    def selected(self) -> Group | None:
        return self.groups[self.cursor] if 0 <= self.cursor < len(self.groups) else None

    def render_row(self, index: int, width: int, selected: bool) -> Strip:
        g = self.groups[index]
        base = self.look("selected" if selected else "base")
        look = "poor" if g.poor else ("fair" if g.degraded else "good")
        parts: list[tuple[str, Style]] = [("● " if g.degraded else "○ ", base + self.look(look))]
        parts.append((fit(clean(g.label, 120), _group_width(width)) + " ", base))
        parts.append((fit(str(g.participants), 6, right=True) + " ", base))
        parts.append((fit(str(g.degraded), 6, right=True) + " ", base))
        parts.append((share_bar(g.share) + " ", base + self.look(look)))
        parts.append((fit(f"{g.share:.0%}", 4, right=True) + " ", base))
        cause = ""
        if g.degraded and g.cause:
            cause = ("all " if g.cause_count == g.degraded else f"{g.cause_count}× ") + g.cause
        used = sum(cell_len(t) for t, _ in parts)
        tail = 7 if width >= 100 else 0
        parts.append((fit(clean(cause, 120) or "—", max(1, width - used - tail)), base + self.look("muted")))
        if tail:
            when = fmt.when(g.first_degraded, date=False) if g.first_degraded else "—"
            parts.append((" " + fit(when, tail - 1), base))
        used = sum(cell_len(t) for t, _ in parts)
        if used < width:
            parts.append((" " * (width - used), base))
        return Strip(merge_runs(parts))
