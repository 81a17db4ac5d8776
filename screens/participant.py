"""One participant: identity, device, network, presence, events and a quality summary."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static, TabbedContent, TabPane

from roomscope.screens.base import RoomscopeScreen, event_cells
from roomscope.screens.navigation import OpenHistory, OpenQuality, ParticipantNav
from roomscope.tui import fmt, present
from roomscope.tui.errors import ProviderError, UnsupportedError
from roomscope.tui.text import clean
from roomscope.widgets.tables import VimTable

if TYPE_CHECKING:
    from roomscope.tui.models import Event, Participant
    from roomscope.tui.store import QualityReport


class DumpPathPrompt(Input):
    """Asks for the path of a browser's statistics dump; Escape gives up."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="participant.import-cancel"),
    ]
    DEFAULT_CSS = """
    DumpPathPrompt { dock: bottom; margin-bottom: 1; }
    """

    class Cancelled(Message):
        """The prompt was left without a path."""

    def action_cancel(self) -> None:
        self.post_message(self.Cancelled())


class ParticipantScreen(RoomscopeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the focused table would take Enter and do nothing while it has no rows
        # (no quality data from this provider, or still loading)
        Binding(
            "enter",
            "quality",
            "Quality",
            id="participant.quality",
            tooltip="Open this participant's quality charts",
            priority=True,
        ),
        Binding(
            "left_square_bracket,p",
            "step(-1)",
            "Prev",
            id="participant.prev",
            tooltip="Previous participant of the session",
        ),
        Binding(
            "right_square_bracket,n",
            "step(1)",
            "Next",
            id="participant.next",
            tooltip="Next participant of the session",
        ),
        Binding("1", "tab('summary')", "Summary", id="participant.tab-summary", tooltip="Show the summary"),
        Binding(
            "2",
            "tab('pevents')",
            "Events",
            id="participant.tab-events",
            tooltip="Show this participant's events",
        ),
        Binding("r", "refresh", "Refresh", id="participant.refresh", tooltip="Ask the provider again"),
        Binding("y", "copy", "Copy", id="participant.copy", tooltip="Copy the participant's id"),
        Binding(
            "i",
            "import_dump",
            "Import a dump",
            id="participant.import",
            tooltip="Import a browser's WebRTC statistics dump for this participant",
            show=False,
        ),
        Binding(
            "H",
            "history",
            "History",
            id="participant.history",
            tooltip="Since when: this person's verdicts over past sessions",
            show=False,
        ),
    ]

    def __init__(self, nav: ParticipantNav) -> None:
        super().__init__()
        self.nav = nav
        self.participant = nav.current
        self.report: QualityReport | None = None
        self.events: list[Event] = []
        self._shown_index = nav.index

    def crumbs(self) -> list[str]:
        return ["Sessions", self.nav.session.title, self.participant.title]

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="participant-card", classes="meta")
        yield Static(id="verdict", classes="meta")
        with TabbedContent(initial="summary", id="participant-tabs"):
            with TabPane("Quality summary", id="summary"):
                yield Static(classes="note", id="summary-note")
                yield VimTable(id="summary-table")
            with TabPane("Events", id="pevents"):
                yield Static(classes="note", id="pevents-note")
                yield VimTable(id="pevents-table")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#summary-table", VimTable).add_columns(
            "Metric", "Unit", "Min", "Avg", "p95", "Max", "Poor when", "Verdict"
        )
        self.query_one("#pevents-table", VimTable).add_columns("Time", "Offset", "Event", "Detail")
        self.query_one("#summary-table", VimTable).focus()
        self._show()
        self.follow_live()

    def showing_live(self) -> bool:
        return self.nav.session.is_live

    def reload_live(self) -> None:
        self.nav.reports.pop(self.participant.id, None)
        self.report = None
        self.load()

    def on_screen_resume(self) -> None:
        if self.nav.index != self._shown_index:
            self._show()

    def _show(self) -> None:
        self._shown_index = self.nav.index
        self.participant = self.nav.current
        self.report = self.nav.reports.get(self.participant.id)
        self.events = []
        self.update_crumbs()
        self._draw_card()
        self._draw_quality()
        self.query_one("#pevents-table", VimTable).clear()
        self.query_one("#pevents-note", Static).update("loading events…")
        self.load()

    # -- loading -------------------------------------------------------------------------

    # Workers never touch widgets: they post these messages, and one handler per message
    # applies it (only if the participant it is about is still the one shown).

    class DetailsLoaded(Message):
        def __init__(self, participant: Participant) -> None:
            super().__init__()
            self.participant = participant

    class QualityLoaded(Message):
        """The report, or why there is none (``missing``: the provider lacks it; ``error``)."""

        def __init__(
            self, participant_id: str, report: QualityReport | None, *, missing: str = "", error: str = ""
        ) -> None:
            super().__init__()
            self.participant_id = participant_id
            self.report = report
            self.missing = missing
            self.error = error

    class DumpImported(Message):
        """An import finished: what to say (``error``: nothing was imported)."""

        def __init__(self, participant_id: str, said: str, *, skipped: int = 0, error: bool = False) -> None:
            super().__init__()
            self.participant_id = participant_id
            self.said = said
            self.skipped = skipped
            self.error = error

    class EventsLoaded(Message):
        def __init__(
            self, participant_id: str, events: list[Event] | None, *, missing: str = "", error: str = ""
        ) -> None:
            super().__init__()
            self.participant_id = participant_id
            self.events = events
            self.missing = missing
            self.error = error

    @work(group="participant-load", exclusive=True, exit_on_error=False, description="Loading participant")
    async def load(self) -> None:
        store = await self.rs.ready()
        session = self.nav.session
        target = self.participant.id
        try:
            detailed = await store.participant(session, target)
        except ProviderError as exc:
            self.notify(f"Participant details: {exc}", severity="warning", timeout=6)
        else:
            self.post_message(self.DetailsLoaded(detailed))
        report = self.nav.reports.get(target)
        if report is not None:
            self.post_message(self.QualityLoaded(target, report))
        else:
            try:
                report = await store.quality(session, target)
            except UnsupportedError as missing:
                self.post_message(self.QualityLoaded(target, None, missing=str(missing)))
            except ProviderError as exc:
                self.post_message(self.QualityLoaded(target, None, error=str(exc)))
            else:
                self.nav.reports[target] = report
                self.post_message(self.QualityLoaded(target, report))
        try:
            events = await store.events(session, target)
        except UnsupportedError as missing:
            self.post_message(self.EventsLoaded(target, None, missing=str(missing)))
        except ProviderError as exc:
            self.post_message(self.EventsLoaded(target, None, error=str(exc)))
        else:
            self.post_message(self.EventsLoaded(target, events))

    @on(DetailsLoaded)
    def _details_loaded(self, message: DetailsLoaded) -> None:
        if message.participant.id == self.participant.id:
            self.participant = message.participant
            self._draw_card()

    @on(QualityLoaded)
    def _quality_loaded(self, message: QualityLoaded) -> None:
        if message.participant_id != self.participant.id:
            return
        if message.missing:
            reason = Text(clean(message.missing, 300), style="dim")
            self.query_one("#verdict", Static).update(reason)
            self.query_one("#summary-note", Static).update(reason)
            return
        if message.error:
            note = Text(f"⚠ {clean(message.error, 300)}", style=self.theme_style("error"))
            self.query_one("#summary-note", Static).update(note)
        self.report = message.report
        self._draw_quality()

    @on(EventsLoaded)
    def _events_loaded(self, message: EventsLoaded) -> None:
        if message.participant_id != self.participant.id:
            return
        note = self.query_one("#pevents-note", Static)
        if message.missing:
            note.update(Text(clean(message.missing, 300), style="dim"))
        elif message.error:
            note.update(Text(f"⚠ {clean(message.error, 300)}", style=self.theme_style("error")))
        else:
            self.events = message.events or []
            self._draw_events()

    # -- drawing -------------------------------------------------------------------------

    def _draw_card(self) -> None:
        p = self.participant
        text = Text()

        def line(label: str, value: str) -> None:
            text.append(f"{label:<9}", style="bold")
            text.append(clean(value, 160) + "\n")

        who = [p.role or "role unknown"]
        if p.user_id:
            who.append(f"user {p.user_id}")
        if p.external_id:
            who.append(f"ext {p.external_id}")
        who.append(f"id {p.id}")
        line("Who", " · ".join(who))
        presence = f"{fmt.when(p.joined_at, seconds=True)} → "
        presence += fmt.when(p.left_at, seconds=True, date=False) if p.left_at else "still present"
        presence += f"  ({fmt.duration(p.duration_s)}"
        if p.reconnects:
            presence += f", {p.reconnects} reconnect{'s' if p.reconnects != 1 else ''}"
        presence += ")"
        line("Present", presence)
        d = p.device
        if d is not None:
            browser = " ".join(x for x in (d.browser, d.browser_version) if x)
            system = " ".join(x for x in (d.os, d.os_version) if x)
            line("Device", " · ".join(x for x in (browser, system, d.device_type) if x) or "—")
        else:
            line("Device", "— (not reported by this provider)")
        n = p.network
        if n is not None:
            isp = f"{n.isp} ({n.asn})" if n.isp and n.asn else (n.isp or n.asn or "")
            line("Network", " · ".join(x for x in (n.connection_type, isp, n.ip) if x) or "—")
            line("Location", ", ".join(x for x in (n.city, n.region, n.country) if x) or "—")
        else:
            line("Network", "— (not reported by this provider)")
        if p.problem:
            text.append(f"⚠ unreadable record: {clean(p.problem, 200)}\n", style=self.theme_style("warning"))
        text.rstrip()
        self.query_one("#participant-card", Static).update(text)

    def _draw_quality(self) -> None:
        verdict = self.query_one("#verdict", Static)
        table = self.query_one("#summary-table", VimTable)
        table.clear()
        report = self.report
        if report is None:
            verdict.update(Text("quality: loading…", style="dim"))
            return
        assessment = report.assessment
        style = self.verdict_style(assessment.verdict)
        head = Text("Quality  ", style="bold")
        head.append(f"● {assessment.reason()}", style=style)
        verdict.update(head)
        for row in self._summary_rows(report):
            table.add_row(*row)
        estimated = any("estimated" in s.source for s in report.series)
        note = "Enter: sparklines."
        if estimated:
            note = "MOS estimated from RTT, jitter and loss (E-model). " + note
        self.query_one("#summary-note", Static).update(Text(note, style="dim"))

    def _draw_events(self) -> None:
        table = self.query_one("#pevents-table", VimTable)
        table.clear()
        start = self.nav.session.started_at
        for e in self.events:
            table.add_row(*event_cells(e, start, self.theme_style("warning")), clean(e.detail, 80))
        note = f"{len(self.events)} events" if self.events else "No events for this participant."
        self.query_one("#pevents-note", Static).update(note)

    def _summary_rows(self, report: QualityReport) -> list[tuple[Text | str, ...]]:
        """The report's per-metric summary with the verdict coloured."""
        from roomscope.tui.quality import Verdict

        return [
            (*row[:-1], Text(row[-1], style=self.verdict_style(Verdict(row[-1]))))
            for row in present.quality_summary_rows(report)
        ]

    # -- actions -------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the import prompt is open, its keys are its own (Enter imports).
        return not (action == "quality" and self.query(DumpPathPrompt))

    def action_quality(self) -> None:
        self.post_message(OpenQuality(self.nav))

    @on(DataTable.RowSelected, "#summary-table")
    def _summary_enter(self) -> None:
        self.action_quality()

    def action_step(self, delta: int) -> None:
        if self.nav.step(delta):
            self._show()
        else:
            self.notify("No more participants that way.", timeout=2)

    def action_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        table_id = "#summary-table" if tab == "summary" else "#pevents-table"
        self.query_one(table_id, VimTable).focus()

    def action_refresh(self) -> None:
        store = self.rs.store
        if store is not None:
            store.refresh()
        self.nav.reports.pop(self.participant.id, None)
        self._show()

    def action_copy(self) -> None:
        self.rs.copy_text(self.participant.id, "participant id")

    def action_history(self) -> None:
        """This person's history: by user id when the provider gives one, else by name."""
        person = self.participant
        value = person.user_id or person.name or person.id
        self.post_message(OpenHistory("who", value, person.name if person.user_id else ""))

    # -- importing a browser's statistics dump -------------------------------------------

    def action_import_dump(self) -> None:
        existing = self.query(DumpPathPrompt)
        if existing:
            existing.first().focus()
            return
        prompt = DumpPathPrompt(
            placeholder="Path of a webrtc-internals, rtcstats or RTCStatsDump file (Esc cancels)",
            id="import-path",
        )
        self.mount(prompt)
        prompt.focus()

    def _close_prompt(self) -> None:
        for prompt in self.query(DumpPathPrompt):
            prompt.remove()
        self.query_one("#summary-table", VimTable).focus()

    @on(DumpPathPrompt.Cancelled)
    def _prompt_cancelled(self) -> None:
        self._close_prompt()

    @on(Input.Submitted, "#import-path")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        path = event.value.strip()
        self._close_prompt()
        if path:
            self.notify(f"Importing {clean(path, 120)}…", timeout=3)
            self.import_dump(path, self.participant)

    @work(group="participant-import", exclusive=True, exit_on_error=False, description="Importing a dump")
    async def import_dump(self, path: str, participant: Participant) -> None:
        import asyncio

        from roomscope.tui.clientstats import DumpError
        from roomscope.tui.imports.attach import attach_file

        store = await self.rs.ready()
        if store.imports is None:
            self.post_message(self.DumpImported(participant.id, "Imports are off in this store.", error=True))
            return
        try:
            record = await asyncio.to_thread(
                attach_file,
                store.imports,
                path,
                self.nav.session,
                participant,
                clock=self.rs.clock,
            )
        except DumpError as exc:
            where = f" ({exc.where})" if exc.where else ""
            said = f"{path}: {exc.problem}{where}; nothing imported"
            self.post_message(self.DumpImported(participant.id, said, error=True))
            return
        except OSError as exc:
            said = f"Cannot keep the import: {exc.strerror or exc}; nothing imported"
            self.post_message(self.DumpImported(participant.id, said, error=True))
            return
        said = f"Imported {record.source}: {len(record.series)} series ({record.id})"
        self.post_message(self.DumpImported(participant.id, said, skipped=len(record.skipped)))

    @on(DumpImported)
    def _dump_imported(self, message: DumpImported) -> None:
        if message.error:
            self.notify(clean(message.said, 300), severity="error", timeout=8)
            return
        said = clean(message.said, 300)
        if message.skipped:
            said += f"; {message.skipped} unreadable part{'s' if message.skipped != 1 else ''} skipped"
        self.notify(said, severity="warning" if message.skipped else "information", timeout=6)
        self.nav.reports.pop(message.participant_id, None)
        if message.participant_id == self.participant.id:
            self.report = None
            self._show()
