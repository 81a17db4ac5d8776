"""The first screen: every session of the chosen profiles, newest first."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget

from roomscope.screens.base import RoomscopeScreen
from roomscope.screens.navigation import OpenSession
from roomscope.tui import fmt, present
from roomscope.widgets.filter_bar import FilterBar
from roomscope.widgets.session_table import SessionHeader, SessionTable
from roomscope.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from roomscope.tui.models import Session, SessionQuery
    from roomscope.tui.store import Collection, Store

RANGES: tuple[tuple[str, timedelta | None], ...] = (
    ("all time", None),
    ("last 1h", timedelta(hours=1)),
    ("last 24h", timedelta(hours=24)),
    ("last 7d", timedelta(days=7)),
    ("last 30d", timedelta(days=30)),
)
STATUSES: tuple[str | None, ...] = (None, "live", "ended")
SORTS: tuple[str, ...] = ("start", "name", "status", "duration", "participants", "provider")
ASCENDING_FIRST = {"name", "provider"}
REVALIDATE_EVERY_S = 5.0


@dataclass(frozen=True)
class ListState:
    """What the user asked the list to show (plain data: no pydantic before first paint)."""

    text: str = ""
    status: str | None = None
    range_index: int = 0
    sort: str = "start"
    descending: bool = True
    profiles: tuple[str, ...] | None = None

    def query(self, now_ts: float) -> SessionQuery:
        from datetime import UTC, datetime

        from roomscope.tui.models import SessionQuery, SessionStatus, SortKey

        span = RANGES[self.range_index][1]
        since = datetime.fromtimestamp(now_ts, UTC) - span if span else None
        if since is not None:
            since = since.replace(second=0, microsecond=0)
        return SessionQuery(
            since=since,
            status=SessionStatus(self.status) if self.status else None,
            text=self.text,
            sort=SortKey(self.sort),
            descending=self.descending,
        )

    def describe(self) -> list[str]:
        parts = []
        if self.status:
            parts.append(f"{self.status} only")
        if self.range_index:
            parts.append(RANGES[self.range_index][0])
        if self.text:
            parts.append(f"filter “{self.text}”")
        if self.profiles:
            parts.append("profile " + ", ".join(self.profiles))
        return parts


class SessionsScreen(RoomscopeScreen):
    AUTO_FOCUS = "#table"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("slash", "filter", "Filter", id="sessions.filter"),
        Binding("s", "sort", "Sort", id="sessions.sort"),
        Binding("S", "reverse", "Rev", id="sessions.reverse"),
        Binding("v", "status", "Live", id="sessions.status"),
        Binding("t", "range", "Range", id="sessions.range"),
        Binding("r", "refresh", "Refresh", id="sessions.refresh"),
        Binding("y", "copy", "Copy", id="sessions.copy"),
        Binding("escape", "back", "Clear", show=False, id="sessions.clear"),
        Binding("q", "quit", "Quit", id="sessions.quit"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state = ListState()
        self.collection: Collection[Session] | None = None
        self._unsubscribe: list[Callable[[], None]] = []

    def crumbs(self) -> list[str]:
        return ["Sessions"]

    def compose_body(self) -> Iterable[Widget]:
        yield FilterBar(id="filter")
        header = SessionHeader(id="header")
        yield header
        yield SessionTable(clock=self.rs.clock, header=header, id="table")
        yield StatusBar(id="status")

    @property
    def table(self) -> SessionTable:
        return self.query_one(SessionTable)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self._show_status()
        self._start()
        self.set_interval(1.0, self._show_status)
        self.set_interval(REVALIDATE_EVERY_S, self._revalidate)

    # Workers never touch widgets: they post these messages, and one handler each applies them.

    class StoreReady(Message):
        """The store exists: show its session list."""

        def __init__(self, store: Store) -> None:
            super().__init__()
            self.store = store

    class LoadedToEnd(Message):
        """Every row of ``collection`` is loaded (``G`` on a list whose end was far)."""

        def __init__(self, collection: Collection[Session]) -> None:
            super().__init__()
            self.collection = collection

    @work(group="sessions-start", exclusive=True, exit_on_error=False, description="Opening the data store")
    async def _start(self) -> None:
        self.post_message(self.StoreReady(await self.rs.ready()))

    @on(StoreReady)
    def _store_ready(self, message: StoreReady) -> None:
        store = message.store
        self._unsubscribe.append(store.status_changed.subscribe(self._status_soon))
        if self.rs.source_label == "" and len(store.providers) > 1:
            self.rs.source_label = f"{len(store.providers)} profiles"
        self.update_crumbs()
        self._show_collection(store)
        if store.status.cache_note:  # the status line may have to cut it short: say it whole once
            self.notify(store.status.cache_note, severity="warning", timeout=10)

    def _show_collection(self, store: Store) -> None:
        for unsubscribe in self._unsubscribe[1:]:
            unsubscribe()
        del self._unsubscribe[1:]
        query = self.state.query(store.clock())
        collection = store.sessions(query, self.state.profiles)
        self.collection = collection
        multi = len(self.state.profiles or store.profiles) > 1
        self.query_one(SessionHeader).show(
            multi_profile=multi, sort_key=self.state.sort, descending=self.state.descending
        )
        table = self.table
        table.empty_text = "No sessions match." if self.state.describe() else "No sessions yet."
        table.attach(collection, multi_profile=multi)
        self._unsubscribe.append(collection.changed.subscribe(self._status_soon))
        self._show_status()
        # Ask for the first screenful now rather than when the table is next drawn and
        # finds it missing: the rows are a frame or two sooner.
        self._load_rows(0, 2 * max(1, table.scrollable_content_region.height))

    def on_screen_resume(self) -> None:
        self._show_status()  # not drawn while covered

    def on_unmount(self) -> None:
        super().on_unmount()
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()

    # -- loading -------------------------------------------------------------------------

    @on(SessionTable.NeedRows)
    def _need_rows(self, event: SessionTable.NeedRows) -> None:
        self._load_rows(event.first, event.end)

    def _load_rows(self, first: int, end: int) -> None:
        collection = self.collection
        if collection is not None:
            self.run_worker(
                collection.ensure(first, end),
                group="rows",
                exit_on_error=False,
                description="Loading sessions",
            )

    @on(SessionTable.JumpToEnd)
    def _jump_to_end(self) -> None:
        self._load_all_then_end()

    @work(group="jump", exclusive=True, exit_on_error=False, description="Loading to the end")
    async def _load_all_then_end(self) -> None:
        collection = self.collection
        if collection is None:
            return
        await collection.ensure_all()
        self.post_message(self.LoadedToEnd(collection))

    @on(LoadedToEnd)
    def _loaded_to_end(self, message: LoadedToEnd) -> None:
        collection = message.collection
        if collection is self.collection:
            self.table.move_to(len(collection) - 1)

    def _revalidate(self) -> None:
        """Pages past their freshness are fetched again while they are on screen."""
        if self.collection is not None and self.collection.started and self.is_current:
            self.table.request_visible()

    # -- the status line -----------------------------------------------------------------

    def _status_soon(self) -> None:
        """Changes are announced while the load that made them is still finishing (it is still
        "busy"): draw the status now and again once the load has returned."""
        self._show_status()
        self.call_later(self._show_status)

    def _show_status(self) -> None:
        if not self.is_current:
            return  # covered by another screen: drawn again on_screen_resume
        try:
            bar = self.query_one(StatusBar)
        except NoMatches:  # a timer firing while the screen is torn down
            return
        store = self.rs.store
        collection = self.collection
        if store is None or collection is None:
            bar.show(["starting…"], [self.rs.source_label])
            return
        left: list[str] = []
        loaded, total = collection.loaded, collection.total
        note = present.view_note(collection.activity)
        if not collection.started:
            left.append("loading…")
        elif note and total is None:
            pass  # a filter or sort in progress says how far it got
        elif total is not None:
            left.append(f"{loaded:,}/{total:,} sessions")
        else:
            left.append(f"{loaded:,} of >{loaded:,} sessions")
        left.extend(self.state.describe())
        if note:
            left.append(note)
        right: list[str] = []
        if collection.busy or store.status.in_flight:
            right.append("loading…")
        freshness = collection.freshness
        if freshness is not None:
            age = fmt.ago(freshness.fetched_at, store.clock())
            right.append(f"cached {age}" if freshness.from_cache else f"updated {age}")
        offline = present.offline_notice(store.status)
        if offline:
            right.append(offline)
        if store.status.cache_note:
            right.append(store.status.cache_note)
        error = store.status.last_error
        if error is not None and not offline:
            right.append(f"⚠ {error}")
        if self.rs.source_label:
            right.append(self.rs.source_label)
        bar.show(left, right, offline=offline is not None, error=error is not None)

    # -- actions -------------------------------------------------------------------------

    def _change(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        store = self.rs.store
        if store is not None:
            self._show_collection(store)

    def action_filter(self) -> None:
        bar = self.query_one(FilterBar)
        bar.value = self.state.text
        bar.open()

    @on(FilterBar.FilterChanged)
    def _filter_changed(self, event: FilterBar.FilterChanged) -> None:
        if event.text != self.state.text:
            self._change(text=event.text)

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.table.focus()

    def action_sort(self) -> None:
        store = self.rs.store
        multi = store is not None and len(self.state.profiles or store.profiles) > 1
        choices = [s for s in SORTS if s != "provider" or multi]
        current = choices.index(self.state.sort) if self.state.sort in choices else 0
        sort = choices[(current + 1) % len(choices)]
        self._change(sort=sort, descending=sort not in ASCENDING_FIRST)
        self.notify(f"Sorted by {sort} {'↓' if self.state.descending else '↑'}", timeout=2)

    def action_reverse(self) -> None:
        self._change(descending=not self.state.descending)

    def action_status(self) -> None:
        index = STATUSES.index(self.state.status)
        self._change(status=STATUSES[(index + 1) % len(STATUSES)])

    def action_range(self) -> None:
        self._change(range_index=(self.state.range_index + 1) % len(RANGES))

    def set_profiles(self, profiles: tuple[str, ...] | None) -> None:
        self._change(profiles=profiles)

    def set_status(self, status: str | None) -> None:
        self._change(status=status)

    def set_range(self, label: str) -> None:
        for i, (name, _span) in enumerate(RANGES):
            if name == label:
                self._change(range_index=i)

    def action_refresh(self) -> None:
        store = self.rs.store
        if store is None:
            return
        store.refresh()
        self.table.request_visible()
        self.notify("Refreshing…", timeout=2)

    def action_copy(self) -> None:
        session = self.table.selected
        if session is not None:
            self.rs.copy_text(session.id, "session id")

    def action_back(self) -> None:
        """Escape: cancel a long load, else clear the filter; the first screen stays."""
        jobs = [w for w in self.workers if w.group == "jump" and w.is_running]
        if jobs:
            for worker in jobs:
                worker.cancel()
            self.notify("Stopped loading.", timeout=2)
            return
        if self.state.text or self.state.status or self.state.range_index:
            self.query_one(FilterBar).value = ""
            self.query_one(FilterBar).remove_class("-visible")
            self._change(text="", status=None, range_index=0)

    def action_quit(self) -> None:
        self.app.exit(0)

    @on(SessionTable.Selected)
    def _open(self, event: SessionTable.Selected) -> None:
        self.post_message(OpenSession(event.session))
