"""The first screen: every session of the chosen profiles, newest first, with their Quality.

The Quality column is filled lazily (the rows on screen, then a few ahead) by a
:class:`~roomscope.tui.scan.Lookahead` running in a worker; ``D`` scans the whole list
(:class:`~roomscope.tui.scan.Scan`) with a progress bar, Escape cancels; ``Q`` sorts by
quality over what is diagnosed. ``/`` takes the query language of :mod:`roomscope.tui.query`.
"""

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
from roomscope.widgets.filter_bar import FilterBar, FilterError
from roomscope.widgets.progress_bar import ProgressBar
from roomscope.widgets.session_table import SessionHeader, SessionTable
from roomscope.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from rich.table import Table

    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Session, SessionQuery
    from roomscope.tui.scan import Lookahead, Scan
    from roomscope.tui.store import Collection, Store
    from roomscope.tui.store.views import RankedCollection

RANGES: tuple[tuple[str, timedelta | None], ...] = (
    ("all time", None),
    ("last 1h", timedelta(hours=1)),
    ("last 24h", timedelta(hours=24)),
    ("last 7d", timedelta(days=7)),
    ("last 30d", timedelta(days=30)),
)
STATUSES: tuple[str | None, ...] = (None, "live", "ended")
SORTS: tuple[str, ...] = ("start", "name", "status", "duration", "participants", "provider", "quality")
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

        quality = self.sort == "quality"  # ranked here over the newest-first list
        span = RANGES[self.range_index][1]
        since = datetime.fromtimestamp(now_ts, UTC) - span if span else None
        if since is not None:
            since = since.replace(second=0, microsecond=0)
        return SessionQuery(
            since=since,
            status=SessionStatus(self.status) if self.status else None,
            text=self.text,
            sort=SortKey.START if quality else SortKey(self.sort),
            descending=True if quality else self.descending,
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
    quality_column: ClassVar[bool] = True
    """The Quality column, filled by diagnosing the rows on screen and a screenful ahead in
    the background. Without it (tests of other behaviour turn it off: the demo world's
    diagnoses cost CPU they do not need) the list has no Quality column at all."""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "slash",
            "filter",
            "Filter",
            id="sessions.filter",
            tooltip="Filter the list with the query language",
        ),
        Binding("s", "sort", "Sort", id="sessions.sort", tooltip="Change the sort column"),
        Binding("S", "reverse", "Rev", id="sessions.reverse", tooltip="Reverse sort order"),
        Binding("v", "status", "Live", id="sessions.status", tooltip="Cycle all / live only / ended only"),
        Binding(
            "t", "range", "Range", id="sessions.range", tooltip="Cycle the time range (all, 1h, 24h, 7d, 30d)"
        ),
        Binding(
            "r",
            "refresh",
            "Refresh",
            id="sessions.refresh",
            tooltip="Ask the providers again",
        ),
        Binding("y", "copy", "Copy", id="sessions.copy", tooltip="Copy the selected session's id"),
        Binding("Q", "sort_quality", "Sort by quality, worst first", show=False, id="sessions.quality-sort"),
        Binding("D", "scan", "Scan: diagnose every session of the list", show=False, id="sessions.scan"),
        Binding(
            "escape",
            "back",
            "Clear",
            show=False,
            id="sessions.clear",
            tooltip="Clear the filter, or cancel a long jump or a scan",
        ),
        Binding("q", "quit", "Quit", id="sessions.quit", tooltip="Quit roomscope"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state = ListState()
        self.collection: Collection[Session] | None = None
        """What the table shows (ranked by quality when sorted so)."""
        self.listed: Collection[Session] | None = None
        """The store's list under it (what a scan reads)."""
        self._unsubscribe: list[Callable[[], None]] = []
        self.lookahead: Lookahead | None = None
        self.scan_job: Scan | None = None
        self.last_scan: Scan | None = None
        """The scan that ended last (how far it got)."""
        self._progress_due = False
        self._ranked: RankedCollection[Session] | None = None
        self._quality_missing: str | None = None

    def crumbs(self) -> list[str]:
        return ["Sessions"]

    def compose_body(self) -> Iterable[Widget]:
        yield FilterBar(id="filter")
        yield FilterError(id="filter-error")
        header = SessionHeader(id="header")
        yield header
        table = SessionTable(clock=self.rs.clock, header=header, id="table")
        if self.quality_column:
            table.quality = self._quality_of
        yield table
        yield ProgressBar(id="progress")
        yield StatusBar(id="status")

    def help_notes(self) -> Table:
        """The `/` query language, for the ``?`` help."""
        from rich.table import Table
        from rich.text import Text

        from roomscope.tui import query

        table = Table(
            title=Text("/ filter: terms are ANDed", style="bold"), box=None, expand=True, padding=(0, 1)
        )
        table.add_column("Query", style="bold", no_wrap=True)
        table.add_column("Keeps")
        for example, meaning in query.HELP:
            table.add_row(Text(example), Text(meaning))
        return table

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

    class QualityKnown(Message):
        """A session's diagnosis (or its failure) is known: repaint its row."""

        def __init__(self, session: Session) -> None:
            super().__init__()
            self.session = session

    class Scanned(Message):
        """A scan diagnosed ``session`` (``None``: the scan has ended)."""

        def __init__(self, job: Scan, session: Session | None) -> None:
            super().__init__()
            self.job = job
            self.session = session

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
        from roomscope.tui.scan import Lookahead

        self.lookahead = Lookahead(store, self._on_quality)
        self._show_collection(store)
        if store.status.cache_note:  # the status line may have to cut it short: say it whole once
            self.notify(store.status.cache_note, severity="warning", timeout=10)

    def _show_collection(self, store: Store) -> None:
        for unsubscribe in self._unsubscribe[1:]:
            unsubscribe()
        del self._unsubscribe[1:]
        for worker in self.workers:
            if worker.group == "rows" and worker.is_running:
                worker.cancel()  # a filter deciding rows by their diagnosis: stop it
        query = self.state.query(store.clock())
        collection = store.sessions(query, self.state.profiles)
        self.listed = collection
        self._ranked = None
        if self.state.sort == "quality":
            from roomscope.tui.store.views import RankedCollection

            ranked = RankedCollection(collection, self._quality_rank, descending=self.state.descending)
            self._ranked = collection = ranked
        self.collection = collection
        multi = len(self.state.profiles or store.profiles) > 1
        self.query_one(SessionHeader).show(
            multi_profile=multi,
            sort_key=self.state.sort,
            descending=self.state.descending,
            quality=self.quality_column,
        )
        self._quality_missing = self._no_quality_note(store)
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

    # -- the Quality column ------------------------------------------------------------

    def _on_quality(self, session: Session) -> None:
        """Called by the lookahead when a session's quality is known (not a widget call)."""
        self.post_message(self.QualityKnown(session))

    def _quality_of(self, session: Session) -> SessionDiagnosis | str | None:
        lookahead = self.lookahead
        if lookahead is None:
            return None
        return lookahead.known(session) or lookahead.failure(session)

    def _quality_rank(self, session: Session) -> tuple[float, ...] | None:
        """Worst first: the worst verdict, then how many were poor, then fair."""
        found = self.lookahead.known(session) if self.lookahead is not None else None
        if found is None:
            return None
        return (float(found.worst.rank), float(found.poor), float(found.fair))

    @on(SessionTable.NeedQuality)
    def _need_quality(self, event: SessionTable.NeedQuality) -> None:
        lookahead = self.lookahead
        if lookahead is None or not lookahead.want(event.sessions):
            return
        if not any(w.group == "quality" and w.is_running for w in self.workers):
            self.run_worker(
                lookahead.run(),
                group="quality",
                exit_on_error=False,
                description="Diagnosing the rows on screen",
            )

    @on(QualityKnown)
    def _quality_known(self, message: QualityKnown) -> None:
        self.table.refresh_session(message.session)

    def _no_quality_note(self, store: Store) -> str | None:
        """'Quality ?: Telnyx Rooms has no per-participant quality samples …' for the
        profiles in view whose provider has no quality samples (None when all have them)."""
        from roomscope.tui.errors import Capability, missing

        names = self.state.profiles or tuple(store.profiles)
        reasons = [missing(store.provider(name), Capability.QUALITY) for name in names]
        found = [r for r in reasons if r]
        return f"Quality ?: {found[0]}" if found else None

    # -- scanning the list ---------------------------------------------------------------

    def action_scan(self) -> None:
        """Diagnose every session of the list (as filtered), with a progress bar."""
        store, listed = self.rs.store, self.listed
        if store is None or listed is None:
            self.notify("The list is still opening: scan once its rows are there.", timeout=3)
            return
        if self.scan_job is not None:
            self.notify("A scan is running: Escape stops it.", timeout=3)
            return
        from roomscope.tui.scan import Scan

        job = Scan(store, listed.stream(), target=listed.total)
        self.scan_job = job
        self._unsubscribe.append(job.changed.subscribe(self._progress_soon))
        self._run_scan(job)
        self._show_progress()

    @work(group="scan", exclusive=True, exit_on_error=False, description="Scanning the list")
    async def _run_scan(self, job: Scan) -> None:
        try:
            async for row in job.rows():
                self.post_message(self.Scanned(job, row.session))
        finally:
            self.post_message(self.Scanned(job, None))

    @on(Scanned)
    def _scanned(self, message: Scanned) -> None:
        if message.session is not None:
            self.table.refresh_session(message.session)
            return
        job = message.job
        if job is not self.scan_job:
            return
        self.scan_job = None
        self.last_scan = job
        p = job.progress
        target = p.target if p.target is not None else p.done
        stopped = p.done < target
        verb = "Scan stopped" if stopped else "Scan done"
        failed = f", {p.failed:,} failed" if p.failed else ""
        self.notify(
            f"{verb}: {p.done:,} of {target:,} sessions diagnosed, {p.poor:,} poor, {p.fair:,} fair{failed}.",
            timeout=5,
        )
        self._show_progress()
        if self.state.sort == "quality" and not stopped and self.rs.store is not None:
            self._show_collection(self.rs.store)  # rank again over everything diagnosed

    def _progress_soon(self) -> None:
        """A scan moves many times a second: draw its progress at most five times a second."""
        if not self._progress_due:
            self._progress_due = True
            self.set_timer(0.2, self._progress_now)

    def _progress_now(self) -> None:
        self._progress_due = False
        self._show_progress()

    def _show_progress(self) -> None:
        """The progress bar: a scan, else a long load to the end of the list, else hidden."""
        try:
            bar = self.query_one(ProgressBar)
        except NoMatches:
            return
        job = self.scan_job
        if job is not None:
            p = job.progress
            bar.show("Scanning", p.fraction, present.scan_detail(p))
            return
        collection = self.collection
        activity = collection.activity if collection is not None else None
        if activity is not None and activity.kind == "jump":
            bar.show("Loading", activity.fraction, present.jump_detail(activity))
            return
        bar.hide()

    def action_sort_quality(self) -> None:
        """Sort by quality, worst first, over the sessions diagnosed so far."""
        self._change(sort="quality", descending=True)
        self.notify("Sorted by quality, worst first (D scans the whole list)", timeout=3)

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
        self._show_progress()
        left: list[str] = []
        loaded, total = collection.loaded, collection.total
        activity = collection.activity
        note = None if activity is not None and activity.kind == "jump" else present.view_note(activity)
        ranked = self._ranked
        if ranked is not None and ranked is collection:
            note = present.rank_note(ranked.ranked, len(ranked.rows), ranked.done, self.state.descending)
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
        if self._quality_missing:
            left.append(self._quality_missing)
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
        """A valid query replaces the list; a bad one says what is wrong under the bar and
        the list keeps the last good result."""
        from datetime import UTC, datetime

        from roomscope.tui import query

        bar = self.query_one(FilterBar)
        try:
            query.parse(event.text, datetime.fromtimestamp(self.rs.clock().timestamp(), UTC))
        except query.QueryError as exc:
            bar.set_error(str(exc))
            self.query_one(FilterError).show(str(exc), exc.position)
            return
        bar.set_error(None)
        self.query_one(FilterError).show(None)
        if event.text != self.state.text:
            self._change(text=event.text)

    @on(FilterBar.Closed)
    def _filter_closed(self) -> None:
        self.table.focus()

    def action_sort(self) -> None:
        store = self.rs.store
        multi = store is not None and len(self.state.profiles or store.profiles) > 1
        choices = [s for s in SORTS if (s != "provider" or multi) and (s != "quality" or self.quality_column)]
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
        if self.lookahead is not None:
            self.lookahead.forget_failures()
        self.table.request_visible()
        self.table.refresh()
        self.notify("Refreshing…", timeout=2)

    def action_copy(self) -> None:
        session = self.table.selected
        if session is not None:
            self.rs.copy_text(session.id, "session id")

    def action_back(self) -> None:
        """Escape: cancel a long load, else clear the filter; the first screen stays."""
        scans = [w for w in self.workers if w.group == "scan" and w.is_running]
        if scans:
            for worker in scans:
                worker.cancel()
            return  # the scan's end says how far it got
        jobs = [w for w in self.workers if w.group == "jump" and w.is_running]
        if jobs:
            for worker in jobs:
                worker.cancel()
            self.notify("Stopped loading.", timeout=2)
            self.call_later(self._show_progress)
            return
        if self.state.text or self.state.status or self.state.range_index:
            self.query_one(FilterBar).value = ""
            self.query_one(FilterBar).set_error(None)
            self.query_one(FilterError).show(None)
            self.query_one(FilterBar).remove_class("-visible")
            self._change(text="", status=None, range_index=0)

    def action_quit(self) -> None:
        self.app.exit(0)

    @on(SessionTable.Selected)
    def _open(self, event: SessionTable.Selected) -> None:
        self.post_message(OpenSession(event.session))
