"""The Window view: every session overlapping an incident window, across every open profile,
as bars on one time axis, worst first.

Rows arrive as the session lists are read (first paint as soon as the first few are in), then
each session's diagnosis fills its bar in and moves it into the worst-first order; the cursor
stays on the session it was on. ``w`` types another window, Enter opens the session at the
window; ``b`` and ``e`` hand it off (:mod:`roomscope.screens.handoff`).
Workers never touch widgets: they post the messages below and one handler each draws.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from roomscope.screens.base import RoomscopeScreen
from roomscope.screens.handoff import bundle_window, export_rows, hand_off
from roomscope.screens.navigation import GroupsSource, OpenGroups, OpenSession
from roomscope.tui import fmt
from roomscope.widgets.prompt_input import PromptInput
from roomscope.widgets.status_bar import StatusBar
from roomscope.widgets.window_chart import WindowAxis, WindowChart

if TYPE_CHECKING:
    from roomscope.tui.incident.groups import Group
    from roomscope.tui.incident.scan import ScanProgress, WindowRow
    from roomscope.tui.incident.window import IncidentWindow

WINDOW_PLACEHOLDER = "window: 10:00-10:10 · 10:05±5m · FROM..TO (HH:MM, ISO 8601)"
FIRST_BATCH = 40
"""Rows shown before the rest of the lists are read (the first paint)."""
FIRST_PAINT_S = 0.05
"""The pause after the first rows, so they are painted before the rest of the lists are read."""
BATCH_EVERY_S = 0.15
"""How often rows and diagnoses are handed to the screen while a scan goes on."""


def worst_first_rows(rows: Iterable[WindowRow]) -> list[WindowRow]:
    from roomscope.tui.incident.scan import worst_first

    return worst_first(rows)


def default_window_text(now_local_hhmm: str) -> str:
    """What the window line offers when the view opens without a window: the last hour."""
    return f"{now_local_hhmm}..now"


class WindowScreen(RoomscopeScreen):
    AUTO_FOCUS = "#chart"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("w", "edit", "Window", id="window.edit"),
        Binding("r", "refresh", "Refresh", id="window.refresh"),
        Binding("y", "copy", "Copy", id="window.copy"),
        Binding("o", "groups", "Groups", id="window.groups"),
        Binding("b", "bundle", "Bundle", id="window.bundle"),
        Binding("e", "export", "Export", id="window.export"),
    ]

    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self.asked = text
        self.window: IncidentWindow | None = None
        self.rows: dict[tuple[str, str], WindowRow] = {}
        self.ordered: list[WindowRow] = []
        self.progress: ScanProgress | None = None
        self.problem: str | None = None
        self.scan_started: float | None = None
        self.first_rows_ms: float | None = None
        """How long the first rows took to reach the screen (the benchmark reads it)."""
        self.only: tuple[str, set[tuple[str, str]]] | None = None
        """A group chosen in the Groups view: its words, and the sessions shown."""

    def crumbs(self) -> list[str]:
        if self.window is None:
            return ["Sessions", "Window"]
        start, end = fmt.local(self.window.start), fmt.local(self.window.end)
        return ["Sessions", f"Window {start:%H:%M}–{end:%H:%M}"]

    def compose_body(self) -> Iterable[Widget]:
        yield PromptInput(id="window-input")
        yield Static("", id="window-head", classes="meta")
        axis = WindowAxis(id="window-axis")
        yield axis
        yield WindowChart(axis=axis, id="chart")
        yield StatusBar(id="window-status")

    @property
    def chart(self) -> WindowChart:
        return self.query_one(WindowChart)

    def on_mount(self) -> None:
        super().on_mount()
        self._head()
        self._status()
        if self.asked:
            self._apply(self.asked)
        else:
            self.action_edit()

    # -- messages from the workers ---------------------------------------------------------

    class Found(Message):
        """Sessions of the window read from the lists (``done``: every list is read)."""

        def __init__(self, window: IncidentWindow, rows: list[WindowRow], done: bool) -> None:
            super().__init__()
            self.window = window
            self.rows = rows
            self.done = done

    class Diagnosed(Message):
        def __init__(self, window: IncidentWindow, rows: list[WindowRow], done: bool) -> None:
            super().__init__()
            self.window = window
            self.rows = rows
            self.done = done

    class Failed(Message):
        def __init__(self, window: IncidentWindow, error: str) -> None:
            super().__init__()
            self.window = window
            self.error = error

    # -- reading a window ------------------------------------------------------------------

    def _apply(self, text: str) -> None:
        from roomscope.tui.incident.window import WindowError, parse_window

        try:
            window = parse_window(text, self.rs.clock(), fmt.shown_zone())
        except WindowError as exc:
            self.problem = str(exc)
            self._head()
            self.notify(f"Window: {exc}", severity="warning", timeout=8)
            self.action_edit(text)
            return
        self.problem = None
        self.window = window
        self.only = None
        self.rows.clear()
        self.ordered = []
        self.first_rows_ms = None
        self.scan_started = time.perf_counter()
        self.chart.empty_text = "⋯ reading the sessions of the window…"
        self.chart.show(window, [], self.rs.clock(), keep=0)
        self.update_crumbs()
        self._head()
        self._scan(window)

    @work(group="window-scan", exclusive=True, exit_on_error=False, description="Reading the window")
    async def _scan(self, window: IncidentWindow) -> None:
        from roomscope.tui.errors import ProviderError
        from roomscope.tui.incident.scan import ScanProgress, diagnose_rows, sessions_in

        store = await self.rs.ready()
        now = self.rs.clock()
        progress = ScanProgress()
        self.progress = progress
        found: list[WindowRow] = []
        batch: list[WindowRow] = []
        last = time.monotonic()
        try:
            async for row in sessions_in(store, window, now, progress=progress):
                found.append(row)
                batch.append(row)
                if len(found) == FIRST_BATCH or time.monotonic() - last >= BATCH_EVERY_S:
                    self.post_message(self.Found(window, batch, done=False))
                    batch, last = [], time.monotonic()
                    if len(found) == FIRST_BATCH:
                        await asyncio.sleep(FIRST_PAINT_S)  # the first rows are drawn before reading on
        except ProviderError as exc:
            progress.errors.append(str(exc))
            self.post_message(self.Failed(window, str(exc)))
        self.post_message(self.Found(window, batch, done=True))
        # What is in memory already goes in at once; the rest is diagnosed a few at a time.
        from roomscope.tui.incident.scan import with_diagnosis

        known: list[WindowRow] = []
        rest: list[WindowRow] = []
        for row in found:
            diagnosis = store.known_diagnosis(row.session)
            if diagnosis is not None:
                known.append(with_diagnosis(row, diagnosis, window))
                progress.diagnosed += 1
            else:
                rest.append(row)
        if known:
            self.post_message(self.Diagnosed(window, known, done=not rest))
        if not rest:
            return
        pending: list[WindowRow] = []
        marks = [time.monotonic()]

        def on_row(row: WindowRow) -> None:
            pending.append(row)
            if time.monotonic() - marks[0] >= BATCH_EVERY_S:
                self.post_message(self.Diagnosed(window, list(pending), done=False))
                pending.clear()
                marks[0] = time.monotonic()

        await diagnose_rows(store, rest, window, on_row=on_row, progress=progress)
        self.post_message(self.Diagnosed(window, list(pending), done=True))

    @on(Found)
    def _found(self, message: Found) -> None:
        if message.window != self.window:
            return
        for row in message.rows:
            self.rows.setdefault(row.key, row)
        if message.rows and self.first_rows_ms is None and self.scan_started is not None:
            self.first_rows_ms = (time.perf_counter() - self.scan_started) * 1000
        if message.done and not self.rows:
            self.chart.empty_text = "No session overlaps this window."
        self._reorder()

    @on(Diagnosed)
    def _diagnosed(self, message: Diagnosed) -> None:
        if message.window != self.window:
            return
        for row in message.rows:
            self.rows[row.key] = row
        self._reorder()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.window == self.window:
            self.problem = message.error
            self._head()

    def _reorder(self) -> None:
        from roomscope.tui.incident.scan import worst_first

        chart = self.chart
        chosen = chart.selected
        only = self.only
        rows = self.rows.values() if only is None else (r for r in self.rows.values() if r.key in only[1])
        self.ordered = worst_first(rows)
        keep = None
        if chosen is not None and chart.cursor > 0:  # on the top row, the cursor follows the worst
            keep = next((i for i, r in enumerate(self.ordered) if r.key == chosen.key), None)
        if self.window is not None:
            chart.show(self.window, self.ordered, self.rs.clock(), keep=keep)
        self._head()
        self._status()

    # -- heading and status ------------------------------------------------------------------

    def _head(self) -> None:
        from roomscope.tui.incident.describe import window_heading

        try:
            head = self.query_one("#window-head", Static)
        except NoMatches:
            return
        text = Text()
        if self.window is not None:
            text.append("Window ", style="bold")
            text.append(window_heading(self.window, len(self.rows)))
            poor = sum(1 for r in self.ordered if r.verdict.value == "poor")
            if poor:
                text.append(f" · {poor} poor", style=self.verdict_style_named("poor"))
            if self.only is not None:
                text.append(f"\nonly {self.only[0]}: {len(self.ordered):,} sessions (Escape shows all)")
        else:
            text.append("Type a window: 10:00-10:10, 10:05±5m, or FROM..TO", style="bold")
        if self.problem:
            text.append(f"\n⚠ {self.problem}", style=self.theme_style("error"))
        head.update(text)

    def verdict_style_named(self, name: str) -> str:
        from roomscope.tui.quality import Verdict

        return self.verdict_style(Verdict(name))

    def _status(self) -> None:
        try:
            bar = self.query_one(StatusBar)
        except NoMatches:
            return
        left: list[str] = []
        progress = self.progress
        if self.window is None:
            left.append("no window yet")
        elif progress is not None:
            if not progress.done_listing:
                left.append(f"reading lists… {progress.listed:,} read")
            total = len(self.rows)
            judged = sum(1 for r in self.rows.values() if r.judged)
            left.append(f"{judged:,}/{total:,} diagnosed")
            if progress.failed:
                left.append(f"{progress.failed} failed")
        right = ["▁…█ share degraded", "▓ shared", "Enter opens", self.rs.source_label]
        bar.show(left, right, error=bool(progress and progress.errors))

    # -- actions -------------------------------------------------------------------------

    def show_window(self, text: str) -> None:
        """Read another window (the palette's Window command while this view is open)."""
        self.query_one(PromptInput).close()
        self.chart.focus()
        self._apply(text)

    def action_edit(self, text: str | None = None) -> None:
        if text is None:
            if self.window is not None and self.window.text:
                text = self.window.text
            else:
                hour_ago = fmt.local(self.rs.clock() - timedelta(hours=1))
                text = default_window_text(f"{hour_ago:%H:%M}")
        self.query_one(PromptInput).ask("window", text, WINDOW_PLACEHOLDER)

    def action_export(self) -> None:
        if not self.ordered:
            self.notify("Nothing to export yet.", timeout=3)
            return
        self.query_one(PromptInput).ask(
            "export", "window.csv", "export to: PATH.csv or PATH.json (or .jsonl)"
        )

    @on(PromptInput.Applied)
    def _answered(self, message: PromptInput.Applied) -> None:
        self.query_one(PromptInput).close()
        self.chart.focus()
        if message.purpose == "window":
            self._apply(message.text)
        elif message.purpose == "export":
            self._export(message.text)

    @on(PromptInput.Cancelled)
    def _not_answered(self, message: PromptInput.Cancelled) -> None:
        self.chart.focus()
        if message.purpose == "window" and self.window is None:
            self.dismiss()

    def _export(self, text: str) -> None:
        from roomscope.tui.incident import describe

        export_rows(
            self,
            text,
            header=describe.WINDOW_CSV_HEADER,
            cells=[describe.row_cells(r) for r in self.ordered],
            records=[describe.row_json(r) for r in self.ordered],
            noun="session",
        )

    def action_refresh(self) -> None:
        store = self.rs.store
        if store is None or self.window is None:
            return
        store.refresh()
        self._apply(self.window.text or self.window.as_argument())

    def action_copy(self) -> None:
        row = self.chart.selected
        if row is not None:
            self.rs.copy_text(row.session.id, "session id")

    def action_groups(self) -> None:
        if self.window is None or not self.rows:
            return
        start, end = fmt.local(self.window.start), fmt.local(self.window.end)
        source = GroupsSource(
            title=f"Window {start:%H:%M}–{end:%H:%M}",
            sessions=[r.session for r in worst_first_rows(self.rows.values())],
            window=self.window,
            choose=self._only_group,
        )
        self.post_message(OpenGroups(source))

    def action_bundle(self) -> None:
        window = self.window
        progress = self.progress
        if window is None or progress is None or not progress.done_listing:
            self.notify("The window is still being read: bundle it once its sessions are in.", timeout=4)
            return
        if not all(r.judged for r in self.rows.values()):
            self.notify("Diagnoses are still coming in: bundle once they are all in.", timeout=4)
            return
        self.notify("Writing the incident bundle…", timeout=2)
        self._bundle(window, worst_first_rows(self.rows.values()))

    def _bundle(self, window: IncidentWindow, rows: list[WindowRow]) -> None:
        from roomscope.tui.incident.describe import window_heading

        title = f"Window {window_heading(window)}"
        hand_off(self, bundle_window(self.rs, self.app, rows, window, title), "Writing the incident bundle")

    def _only_group(self, chosen: Group, keys: set[tuple[str, str]]) -> None:
        self.only = (f"{chosen.dimension.words} {chosen.label}", keys)
        self._reorder()

    def action_back(self) -> None:
        """Escape: drop a group filter first, then go back."""
        if self.only is not None:
            self.only = None
            self._reorder()
            return
        super().action_back()

    @on(WindowChart.Chosen)
    def _open(self, message: WindowChart.Chosen) -> None:
        row = self.chart.selected
        window = self.window
        if row is not None:
            at = (window.start, window.end) if window is not None else None
            self.post_message(OpenSession(row.session, window=at))
