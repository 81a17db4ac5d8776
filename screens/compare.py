"""The Compare view: the marked participants (space marks one, even across sessions) side by
side: each metric on one time axis, one row per participant, the same scale for everyone and
a shared cursor (h/l), then what differs between them (network, device, place, verdict,
findings)."""

from __future__ import annotations

import asyncio
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
from roomscope.screens.navigation import ClearMarks
from roomscope.tui import fmt
from roomscope.tui.text import clean
from roomscope.widgets.compare_chart import LABEL, CompareChart, CompareRow
from roomscope.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from roomscope.tui.incident.compare import Compared
    from roomscope.tui.models import Participant, Session


class CompareScreen(RoomscopeScreen):
    AUTO_FOCUS = "#compare"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "clear_marks", "Clear marks", id="compare.clear"),
    ]

    def __init__(self, marked: list[tuple[Session, Participant]]) -> None:
        super().__init__()
        self.marked = marked
        self.items: list[Compared] = []

    def crumbs(self) -> list[str]:
        return ["Sessions", f"Compare {len(self.marked)}"]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="compare-head", classes="meta")
        yield Static("", id="compare-axis", classes="note")
        yield CompareChart(id="compare")
        yield Static("", id="compare-diff", classes="meta")
        yield StatusBar(id="compare-status")

    @property
    def chart(self) -> CompareChart:
        return self.query_one(CompareChart)

    def on_mount(self) -> None:
        super().on_mount()
        self._head()
        self._load()

    class Loaded(Message):
        def __init__(self, items: list[Compared]) -> None:
            super().__init__()
            self.items = items

    @work(group="compare", exclusive=True, exit_on_error=False, description="Reading the marked participants")
    async def _load(self) -> None:
        from roomscope.tui.errors import ProviderError
        from roomscope.tui.incident.compare import Compared

        store = await self.rs.ready()

        async def one(session: Session, participant: Participant) -> Compared:
            try:
                diagnosis = await store.diagnosis(session)
            except ProviderError:
                diagnosis = None
            try:
                report = await store.quality(session, participant.id)
            except ProviderError as exc:
                return Compared(session, participant, (), diagnosis, str(exc))
            return Compared(session, participant, tuple(report.series), diagnosis)

        items = await asyncio.gather(*(one(s, p) for s, p in self.marked))
        self.post_message(self.Loaded(list(items)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.items = message.items
        self._draw()

    def on_resize(self) -> None:
        if self.items:
            self._draw()

    def _draw(self) -> None:
        from roomscope.tui.incident.compare import METRICS, axis, bucket, differences, lower_is_worse, scale
        from roomscope.tui.quality import THRESHOLDS

        chart = self.chart
        span = axis(self.items)
        rows: list[CompareRow] = []
        if span is not None:
            cells = chart.cells
            for metric in METRICS:
                low, high = scale(self.items, metric)
                threshold = THRESHOLDS.get(metric)
                first = True
                for n, item in enumerate(self.items, start=1):
                    series = item.metric(metric)
                    if series is None:
                        continue
                    rows.append(
                        CompareRow(
                            label=item.participant.title,
                            number=n,
                            metric=threshold.label if threshold else metric,
                            unit=series.unit,
                            cells=tuple(bucket(series, span[0], span[1], cells)),
                            low=low,
                            high=high,
                            poor=threshold.poor if threshold else None,
                            worse_low=lower_is_worse(metric),
                            first_of_metric=first,
                        )
                    )
                    first = False
        chart.empty_text = "No samples for any marked participant."
        chart.show(rows)
        self._axis(span)
        diff = Text()
        found = differences(self.items)
        if found:
            diff.append("Differences\n", style="bold")
            for what, values in found:
                shown = " │ ".join(f"{n} {clean(v, 50)}" for n, v in enumerate(values, start=1))
                diff.append(f"{what:<9} {shown}\n")
        else:
            diff.append("No difference in network, device, place, verdict or findings.")
        for n, item in enumerate(self.items, start=1):
            if item.note:
                diff.append(
                    f"\n{n} {clean(item.participant.title, 40)}: {clean(item.note, 200)}", style="dim"
                )
        self.query_one("#compare-diff", Static).update(diff)
        self._head()

    def _axis(self, span: tuple[object, object] | None) -> None:
        try:
            label = self.query_one("#compare-axis", Static)
        except NoMatches:
            return
        if span is None:
            label.update("")
            return
        start, end = span
        from datetime import datetime

        assert isinstance(start, datetime) and isinstance(end, datetime)
        cells = self.chart.cells
        lead = LABEL  # where each row's chart starts (this line and the rows have the same padding)
        line = [" "] * (lead + cells)
        step = max(1, cells // 4)
        for cell in range(0, cells - 5, step):
            moment = start + timedelta(seconds=(end - start).total_seconds() * cell / cells)
            text = fmt.when(moment, date=False)
            at = lead + cell
            line[at : at + len(text)] = list(text)
        label.update(Text("".join(line).rstrip()))

    def _head(self) -> None:
        try:
            head = self.query_one("#compare-head", Static)
            bar = self.query_one(StatusBar)
        except NoMatches:
            return
        text = Text()
        text.append(f"Comparing {len(self.marked)}", style="bold")
        for n, (session, participant) in enumerate(self.marked, start=1):
            text.append(f" · {n} {clean(participant.title, 30)} ({clean(session.title, 30)})")
        head.update(text)
        left = ["reading…"] if not self.items else [f"{len(self.items)} participants"]
        bar.show(left, ["h/l: cursor", "x: clear marks", self.rs.source_label])

    def action_clear_marks(self) -> None:
        self.post_message(ClearMarks())
        self.dismiss()
