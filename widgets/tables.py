"""A DataTable with vim keys, for the small tables of the detail screens.

A cursor step writes little to the terminal: the two rows concerned are repainted (not the
row under a mouse pointer that was never shown, nor the scrollbar beside them), and a row
is written as one run per look rather than one per cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text, TextType
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, CellType, RowKey

TEXTUAL_PRIVATE_API = (
    "_set_hover_cursor",
    "_refresh_region",
    "_show_hover_cursor",
    "_require_update_dimensions",
)
"""What of DataTable's internals this module relies on (a test checks they still exist)."""


def merge_same_look(strip: Strip) -> Strip:
    """Join neighbouring segments that look the same on the terminal.

    DataTable gives every cell its own style because each carries the cell's coordinate as
    mouse metadata; the terminal sees one escape sequence per cell for what is one colour
    across the row. A merged run keeps its first cell's metadata, so a click anywhere in
    it still lands on the right row (these tables have a row cursor)."""
    segments: list[Segment] = []
    texts: list[str] = []
    first: Style | None = None
    look: Style | None = None
    for text, style, control in strip:
        if control is not None or style is None:
            if first is not None:
                segments.append(Segment("".join(texts), first))
                texts, first, look = [], None, None
            segments.append(Segment(text, style, control))
            continue
        plain = style.clear_meta_and_links()
        if first is not None and plain == look:
            texts.append(text)
            continue
        if first is not None:
            segments.append(Segment("".join(texts), first))
        texts, first, look = [text], style, plain
    if first is not None:
        segments.append(Segment("".join(texts), first))
    return Strip(segments, strip.cell_length)


class VimTable(DataTable[object]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", show=False, id="table.down"),
        Binding("k", "cursor_up", "Up", show=False, id="table.up"),
        Binding("g", "scroll_top", "Top", show=False, id="table.top"),
        Binding("G", "scroll_bottom", "End", show=False, id="table.bottom"),
    ]
    DEFAULT_CSS = """
    VimTable { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]

    def add_row(
        self,
        *cells: CellType,
        height: int | None = 1,
        key: str | None = None,
        label: TextType | None = None,
    ) -> RowKey:
        """DataTable reads ``str`` cells as Rich markup: these cells hold provider strings
        (names, roles, ISPs, event details), so a ``str`` is shown as plain text."""
        plain = [Text(cell) if isinstance(cell, str) else cell for cell in cells]
        return super().add_row(*plain, height=height, key=key, label=label)

    def action_scroll_top(self) -> None:
        if self.row_count:
            self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        if self.row_count:
            self.move_cursor(row=self.row_count - 1)

    # -- what a cursor step repaints -------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        return merge_same_look(super().render_line(y))

    def _set_hover_cursor(self, active: bool) -> None:
        """DataTable repaints the row under the mouse on every key, to hide a hover bar;
        repaint it only when the hover bar really appears or disappears."""
        if active != self._show_hover_cursor:
            super()._set_hover_cursor(active)

    def _refresh_region(self, region: Region) -> VimTable:
        """A row's region spans the table's virtual width: keep it off the scrollbar."""
        visible = Region(
            int(self.scroll_x),
            int(self.scroll_y),
            self.scrollable_content_region.width,
            self.scrollable_content_region.height,
        )
        clipped = region.intersection(visible)
        if clipped:
            super()._refresh_region(clipped)
        return self


@dataclass(frozen=True)
class ColumnSpec:
    """How a column of a :class:`FittedTable` gives way when the table is narrow."""

    label: str
    priority: int
    """Higher keeps its width longer: the lowest shrinks first, and is the first left out
    when even every column's minimum does not fit."""
    min_width: int | None = None
    """The narrowest it gets before it is left out (None: never narrower than its content)."""
    max_width: int | None = None
    """Not wider than this while other columns are short of room (one long value does not
    widen the column for everyone); beyond it only with room to spare."""
    short: str | None = None
    """The title shown when the column is narrower than ``label``."""

    def title(self, width: int) -> str:
        return self.short if self.short is not None and width < cell_len(self.label) else self.label


def fit_widths(
    specs: Sequence[ColumnSpec], natural: Sequence[int], available: int, padding: int
) -> list[int]:
    """Each column's width (0: left out) so that the columns with their ``padding`` on both
    sides fit ``available`` cells, shrinking and leaving out the lowest priorities first."""
    wanted = [max(1, n) for n in natural]
    widths = [
        min(n, s.max_width) if s.max_width is not None else n for s, n in zip(specs, wanted, strict=True)
    ]
    floors = [n if s.min_width is None else min(n, s.min_width) for s, n in zip(specs, wanted, strict=True)]

    def total() -> int:
        return sum(w + 2 * padding for w in widths if w > 0)

    order = sorted(range(len(specs)), key=lambda i: (specs[i].priority, -i))
    for i in order:
        excess = total() - available
        if excess <= 0:
            break
        widths[i] = max(floors[i], widths[i] - excess)
    for i in order:
        if total() <= available:
            break
        if len([w for w in widths if w > 0]) > 1:
            widths[i] = 0
    for i in reversed(order):  # room to spare: capped columns grow back, most important first
        spare = available - total()
        if spare <= 0:
            break
        if widths[i] > 0 and widths[i] < wanted[i]:
            widths[i] += min(spare, wanted[i] - widths[i])
    return widths


TableRow = tuple[str, Sequence[object]]
"""A row's key and its cells, one per column spec."""


class FittedTable(VimTable):
    """A VimTable whose columns shrink by priority and cut their cells with an ellipsis to
    fit the table's width, instead of running off its right edge. It keeps the rows it
    shows, and lays them out again when its width changes."""

    def __init__(self, specs: Sequence[ColumnSpec], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.specs = list(specs)
        self._rows: list[TableRow] = []
        self._widths: list[int] = []

    def set_rows(self, rows: Sequence[TableRow]) -> None:
        """Show ``rows`` (the cursor stays on the row with the same key)."""
        self._rows = [(key, [_ellipsis(cell) for cell in cells]) for key, cells in rows]
        self._layout(force=True)

    def row_keys(self) -> list[str]:
        return [key for key, _cells in self._rows]

    def column_cells(self, label: str) -> list[object]:
        """Every row's cell of the column titled ``label``, shown or left out for room."""
        index = next(i for i, spec in enumerate(self.specs) if spec.label == label)
        return [cells[index] for _key, cells in self._rows]

    def on_resize(self) -> None:
        self._layout(force=False)

    def _available(self) -> int:
        width = self.size.width
        if self.row_count + 1 > self.size.height:  # a vertical scrollbar takes its room
            width -= self.styles.scrollbar_size_vertical
        return width

    def _layout(self, *, force: bool) -> None:
        natural = [cell_len(spec.label) for spec in self.specs]
        for _key, cells in self._rows:
            for i, cell in enumerate(cells):
                natural[i] = max(natural[i], _width_of(cell))
        available = self._available()
        widths = (
            fit_widths(self.specs, natural, available, self.cell_padding) if available > 0 else list(natural)
        )
        if not force and widths == self._widths:
            return
        shown = [i for i, w in enumerate(widths) if w > 0]
        same_columns = [i for i, w in enumerate(self._widths) if w > 0] == shown
        self._widths = widths
        selected = self._cursor_key()
        if same_columns and not force:
            for column, i in zip(self.ordered_columns, shown, strict=True):
                column.width = widths[i]
                column.label = Text(self.specs[i].title(widths[i]), overflow="ellipsis", no_wrap=True)
            self._require_update_dimensions = True
            self.refresh()
            return
        self.clear(columns=True)
        for i in shown:
            label = Text(self.specs[i].title(widths[i]), overflow="ellipsis", no_wrap=True)
            self.add_column(label, width=widths[i], key=str(i))
        for key, cells in self._rows:
            self.add_row(*(cells[i] for i in shown), key=key)
        if selected is not None and selected in self.row_keys():
            self.move_cursor(row=self.get_row_index(selected))

    def _cursor_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return None if key.value is None else str(key.value)


def _ellipsis(cell: object) -> object:
    """Cells are cut with '…' when their column is narrower than they are."""
    text = Text(cell) if isinstance(cell, str) else cell
    if isinstance(text, Text):
        text.no_wrap = True
        text.overflow = "ellipsis"
    return text


def _width_of(cell: object) -> int:
    if isinstance(cell, Text):
        return cell.cell_len
    return cell_len(str(cell))
