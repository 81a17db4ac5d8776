"""A participant's quality sparklines over the session's time axis."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from roomscope.screens.base import RoomscopeScreen
from roomscope.screens.navigation import ParticipantNav
from roomscope.tui import fmt
from roomscope.tui.errors import ProviderError, UnsupportedError
from roomscope.tui.text import clean
from roomscope.widgets.sparkline_panel import MetricPanel

if TYPE_CHECKING:
    from roomscope.tui.store import QualityReport

TALL_SCREEN = 34
"""From this height on, each sparkline gets two rows."""


class QualityScreen(RoomscopeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket,p", "step(-1)", "Prev", id="quality.prev"),
        Binding("right_square_bracket,n", "step(1)", "Next", id="quality.next"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="quality.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="quality.up"),
        Binding("r", "refresh", "Refresh", id="quality.refresh"),
        Binding("y", "copy", "Copy", id="quality.copy"),
    ]

    def __init__(self, nav: ParticipantNav) -> None:
        super().__init__()
        self.nav = nav
        self.report: QualityReport | None = None

    def crumbs(self) -> list[str]:
        return ["Sessions", self.nav.session.title, self.nav.current.title, "Quality"]

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="quality-head")
        yield VerticalScroll(id="quality-panels")

    def on_mount(self) -> None:
        super().on_mount()
        self._show()
        self.follow_live()

    def showing_live(self) -> bool:
        return self.nav.session.is_live

    def reload_live(self) -> None:
        self.nav.reports.pop(self.nav.current.id, None)
        self.load()

    def axis(self) -> tuple[datetime, datetime]:
        session = self.nav.session
        start = session.started_at
        end = session.ended_at or self.rs.clock()
        if self.report is not None and self.report.series:
            starts = [s.start for s in self.report.series]
            if start is None:
                start = min(starts)
            ends = [s.start.timestamp() + s.offset(len(s.values) - 1) for s in self.report.series if s.values]
            if session.ended_at is None and ends:
                end = max(end, datetime.fromtimestamp(max(ends), start.tzinfo))
        if start is None:
            start = end
        return start, end

    def _show(self) -> None:
        self.report = self.nav.reports.get(self.nav.current.id)
        self.update_crumbs()
        self._draw()
        if self.report is None:
            self.load()

    class Loaded(Message):
        """A worker's result: the report, or why there is none (``missing`` or ``error``)."""

        def __init__(
            self, participant_id: str, report: QualityReport | None, *, missing: str = "", error: str = ""
        ) -> None:
            super().__init__()
            self.participant_id = participant_id
            self.report = report
            self.missing = missing
            self.error = error

    @work(group="quality-load", exclusive=True, exit_on_error=False, description="Loading quality samples")
    async def load(self) -> None:
        store = await self.rs.ready()
        target = self.nav.current.id
        try:
            report = await store.quality(self.nav.session, target)
        except UnsupportedError as missing:
            self.post_message(self.Loaded(target, None, missing=str(missing)))
        except ProviderError as exc:
            self.post_message(self.Loaded(target, None, error=str(exc)))
        else:
            self.nav.reports[target] = report
            self.post_message(self.Loaded(target, report))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.participant_id != self.nav.current.id:
            return
        if message.missing:
            self._message(message.missing, style="bold")
        elif message.error:
            self._message(f"⚠ {message.error}", style=self.theme_style("error"))
        else:
            self.report = message.report
            self._draw()

    def _message(self, text: str, *, style: str) -> None:
        head = self.query_one("#quality-head", Static)
        head.update(Text(clean(text, 400), style=style))
        self.query_one("#quality-panels", VerticalScroll).remove_children()

    def _draw(self) -> None:
        head = self.query_one("#quality-head", Static)
        panels = self.query_one("#quality-panels", VerticalScroll)
        participant = self.nav.current
        report = self.report
        position = f"{self.nav.index + 1}/{len(self.nav.participants)}"
        if report is None:
            head.update(Text(f"{clean(participant.title, 60)}  ({position})  loading samples…", style="dim"))
            panels.remove_children()
            return
        start, end = self.axis()
        title = Text()
        title.append(clean(participant.title, 60), style="bold")
        title.append(f"  ({position})  ")
        style = self.verdict_style(report.assessment.verdict)
        title.append(f"● {report.assessment.reason()}", style=style)
        width = max(20, self.size.width - 4)
        left = fmt.when(start, seconds=True, date=False)
        right = fmt.when(end, seconds=True, date=False)
        middle = fmt.when(start + (end - start) / 2, seconds=True, date=False)
        rule_len = max(0, (width - len(left) - len(right) - len(middle) - 4) // 2)
        axis = Text(f"{left} {'─' * rule_len} {middle} {'─' * rule_len} {right}", style="dim")
        if not report.series:
            empty = Text("No quality samples for this participant.", style="dim")
            head.update(Text.assemble(title, "\n", empty))
            panels.remove_children()
            return
        head.update(Text.assemble(title, "\n", axis))
        existing = list(panels.query(MetricPanel))
        height = 3 if self.app.size.height >= TALL_SCREEN else 2
        if len(existing) != len(report.series):
            panels.remove_children()
            existing = [MetricPanel() for _ in report.series]
            panels.mount_all(existing)
        for panel, series in zip(existing, report.series, strict=True):
            panel.styles.height = height
            panel.show(series, report.assessment.of(series), (start, end))

    def on_resize(self) -> None:
        if self.report is not None:
            self._draw()

    # -- actions -------------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        if self.nav.step(delta):
            self._show()
        else:
            self.notify("No more participants that way.", timeout=2)

    def action_scroll(self, delta: int) -> None:
        panels = self.query_one("#quality-panels", VerticalScroll)
        panels.scroll_relative(y=delta * 3, animate=False)

    def action_refresh(self) -> None:
        store = self.rs.store
        if store is not None:
            store.refresh()
        self.nav.reports.pop(self.nav.current.id, None)
        self._show()

    def action_copy(self) -> None:
        self.rs.copy_text(self.nav.current.id, "participant id")
