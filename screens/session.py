"""One session: its findings (worst first), a heatmap of participants × time, participants
(worst quality first), events, recordings, info.

Opened from the Window view, it is the session at that window: the findings overlapping the
window come first, marked, the heatmap's cursor starts at the window's start and the window
is drawn on its marker line, and the breadcrumb names it. ``b`` writes the session's incident
bundle and ``e`` exports the findings or the participants (:mod:`roomscope.screens.handoff`);
``space`` (the app's) marks the participant under the cursor of the tab shown."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, OptionList, Static, TabbedContent, TabPane
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from roomscope.screens.base import RoomscopeScreen, event_cells, verdict_style
from roomscope.screens.handoff import ask_path, bundle_session, export_rows, hand_off
from roomscope.screens.navigation import OpenParticipant, OpenQuality, ParticipantNav
from roomscope.tui import fmt
from roomscope.tui.kinds import Metric
from roomscope.tui.quality import Verdict
from roomscope.tui.text import clean
from roomscope.widgets.findings_view import FindingsView, summary_text
from roomscope.widgets.heatmap import Heatmap
from roomscope.widgets.heatmap_grid import HeatGrid, build_grid, moment
from roomscope.widgets.prompt_input import OneQuestion
from roomscope.widgets.tables import ColumnSpec, FittedTable, VimTable

if TYPE_CHECKING:
    from datetime import datetime

    from roomscope.tui.diagnosis import ParticipantVerdict, SessionDiagnosis
    from roomscope.tui.models import Artifact, Event, Participant, Recording, Session
    from roomscope.tui.store import QualityReport, Store


def verdict_cell(variables: dict[str, str], report: QualityReport | None, note: str) -> Text:
    if report is None:
        return Text(note, style="dim")
    verdict = report.assessment.verdict
    return Text(f"● {verdict.value}", style=verdict_style(variables, verdict))


def issue_cell(report: QualityReport | None) -> str:
    """'loss send > 5% · 2m48s from 07:13:55'."""
    tripped = report.assessment.tripped_by if report is not None else None
    if report is None or tripped is None:
        return ""
    assessment = report.assessment
    metric = assessment.metrics[tripped]
    level = metric.threshold.poor if assessment.verdict is Verdict.POOR else metric.threshold.fair
    label = SHORT_LABELS.get(tripped, metric.threshold.label)
    text = f"{label} {metric.threshold.condition(level or 0.0)} · {fmt.duration(assessment.tripped_for_s)}"
    if assessment.tripped_at is not None:
        text += f" from {fmt.when(assessment.tripped_at, seconds=True, date=False)}"
    return text


SHORT_LABELS: dict[str, str] = {
    Metric.LOSS_SEND: "loss send",
    Metric.LOSS_RECV: "loss recv",
    Metric.JITTER: "jitter",
    Metric.RTT: "RTT",
    Metric.MOS: "MOS",
}


def cause_cell(verdict: ParticipantVerdict | None) -> str:
    """The diagnosis' cause for one participant: 'uplink of Farah Adeyemi', 'own uplink',
    'shared'; what cannot be said ('no samples from this provider'); '' when all is well."""
    if verdict is None:
        return ""
    if verdict.verdict is Verdict.UNKNOWN:
        return verdict.reason
    if verdict.cause is None:
        return ""
    words = verdict.cause.words
    owner = verdict.cause_of
    if owner is None:
        return words
    if owner.id == verdict.participant.id:
        return f"own {words}"
    return f"{words} of {owner.name}"


PARTICIPANT_COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("Quality", priority=100),
    ColumnSpec("Name", priority=90, min_width=10, max_width=24),
    ColumnSpec("Issue", priority=70, min_width=12, max_width=38),
    ColumnSpec("Cause", priority=80, min_width=10, max_width=30),
    ColumnSpec("Reconnects", priority=65, min_width=2, short="↻"),
    ColumnSpec("Joined", priority=60),
    ColumnSpec("Left", priority=58),
    ColumnSpec("Time", priority=56),
    ColumnSpec("Role", priority=40, min_width=4, max_width=14),
    ColumnSpec("Where", priority=20, min_width=8, max_width=24),
    ColumnSpec("Network", priority=10, min_width=8, max_width=28),
)
"""The participants table: which columns give way first when the terminal is narrow."""


PARTICIPANT_EXPORT_HEADER = (
    "id",
    "name",
    "verdict",
    "issue",
    "cause",
    "reconnects",
    "joined_at",
    "left_at",
    "duration_s",
    "role",
    "location",
    "network",
    "problem",
)
"""The columns of ``e`` on the Participants tab: what the table shows, times in UTC."""


def _known(text: str) -> str | None:
    return None if text == "—" else text


def window_words(window: tuple[datetime, datetime]) -> str:
    """'Window 10:00–10:10' (in the shown zone), as the Window view names itself."""
    start, end = fmt.local(window[0]), fmt.local(window[1])
    return f"Window {start:%H:%M}–{end:%H:%M}"


def network_text(p: Participant) -> str:
    n = p.network
    if n is None:
        return "—"
    bits = [n.connection_type, n.isp]
    return clean(" · ".join(b for b in bits if b), 60) or "—"


def location_text(p: Participant) -> str:
    n = p.network
    if n is None:
        return "—"
    bits = [n.city, n.country]
    return clean(", ".join(b for b in bits if b), 40) or "—"


class SessionScreen(RoomscopeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: Enter means "open what is highlighted" on every tab, whichever widget has it
        Binding(
            "enter",
            "open",
            "Open",
            id="session.open",
            priority=True,
            tooltip="Open the highlighted participant: at the finding's start on Findings, "
            "its quality at the cursor on Heatmap",
        ),
        Binding(
            "1",
            "tab('findings')",
            "Findings",
            show=False,
            id="session.tab-findings",
            tooltip="Show the findings",
        ),
        Binding(
            "2", "tab('heatmap')", "Heatmap", show=False, id="session.tab-heatmap", tooltip="Show the heatmap"
        ),
        Binding(
            "3",
            "tab('participants')",
            "People",
            show=False,
            id="session.tab-participants",
            tooltip="Show the participants",
        ),
        Binding(
            "4", "tab('events')", "Events", show=False, id="session.tab-events", tooltip="Show the events"
        ),
        Binding(
            "5",
            "tab('recordings')",
            "Recs",
            show=False,
            id="session.tab-recordings",
            tooltip="Show the recordings",
        ),
        Binding(
            "6",
            "tab('info')",
            "Info",
            show=False,
            id="session.tab-info",
            tooltip="Show the session's details",
        ),
        Binding("r", "refresh", "Refresh", id="session.refresh", tooltip="Load the session again"),
        Binding(
            "y",
            "copy",
            "Copy",
            id="session.copy",
            tooltip="Copy the highlighted participant's id (on People) or the session id",
        ),
        Binding(
            "b",
            "bundle",
            "Bundle",
            id="session.bundle",
            tooltip="Write this session's incident bundle",
        ),
        Binding(
            "e",
            "export",
            "Export",
            id="session.export",
            tooltip="Export the Findings or the Participants tab (CSV, JSON)",
        ),
    ]

    def __init__(self, session: Session, *, window: tuple[datetime, datetime] | None = None) -> None:
        super().__init__()
        self.session = session
        self.window = window
        """The incident window the session was opened at (from the Window view), or None."""
        self.participants: list[Participant] = []
        self.reports: dict[str, QualityReport] = {}
        self.quality_note = "…"
        self.events: list[Event] = []
        self.recordings: list[Recording] = []
        self.artifacts: list[Artifact] = []
        self.section_errors: dict[str, str] = {}
        self.diagnosis: SessionDiagnosis | None = None
        self.grid: HeatGrid | None = None
        self._resort_pending = False
        self._cursor_placed = False
        self._top_key: str | None = None
        """The participant the table showed first when it was last drawn: while the cursor
        is there, it follows the worst participant as verdicts arrive."""

    def crumbs(self) -> list[str]:
        if self.window is None:
            return ["Sessions", self.session.title]
        return ["Sessions", window_words(self.window), self.session.title]

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="session-meta")
        with TabbedContent(initial="findings", id="tabs"):
            with TabPane("1 Findings", id="findings"):
                yield Static(classes="note", id="findings-note")
                yield FindingsView(id="findings-list")
            with TabPane("2 Heatmap", id="heatmap"):
                yield Heatmap(id="heatmap-view")
            with TabPane("3 Participants", id="participants"):
                yield Static(classes="note", id="participants-note")
                yield FittedTable(PARTICIPANT_COLUMNS, id="participants-table")
            with TabPane("4 Events", id="events"):
                yield Static(classes="note", id="events-note")
                yield VimTable(id="events-table")
            with TabPane("5 Recordings", id="recordings"):
                yield Static(classes="note", id="recordings-note")
                yield VimTable(id="recordings-table")
            with TabPane("6 Info", id="info"), VerticalScroll():
                yield Static(id="info-body", classes="meta")

    def on_mount(self) -> None:
        super().on_mount()
        events = self.query_one("#events-table", VimTable)
        events.add_columns("Time", "Offset", "Event", "Participant", "Detail")
        recordings = self.query_one("#recordings-table", VimTable)
        recordings.add_columns("Status", "Started", "Duration", "Size", "Format", "Id")
        self._draw_meta()
        self._note("findings", "diagnosing…")
        self._note("participants", "loading participants…")
        self._note("events", "loading events…")
        self._note("recordings", "loading recordings…")
        self.query_one(FindingsView).focus()
        self.load()
        self.follow_live()

    def showing_live(self) -> bool:
        return self.session.is_live

    def reload_live(self) -> None:
        self.load()

    # -- loading -------------------------------------------------------------------------

    # Workers never touch widgets: they post these messages, and one handler per message
    # applies it on the screen.

    class DetailsLoaded(Message):
        """The session's own record, read again."""

        def __init__(self, session: Session) -> None:
            super().__init__()
            self.session = session

    class SectionLoaded(Message):
        """One tab's rows, or why there are none (``note``; ``error`` when it failed)."""

        def __init__(
            self,
            section: str,
            items: list[Any] | None,
            *,
            note: str = "",
            error: bool = False,
            quality_missing: str | None = None,
        ) -> None:
            super().__init__()
            self.section = section
            self.items = items
            self.note = note
            self.error = error
            self.quality_missing = quality_missing

    class ReportLoaded(Message):
        """One participant's quality report."""

        def __init__(self, participant_id: str, report: QualityReport) -> None:
            super().__init__()
            self.participant_id = participant_id
            self.report = report

    class QualityDone(Message):
        """Every participant's quality report that could be read has arrived."""

    class DiagnosisLoaded(Message):
        """The session's diagnosis, or why there is none (``note``)."""

        def __init__(self, diagnosis: SessionDiagnosis | None, note: str = "") -> None:
            super().__init__()
            self.diagnosis = diagnosis
            self.note = note

    class GridBuilt(Message):
        """The heatmap's grid, built from every report that arrived."""

        def __init__(self, grid: HeatGrid) -> None:
            super().__init__()
            self.grid = grid

    @work(group="session-load", exclusive=True, exit_on_error=False, description="Loading the session")
    async def load(self) -> None:
        from roomscope.tui.errors import Capability, ProviderError, UnsupportedError, missing
        from roomscope.tui.store import SessionRef

        store = await self.rs.ready()
        session = self.session
        try:
            session = await store.session(SessionRef(session.profile, session.id))
        except ProviderError as exc:
            self.notify(f"Session details: {exc}", severity="warning", timeout=6)
        else:
            self.post_message(self.DetailsLoaded(session))
        quality_missing = missing(store.provider(session.profile), Capability.QUALITY)

        async def section(name: str, loader: Awaitable[Sequence[Any]]) -> list[Any] | None:
            try:
                items = list(await loader)
            except UnsupportedError as missing:
                self.post_message(self.SectionLoaded(name, None, note=str(missing)))
                return None
            except ProviderError as exc:
                self.post_message(self.SectionLoaded(name, None, note=str(exc), error=True))
                return None
            extra = quality_missing if name == "participants" else None
            self.post_message(self.SectionLoaded(name, items, quality_missing=extra))
            return items

        people, events, _recordings, _artifacts, _diagnosis = await asyncio.gather(
            section("participants", store.participants(session)),
            section("events", store.events(session)),
            section("recordings", store.recordings(session)),
            section("info", store.artifacts(session)),
            self._load_diagnosis(store, session),
        )
        if people and quality_missing is None:
            await self._load_quality(store, session, people)
            ordered = [p for p in self.ordered_for(people) if not p.problem]
            now = self.rs.clock()
            grid = await asyncio.to_thread(
                build_grid, session, ordered, dict(self.reports), events or [], [], now
            )
            self.post_message(self.GridBuilt(grid))

    async def _load_diagnosis(self, store: Store, session: Session) -> None:
        from roomscope.tui.errors import ProviderError

        try:
            diagnosis = await store.diagnosis(session)
        except ProviderError as exc:
            self.post_message(self.DiagnosisLoaded(None, f"⚠ No diagnosis: {exc}"))
        else:
            self.post_message(self.DiagnosisLoaded(diagnosis))

    async def _load_quality(self, store: Store, session: Session, people: list[Participant]) -> None:
        from roomscope.tui.errors import ProviderError

        async def one(participant: Participant) -> None:
            try:
                report = await store.quality(session, participant.id)
            except ProviderError:
                return
            self.post_message(self.ReportLoaded(participant.id, report))

        await asyncio.gather(*(one(p) for p in people if not p.problem))
        self.post_message(self.QualityDone())

    @on(DetailsLoaded)
    def _details_loaded(self, message: DetailsLoaded) -> None:
        self.session = message.session
        self._draw_meta()
        self.update_crumbs()

    @on(SectionLoaded)
    def _section_loaded(self, message: SectionLoaded) -> None:
        name, items = message.section, message.items
        if items is None:
            if message.error:
                self.section_errors[name] = message.note
                self._note(name, f"⚠ {message.note}", error=True)
            else:
                self._note(name, message.note)
            if name == "info":
                self._draw_info()
            return
        if name == "participants":
            self.participants = items
            if message.quality_missing is not None:
                self.quality_note = "n/a"
                self._note("participants", f"{len(items)} participants. {message.quality_missing}")
                self.query_one(Heatmap).show(None, message.quality_missing)
            elif not items:
                self.query_one(Heatmap).show(None, "No participants.")
            else:
                self._note("participants", f"{len(items)} participants, worst quality first")
            self._draw_participants()
        elif name == "events":
            self.events = items
            self._draw_events()
        elif name == "recordings":
            self.recordings = items
            self._draw_recordings()
        else:
            self.artifacts = items
            self._draw_info()

    @on(ReportLoaded)
    def _report_loaded(self, message: ReportLoaded) -> None:
        self.reports[message.participant_id] = message.report
        self._schedule_resort()

    @on(QualityDone)
    def _quality_done(self) -> None:
        self.quality_note = "n/a"
        self._draw_participants()
        self._draw_meta()

    @on(DiagnosisLoaded)
    def _diagnosis_loaded(self, message: DiagnosisLoaded) -> None:
        self.diagnosis = message.diagnosis
        view = self.query_one(FindingsView)
        if message.diagnosis is None:
            self._note("findings", message.note, error=True)
            return
        note = summary_text(message.diagnosis, self.verdict_style)
        view.show(message.diagnosis, self.verdict_style, window=self.window)
        if self.window is not None:
            inside = view.in_window
            note.append(f"\n{window_words(self.window)}: ", style="bold")
            if inside:
                plural = "s overlap" if inside != 1 else " overlaps"
                note.append(f"{inside} finding{plural} it, listed first (◆)")
            else:
                note.append("no finding overlaps it")
        self.query_one("#findings-note", Static).update(note)
        self._draw_participants()
        self._mark_shared()

    @on(GridBuilt)
    def _grid_built(self, message: GridBuilt) -> None:
        self.grid = message.grid
        heatmap = self.query_one(Heatmap)
        heatmap.window = (
            (self.window[0].timestamp(), self.window[1].timestamp()) if self.window is not None else None
        )
        heatmap.show(message.grid)
        if self.window is not None and not self._cursor_placed:
            self._cursor_placed = True  # at the window's start (the session's, if it began later)
            grid = message.grid
            heatmap.cursor_at(moment(min(grid.end, max(grid.start, self.window[0].timestamp()))))
        self._mark_shared()

    def _mark_shared(self) -> None:
        """The diagnosis on the heatmap: its shared events on the marker line, and the time
        cursor on the worst finding's start (once: later it stays where the user put it; opened
        at a window, it starts at the window's start instead)."""
        if self.grid is None or self.diagnosis is None:
            return
        top = self.diagnosis.top
        if not self._cursor_placed and top is not None:
            self._cursor_placed = True
            self.query_one(Heatmap).cursor_at(top.start)
        self.grid.shared = [
            (f.start.timestamp(), f.end.timestamp()) for f in self.diagnosis.findings if f.rule == "SHARED"
        ]
        self.query_one(Heatmap).refresh()

    def _schedule_resort(self) -> None:
        if not self._resort_pending:
            self._resort_pending = True
            self.set_timer(0.2, self._resort)

    def _resort(self) -> None:
        self._resort_pending = False
        self._draw_participants()
        self._draw_meta()

    # -- drawing -------------------------------------------------------------------------

    def _note(self, section: str, text: str, *, error: bool = False) -> None:
        widget_id = "#info-body" if section == "info" else f"#{section}-note"
        try:
            note = self.query_one(widget_id, Static)
        except NoMatches:  # the screen was closed while a section loaded
            return
        if section == "info":
            return
        note.set_class(error, "error-note")
        note.update(Text(clean(text, 400)))

    def _draw_meta(self) -> None:
        s = self.session
        status = {"live": "● live", "ended": "ended"}.get(s.status.value, "status unknown")
        line1 = Text()
        line1.append(status + "  ", style=self.theme_style("success", "bold") if s.is_live else "dim")
        line1.append(clean(s.title, 80), style="bold")
        if s.room_name and s.room_name != s.title:
            line1.append(f"  room {clean(s.room_name, 60)}", style="dim")
        span = fmt.when(s.started_at, seconds=True)
        span += f" → {fmt.when(s.ended_at, seconds=True, date=False)}" if s.ended_at else " → now"
        bits = [span, fmt.duration(s.duration_s)]
        if s.participant_count is not None:
            peak = f", peak {s.max_concurrent}" if s.max_concurrent is not None else ""
            bits.append(f"{s.participant_count} people{peak}")
        line2 = Text(" · ".join(bits))
        line3 = Text(f"id {clean(s.id, 60)} · {clean(s.profile or s.provider, 30)}", style="dim")
        if self.reports:
            counts = Counter(report.assessment.verdict for report in self.reports.values())
            line3.append("  ·  ")
            for verdict in (Verdict.POOR, Verdict.FAIR, Verdict.GOOD):
                line3.append(f"{counts[verdict]} {verdict.value}", style=self.verdict_style(verdict))
                line3.append("  ")
        self.query_one("#session-meta", Static).update(Text("\n").join([line1, line2, line3]))

    def ordered_participants(self) -> list[Participant]:
        return self.ordered_for(self.participants)

    def ordered_for(self, participants: Sequence[Participant]) -> list[Participant]:
        def key(p: Participant) -> tuple[int, float, int, str]:
            """Worst verdict first (``Verdict.rank``), then earliest trouble, most reconnects."""
            report = self.reports.get(p.id)
            rank = report.assessment.verdict.rank if report else 0
            tripped = report.assessment.tripped_at if report else None
            first = tripped.timestamp() if tripped else 0.0
            return (-rank, first, -(p.reconnects or 0), p.title.casefold())

        return sorted(participants, key=key)

    def _draw_participants(self) -> None:
        table = self.query_one("#participants-table", FittedTable)
        selected = self._selected_key(table)
        rows: list[tuple[str, list[object]]] = []
        for p in self.ordered_participants():
            report = self.reports.get(p.id)
            if p.problem:
                name = Text(f"⚠ unreadable: {clean(p.problem, 80)}", style=self.theme_style("warning"))
            else:
                name = Text(clean(p.title, 80))
            verdict = self.diagnosis.verdict_of(p.id) if self.diagnosis is not None else None
            left = fmt.when(p.left_at, seconds=True, date=False) if p.left_at else None
            cells: list[object] = [
                verdict_cell(self.app.theme_variables, report, self.quality_note),
                name,
                issue_cell(report),
                clean(cause_cell(verdict), 80),
                "—" if p.reconnects is None else str(p.reconnects),
                fmt.when(p.joined_at, seconds=True, date=False),
                left or ("present" if self.session.is_live else "—"),
                fmt.duration(p.duration_s),
                clean(p.role or "—", 14),
                location_text(p),
                network_text(p),
            ]
            rows.append((p.id, cells))
        top = rows[0][0] if rows else None
        if selected is None or selected == self._top_key:
            selected = top  # the cursor was on the worst participant: it stays on the worst
        self._top_key = top
        table.set_rows(rows)
        self._restore(table, selected)

    def _draw_events(self) -> None:
        table = self.query_one("#events-table", VimTable)
        table.clear()
        start = self.session.started_at
        for e in self.events:
            table.add_row(
                *event_cells(e, start, self.theme_style("warning")),
                clean(e.participant_name or "", 30),
                clean(e.detail or (e.problem and f"⚠ {e.problem}") or "", 80),
                key=e.id,
            )
        self._note("events", f"{len(self.events)} events" if self.events else "No events.")

    def _draw_recordings(self) -> None:
        table = self.query_one("#recordings-table", VimTable)
        table.clear()
        for r in self.recordings:
            table.add_row(
                clean(r.status or "—", 14),
                fmt.when(r.started_at, seconds=True),
                fmt.duration(r.duration_s),
                fmt.size(r.size_bytes),
                clean(r.format or "—", 10),
                clean(r.id, 40),
                key=r.id,
            )
        count = len(self.recordings)
        self._note("recordings", f"{count} recordings" if count else "No recordings.")

    def _draw_info(self) -> None:
        s = self.session
        rows: list[tuple[str, str]] = [
            ("Id", s.id),
            ("Provider", f"{s.provider} (profile {s.profile})" if s.profile else s.provider),
            ("Name", s.name),
            ("Room", s.room_name or "—"),
            ("Room id", s.room_id or "—"),
            ("Status", s.status.value),
            ("Started", fmt.when(s.started_at, seconds=True)),
            ("Ended", fmt.when(s.ended_at, seconds=True)),
            ("Duration", fmt.duration(s.duration_s)),
            ("Participants", "—" if s.participant_count is None else str(s.participant_count)),
            ("Peak concurrent", "—" if s.max_concurrent is None else str(s.max_concurrent)),
        ]
        for key, value in sorted(s.extra.items()):
            rows.append((str(key), value if isinstance(value, str) else repr(value)))
        text = Text()
        for key, value in rows:
            text.append(f"{clean(key, 30):<18}", style="bold")
            text.append(clean(value, 300) + "\n")
        text.append("\nDownloads\n", style="bold")
        if self.section_errors.get("info"):
            text.append(f"⚠ {clean(self.section_errors['info'], 300)}\n", style=self.theme_style("error"))
        elif not self.artifacts:
            text.append("none (chat, transcript and summary links show here when available)\n", style="dim")
        for a in self.artifacts:
            expiry = f" (expires {fmt.when(a.expires_at)})" if a.expires_at else ""
            text.append(f"{clean(a.kind, 20):<18}", style="bold")
            text.append(f"{clean(a.url or a.note or '—', 300)}{expiry}\n")
        self.query_one("#info-body", Static).update(text)

    @staticmethod
    def _selected_key(table: DataTable[Any]) -> str | None:
        if not table.row_count:
            return None
        try:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return str(key.value) if key.value is not None else None

    @staticmethod
    def _restore(table: DataTable[Any], key: str | None) -> None:
        if key is None:
            return
        try:
            table.move_cursor(row=table.get_row_index(key))
        except RowDoesNotExist:  # the row left the table on redraw
            return

    # -- actions -------------------------------------------------------------------------

    def action_tab(self, tab: str) -> None:
        tabs = self.query_one(TabbedContent)
        tabs.active = tab
        self._focus_tab(tab)

    def _focus_tab(self, tab: str) -> None:
        if tab == "findings":
            self.query_one(FindingsView).focus()
        elif tab == "heatmap":
            self.query_one(Heatmap).focus()
        elif tab != "info":
            self.query_one(f"#{tab}-table", VimTable).focus()

    @on(TabbedContent.TabActivated)
    def _tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self._focus_tab(event.pane.id or "")

    def action_open(self) -> None:
        """Enter: open what is highlighted on the tab shown."""
        tab = self.query_one(TabbedContent).active
        if tab == "findings":
            self._open_finding()
        elif tab == "heatmap":
            chosen = self.query_one(Heatmap).selected()
            if chosen is not None:
                self.open_participant(chosen[0], at=chosen[1], quality=True)
        elif tab == "participants":
            key = self._selected_key(self.query_one("#participants-table", VimTable))
            if key is not None:
                self.open_participant(key)
        elif tab == "events":
            key = self._selected_key(self.query_one("#events-table", VimTable))
            self._open_event(key)

    def _finding_target(self) -> tuple[str, datetime] | None:
        """The participant the highlighted finding blames (its cause's owner, else the first
        of those it hit) who is among the session's participants, and the finding's start."""
        finding = self.query_one(FindingsView).selected
        if finding is None:
            return None
        present = {p.id for p in self.participants}
        candidates = [finding.cause_of, *finding.who] if finding.cause_of is not None else list(finding.who)
        target = next((c for c in candidates if c is not None and c.id in present), None)
        return (target.id, finding.start) if target is not None else None

    def _open_finding(self) -> None:
        target = self._finding_target()
        if target is not None:
            self.open_participant(target[0], at=target[1])

    @on(OptionList.OptionSelected, "#findings-list")
    def _finding_clicked(self) -> None:
        self._open_finding()

    @on(DataTable.RowSelected, "#participants-table")
    def _open_participant(self, event: DataTable.RowSelected) -> None:
        self.open_participant(str(event.row_key.value))

    @on(DataTable.RowSelected, "#events-table")
    def _open_event_participant(self, event: DataTable.RowSelected) -> None:
        self._open_event(str(event.row_key.value))

    def _open_event(self, key: str | None) -> None:
        chosen = next((e for e in self.events if e.id == key), None)
        if chosen is not None and chosen.participant_id:
            self.open_participant(chosen.participant_id)

    def open_participant(
        self, participant_id: str, *, at: datetime | None = None, quality: bool = False
    ) -> None:
        """Open the participant screen (or its quality, ``quality``) of ``participant_id``,
        at the moment ``at`` when given."""
        ordered = [p for p in self.ordered_participants() if not p.problem]
        index = next((i for i, p in enumerate(ordered) if p.id == participant_id), None)
        if index is None:
            return
        nav = ParticipantNav(self.session, ordered, index, self.reports)
        self.post_message(OpenQuality(nav, at=at) if quality else OpenParticipant(nav, at=at))

    def action_refresh(self) -> None:
        store = self.rs.store
        if store is not None:
            store.refresh()
        self.reports.clear()
        self.section_errors.clear()
        self.quality_note = "…"
        self.notify("Refreshing…", timeout=2)
        self.load()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Enter answers the export question while it is open (the Open binding has priority)."""
        return not (action == "open" and isinstance(self.focused, OneQuestion))

    def mark_candidate(self) -> tuple[Session, Participant] | None:
        """What ``space`` marks for comparison (the app asks): the participant under the
        cursor of the tab shown — the selected row on Participants, the highlighted finding's
        participant on Findings, the selected row on Heatmap."""
        tab = self.query_one(TabbedContent).active
        key: str | None = None
        if tab == "participants":
            key = self._selected_key(self.query_one("#participants-table", VimTable))
        elif tab == "findings":
            target = self._finding_target()
            key = target[0] if target is not None else None
        elif tab == "heatmap":
            chosen = self.query_one(Heatmap).selected()
            key = chosen[0] if chosen is not None else None
        found = next((p for p in self.participants if p.id == key), None)
        return (self.session, found) if found is not None else None

    def action_bundle(self) -> None:
        """Write this session's incident bundle, in a worker; the app says where."""
        self.notify(f"Writing the incident bundle of {self.session.title}…", timeout=3)
        hand_off(self, bundle_session(self.rs, self.app, self.session), "Writing the incident bundle")

    def action_export(self) -> None:
        """Ask for a path and export the Findings or the Participants tab's rows."""
        tab = self.query_one(TabbedContent).active
        if tab == "findings":
            if not self.query_one(FindingsView).findings:
                self.notify("No findings to export.", timeout=3)
                return
            ask_path(self, "findings.csv", self._export_findings)
        elif tab == "participants":
            if not self.participants:
                self.notify("No participants to export yet.", timeout=3)
                return
            ask_path(self, "participants.csv", self._export_participants)
        else:
            self.notify(
                "e exports the findings (1) or the participants (3): switch to one of them.", timeout=4
            )

    def _export_findings(self, text: str) -> None:
        from roomscope.tui import finding_rows

        findings = self.query_one(FindingsView).findings  # in the order shown
        export_rows(
            self,
            text,
            header=finding_rows.FINDING_CSV_HEADER,
            cells=[finding_rows.finding_csv_row(f) for f in findings],
            records=[finding_rows.finding_record(f) for f in findings],
            noun="finding",
        )

    def _export_participants(self, text: str) -> None:
        rows = [self.participant_cells(p) for p in self.ordered_participants()]
        export_rows(
            self,
            text,
            header=PARTICIPANT_EXPORT_HEADER,
            cells=rows,
            records=[dict(zip(PARTICIPANT_EXPORT_HEADER, row, strict=True)) for row in rows],
            noun="participant",
        )

    def participant_cells(self, p: Participant) -> list[object]:
        """A participant as the Participants tab shows it, for an export: the verdict, the
        issue that tripped it, the diagnosis' cause, then presence, role, place and network."""
        from roomscope.tui.incident.output import iso

        report = self.reports.get(p.id)
        verdict = self.diagnosis.verdict_of(p.id) if self.diagnosis is not None else None
        return [
            p.id,
            p.title,
            report.assessment.verdict.value if report is not None else None,
            issue_cell(report) or None,
            cause_cell(verdict) or None,
            p.reconnects,
            iso(p.joined_at),
            iso(p.left_at),
            p.duration_s,
            p.role,
            _known(location_text(p)),
            _known(network_text(p)),
            p.problem,
        ]

    def action_copy(self) -> None:
        tabs = self.query_one(TabbedContent)
        if tabs.active == "participants":
            key = self._selected_key(self.query_one("#participants-table", VimTable))
            if key:
                self.rs.copy_text(key, "participant id")
                return
        self.rs.copy_text(self.session.id, "session id")
