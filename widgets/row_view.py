"""A keyboard list over rows held in memory, drawn on demand (Textual's line API).

The base of the incident views' lists (the window chart, the groups): only the rows on
screen are drawn, so 10,000 rows cost what 100 do; moving the cursor repaints the two rows it
left and entered. Subclasses draw one row (:meth:`RowView.render_row`) and say how many
there are (``count``); Enter posts :class:`RowView.Chosen` with the row's index.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from roomscope.widgets.cells import fit


class RowView(ScrollView, can_focus=True):
    """Rows with a cursor: j/k, g/G, PgUp/PgDn move it, Enter chooses."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="rows.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="rows.up"),
        Binding("g,home", "top", "Top", show=False, id="rows.top"),
        Binding("G,end", "bottom", "End", show=False, id="rows.bottom"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="rows.page-down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="rows.page-up"),
        Binding("enter", "choose", "Open", id="rows.open"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "row-view--cursor",
        "row-view--muted",
        "row-view--good",
        "row-view--fair",
        "row-view--poor",
        "row-view--shared",
        "row-view--accent",
    }
    DEFAULT_CSS = """
    RowView {
        height: 1fr;
        overflow-x: hidden;
        padding: 0 0 0 1;
        scrollbar-size-vertical: 1;
    }
    RowView > .row-view--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    RowView:blur > .row-view--cursor { background: $boost; text-style: none; }
    RowView > .row-view--muted { color: $text-muted; }
    RowView > .row-view--good { color: $success; }
    RowView > .row-view--fair { color: $warning; }
    RowView > .row-view--poor { color: $error; }
    RowView > .row-view--shared { color: $error; text-style: bold; }
    RowView > .row-view--accent { color: $accent; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)
    """Index of the selected row."""

    class Chosen(Message):
        """Enter on row ``index``."""

        def __init__(self, view: RowView, index: int) -> None:
            super().__init__()
            self.view = view
            self.index = index

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.empty_text = "Nothing to show."
        self._looks: dict[str, Style] = {}

    # -- what subclasses give ------------------------------------------------------------

    @property
    def count(self) -> int:
        return 0

    def render_row(self, index: int, width: int, selected: bool) -> Strip:
        return Strip.blank(width, self.look("selected" if selected else "base"))

    # -- data changes --------------------------------------------------------------------

    def rows_changed(self, keep: int | None = None) -> None:
        """The rows changed: resize, keep the cursor on row ``keep`` (or in range), repaint."""
        rows = max(1, self.count)
        self.virtual_size = Size(self.size.width, rows)
        target = self.cursor if keep is None else keep
        self.set_reactive(RowView.cursor, max(0, min(target, self.count - 1)) if self.count else 0)
        self.refresh()
        self.call_after_refresh(self._scroll_into_view, self.cursor)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, max(1, self.count))

    # -- drawing -------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._looks = {}
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if self.count == 0:
            text = f"  {self.empty_text}" if y == 0 else ""
            return Strip([Segment(fit(text, width), self.look("muted"))], width)
        if index >= self.count:
            return Strip.blank(width, self.look("base"))
        return self.render_row(index, width, index == self.cursor).crop(0, width)

    def style_of(self, name: str) -> Style:
        return self.get_component_rich_style(f"row-view--{name}")

    def look(self, name: str) -> Style:
        """A style of this drawing pass: ``base``, ``selected`` (the cursor bar) or a
        component's colour alone (``muted``, ``good``, ``fair``, ``poor``, ``shared``)."""
        found = self._looks.get(name)
        if found is None:
            if name == "base":
                found = self.rich_style
            elif name == "selected":
                found = self.look("base") + self.style_of("cursor")
            else:
                component = self.style_of(name)
                found = Style(color=component.color, bold=component.bold)
            self._looks[name] = found
        return found

    # -- cursor ----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_into_view(new)

    def _refresh_row(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.scrollable_content_region.height:
            self.refresh(Region(0, y, self.scrollable_content_region.width, 1))

    def _scroll_into_view(self, index: int) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False, immediate=True)

    def move_to(self, index: int) -> None:
        self.cursor = max(0, min(index, self.count - 1)) if self.count else 0

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_top(self) -> None:
        self.move_to(0)

    def action_bottom(self) -> None:
        self.move_to(self.count - 1)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self._page())

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self._page())

    def action_choose(self) -> None:
        if 0 <= self.cursor < self.count:
            self.post_message(self.Chosen(self, self.cursor))
