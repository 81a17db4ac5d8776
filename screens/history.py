"""The History view: since when a person, an ISP, a room or a profile has had bad calls.

The subject and the sentence at the top ("Ana Silva was fine until Tue 17 Nov 17:00; since
then 5 of 6 sessions degraded …"), then the time line (one mark per session over the last
seven days, or 1, 30, 90 in turn with ``t``; the first degraded session named) and the
sessions, oldest first, the cursor on
the first degraded one. It reads the cache only (what the session list, the sessions opened
and earlier runs brought in); ``f`` asks the providers for what the cache lacks, with a
progress line, and Escape cancels (what was fetched by then stays in the cache and is shown).
``e`` exports the rows, ``y`` copies the sentence, Enter opens the session under the cursor.

Workers never touch widgets: the one loading worker posts the messages below, a handler each
draws; a timer draws the progress the worker's plain progress record holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from roomscope.screens.base import RoomscopeScreen
from roomscope.screens.handoff import export_rows
from roomscope.screens.navigation import OpenSession
from roomscope.tui import fmt
from roomscope.tui.text import clean
from roomscope.widgets.history_chart import HistoryRows, HistoryTimeline, header_text
from roomscope.widgets.progress_bar import ProgressBar
from roomscope.widgets.prompt_input import PromptInput
from roomscope.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from roomscope.tui.incident.history import History, HistoryProgress, Subject

ASK = {
    "who": "person: a user id, participant id or whole display name",
    "isp": "ISP: an ASN (AS3320) or part of its name",
    "room": "room: its name",
    "profile": "profile: its name",
}
"""What the prompt says when the view opens without a subject (the palette's commands)."""
PROGRESS_EVERY_S = 0.2
SPANS_DAYS: tuple[int, ...] = (1, 7, 30, 90)
"""The spans ``t`` steps through, in days."""
DEFAULT_SPAN_DAYS = 7
"""The span the view opens with (as ``roomscope history``'s default ``--since``)."""


def cursor_target(history: History, keep: tuple[str, str] | None) -> int:
    """Where the cursor goes: the session it was on, else the first degraded session, else
    the newest degraded one, else the newest."""
    marks = history.marks
    if keep is not None:
        for index, mark in enumerate(marks):
            if (mark.profile, mark.session_id) == keep:
                return index
    point = history.first_bad
    if point is not None:
        return point
    bad = [i for i, m in enumerate(marks) if m.bad]
    return bad[-1] if bad else max(0, len(marks) - 1)


class HistoryScreen(RoomscopeScreen):
    AUTO_FOCUS = "#history-rows"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "f",
            "fetch",
            "Fetch",
            id="history.fetch",
            tooltip="Ask the providers for the sessions the cache lacks (Escape cancels)",
        ),
        Binding(
            "t",
            "span",
            "Span",
            id="history.span",
            tooltip="Read a shorter or longer span: the last 1, 7, 30 or 90 days, in turn",
        ),
        Binding("e", "export", "Export", id="history.export", tooltip="Export the sessions to a file"),
        Binding("y", "copy", "Copy", id="history.copy", tooltip="Copy the sentence"),
    ]

    def __init__(self, kind: str, value: str | None = None, label: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.label = label
        self.subject: Subject | None = None
        if value:
            self.subject = self._subject(value)
        self.history: History | None = None
        self.progress: HistoryProgress | None = None
        self.reading = False
        """A read is under way (not Textual's ``loading``, which would cover the view)."""
        self.fetching = False
        self.problem: str | None = None
        self.since: datetime | None = None
        self.until: datetime | None = None
        self.span_days = DEFAULT_SPAN_DAYS
        """How far back the history reads (``t`` steps through SPANS_DAYS)."""
        self._generation = 0
        self._ticker: Timer | None = None

    def _subject(self, value: str) -> Subject:
        from roomscope.tui.incident.history import Subject

        return Subject(self.kind, value.strip(), self.label)

    def crumbs(self) -> list[str]:
        if self.subject is None:
            return ["Sessions", "History"]
        return ["Sessions", f"History of {clean(self.subject.words, 60)}"]

    def compose_body(self) -> Iterable[Widget]:
        yield PromptInput(id="history-input")
        yield Static("", id="history-head", classes="meta")
        timeline = HistoryTimeline(id="history-timeline")
        yield timeline
        yield Static("", id="history-columns", classes="note")
        yield HistoryRows(timeline=timeline, id="history-rows")
        yield ProgressBar(id="history-progress")
        yield StatusBar(id="history-status")

    @property
    def rows(self) -> HistoryRows:
        return self.query_one(HistoryRows)

    @property
    def timeline(self) -> HistoryTimeline:
        return self.query_one(HistoryTimeline)

    def on_mount(self) -> None:
        super().on_mount()
        self._columns()
        self._head()
        self._status()
        if self.subject is not None:
            self._start(fetch=False)
        else:
            self.rows.empty_text = "Type whose history in the line above, then Enter."
            self.query_one(PromptInput).ask("subject", "", ASK.get(self.kind, ASK["who"]))

    def on_resize(self) -> None:
        self._columns()

    # -- messages from the worker ----------------------------------------------------------

    class Loaded(Message):
        def __init__(self, generation: int, history: History) -> None:
            super().__init__()
            self.generation = generation
            self.history = history

    class Failed(Message):
        def __init__(self, generation: int, error: str) -> None:
            super().__init__()
            self.generation = generation
            self.error = error

    # -- loading ---------------------------------------------------------------------------

    def _start(self, *, fetch: bool) -> None:
        """Read the history (again): from the cache only, or asking the providers."""
        from datetime import timedelta

        from roomscope.tui.incident.history import HistoryProgress

        subject = self.subject
        if subject is None:
            return
        now = self.rs.clock()
        if self.since is None:
            self.since = now - timedelta(days=self.span_days)
        self.until = max(now, self.since + timedelta(seconds=1))
        self._generation += 1
        self.progress = HistoryProgress(fetch=fetch)
        self.reading = True
        self.fetching = fetch
        self.problem = None
        if self.history is None:
            self.rows.empty_text = "⋯ reading the history…"
            self.rows.refresh()
        if self._ticker is None:
            self._ticker = self.set_interval(PROGRESS_EVERY_S, self._show_progress)
        self._show_progress()
        self._status()
        self._load(self._generation, subject, self.since, fetch, self.progress)

    @work(group="history", exclusive=True, exit_on_error=False, description="Reading the history")
    async def _load(
        self, generation: int, subject: Subject, since: datetime, fetch: bool, progress: HistoryProgress
    ) -> None:
        from roomscope.tui.errors import ProviderError
        from roomscope.tui.incident.history import read_history

        store = await self.rs.ready()
        try:
            found = await read_history(store, subject, since, fetch=fetch, progress=progress)
        except ProviderError as exc:
            self.post_message(self.Failed(generation, str(exc)))
            return
        self.post_message(self.Loaded(generation, found))

    def _stop_progress(self) -> None:
        self.reading = False
        self.fetching = False
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._show_progress()

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.generation != self._generation:
            return
        was = self.rows.selected
        keep = (was.profile, was.session_id) if was is not None else None
        self.history = message.history
        self._stop_progress()
        history = message.history
        self.rows.empty_text = self._empty_text(history)
        self.timeline.show(
            history.marks, self.since or self.rs.clock(), self.until or self.rs.clock(), history.first_bad
        )
        self.rows.show(history.marks, history.first_bad, keep=cursor_target(history, keep))
        self._head()
        self._status()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        if message.generation != self._generation:
            return
        self._stop_progress()
        self.problem = message.error
        if self.history is None:
            self.rows.empty_text = "The history could not be read."
            self.rows.refresh()
        self._head()
        self._status()

    # -- drawing ---------------------------------------------------------------------------

    def sentence(self) -> str:
        """What the history says (inert), in the shown zone."""
        from roomscope.tui.incident.history import sentence

        history = self.history
        if history is None or self.subject is None:
            return ""
        if not history.marks:
            return self._empty_text(history)
        return clean(sentence(history, fmt.shown_zone()), 1000)

    def _empty_text(self, history: History) -> str:
        who = clean(history.subject.words, 80)
        since = fmt.when(self.since) if self.since is not None else "the start"
        if history.fetched:
            return f"No session of {who} since {since} in the sessions read from the providers."
        return f"No session of {who} since {since} in the cache: f asks the providers."

    def _head(self) -> None:
        try:
            head = self.query_one("#history-head", Static)
        except NoMatches:
            return
        text = Text()
        subject = self.subject
        if subject is None:
            text.append("Whose history? Type a name and press Enter", style="bold")
            head.update(text)
            return
        text.append(f"History of {clean(subject.words, 80)}", style="bold")
        if self.label and subject.kind == "who" and self.label != subject.value:
            text.append(f" ({clean(subject.value, 60)})")
        if self.since is not None:
            text.append(f" · since {fmt.when(self.since)} {fmt.zone_name(self.since)}")
        history = self.history
        if history is not None:
            text.append(f" · {len(history.marks):,} sessions")
            bad = sum(1 for m in history.marks if m.bad)
            if bad:
                text.append(f", {bad:,} degraded", style=self.theme_style("warning", "bold"))
            text.append("\n")
            said = self.sentence()
            degraded = history.first_bad is not None or bad
            text.append(said, style=self.theme_style("warning") if degraded else "")
        elif self.reading:
            text.append("\n⋯ reading the history…")
        if self.problem:
            text.append(f"\n⚠ {clean(self.problem, 300)}", style=self.theme_style("error"))
        head.update(text)

    def _columns(self) -> None:
        try:
            columns = self.query_one("#history-columns", Static)
        except NoMatches:
            return
        width = self.rows.scrollable_content_region.width or self.size.width
        columns.update(Text(header_text(width)))

    def _status(self) -> None:
        try:
            bar = self.query_one(StatusBar)
        except NoMatches:
            return
        left: list[str] = []
        history = self.history
        if history is not None:
            left.append(f"{history.scanned:,} sessions looked at")
            if history.unread:
                missing = "not in the cache: f fetches them" if not history.fetched else "could not be read"
                left.append(f"{history.unread:,} {missing}")
            if history.cache_ended:
                left.append("the cached list ends earlier")
            if history.stopped:
                left.append(f"the list stopped: {history.stopped}")
        elif self.reading:
            left.append("reading…")
        if self.fetching:
            source = "fetching"
        else:
            source = "fetched" if history is not None and history.fetched else "cache only"
        right = ["j/k move", "Enter opens", source, self.rs.source_label]
        bar.show(left, right, error=bool(self.problem or (history is not None and history.stopped)))

    def _show_progress(self) -> None:
        try:
            line = self.query_one(ProgressBar)
        except NoMatches:
            return
        progress = self.progress
        if not self.reading or progress is None:
            line.hide()
            return
        label = "Fetching" if progress.fetch else "Reading the cache"
        detail = progress.words() + (" · Esc cancels" if progress.fetch else "")
        line.show(label, progress.fraction, detail)

    # -- actions ---------------------------------------------------------------------------

    def action_fetch(self) -> None:
        if self.subject is None:
            return
        if self.fetching:
            self.notify("Already fetching: Escape cancels.", timeout=3)
            return
        self._start(fetch=True)

    def action_span(self) -> None:
        """The next span (1, 7, 30, 90 days, then 1 again), read from the cache at once; the
        rows shown stay until the new ones are read."""
        if self.subject is None:
            return
        from datetime import timedelta

        steps = SPANS_DAYS
        self.span_days = steps[(steps.index(self.span_days) + 1) % len(steps)]
        self.since = self.rs.clock() - timedelta(days=self.span_days)
        self._head()
        self._start(fetch=False)

    def action_back(self) -> None:
        """Escape: cancel a fetch first (showing what the cache holds by then), then go back."""
        if self.fetching:
            self.notify("Fetch cancelled: showing what the cache holds.", timeout=4)
            self._start(fetch=False)  # the loading group is exclusive: this cancels the fetch
            return
        super().action_back()

    def action_copy(self) -> None:
        said = self.sentence()
        if said:
            self.rs.copy_text(said, "sentence")

    def action_export(self) -> None:
        if self.history is None or not self.history.marks:
            self.notify("Nothing to export yet.", timeout=3)
            return
        name = f"history-{self.kind}.csv"
        self.query_one(PromptInput).ask("export", name, "export to: PATH.csv or PATH.json (or .jsonl)")

    @on(PromptInput.Applied)
    def _answered(self, message: PromptInput.Applied) -> None:
        if message.purpose == "subject":
            if not message.text.strip():
                self.notify("Type a name first (Escape goes back).", timeout=3)
                return
            self.query_one(PromptInput).close()
            self.rows.focus()
            self.subject = self._subject(message.text)
            self.update_crumbs()
            self._head()
            self._start(fetch=False)
            return
        self.query_one(PromptInput).close()
        self.rows.focus()
        if message.purpose == "export":
            self._export(message.text)

    @on(PromptInput.Cancelled)
    def _not_answered(self, message: PromptInput.Cancelled) -> None:
        self.rows.focus()
        if message.purpose == "subject" and self.subject is None:
            self.dismiss()

    def _export(self, text: str) -> None:
        from roomscope.tui.incident.history import MARK_CSV_HEADER, mark_cells, mark_json

        marks = self.history.marks if self.history is not None else []
        export_rows(
            self,
            text,
            header=MARK_CSV_HEADER,
            cells=[mark_cells(m) for m in marks],
            records=[mark_json(m) for m in marks],
            noun="session",
        )

    @on(HistoryRows.Chosen)
    def _open(self, message: HistoryRows.Chosen) -> None:
        mark = self.rows.selected
        history = self.history
        if mark is None or history is None:
            return
        session = history.sessions.get((mark.profile, mark.session_id))
        if session is not None:
            self.post_message(OpenSession(session))
