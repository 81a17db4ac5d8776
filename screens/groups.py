"""The Groups view: the participants of a window's sessions grouped by what they share
(network, place, device, provider, room), the outlier first.

``d`` and ``D`` step through the dimensions; Enter hands the chosen group back to whoever
opened the view (the Window view filters its sessions to it) and goes back.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Static

from roomscope.screens.base import RoomscopeScreen
from roomscope.screens.handoff import export_rows
from roomscope.screens.navigation import GroupsSource, OpenHistory
from roomscope.tui import fmt
from roomscope.widgets.group_table import GroupTable, header_text
from roomscope.widgets.prompt_input import PromptInput
from roomscope.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from roomscope.tui.incident.gather import Gathered
    from roomscope.tui.incident.groups import Dimension, Group


class GroupsScreen(RoomscopeScreen):
    AUTO_FOCUS = "#groups"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "dimension(1)", "Next by", id="groups.next"),
        Binding("D", "dimension(-1)", "Prev by", id="groups.prev"),
        Binding("e", "export", "Export", id="groups.export"),
        Binding(
            "H",
            "history",
            "History",
            id="groups.history",
            tooltip="Since when: the selected ISP's, room's or profile's verdicts over past sessions",
            show=False,
        ),
    ]

    def __init__(self, source: GroupsSource) -> None:
        super().__init__()
        self.source = source
        self.gathered: Gathered | None = None
        self.dimension_index = 0
        self.groups: list[Group] = []

    @property
    def dimension(self) -> Dimension:
        from roomscope.tui.incident.groups import Dimension

        return list(Dimension)[self.dimension_index]

    def crumbs(self) -> list[str]:
        return ["Sessions", self.source.title, "Groups"]

    def compose_body(self) -> Iterable[Widget]:
        yield PromptInput(id="groups-input")
        yield Static("", id="groups-head", classes="meta")
        yield Static("", id="groups-columns", classes="note")
        yield GroupTable(id="groups")
        yield StatusBar(id="groups-status")

    @property
    def table(self) -> GroupTable:
        return self.query_one(GroupTable)

    def on_mount(self) -> None:
        super().on_mount()
        self._head()
        self._gather()

    def on_resize(self) -> None:
        self._columns()

    class Gathered(Message):
        def __init__(self, gathered: Gathered) -> None:
            super().__init__()
            self.gathered = gathered

    @work(group="groups", exclusive=True, exit_on_error=False, description="Reading the participants")
    async def _gather(self) -> None:
        from roomscope.tui.incident.gather import gather

        store = await self.rs.ready()
        self.post_message(self.Gathered(await gather(store, self.source.sessions, self.source.window)))

    @on(Gathered)
    def _gathered(self, message: Gathered) -> None:
        self.gathered = message.gathered
        self._regroup()

    def _regroup(self) -> None:
        from roomscope.tui.incident.groups import group

        gathered = self.gathered
        if gathered is None:
            return
        self.groups = group(gathered.members, self.dimension)
        table = self.table
        table.empty_text = "No participants in these sessions."
        table.show(self.groups, keep=0)
        self._head()
        self._columns()

    def _head(self) -> None:
        try:
            head = self.query_one("#groups-head", Static)
            bar = self.query_one(StatusBar)
        except NoMatches:
            return
        gathered = self.gathered
        text = Text()
        text.append(f"By {self.dimension.words}", style="bold")
        text.append(f" · {self.source.title}")
        left: list[str] = []
        if gathered is None:
            left.append(f"reading the participants of {len(self.source.sessions):,} sessions…")
        else:
            degraded = sum(1 for m in gathered.members if m.degraded)
            text.append(f" · {len(gathered.members):,} participants, {degraded:,} degraded")
            left.append(f"{len(self.groups):,} groups")
            if gathered.failed:
                left.append(f"{len(gathered.failed)} sessions left out: {gathered.failed[0]}")
            top = self.groups[0] if self.groups else None
            if top is not None and top.degraded:
                zone = fmt.local(top.first_degraded).tzinfo if top.first_degraded else None
                text.append("\n")
                text.append(top.sentence(zone), style=self.theme_style("warning"))
        head.update(text)
        right = ["d/D: by", "Enter: filter to it" if self.source.choose else "", self.rs.source_label]
        bar.show(left, right, error=bool(gathered and gathered.failed))

    def _columns(self) -> None:
        try:
            columns = self.query_one("#groups-columns", Static)
        except NoMatches:
            return
        width = self.table.scrollable_content_region.width or self.size.width
        columns.update(Text(header_text(width)))

    def action_dimension(self, step: int) -> None:
        from roomscope.tui.incident.groups import Dimension

        self.dimension_index = (self.dimension_index + step) % len(Dimension)
        self._regroup()
        self._head()

    def action_export(self) -> None:
        if not self.groups:
            self.notify("Nothing to export yet.", timeout=3)
            return
        name = f"groups-{self.dimension.value}.csv"
        self.query_one(PromptInput).ask("export", name, "export to: PATH.csv or PATH.json (or .jsonl)")

    @on(PromptInput.Applied)
    def _answered(self, message: PromptInput.Applied) -> None:
        from roomscope.tui.incident import describe

        self.query_one(PromptInput).close()
        self.table.focus()
        export_rows(
            self,
            message.text,
            header=describe.GROUP_CSV_HEADER,
            cells=[describe.group_cells(g) for g in self.groups],
            records=[describe.group_json(g) for g in self.groups],
            noun="group",
        )

    @on(PromptInput.Cancelled)
    def _not_answered(self) -> None:
        self.table.focus()

    @on(GroupTable.Chosen)
    def _chosen(self, message: GroupTable.Chosen) -> None:
        chosen = self.table.selected
        gathered = self.gathered
        if chosen is None or gathered is None or self.source.choose is None:
            return
        keys = {(m.profile, m.session_id) for m in gathered.members if m.key(self.dimension)[0] == chosen.key}
        self.source.choose(chosen, keys)
        self.dismiss()

    def action_history(self) -> None:
        """The selected group's history (an ISP, a room or a profile)."""
        from roomscope.tui.incident.history import HISTORY_DIMENSIONS, subject_of_group

        chosen = self.table.selected
        if chosen is None:
            return
        subject = subject_of_group(chosen)
        if subject is None:
            have = ", ".join(d.words for d in HISTORY_DIMENSIONS[:-1]) + f" or {HISTORY_DIMENSIONS[-1].words}"
            what = (
                "The unknown group has"
                if self.dimension in HISTORY_DIMENSIONS
                else f"Groups by {self.dimension.words} have"
            )
            self.notify(f"{what} no history: groups by {have} have one (d changes the grouping).", timeout=6)
            return
        self.post_message(OpenHistory(subject.kind, subject.value, subject.label))
