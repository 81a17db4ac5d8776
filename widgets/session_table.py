"""A virtual table over a lazily loaded session collection.

Only the rows on screen are ever rendered (Textual's line API: ``render_line``); the
collection is asked for the rows the viewport needs (plus one screen ahead) and draws a
loading placeholder for rows that have not arrived. A list of 100,000 sessions costs the
same to scroll as a list of 100.

What reaches the terminal is kept small: moving the cursor repaints the two rows it left
and entered (not the table), and a row is drawn as a few runs of one style each, so a
cursor step costs a few hundred bytes of output, not a screenful. When the rows change (a
page arrives, a revalidation, live mode's refresh) only the rows on screen whose lines
differ from what they show are repainted: the same data read again paints nothing.

The Quality column shows each session's diagnosis as far as it is known (``quality``, a
lookup that never waits); for the rows on screen and a few ahead that it does not know, the
table posts :class:`SessionTable.NeedQuality` and the screen has them diagnosed, then
repaints each row as its answer comes (:meth:`SessionTable.refresh_session`).

Before the store has its first rows, the table can show the last run's first screen
(:meth:`SessionTable.show_preview`, rows from :mod:`roomscope.tui.first_screen`): drawn as
rows are, until the collection's first load ends; the rows then replace them, repainting
only the lines that differ.

Keys that move or open (j/k/g/G/PgUp/PgDn/Enter) typed before the list has rows are kept,
in order, and applied once the rows are there, as a terminal keeps type-ahead. The mouse
wheel moves the selection with the rows, and a click selects the clicked row (a click on
the selected row opens it, as Enter does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Static

from roomscope import themes
from roomscope.tui import fmt, present
from roomscope.tui.limits import QUALITY_COLUMN_AHEAD
from roomscope.tui.text import clean
from roomscope.widgets.cells import fit, merge_runs

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.first_screen import RowPreview
    from roomscope.tui.models import Session
    from roomscope.tui.store import Collection

    Row = Session | RowPreview

QualityLookup = Callable[["Session"], "SessionDiagnosis | str | None"]
"""A session's diagnosis if known now, a failure's message, or None (not known yet)."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    width: int
    """Fixed width in cells; 0 for the flexible column."""
    right: bool = False
    min_total: int = 0
    """Shown only when the table is at least this wide."""


COLUMNS: tuple[Column, ...] = (
    Column("start", "Start", 11),
    Column("profile", "Profile", 12),
    Column("name", "Session", 0),
    Column("room", "Room", 20, min_total=110),
    Column("status", "Status", 7),
    Column("duration", "Duration", 9, right=True),
    Column("participants", "People", 7, right=True),
    Column("quality", "Quality", 12),
    Column("id", "Id", 10, min_total=130),
)
SORT_COLUMN = {
    "start": "start",
    "name": "name",
    "status": "status",
    "duration": "duration",
    "participants": "participants",
    "profile": "provider",
    "quality": "quality",
}


def quality_width(width: int) -> int:
    """The Quality column's width: the verdict and counts ('● 12/40 poor') on narrow tables,
    with the top finding's cause from 100 columns."""
    if width < 100:
        return 12
    return 34 if width < 150 else 40


QUALITY_ID_MIN_TOTAL = 150
"""With the Quality column, the Id column needs this many cells."""


def layout(width: int, multi_profile: bool, quality: bool = False) -> list[tuple[Column, int]]:
    """The visible columns and their widths for a table ``width`` cells wide (``quality``:
    with the Quality column)."""

    def shown(c: Column) -> bool:
        if c.key == "profile":
            return multi_profile
        if c.key == "quality":
            return quality
        if c.key == "id" and quality:
            return width >= QUALITY_ID_MIN_TOTAL
        return width >= c.min_total

    chosen = [c for c in COLUMNS if shown(c)]
    sizes = {c.key: (quality_width(width) if c.key == "quality" else c.width) for c in chosen}
    fixed = sum(sizes.values()) + len(chosen)  # one space after each
    flex = max(8, width - fixed)
    return [(c, sizes[c.key] or flex) for c in chosen]


def cell_text(column: str, session: Row, now: datetime) -> str:
    if column == "start":
        return fmt.short_when(session.started_at, now)
    if column == "profile":
        return clean(session.profile or session.provider, 40)
    if column == "name":
        if session.problem:
            return f"⚠ unreadable: {clean(session.problem, 120)}"
        return clean(session.title, 200)
    if column == "room":
        return clean(session.room_name or "", 60)
    if column == "status":
        return {"live": "● live", "ended": "ended"}.get(session.status.value, "?")
    if column == "duration":
        return fmt.duration(session.duration_s)
    if column == "participants":
        return "—" if session.participant_count is None else str(session.participant_count)
    if column == "id":
        return clean(session.id, 40)
    return ""


QUEUED_ACTIONS = frozenset({"cursor_down", "cursor_up", "top", "bottom", "page_down", "page_up", "select"})
"""The list's actions kept while it has no rows yet, and applied when they arrive."""
MAX_QUEUED = 64


class SessionHeader(Static):
    """The column titles above a :class:`SessionTable`, with the sort marker."""

    DEFAULT_CSS = """
    SessionHeader {
        height: 1;
        background: $panel;
        color: $text-muted;
        text-style: bold;
        padding: 0 0 0 1;
    }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.multi_profile = False
        self.quality = False
        self.sort_key = "start"
        self.descending = True
        self.table_width = 0

    def show(self, *, multi_profile: bool, sort_key: str, descending: bool, quality: bool = False) -> None:
        self.multi_profile = multi_profile
        self.quality = quality
        self.sort_key = sort_key
        self.descending = descending
        self._draw()

    def align_to(self, width: int) -> None:
        """Lay the titles out for a table whose rows are ``width`` cells wide."""
        if width != self.table_width:
            self.table_width = width
            self._draw()

    def _draw(self) -> None:
        width = self.table_width or max(0, self.size.width - 2)
        parts = []
        for column, cells in layout(width, self.multi_profile, self.quality):
            label = column.label
            if SORT_COLUMN.get(column.key) == self.sort_key:
                marker = "▼" if self.descending else "▲"
                label = f"{label} {marker}" if len(label) + 2 <= cells else f"{label[: cells - 1]}{marker}"
            parts.append(fit(label, cells, column.right))
        self.update(Text(" ".join(parts), no_wrap=True, overflow="crop"), layout=False)  # one line high


class SessionTable(ScrollView, can_focus=True):
    """Rows of sessions, drawn on demand from a :class:`~roomscope.tui.store.Collection`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False, id="list.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="list.up"),
        Binding("g,home", "top", "Top", show=False, id="list.top", tooltip="Go to the first row"),
        Binding(
            "G,end",
            "bottom",
            "End",
            show=False,
            id="list.bottom",
            tooltip="Go to the last row",
        ),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="list.page-down"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="list.page-up"),
        Binding("enter", "select", "Open", id="list.open", tooltip="Open the selected session"),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-table--cursor",
        "session-table--live",
        "session-table--muted",
        "session-table--problem",
        "session-table--error",
        "session-table--pending",
    }
    DEFAULT_CSS = """
    SessionTable {
        height: 1fr;
        overflow-x: hidden;
        padding: 0 0 0 1;
        scrollbar-size-vertical: 1;
    }
    SessionTable > .session-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    SessionTable:blur > .session-table--cursor { background: $boost; text-style: none; }
    SessionTable > .session-table--live { color: $success; }
    SessionTable > .session-table--muted { color: $text-muted; }
    SessionTable > .session-table--problem { color: $warning; }
    SessionTable > .session-table--error { color: $error; }
    SessionTable > .session-table--pending { color: $text-disabled; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, init=False, repaint=False)
    """Index of the selected row."""

    class Selected(Message):
        """Enter on a loaded row."""

        def __init__(self, session: Session, index: int) -> None:
            super().__init__()
            self.session = session
            self.index = index

    class NeedRows(Message):
        """The viewport shows rows that are not loaded: load ``first`` up to ``end``."""

        def __init__(self, first: int, end: int) -> None:
            super().__init__()
            self.first = first
            self.end = end

    class JumpToEnd(Message):
        """G on a list whose length is not known yet: load it all, then go to the end."""

    class NeedQuality(Message):
        """Rows on screen (then a few ahead) whose Quality is not known: diagnose these,
        in this order."""

        def __init__(self, sessions: list[Session]) -> None:
            super().__init__()
            self.sessions = sessions

    def __init__(
        self, *, clock: Callable[[], datetime], header: SessionHeader | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.clock = clock
        self.header = header
        self.source: Collection[Session] | None = None
        self.multi_profile = False
        self.empty_text = "No sessions."
        self._unsubscribe: Callable[[], None] | None = None
        self._missing: list[int] = []
        self._asked: tuple[int, int] | None = None
        self._layout: list[tuple[Column, int]] = []
        self._layout_width = -1
        self._now = clock()
        self._looks: dict[str, Style] = {}
        """The styles of one drawing pass (Textual computes ``rich_style`` afresh on each read)."""
        self._queued: list[str] = []
        """Actions typed before the rows arrived, oldest first."""
        self.quality: QualityLookup | None = None
        """What the Quality column shows (None: it shows nothing yet)."""
        self._quality_asked: tuple[tuple[str, str], ...] = ()
        self._drawn: dict[int, tuple[Segment, ...]] = {}
        """What each row on screen was last painted with (by row index): a change of the
        rows repaints only the rows whose lines differ."""
        self._preview: tuple[RowPreview, ...] = ()
        """The last run's first rows, drawn until the collection's first load ends."""

    # -- data ----------------------------------------------------------------------------

    def show_preview(self, rows: tuple[RowPreview, ...], *, multi_profile: bool) -> None:
        """Draw ``rows`` (the last run's first screen) until a collection has its first rows."""
        if self.source is not None and self.source.started:
            return
        self._preview = rows
        if self.source is None:
            self.multi_profile = multi_profile
        self._layout = []
        self._sync_size()
        self.refresh()
        self._align_header()

    def drop_preview(self) -> None:
        """Stop drawing the last run's rows (what they showed is no longer what was asked)."""
        if self._preview:
            self._preview = ()
            self._sync_size()
            self.refresh()

    @property
    def preview_shown(self) -> bool:
        """Whether the rows drawn are the last run's (the collection has not loaded yet)."""
        return bool(self._preview) and (self.source is None or not self.source.started)

    def attach(self, source: Collection[Session], *, multi_profile: bool = False) -> None:
        """Show ``source`` (the cursor returns to the top)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self.source is not None:
            self._queued.clear()  # keys typed for the list being replaced
        self.source = source
        self.multi_profile = multi_profile
        self._unsubscribe = source.changed.subscribe(self._source_changed)
        self._asked = None
        self._layout = []
        self.set_reactive(SessionTable.cursor, 0)
        self.scroll_to(y=0, animate=False, immediate=True)
        self._drawn.clear()
        self._source_changed()
        self.refresh()
        self._align_header()

    def replace(self, source: Collection[Session]) -> None:
        """Show ``source`` as the same list read again (live mode): the selected session
        stays selected wherever its row is now (rows added above it move it down, and the
        rows on screen move with it unless the list is scrolled to its top, where the new
        rows come into view), and only the rows whose lines changed are repainted."""
        before = self.selected
        old_cursor, old_top = self.cursor, self.scroll_offset.y
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.source = source
        self._unsubscribe = source.changed.subscribe(self._source_changed)
        self._asked = None
        found = self._find(before, old_cursor) if before is not None else None
        cursor = old_cursor if found is None else found
        top = old_top + (cursor - old_cursor) if old_top > 0 else 0
        height = max(1, self.scrollable_content_region.height)
        if cursor >= top + height:
            top = cursor - height + 1
        self._sync_size()
        self.set_reactive(SessionTable.cursor, max(0, min(cursor, self._rows() - 1)))
        if top != old_top:
            self.scroll_to(y=top, animate=False, immediate=True)
            self._drawn.clear()
            self.refresh()
        else:
            self._repaint_changed()

    def _find(self, session: Session, near: int) -> int | None:
        """The index of ``session`` among the loaded rows, looked for from ``near`` outwards."""
        source = self.source
        if source is None:
            return None
        reach = max(200, 4 * max(1, self.scrollable_content_region.height))
        for step in range(reach + 1):
            for index in (near + step, near - step) if step else (near,):
                if index < 0:
                    continue
                item = source.row(index)
                if item is not None and item.id == session.id and item.profile == session.profile:
                    return index
        return None

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _source_changed(self) -> None:
        if self._preview and self.source is not None and self.source.started:
            self._preview = ()  # the collection's own rows (or its error) from now on
        self._asked = None  # the world moved: ask again for whatever is still missing
        self._sync_size()
        self._repaint_changed()
        if self._queued:
            self.call_after_refresh(self._replay)  # once the new size can be scrolled over

    def _rows(self) -> int:
        if self.preview_shown:
            return len(self._preview)
        return len(self.source) if self.source is not None else 0

    def _sync_size(self) -> None:
        rows = max(1, self._rows())
        self.virtual_size = Size(self.size.width, rows)
        if self.source is not None and self.cursor >= rows:
            self.set_reactive(SessionTable.cursor, max(0, rows - 1))

    @property
    def selected(self) -> Session | None:
        if self.source is None:
            return None
        return self.source.row(self.cursor)

    def on_resize(self) -> None:
        self._layout = []
        self._drawn.clear()
        self._sync_size()
        self._align_header()

    def _align_header(self) -> None:
        header = self.header
        if header is not None:
            header.multi_profile = self.multi_profile
            header.quality = self.quality is not None
            header.align_to(self.scrollable_content_region.width)

    # -- rendering -----------------------------------------------------------------------

    def _columns(self) -> list[tuple[Column, int]]:
        width = self.scrollable_content_region.width
        if not self._layout or width != self._layout_width:
            # first use, or the vertical scrollbar came or went (no resize event for that):
            # lay the rows out again and keep the column titles above them
            self._layout = layout(width, self.multi_profile, self.quality is not None)
            self._layout_width = width
            self._align_header()
        return self._layout

    def render_lines(self, crop: Region) -> list[Strip]:
        self._now = self.clock()
        self._looks = {}
        self._missing.clear()
        top = self.scroll_offset.y
        end = top + self.scrollable_content_region.height
        if any(not top <= index < end for index in self._drawn):
            self._drawn = {i: line for i, line in self._drawn.items() if top <= i < end}
        lines = super().render_lines(crop)
        if self._missing:
            self._request(min(self._missing), max(self._missing) + 1)
        else:
            self._prefetch()
        self._want_quality()
        return lines

    def _want_quality(self) -> None:
        """Ask for the Quality of the rows on screen and a few ahead that it does not know
        (once per change of that set: a repaint of one row asks nothing new)."""
        source, lookup = self.source, self.quality
        if source is None or lookup is None or not source.started:
            return
        top = self.scroll_offset.y
        height = max(1, self.scrollable_content_region.height)
        end = min(len(source), top + height + round(height * QUALITY_COLUMN_AHEAD))
        wanted: list[Session] = []
        for index in range(top, end):
            item = source.row(index)
            if item is not None and not item.problem and lookup(item) is None:
                wanted.append(item)
        keys = tuple((s.profile, s.id) for s in wanted)
        if keys != self._quality_asked:
            self._quality_asked = keys
            if wanted:
                self.post_message(self.NeedQuality(wanted))

    def refresh_session(self, session: Session) -> None:
        """Repaint the row of ``session`` if it is on screen and its line changed (its
        Quality became known, or a live session's changed)."""
        source = self.source
        if source is None:
            return
        top = self.scroll_offset.y
        for index in range(top, min(len(source), top + self.scrollable_content_region.height)):
            item = source.row(index)
            same = item is not None and item.id == session.id and item.profile == session.profile
            if same and tuple(self._line(index - top)) != self._drawn.get(index):
                self._refresh_row(index)
        self._quality_asked = ()  # ask again for what is still missing

    def _prefetch(self) -> None:
        """Ask for the next screenful before it is scrolled into view."""
        source = self.source
        if source is None or not source.started:
            return
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        probe = min(len(source) - 1, top + 2 * height)
        if probe >= top + height and source.row(probe) is None and source.error_at(probe) is None:
            self._request(top + height, probe + 1)

    def _repaint_changed(self) -> None:
        """Repaint the rows on screen whose lines would differ from what they show (none
        when a revalidation brought the same data)."""
        if not self.is_mounted or self.source is None or not self.source.started:
            self.refresh()
            return
        top = self.scroll_offset.y
        height = self.scrollable_content_region.height
        missing, self._missing = self._missing, []
        try:
            for y in range(height):
                if tuple(self._line(y)) != self._drawn.get(top + y):
                    self._refresh_row(top + y)
        finally:
            self._missing = missing

    def render_line(self, y: int) -> Strip:
        strip = self._line(y)
        index = self.scroll_offset.y + y
        self._drawn[index] = tuple(strip)
        return strip

    def _line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        source = self.source
        base = self._look("base")
        if self.preview_shown:
            if source is not None and y == 0:
                self._note_missing(0)
            if index >= len(self._preview):
                return Strip.blank(width, base)
            return self._row_line(self._preview[index], width, index == self.cursor)
        if source is None or not source.started:
            text = "  ⋯ loading sessions…" if y == 0 else ""
            if source is not None and y == 0:
                self._note_missing(0)
            return self._text_line(text, width, self._style("muted"))
        rows = len(source)
        if rows == 0:
            if y == 0:
                error = source.error
                if error is not None:
                    return self._text_line(f"  ⚠ {clean(str(error), 300)}", width, self._style("error"))
                return self._text_line(f"  {self.empty_text}", width, self._style("muted"))
            return Strip.blank(width, base)
        if index >= rows:
            return Strip.blank(width, base)
        item = source.row(index)
        selected = index == self.cursor
        if item is None:
            error = source.error_at(index)
            if error is not None:
                text = f"  ⚠ {clean(str(error), 300)}  (r to retry)"
                style = self._style("error")
            else:
                self._note_missing(index)
                text = "  ⋯ loading…"
                style = self._style("muted")
            if selected:
                style = style + self._style("cursor")
            return self._text_line(text, width, style)
        return self._row_line(item, width, selected)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"session-table--{name}")

    def _look(self, name: str) -> Style:
        """A style of this drawing pass: ``base`` (the table's), ``selected`` (the cursor bar),
        or the foreground alone of a component (``live``, ``muted``, ``problem``)."""
        look = self._looks.get(name)
        if look is None:
            if name == "base":
                look = self.rich_style
            elif name == "selected":
                look = self._look("base") + self._style("cursor")
            else:  # a cell's colour over the row's background (the table's, or the bar's)
                look = Style(color=self._style(name).color)
            self._looks[name] = look
        return look

    def _text_line(self, text: str, width: int, style: Style) -> Strip:
        return Strip([Segment(fit(text, width, False), style)], width)

    def _row_line(self, item: Row, width: int, selected: bool) -> Strip:
        """One row: the selected row is a bar across the whole width (the cursor's
        background and weight), keeping the colour of the status and problem cells."""
        base = self._look("selected" if selected else "base")
        parts: list[tuple[str, Style]] = []
        used = 0
        for column, cells in self._columns():
            if column.key == "quality":
                text, look = self._quality_cell(item, cells)
                parts.append((fit(text, cells, False), base + look))
                parts.append((" ", base))
                used += cells + 1
                continue
            text = fit(cell_text(column.key, item, self._now), cells, column.right)
            style = base
            if column.key == "status":
                style = base + self._look("live" if item.is_live else "muted")
            elif item.problem and column.key == "name":
                style = base + self._look("problem")
            parts.append((text, style))
            parts.append((" ", base))
            used += cells + 1
        if used < width:
            parts.append((" " * (width - used), base))
        return Strip(merge_runs(parts)).crop(0, width)

    def _quality_cell(self, item: Row, cells: int) -> tuple[str, Style]:
        """The Quality cell's text and colour: the verdict's colour of the theme (its words
        carry it without colour), muted while not known (always, on the last run's rows)."""
        lookup = self.quality
        found = None
        if lookup is not None and not item.problem and not self.preview_shown:
            found = lookup(cast("Session", item))  # not the last run's rows: a Session
        if found is None:
            return ("⋯" if lookup is not None and not item.problem else "", self._look("pending"))
        if isinstance(found, str):
            return (f"⚠ {clean(found, 200)}", self._look("error"))
        verdict = found.worst.value
        look = self._looks.get(f"verdict-{verdict}")
        if look is None:
            look = Style.parse(themes.verdict_style(self.app.theme_variables, verdict) or "none")
            self._looks[f"verdict-{verdict}"] = look
        tz = fmt.local(self._now).tzinfo or UTC
        return (present.quality_text(found, cells, tz), look)

    def _note_missing(self, index: int) -> None:
        self._missing.append(index)

    def _request(self, start: int, stop: int) -> None:
        height = max(1, self.scrollable_content_region.height)
        wanted = (max(0, start), stop + height)
        if self._asked == wanted:
            return
        self._asked = wanted
        self.post_message(self.NeedRows(*wanted))

    def request_visible(self) -> None:
        """Ask for the rows in view (used by the periodic revalidation)."""
        top = self.scroll_offset.y
        self._asked = None
        self._request(top, top + max(1, self.scrollable_content_region.height))

    # -- cursor ----------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        self._refresh_row(old)
        self._refresh_row(new)
        self._scroll_into_view(new)

    def _refresh_row(self, index: int) -> None:
        """Mark one row's cells for repainting (the region is in content coordinates: the
        padding and the scrollbar are left alone)."""
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

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """However the rows were scrolled (the scrollbar, the wheel), the selection stays on
        screen: it moves to the nearest visible row."""
        super().watch_scroll_y(old_value, new_value)
        if self._rows() == 0:
            return
        top = round(new_value)
        height = max(1, self.scrollable_content_region.height)
        if self.cursor < top:
            self.move_to(top)
        elif self.cursor >= top + height:
            self.move_to(top + height - 1)

    def move_to(self, index: int) -> None:
        rows = self._rows()
        self.cursor = max(0, min(index, rows - 1)) if rows else 0

    # -- keys typed before the rows arrive -----------------------------------------------

    def _has_rows(self) -> bool:
        source = self.source
        return source is not None and source.started and len(source) > 0

    def _waiting(self) -> bool:
        """Whether a queued action must wait: no rows yet, or the selected row is still
        loading (``G`` then Enter opens the last row once it is there)."""
        source = self.source
        if not self._has_rows() or source is None:
            return True
        return source.row(self.cursor) is None and source.error_at(self.cursor) is None

    def run_action_when_ready(self, action: str) -> bool:
        """Keep ``action`` for later if the list cannot apply it yet; True if kept."""
        if action not in QUEUED_ACTIONS:
            return False
        if not self._queued and self._has_rows():
            return False
        if self.source is not None and self.source.started and len(self.source) == 0:
            self._queued.clear()  # an empty list: nothing to move over or open
            return True
        if len(self._queued) < MAX_QUEUED:
            self._queued.append(action)
        return True

    def _replay(self) -> None:
        """Apply the kept actions in order while the list can take them."""
        source = self.source
        if source is not None and source.started and len(source) == 0:
            self._queued.clear()
            return
        while self._queued and not self._waiting():
            action = self._queued.pop(0)
            getattr(self, f"_do_{action}")()

    @property
    def queued_actions(self) -> list[str]:
        """Actions kept until the rows arrive (oldest first)."""
        return list(self._queued)

    def _act(self, action: str) -> None:
        if not self.run_action_when_ready(action):
            getattr(self, f"_do_{action}")()

    # -- actions -------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self._act("cursor_down")

    def action_cursor_up(self) -> None:
        self._act("cursor_up")

    def action_top(self) -> None:
        self._act("top")

    def action_bottom(self) -> None:
        self._act("bottom")

    def action_page_down(self) -> None:
        self._act("page_down")

    def action_page_up(self) -> None:
        self._act("page_up")

    def action_select(self) -> None:
        self._act("select")

    def _do_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def _do_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def _do_top(self) -> None:
        self.move_to(0)

    def _do_bottom(self) -> None:
        source = self.source
        if source is None:
            return
        total = source.total
        if total is None or len(source) < total:
            self.post_message(self.JumpToEnd())  # the end is not addressable yet: load up to it
        self.move_to(len(source) - 1)

    def _do_page_down(self) -> None:
        self.move_to(self.cursor + self._page())

    def _do_page_up(self) -> None:
        self.move_to(self.cursor - self._page())

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def _do_select(self) -> None:
        item = self.selected
        if item is not None and not item.problem:
            self.post_message(self.Selected(item, self.cursor))

    # -- mouse ---------------------------------------------------------------------------

    def _on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        if not (event.ctrl or event.shift):
            event.stop()
            event.prevent_default()
            self._wheel(+1)

    def _on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        if not (event.ctrl or event.shift):
            event.stop()
            event.prevent_default()
            self._wheel(-1)

    def _wheel(self, direction: int) -> None:
        """The wheel scrolls the rows and moves the selection by as many rows, so the
        selected row keeps its place on screen (at either end of the list it moves on
        to the first or last row)."""
        if not self._has_rows():
            return
        step = max(1, round(self.app.scroll_sensitivity_y)) * direction
        target = self.cursor + step
        self.scroll_to(y=self.scroll_offset.y + step, animate=False, immediate=True)
        self.move_to(target)

    async def _on_click(self, event: events.Click) -> None:
        """A click selects the clicked row; a click on the selected row opens it (as in
        lazygit, and as Textual's DataTable does)."""
        offset = event.get_content_offset(self)
        if offset is None or not self._has_rows():
            return
        event.stop()
        index = self.scroll_offset.y + offset.y
        if index >= self._rows():
            return
        if index == self.cursor:
            self._do_select()
        else:
            self.move_to(index)
