"""A DataTable with vim keys, for the small tables of the detail screens.

A cursor step writes little to the terminal: the two rows concerned are repainted (not the
row under a mouse pointer that was never shown, nor the scrollbar beside them), and a row
is written as one run per look rather than one per cell.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text, TextType
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellType, RowKey

TEXTUAL_PRIVATE_API = ("_set_hover_cursor", "_refresh_region", "_show_hover_cursor")
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
