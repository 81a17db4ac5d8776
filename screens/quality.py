"""A participant's quality sparklines over the session's time axis, with a time cursor.

From top to bottom: the participant and its verdict; the time ruler (tick labels in the
shown zone, and the markers of joins, leaves, reconnects, mutes and of this participant's
findings); one panel per metric, sharing the terminal's height (scrolling when they do not
fit); the cursor readout, always visible: the cursor's time and zone, the events and
findings there, and every metric's exact sample at that instant.

h/l (←/→) move the cursor a column, H/L (shift+←/→) ten, Home/End to the ends; +/- zoom in
and out around the cursor, 0 shows the whole session again; s adds a chart per sender of
the receive series the provider keeps per sender. The cursor, the zoom and s stay when
stepping to another participant of the same session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
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
from roomscope.tui.kinds import EventKind
from roomscope.tui.quality import Verdict, assess, assessment_keys
from roomscope.tui.text import clean
from roomscope.widgets.cursor_readout import CursorReadout, exact, sample_at, sample_step, wrap
from roomscope.widgets.sparkline_panel import GUTTER, MetricPanel, bursts, threshold_levels
from roomscope.widgets.time_ruler import Band, Mark, TimeRuler, bands_at, marks_in, zone_name
from roomscope.widgets.timeline import BIG_STEP, ZOOM_FACTOR, Timeline, moment

if TYPE_CHECKING:
    from roomscope.tui.diagnosis.findings import Finding
    from roomscope.tui.models import Event, QualitySeries
    from roomscope.tui.quality import MetricAssessment, QualityAssessment, Threshold
    from roomscope.tui.store import QualityReport

VALUE_WIDTH = 9
"""Columns of a reading's value ('1,659.234'): the readings keep their places as the cursor moves."""
FIXED_ROWS = 5
"""Rows that are not panels or the readout: breadcrumb, head, the ruler's two, footer."""

EVENT_MARKS: dict[EventKind, tuple[str, str, int]] = {
    EventKind.RECONNECT: ("↻", "reconnect", 4),
    EventKind.JOIN: ("▲", "joined", 3),
    EventKind.LEAVE: ("▼", "left", 3),
    EventKind.MUTE: ("◇", "muted", 2),
    EventKind.UNMUTE: ("◆", "unmuted", 1),
    EventKind.VIDEO_OFF: ("◇", "camera off", 2),
    EventKind.VIDEO_ON: ("◆", "camera on", 1),
}
"""Event kinds marked on the ruler: symbol, words, rank (which wins a shared column)."""

SHORT_LABELS: dict[str, str] = {
    "packet_loss_send": "loss↑",
    "packet_loss_recv": "loss↓",
    "bitrate_send": "rate↑",
    "bitrate_recv": "rate↓",
    "jitter": "jitter",
    "rtt": "RTT",
    "mos": "MOS",
    "fps": "fps↓",
    "fps_send": "fps↑",
    "cpu_limited": "CPU-lim↑",
    "bandwidth_limited": "BW-lim↑",
    "bwe_send": "BWE↑",
    "freeze_recv": "freeze↓",
}
"""The readout's names of the metrics, ↑ for what the participant sent and ↓ for what it
received (the panels' titles say them in full)."""


def panel_heights(fixed: list[int], available: int) -> list[int]:
    """Chart rows for panels needing ``fixed[i]`` rows besides their charts, sharing
    ``available`` rows: at least one each, the rest spread evenly (the first panels get
    the odd rows)."""
    count = len(fixed)
    if count == 0:
        return []
    spare = available - sum(fixed)
    base = max(1, spare // count)
    extra = spare - base * count if spare >= count else 0
    return [base + (1 if i < extra else 0) for i in range(count)]


@dataclass(frozen=True)
class Shown:
    """One chart of the screen: a series, its assessment, its panel title and its name in
    the readout."""

    series: QualitySeries
    assessment: MetricAssessment | None
    title: str | None
    """The panel's title when it is not the metric's ('Packet loss (recv) from Jamal')."""
    label: str

    @property
    def threshold(self) -> Threshold | None:
        return self.assessment.threshold if self.assessment is not None else None


def short_label(series: QualitySeries) -> str:
    metric = str(series.metric)
    return SHORT_LABELS.get(metric, metric)


def source_label(series: QualitySeries) -> str:
    """The readout's name of a second series of a metric (another source: an imported
    dump): 'loss↓ chrome-dum'."""
    return f"{short_label(series)} {clean(series.source, 40)[:10]}".rstrip()


def reading_unit(series: QualitySeries) -> str:
    """'%', ' ms', ' kbps', '' (MOS), ' unit?' (a unit the provider does not document)."""
    unit = series.unit if series.unit_documented else f"{series.unit or 'unit'}?"
    return unit if unit in ("", "%") else f" {unit}"


def reading_widths(shown: Iterable[Shown]) -> tuple[int, int]:
    """The widest label and unit of the readings of ``shown``."""
    entries = list(shown)
    labels = [cell_len(e.label) for e in entries]
    units = [len(reading_unit(e.series)) for e in entries]
    return max(labels, default=0), max(units, default=0)


def verdict_line(assessment: QualityAssessment) -> str:
    """The verdict and what tripped it, its time in the shown zone, named: 'poor: Packet loss
    (send) > 5% from 04:38:06 UTC for 1m24s', '… 3 bursts, 3m40s in all, first at 21:58:52 UTC'."""
    tripped = assessment.metrics.get(assessment.tripped_by or "")
    if tripped is None or assessment.verdict not in (Verdict.POOR, Verdict.FAIR):
        return assessment.reason()
    threshold = tripped.threshold
    level = threshold.poor if assessment.verdict is Verdict.POOR else threshold.fair
    text = f"{assessment.verdict.value}: {threshold.describe(level or 0.0)}"
    at = ""
    if assessment.tripped_at is not None:
        when = assessment.tripped_at.timestamp()
        at = f"{fmt.when(assessment.tripped_at, seconds=True, date=False)} {zone_name(when)}"
    if len(tripped.episodes) > 1:
        text += f" {bursts(tripped)}"
        return f"{text}, first at {at}" if at else text
    if at:
        text += f" from {at}"
    if assessment.tripped_for_s:
        text += f" for {fmt.duration(assessment.tripped_for_s)}"
    return text


def event_marks(events: Iterable[Event]) -> list[Mark]:
    marks = []
    for event in events:
        shown = EVENT_MARKS.get(event.kind)
        if shown is None or event.at is None:
            continue
        symbol, words, rank = shown
        marks.append(Mark(event.at.timestamp(), symbol, words, rank))
    return marks


def finding_bands(findings: Iterable[Finding]) -> list[Band]:
    bands = []
    for finding in findings:
        severity = finding.severity.verdict.value
        for window in finding.windows:
            label = f"{finding.rule} {finding.cause.words}"
            bands.append(Band(window.start.timestamp(), window.end.timestamp(), severity, label))
    return bands


class QualityScreen(RoomscopeScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left_square_bracket,p", "step(-1)", "Prev", id="quality.prev"),
        Binding("right_square_bracket,n", "step(1)", "Next", id="quality.next"),
        Binding("j,down", "scroll(1)", "Down", show=False, id="quality.down"),
        Binding("k,up", "scroll(-1)", "Up", show=False, id="quality.up"),
        Binding(
            "h,left",
            "cursor(-1)",
            "Time cursor one column left",
            show=False,
            priority=True,
            id="quality.cursor-left",
        ),
        Binding(
            "l,right",
            "cursor(1)",
            "Time cursor one column right",
            show=False,
            priority=True,
            id="quality.cursor-right",
        ),
        Binding(
            "H,shift+left",
            f"cursor(-{BIG_STEP})",
            f"Time cursor {BIG_STEP} columns left",
            show=False,
            priority=True,
            id="quality.cursor-left-far",
        ),
        Binding(
            "L,shift+right",
            f"cursor({BIG_STEP})",
            f"Time cursor {BIG_STEP} columns right",
            show=False,
            priority=True,
            id="quality.cursor-right-far",
        ),
        Binding(
            "home", "cursor_end(0)", "Time cursor to the start", show=False, priority=True, id="quality.home"
        ),
        Binding(
            "end", "cursor_end(1)", "Time cursor to the end", show=False, priority=True, id="quality.end"
        ),
        Binding("plus,equals_sign", "zoom(1)", "Zoom in around the cursor", show=False, id="quality.zoom-in"),
        Binding("minus", "zoom(-1)", "Zoom out around the cursor", show=False, id="quality.zoom-out"),
        Binding("0", "zoom(0)", "Show the whole session", show=False, id="quality.zoom-reset"),
        Binding(
            "s",
            "toggle_senders",
            "Show or hide the receive series per sender",
            show=False,
            id="quality.senders",
        ),
        Binding("r", "refresh", "Refresh", id="quality.refresh"),
        Binding("y", "copy", "Copy", id="quality.copy"),
    ]

    def __init__(self, nav: ParticipantNav) -> None:
        super().__init__()
        self.nav = nav
        self.report: QualityReport | None = None
        self.timeline: Timeline | None = None
        self.marks: list[Mark] = []
        self.bands: list[Band] = []
        self._marks_for: str | None = None
        self._marks_note = ""
        self._marks_stale = False
        self._panels: list[MetricPanel] = []
        self.show_senders = False
        """Whether the per-sender receive series (``QualityReport.peers``) have charts too."""
        self._sender_charts: tuple[QualityReport, list[Shown]] | None = None
        self.ruler = TimeRuler(self.chart_width, id="quality-ruler")
        self.readout = CursorReadout(id="quality-readout")

    def crumbs(self) -> list[str]:
        return ["Sessions", self.nav.session.title, self.nav.current.title, "Quality"]

    def compose_body(self) -> Iterable[Widget]:
        yield Static(id="quality-head")
        yield self.ruler
        yield VerticalScroll(id="quality-panels")
        yield self.readout

    def on_mount(self) -> None:
        super().on_mount()
        self._show()
        self.follow_live()

    def showing_live(self) -> bool:
        return self.nav.session.is_live

    def reload_live(self) -> None:
        self.nav.reports.pop(self.nav.current.id, None)
        self._marks_stale = True  # new events and findings too
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

    # -- parts ---------------------------------------------------------------------------

    @property
    def panels(self) -> list[MetricPanel]:
        """The metric panels shown, top to bottom."""
        return list(self._panels)

    def _set_panels(self, panels: list[MetricPanel]) -> None:
        container = self.query_one("#quality-panels", VerticalScroll)
        if panels != self._panels:
            container.remove_children()
            if panels:
                container.mount_all(panels)
        self._panels = panels

    def chart_width(self) -> int:
        """Columns of every chart (the panels', or what they will have)."""
        panels = self._panels
        if panels and panels[0].size.width:
            return panels[0].chart_width()
        return max(1, self.size.width - 2 - GUTTER)

    # -- loading -------------------------------------------------------------------------

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

    class MarksLoaded(Message):
        """The participant's events and findings, as marks and bands for the ruler."""

        def __init__(self, participant_id: str, marks: list[Mark], bands: list[Band], note: str) -> None:
            super().__init__()
            self.participant_id = participant_id
            self.marks = marks
            self.bands = bands
            self.note = note

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

    @work(group="quality-marks", exclusive=True, exit_on_error=False, description="Loading events, findings")
    async def load_marks(self) -> None:
        store = await self.rs.ready()
        session = self.nav.session
        target = self.nav.current.id
        notes = []
        marks: list[Mark] = []
        bands: list[Band] = []
        try:
            marks = event_marks(await store.events(session, target))
        except UnsupportedError:
            notes.append("no events from this provider")
        except ProviderError as exc:
            notes.append(f"events: {exc}")
        try:
            diagnosis = await store.diagnosis(session)
        except ProviderError as exc:
            notes.append(f"findings: {exc}")
        else:
            bands = finding_bands(diagnosis.findings_for(target))
        self.post_message(self.MarksLoaded(target, marks, bands, " · ".join(notes)))

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

    @on(MarksLoaded)
    def _marks_loaded(self, message: MarksLoaded) -> None:
        if message.participant_id != self.nav.current.id:
            return
        self.marks, self.bands = message.marks, message.bands
        self._marks_note = message.note
        self.ruler.show(self.timeline, self.marks, self.bands)
        self._update_readout()

    def _message(self, text: str, *, style: str) -> None:
        head = self.query_one("#quality-head", Static)
        head.styles.text_wrap = "wrap"  # a message is read whole
        head.update(Text(clean(text, 400), style=style))
        self._set_panels([])
        self.timeline = None
        self.ruler.show(None)
        self.readout.show([], [])

    # -- drawing -------------------------------------------------------------------------

    def _draw(self) -> None:
        head = self.query_one("#quality-head", Static)
        head.styles.text_wrap = "wrap"
        participant = self.nav.current
        report = self.report
        position = f"{self.nav.index + 1}/{len(self.nav.participants)}"
        if report is None:
            head.update(Text(f"{clean(participant.title, 60)}  ({position})  loading samples…", style="dim"))
            self._set_panels([])
            self.ruler.show(None)
            self.readout.show([], [])
            return
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(clean(participant.title, 60), style="bold")
        title.append(f"  ({position})  ")
        style = self.verdict_style(report.assessment.verdict)
        title.append(f"● {verdict_line(report.assessment)}", style=style)
        if not report.series:
            empty = Text("No quality samples for this participant.", style="dim")
            head.update(Text.assemble(title, "\n", empty))
            self._set_panels([])
            self.timeline = None
            self.ruler.show(None)
            self.readout.show([], [])
            return
        head.styles.text_wrap = "nowrap"  # one line: the panels get the rest of the height
        head.styles.text_overflow = "ellipsis"
        head.update(title)
        self._ensure_timeline(report)
        shown = self.shown(report)
        existing = self._panels
        if len(existing) != len(shown):
            existing = [MetricPanel() for _ in shown]
            self._set_panels(existing)
        assert self.timeline is not None
        fixed = [1 + (1 if threshold_levels(entry.threshold) else 0) for entry in shown]
        rows = panel_heights(fixed, self.size.height - FIXED_ROWS - self._readout_rows(shown))
        for panel, entry, height in zip(existing, shown, rows, strict=True):
            panel.show(entry.series, entry.assessment, self.timeline, height, title=entry.title)
        if self._marks_for != participant.id or self._marks_stale:
            if self._marks_for != participant.id:
                self.marks, self.bands, self._marks_note = [], [], ""
            self._marks_for, self._marks_stale = participant.id, False
            self.load_marks()
        self.ruler.show(self.timeline, self.marks, self.bands)
        self._update_readout()

    def _ensure_timeline(self, report: QualityReport) -> None:
        start, end = (t.timestamp() for t in self.axis())
        steps = [sample_step(s) for s in report.series]
        step = min((s for s in steps if s > 0), default=1.0)
        old = self.timeline
        if old is not None and (old.start, old.end) == (start, end):
            old.min_column_s = step
            return
        timeline = Timeline(start, end, min_column_s=step)
        if old is not None and old.zoomed:  # a live session grew: keep the window's span
            span = min(old.span, end - start)
            view_start = min(max(old.view_start, start), end - span)
            timeline.view_start, timeline.view_end = view_start, view_start + span
        if old is not None and start <= old.cursor <= end:
            timeline.cursor = old.cursor
        else:
            timeline.cursor = min(max(self._first_moment(report), start), end)
        self.timeline = timeline

    def _first_moment(self, report: QualityReport) -> float:
        """Where the cursor starts: the moment the opening screen pointed at (a finding's
        start, the heatmap's cursor), else :meth:`_trouble_or_first`."""
        if self.nav.at is not None:
            return self.nav.at.timestamp()
        return self._trouble_or_first(report)

    @staticmethod
    def _trouble_or_first(report: QualityReport) -> float:
        """Where the verdict's trouble began, else the first sample."""
        if report.assessment.tripped_at is not None:
            return report.assessment.tripped_at.timestamp()
        firsts = []
        for series in report.series:
            index = next((i for i, v in enumerate(series.values) if v is not None), None)
            if index is not None:
                firsts.append(series.start.timestamp() + series.offset(index))
        return min(firsts, default=float("-inf"))

    def on_resize(self) -> None:
        if self.report is not None:
            self._draw()

    # -- the cursor readout ----------------------------------------------------------------

    def _update_readout(self) -> None:
        report = self.report
        timeline = self.timeline
        if report is None or timeline is None:
            self.readout.show([], [])
            return
        width = self.chart_width()
        column_s = timeline.span / width
        t = timeline.cursor
        zone = zone_name(t)
        head = [Text(f"▸ {fmt.when(moment(t), seconds=True, date=False)} {zone}", style="bold")]
        column = timeline.cursor_column(width)
        start = timeline.view_start + column * column_s
        for mark in marks_in(self.marks, start, start + column_s):
            when = fmt.when(moment(mark.at), seconds=True, date=False)
            head.append(Text(f"{mark.symbol} {mark.label} {when}", style="bold"))
        for band in bands_at(self.bands, t):
            head.append(Text(f"━ {band.label}", style=self.verdict_style_name(band.severity)))
        head.append(Text(fmt.offset(t - timeline.start), style="dim"))
        shown = (
            f"{fmt.when(moment(timeline.view_start), seconds=True, date=False)}–"
            f"{fmt.when(moment(timeline.view_end), seconds=True, date=False)}"
        )
        if timeline.zoomed:
            factor = (timeline.end - timeline.start) / timeline.span
            head.append(Text(f"zoom ×{factor:.3g}: {shown}", style="dim"))
        else:
            head.append(Text(f"whole session {shown}", style="dim"))
        if self._marks_note:
            head.append(Text(self._marks_note, style="dim"))
        charts = self.shown(report)
        widths = reading_widths(charts)
        readings = [self._reading(entry, t, column_s, widths) for entry in charts]
        self.readout.show(head, readings)

    def verdict_style_name(self, verdict: str) -> str:
        return self.theme_style("error" if verdict == "poor" else "warning")

    def _reading(self, entry: Shown, t: float, column_s: float, widths: tuple[int, int]) -> Text:
        """'loss↑        21.37%': label and unit padded to ``widths`` so the readings line up
        in columns and keep their places as the cursor moves."""
        series = entry.series
        label_width, unit_width = widths
        label = entry.label + " " * (label_width - cell_len(entry.label) + 1)
        unit = f"{reading_unit(series):<{unit_width}}"
        tolerance = max(sample_step(series), column_s / 2)
        found = sample_at(series, t, tolerance)
        if found is None:
            return Text(f"{label}{'—':>{VALUE_WIDTH}}{unit}", style="dim")
        value = found[1]
        style = ""
        threshold = entry.threshold
        for name, level in threshold_levels(threshold):
            assert threshold is not None
            if threshold.breaches(value, level):
                style = self.verdict_style_name(name)
        text = Text(label)
        text.append(f"{exact(value):>{VALUE_WIDTH}}{unit}", style=style or "bold")
        return text

    def _readout_rows(self, shown: list[Shown]) -> int:
        """The readout's height: its head line and the lines of readings."""
        widths = reading_widths(shown)
        widest = Text(" " * (sum(widths) + 1 + VALUE_WIDTH))
        return 1 + len(wrap([widest] * len(shown), max(1, self.size.width - 2)))

    # -- what is charted -------------------------------------------------------------------

    def shown(self, report: QualityReport) -> list[Shown]:
        """The participant's own series, then (``s``) the receive series per sender."""
        own = [
            Shown(s, report.assessment.of(s), None, short_label(s) if "|" not in key else source_label(s))
            for s, key in zip(report.series, assessment_keys(report.series), strict=True)
        ]
        if not self.show_senders or not report.peers:
            return own
        cached = self._sender_charts
        if cached is None or cached[0] is not report:
            cached = (report, [self._sender_chart(s) for s in report.peers])
            self._sender_charts = cached
        return own + cached[1]

    def _sender_chart(self, series: QualitySeries) -> Shown:
        sender = next((p for p in self.nav.participants if p.id == series.peer_id), None)
        name = clean(sender.title if sender is not None else (series.peer_id or "?"), 40)
        first = name.split()[0][:10] if name.split() else name[:10]
        metric = str(series.metric)
        assessment = assess([series]).metrics.get(metric)
        label = assessment.threshold.label if assessment else metric
        return Shown(series, assessment, f"{label} from {name}", f"{short_label(series)} {first}")

    # -- actions -------------------------------------------------------------------------

    def action_step(self, delta: int) -> None:
        if self.nav.step(delta):
            self._show()
        else:
            self.notify("No more participants that way.", timeout=2)

    def action_scroll(self, delta: int) -> None:
        panels = self.query_one("#quality-panels", VerticalScroll)
        panels.scroll_relative(y=delta * 3, animate=False)

    def _cursor_changed(self, old_view: tuple[float, float], old_column: int) -> None:
        timeline = self.timeline
        assert timeline is not None
        width = self.chart_width()
        if (timeline.view_start, timeline.view_end) != old_view:
            for panel in self._panels:
                panel.view_changed()
            self.ruler.view_changed()
        else:
            new_column = timeline.cursor_column(width)
            if new_column == old_column:
                return
            self.ruler.cursor_moved(old_column, new_column)
        self._update_readout()

    def action_cursor(self, columns: int) -> None:
        timeline = self.timeline
        if timeline is None:
            return
        width = self.chart_width()
        before = (timeline.view_start, timeline.view_end), timeline.cursor_column(width)
        timeline.move(columns, width)
        self._cursor_changed(*before)

    def action_cursor_end(self, which: int) -> None:
        timeline = self.timeline
        if timeline is None:
            return
        width = self.chart_width()
        before = (timeline.view_start, timeline.view_end), timeline.cursor_column(width)
        if which:
            timeline.end_(width)
        else:
            timeline.home(width)
        self._cursor_changed(*before)

    def action_zoom(self, direction: int) -> None:
        timeline = self.timeline
        if timeline is None:
            return
        width = self.chart_width()
        before = (timeline.view_start, timeline.view_end), timeline.cursor_column(width)
        if direction > 0:
            changed = timeline.zoom(1 / ZOOM_FACTOR, width)
        elif direction < 0:
            changed = timeline.zoom(ZOOM_FACTOR, width)
        else:
            changed = timeline.reset(width)
        if not changed:
            limit = "the whole session" if direction <= 0 else "one sample a column"
            self.notify(f"Already showing {limit}.", timeout=2)
            return
        self._cursor_changed(*before)

    def action_toggle_senders(self) -> None:
        report = self.report
        if report is None or not report.peers:
            self.notify("No per-sender receive series for this participant.", timeout=3)
            return
        self.show_senders = not self.show_senders
        self._draw()

    def action_refresh(self) -> None:
        store = self.rs.store
        if store is not None:
            store.refresh()
        self.nav.reports.pop(self.nav.current.id, None)
        self._marks_stale = True
        self._show()

    def action_copy(self) -> None:
        self.rs.copy_text(self.nav.current.id, "participant id")
