"""The first screen: every session of the chosen profiles, newest first, with their Quality.

The Quality column is filled lazily (the rows on screen, then a few ahead) by a
:class:`~roomscope.tui.scan.Lookahead` running in a worker; ``D`` scans the whole list
(:class:`~roomscope.tui.scan.Scan`) with a progress bar, Escape cancels; ``Q`` sorts by
quality over what is diagnosed. ``/`` takes the query language of :mod:`roomscope.tui.query`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on, work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget

from roomscope.screens import handoff
from roomscope.screens.base import RoomscopeScreen
from roomscope.screens.navigation import OpenSession
from roomscope.tui import fmt, present
from roomscope.widgets.filter_bar import FilterBar, FilterError
from roomscope.widgets.progress_bar import ProgressBar
from roomscope.widgets.session_table import SessionHeader, SessionTable
from roomscope.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from rich.table import Table
    from textual.timer import Timer

    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.live import LivePace, LiveWatch
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
KEEP_FIRST_SCREEN_AFTER_S = 1.0


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
        Binding("v", "status", "Show", id="sessions.status", tooltip="Cycle all / live only / ended only"),
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
        Binding(
            "L",
            "live",
            "Live mode",
            show=False,
            id="sessions.live",
            tooltip="Live mode on/off: refresh at the providers' pace",
        ),
        Binding(
            "p",
            "pause",
            "Pause live mode",
            show=False,
            id="sessions.pause",
            tooltip="Pause or resume live mode",
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
        Binding(
            "b",
            "bundle",
            "Bundle",
            show=False,
            id="sessions.bundle",
            tooltip="Write the selected session's incident bundle",
        ),
        Binding(
            "e",
            "export",
            "Export",
            show=False,
            id="sessions.export",
            tooltip="Export the whole list as filtered (CSV, JSON)",
        ),
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
        self.live = False
        """Live mode (``L``, ``--live``): the list and its live sessions refresh on their own."""
        self.live_paused = False
        self.live_updated_at: float | None = None
        """When live mode last read the list again (the store's clock)."""
        self.live_refreshes = 0
        self.live_pace: LivePace | None = None
        self._live_timer: Timer | None = None
        self._live_generation = 0
        self._live_due = False
        self._live_watch: LiveWatch | None = None
        self._live_told = False
        self._preview_saved_at: float | None = None
        """When the last run's rows on show were kept (None: none shown)."""
        self._kept: list[dict[str, Any]] | None = None
        """What the first-screen file holds of this run's list (its signature)."""
        self._kept_check: tuple[int, int, bool] | None = None
        self._kept_write: Callable[[], None] | None = None
        """The write of the first-screen file that is due."""

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
        self._show_first_screen(table, header)
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

    # -- the last run's first screen (see roomscope.tui.first_screen) --------------------

    def _show_first_screen(self, table: SessionTable, header: SessionHeader) -> None:
        """Draw the last run's first rows for these sources in the first frame, if kept."""
        kept = self.rs.first_screen
        preview = kept.read() if kept is not None else None
        if preview is None or not preview.rows:
            return
        self._preview_saved_at = preview.saved_at
        table.show_preview(preview.rows, multi_profile=preview.multi_profile)
        header.show(
            multi_profile=preview.multi_profile,
            sort_key=self.state.sort,
            descending=self.state.descending,
            quality=self.quality_column,
        )

    def _keep_first_screen(self, store: Store, collection: Collection[Session]) -> None:
        """Keep the opening view's first rows for the next start (in a thread, when they
        changed): the list as first opened, not a filtered or re-sorted one."""
        kept = self.rs.first_screen
        if (
            kept is None
            or self.state != ListState()
            or collection is not self.listed
            or not collection.started
        ):
            return
        check = (id(collection), collection.loaded, bool(collection.busy))
        if check == self._kept_check:
            return
        self._kept_check = check
        from roomscope.tui.first_screen import MAX_ROWS, signature

        rows: list[Session] = []
        for index in range(min(MAX_ROWS, len(collection))):
            row = collection.row(index)
            if row is None:
                break
            rows.append(row)
        if not rows and (len(collection) > 0 or collection.error is not None):
            return  # not loaded yet, or failed: what was kept stays (an empty list is kept)
        mark = signature(rows)
        if mark == self._kept:
            return
        self._kept = mark
        total = collection.total
        multi = len(self.state.profiles or store.profiles) > 1
        now = store.clock()

        def write() -> None:
            kept.write(rows, total=total, multi_profile=multi, now=now)

        # A second later, in a thread (not on the way to the rows being drawn), or as the
        # list closes, whichever comes first.
        due = self._kept_write is None
        self._kept_write = write
        if due:
            self.set_timer(KEEP_FIRST_SCREEN_AFTER_S, self._write_first_screen)

    def _write_first_screen(self, *, now: bool = False) -> None:
        write, self._kept_write = self._kept_write, None
        if write is None:
            return
        if now:
            write()
        else:
            self.run_worker(write, thread=True, group="first-screen", exit_on_error=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.table.focus()
        self._show_status()
        self._start()
        self.set_interval(1.0, self._show_status)
        self.set_interval(REVALIDATE_EVERY_S, self._revalidate)
        if getattr(self.app, "live_at_start", False):
            self.live = True  # --live: the first refresh is planned once the list is shown

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

    class StoreFailed(Message):
        """The store could not be built: the last run's rows are not what is there."""

    @work(group="sessions-start", exclusive=True, exit_on_error=False, description="Opening the data store")
    async def _start(self) -> None:
        try:
            store = await self.rs.ready()
        except Exception:
            self.post_message(self.StoreFailed())
            raise
        self.post_message(self.StoreReady(store))

    @on(StoreFailed)
    def _store_failed(self) -> None:
        self.table.drop_preview()

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
        if self.live:
            self.live_updated_at = store.clock()  # the list just read is the first refresh
        if store.status.cache_note:  # the status line may have to cut it short: say it whole once
            self.notify(store.status.cache_note, severity="warning", timeout=10)

    def _show_collection(self, store: Store) -> None:
        for unsubscribe in self._unsubscribe[1:]:
            unsubscribe()
        del self._unsubscribe[1:]
        for worker in self.workers:
            if worker.group == "rows" and worker.is_running:
                worker.cancel()  # a filter deciding rows by their diagnosis: stop it
        self.listed, self.collection, self._ranked = self._make_collection(store)
        collection = self.collection
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
        if self.live and not self.live_paused:
            self._live_schedule()  # a refresh under way read the list as it was asked before

    def _make_collection(
        self, store: Store, *, renew: bool = False
    ) -> tuple[Collection[Session], Collection[Session], RankedCollection[Session] | None]:
        """The store's list for what the user asked (``renew``: read afresh), and what the
        table shows of it (ranked by quality when sorted so)."""
        query = self.state.query(store.clock())
        listed = store.sessions(query, self.state.profiles, renew=renew)
        if self.state.sort != "quality":
            return listed, listed, None
        from roomscope.tui.store.views import RankedCollection

        ranked = RankedCollection(listed, self._quality_rank, descending=self.state.descending)
        return listed, ranked, ranked

    def on_screen_resume(self) -> None:
        self._show_status()  # not drawn while covered
        if self._live_due:
            self._live_tick()  # a refresh fell due while the list was covered

    def on_unmount(self) -> None:
        super().on_unmount()
        self._write_first_screen(now=True)  # quitting within a second of the rows changing
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
        """Pages past their freshness are fetched again while they are on screen (live mode
        does it at its own pace instead)."""
        if self.live:
            return
        if self.collection is not None and self.collection.started and self.is_current:
            self.table.request_visible()

    # -- live mode -----------------------------------------------------------------------

    class LiveLoaded(Message):
        """Live mode has read the list again: show it in place of the rows on screen."""

        def __init__(
            self,
            generation: int,
            made: tuple[Collection[Session], Collection[Session], RankedCollection[Session] | None],
        ) -> None:
            super().__init__()
            self.generation = generation
            self.made = made

    class LiveDiagnosed(Message):
        """Live mode has diagnosed a live session again."""

        def __init__(self, generation: int, session: Session, diagnosis: SessionDiagnosis) -> None:
            super().__init__()
            self.generation = generation
            self.session = session
            self.diagnosis = diagnosis

    class LiveDone(Message):
        """A live refresh has ended: plan the next one (``live``: the live sessions it saw,
        ``requests``: what it was seen to ask of the providers)."""

        def __init__(self, generation: int, live: list[Session], requests: int) -> None:
            super().__init__()
            self.generation = generation
            self.live = live
            self.requests = requests

    def action_live(self) -> None:
        """Live mode on (a refresh now, then at the providers' pace) or off."""
        if self.live:
            self._live_stop()
            self.notify("Live mode off.", timeout=2)
            return
        self.live = True
        self.live_paused = False
        self._live_tick()
        self._show_status()

    def action_pause(self) -> None:
        """Pause live mode (nothing is asked while paused) or resume it (a refresh now)."""
        if not self.live:
            self.notify("p pauses live mode: L starts it.", timeout=3)
            return
        self.live_paused = not self.live_paused
        if self.live_paused:
            self._live_cancel()
        else:
            self._live_tick()
        self._show_status()

    def _live_stop(self) -> None:
        self.live = False
        self.live_paused = False
        self.live_pace = None
        self._live_due = False
        self._live_watch = None
        self._live_told = False
        self._live_cancel()
        if self.lookahead is not None:
            from roomscope.tui.limits import LIVE_TTL_S

            self.lookahead.live_ttl_s = LIVE_TTL_S
        self._show_status()

    def _live_cancel(self) -> None:
        """Stop the timer and the refresh under way (its answers are ignored)."""
        self._live_generation += 1
        if self._live_timer is not None:
            self._live_timer.stop()
            self._live_timer = None
        for worker in self.workers:
            if worker.group == "live" and worker.is_running:
                worker.cancel()

    def _live_schedule(self, delay: float | None = None) -> None:
        """The next refresh in ``delay`` seconds (default: the pace's interval)."""
        self._live_cancel()
        store = self.rs.store
        if self.live_pace is None and store is not None:
            from roomscope.tui.live import pace

            names = self.state.profiles or tuple(store.profiles)
            self.live_pace = pace([store.provider(name) for name in names], [])
        if delay is None:
            from roomscope.tui.limits import LIVE_MIN_REFRESH_S

            delay = self.live_pace.interval_s if self.live_pace is not None else LIVE_MIN_REFRESH_S
        self._live_timer = self.set_timer(delay, self._live_tick, name="live refresh")

    def _live_tick(self) -> None:
        """One refresh: the providers' anchors moved to now (the demo world), what can still
        change asked again, the list read afresh beside the one on screen (its first rows and
        the rows in view), then the live sessions in view (and a few below) diagnosed again."""
        self._live_timer = None
        if not self.live or self.live_paused:
            return
        store = self.rs.store
        if store is None or self.collection is None or not self.is_current:
            self._live_due = True  # on the screen's return (or the store's arrival)
            return
        self._live_due = False
        self._live_cancel()
        if self._live_watch is None:
            from datetime import UTC, datetime

            from roomscope.tui.live import LiveWatch

            self._live_watch = LiveWatch(datetime.fromtimestamp(store.clock(), UTC))
        store.reanchor()
        store.refresh_live()
        table = self.table
        height = max(1, table.scrollable_content_region.height)
        made = self._make_collection(store, renew=True)
        self._live_refresh(self._live_generation, store, made, table.scroll_offset.y, height)

    @work(group="live", exclusive=True, exit_on_error=False, description="Refreshing the live list")
    async def _live_refresh(
        self,
        generation: int,
        store: Store,
        made: tuple[Collection[Session], Collection[Session], RankedCollection[Session] | None],
        top: int,
        height: int,
    ) -> None:
        from roomscope.tui.errors import ProviderError
        from roomscope.tui.limits import LIVE_NEAR_ROWS, QUALITY_COLUMN_CONCURRENCY
        from roomscope.tui.scan import RequestMeter

        collection = made[1]
        live: list[Session] = []
        meter = RequestMeter(store)
        try:
            await collection.ensure(0, 1)
            await collection.ensure(max(0, top - height), top + 2 * height)
            end = min(len(collection), top + height)
            if collection.error is not None and (
                end == 0 or any(collection.row(i) is None for i in range(top, end))
            ):
                return  # the rows on screen stay as they were; the status line says what failed
            self.post_message(self.LiveLoaded(generation, made))
            for index in range(top, min(len(collection), top + height + LIVE_NEAR_ROWS)):
                row = collection.row(index)
                if row is not None and row.is_live and not row.problem:
                    live.append(row)
            gate = asyncio.Semaphore(QUALITY_COLUMN_CONCURRENCY)

            async def one(session: Session) -> None:
                async with gate:
                    try:
                        diagnosis = await store.diagnosis(session)
                    except ProviderError:
                        return  # the Quality column says it when it asks itself
                self.post_message(self.LiveDiagnosed(generation, session, diagnosis))

            await asyncio.gather(*(one(s) for s in live))
        finally:
            meter.close()
            self.post_message(self.LiveDone(generation, live, meter.total))

    @on(LiveLoaded)
    def _live_loaded(self, message: LiveLoaded) -> None:
        store = self.rs.store
        if message.generation != self._live_generation or not self.live or store is None:
            return
        for unsubscribe in self._unsubscribe[1:]:
            unsubscribe()
        del self._unsubscribe[1:]
        self.listed, self.collection, self._ranked = message.made
        self.table.replace(message.made[1])
        self._unsubscribe.append(message.made[1].changed.subscribe(self._status_soon))
        self.live_updated_at = store.clock()
        self.live_refreshes += 1
        self._show_status()

    @on(LiveDiagnosed)
    def _live_diagnosed(self, message: LiveDiagnosed) -> None:
        if message.generation != self._live_generation:
            return
        session, diagnosis = message.session, message.diagnosis
        if self.lookahead is not None:
            self.lookahead.remember(session, diagnosis)
        watch = self._live_watch
        if watch is not None:
            from roomscope.tui.live import finding_notice

            for finding, window in watch.observe(session, diagnosis):
                notice = finding_notice(session, finding, window, fmt.shown_zone())
                self.notify(notice, severity="warning", timeout=12)
        self.table.refresh_session(session)

    @on(LiveDone)
    def _live_done(self, message: LiveDone) -> None:
        store = self.rs.store
        if message.generation != self._live_generation or not self.live or self.live_paused or store is None:
            return
        from roomscope.tui.limits import LIVE_TTL_S
        from roomscope.tui.live import pace

        names = self.state.profiles or tuple(store.profiles)
        self.live_pace = pace(
            [store.provider(name) for name in names], message.live, measured=message.requests
        )
        if self.lookahead is not None:  # live mode asks again itself, at its pace
            self.lookahead.live_ttl_s = max(LIVE_TTL_S, 2 * self.live_pace.interval_s)
        slowest = self.live_pace.slowest
        if not self._live_told and slowest is not None:
            self._live_told = True  # once: the status line says the interval from then on
            self.notify(f"Live mode: the list refreshes {self.live_pace.every} ({slowest.why}).", timeout=6)
        self._live_schedule(self.live_pace.interval_s)
        self._show_status()

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
        earlier = self._preview_note()
        if store is None or collection is None:
            bar.show(["starting…"], [*earlier, self.rs.source_label])
            return
        self._keep_first_screen(store, collection)
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
        right: list[str] = [*earlier]
        if collection.busy or store.status.in_flight:
            right.append("loading…")
        freshness = collection.freshness
        if self.live:
            right.extend(self._live_status(store))
        elif freshness is not None:
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

    def _preview_note(self) -> list[str]:
        """'last run's rows, 5m old' while those are the rows shown."""
        saved = self._preview_saved_at
        if saved is None or not self.table.preview_shown:
            return []
        age = fmt.ago(saved, self.rs.clock().timestamp()).removesuffix(" ago")
        return ["last run's rows" if age == "just now" else f"last run's rows, {age} old"]

    def _live_status(self, store: Store) -> list[str]:
        """'● live · updated 10s ago · every 10s', or '⏸ paused · updated 2m ago'."""
        from roomscope.tui.live import age_text

        parts = ["⏸ paused" if self.live_paused else "● live"]
        if self.live_updated_at is not None:
            parts.append(f"updated {age_text(store.clock() - self.live_updated_at)}")
        if not self.live_paused and self.live_pace is not None:
            parts.append(self.live_pace.every)
        return parts

    # -- actions -------------------------------------------------------------------------

    def _change(self, **changes: object) -> None:
        self.state = replace(self.state, **changes)  # type: ignore[arg-type]
        self.table.drop_preview()  # they were the opening view's rows
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
    def _filter_closed(self, event: FilterBar.Closed) -> None:
        bar = self.query_one(FilterBar)
        if not event.cleared:
            if bar.error is not None:  # this text is not a valid query: the bar stays
                return
            bar.close()
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

    def action_bundle(self) -> None:
        """Write the selected session's incident bundle in a worker (the app says where)."""
        session = self.table.selected
        if session is None:
            self.notify("No session selected: b bundles the selected one.", timeout=3)
            return
        self.notify(f"Writing the incident bundle of {session.title}…", timeout=3)
        handoff.hand_off(
            self, handoff.bundle_session(self.rs, self.app, session), "Writing the incident bundle"
        )

    def action_export(self) -> None:
        """Ask for a path, then stream every row of the list as filtered (and sorted) to it,
        with what the Quality column knows, in a worker."""
        if self.collection is None:
            self.notify("The list is still opening: export once its rows are there.", timeout=3)
            return

        def export(text: str) -> None:
            from roomscope.tui.incident import describe

            collection = self.collection  # the list as it is when the question is answered
            if collection is None:
                return
            lookahead = self.lookahead
            known = lookahead.known if lookahead is not None else (lambda session: None)
            self.notify("Exporting the list…", timeout=3)
            handoff.hand_off(
                self,
                handoff.export_stream(
                    self.app,
                    text,
                    collection.stream(),
                    header=describe.SESSION_CSV_HEADER,
                    cells=lambda session: describe.session_cells(session, known(session)),
                    record=lambda session: describe.session_json(session, known(session)),
                    noun="session",
                ),
                "Exporting the list",
            )

        handoff.ask_path(self, "sessions.csv", export)
