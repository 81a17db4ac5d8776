"""The quality screen's time cursor, zoom, event markers, y scales and thresholds.

On the demo world's "All-hands" (index 21): Farah Adeyemi's uplink loses packets from
04:38:06 for 1m24s, a NET-LOSS-UP finding names her; "Daily standup" (index 33): the host
drops seven times (reconnect markers).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from roomscope.screens.quality import EVENT_MARKS, SHORT_LABELS, QualityScreen
from roomscope.tui.kinds import EventKind
from roomscope.widgets.cursor_readout import CursorReadout, exact, sample_at, sample_step
from roomscope.widgets.sparkline_panel import GUTTER, MetricPanel
from roomscope.widgets.time_ruler import TimeRuler
from roomscope.widgets.timeline import BIG_STEP
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    current_screen,
    open_session_at,
    screen_text,
    settle,
    wait_for_participant_screen,
    wait_for_quality_screen,
    wait_for_sessions,
    wait_until,
)

LOSS_SPIKE = 21
RECONNECTS = 33


async def open_quality(
    pilot: Pilot[Any], index: int = LOSS_SPIKE, *, tab: str | None = None
) -> QualityScreen:
    """Session ``index``'s first participant (Enter on its Findings tab opens the top
    finding's; ``tab`` "3" goes through the Participants tab instead) and its quality."""
    await wait_for_sessions(pilot)
    await open_session_at(pilot, index)
    if tab is not None:
        await pilot.press(tab)
    await pilot.press("enter")
    await wait_for_participant_screen(pilot)
    await pilot.press("enter")
    await wait_for_quality_screen(pilot)
    return current_screen(pilot.app, QualityScreen)


def line_of(widget: MetricPanel | TimeRuler, y: int) -> str:
    return widget.render_line(y).text


def readings_at(screen: QualityScreen) -> dict[str, str]:
    """What the readout should say for every metric at the cursor: the nearest sample."""
    assert screen.report is not None and screen.timeline is not None
    timeline = screen.timeline
    column_s = timeline.span / screen.chart_width()
    out = {}
    for series in screen.report.series:
        found = sample_at(series, timeline.cursor, max(sample_step(series), column_s / 2))
        out[str(series.metric)] = "—" if found is None else exact(found[1])
    return out


def assert_readout_matches(screen: QualityScreen) -> None:
    """Each reading (in the series' order) names its metric and its sample's exact value."""
    assert screen.report is not None
    expected = readings_at(screen)
    readings = screen.readout.readings
    assert len(readings) == len(screen.report.series)
    for series, reading in zip(screen.report.series, readings, strict=True):
        metric = str(series.metric)
        label, value, *_unit = reading.plain.split()
        assert label == SHORT_LABELS[metric]
        assert value.removesuffix("%") == expected[metric], (metric, reading.plain, expected[metric])


async def test_the_cursor_reads_every_metric_exactly(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        timeline = screen.timeline
        assert timeline is not None
        width = screen.chart_width()
        # it starts where the verdict's trouble began
        assert screen.readout.plain.startswith("▸ 04:38:06 UTC")
        assert_readout_matches(screen)
        # the sample under the cursor is the breach: loss 21.37 %
        assert readings_at(screen)["packet_loss_send"] == "21.37"

        start = timeline.cursor_column(width)
        for _ in range(3):
            await pilot.press("l")
        await pilot.pause()
        assert timeline.cursor_column(width) == start + 3
        assert_readout_matches(screen)
        await pilot.press("left")
        assert timeline.cursor_column(width) == start + 2
        await pilot.press("L")
        assert timeline.cursor_column(width) == start + 2 + BIG_STEP
        await pilot.press("shift+left", "H")
        assert timeline.cursor_column(width) == start + 2 - BIG_STEP
        await pilot.pause()
        assert_readout_matches(screen)

        await pilot.press("home")
        await pilot.pause()
        assert timeline.cursor_column(width) == 0
        assert "04:08:" in screen.readout.plain.split("  ")[0]
        assert_readout_matches(screen)  # before the join: every reading is a gap
        assert set(readings_at(screen).values()) == {"—"}
        await pilot.press("h")  # stays at the start
        assert timeline.cursor_column(width) == 0
        await pilot.press("end")
        await pilot.pause()
        assert timeline.cursor_column(width) == width - 1
        assert_readout_matches(screen)

        # the cursor is drawn on the ruler, above the charts' columns
        x = GUTTER + timeline.cursor_column(width)
        assert screen.ruler.render_line(0).divide([x, x + 1])[1].text == "▼"
        assert screen.ruler.render_line(1).divide([x, x + 1])[1].text in ("│", "▲", "▼", "↻", "◇", "◆")


async def test_zoom_around_the_cursor_and_reset(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        timeline = screen.timeline
        assert timeline is not None
        width = screen.chart_width()
        whole = (timeline.view_start, timeline.view_end)
        cursor = timeline.cursor
        ticks_before = line_of(screen.ruler, 0)
        assert "whole session 04:08:15–05:09:23" in screen.readout.plain

        await pilot.press("plus")
        await pilot.pause()
        assert timeline.span == (whole[1] - whole[0]) / 2
        assert timeline.view_start <= cursor <= timeline.view_end
        assert abs(timeline.cursor - cursor) <= timeline.span / width
        assert "zoom ×2:" in screen.readout.plain
        assert line_of(screen.ruler, 0) != ticks_before  # the labels follow
        await pilot.press("plus", "plus")
        await pilot.pause()
        assert "zoom ×8:" in screen.readout.plain
        ticks = line_of(screen.ruler, 0)
        assert ticks.count("╵") >= 3
        assert_readout_matches(screen)
        # the charts show the window: each bucket holds the samples of its slice only
        panel = screen.panels[0]
        shown = [v for v in panel.buckets if v is not None]
        assert shown and max(shown) >= 5  # the burst is in view

        await pilot.press("minus")
        await pilot.pause()
        assert "zoom ×4:" in screen.readout.plain
        await pilot.press("0")
        await pilot.pause()
        assert (timeline.view_start, timeline.view_end) == whole
        assert line_of(screen.ruler, 0) == ticks_before
        assert "whole session" in screen.readout.plain

        # zooming in stops at one sample a column, moving past the edge pans the window
        for _ in range(12):
            await pilot.press("plus")
        await pilot.pause()
        assert timeline.span >= timeline.min_column_s * width - 1e-6
        before = timeline.view_start
        await pilot.press("end")
        await pilot.pause()
        assert timeline.view_end == timeline.end and timeline.view_start > before
        await pilot.press("home")
        await pilot.pause()
        assert timeline.view_start == timeline.start


async def test_markers_sit_at_their_columns(make_app: AppFactory) -> None:
    built = make_app()
    app = built.app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        timeline = screen.timeline
        assert timeline is not None
        store = built.store
        events = await store.events(screen.nav.session, screen.nav.current.id)
        diagnosis = await store.diagnosis(screen.nav.session)
        findings = diagnosis.findings_for(screen.nav.current.id)
        assert findings and any(f.rule == "NET-LOSS-UP" for f in findings)
        ruler = screen.query_one(TimeRuler)
        width = screen.chart_width()
        row = line_of(ruler, 1)[GUTTER:]
        joins = [e for e in events if e.kind is EventKind.JOIN and e.at is not None]
        assert joins
        for event in joins:
            assert event.at is not None
            column = timeline.column_of(event.at.timestamp(), width)
            assert row[column] == "▲", (column, row)
        for finding in findings:
            for window in finding.windows:
                first = timeline.column_of(window.start.timestamp(), width)
                last = timeline.column_of(window.end.timestamp(), width)
                for column in range(first, last + 1):
                    if column != timeline.cursor_column(width):
                        assert row[column] in "━▲▼↻◇◆", (column, row)
        # outside every window and event, nothing
        marked = {timeline.column_of(e.at.timestamp(), width) for e in events if e.at is not None}
        assert row[width // 8] == " " or width // 8 in marked
        # the readout names the finding under the cursor (it starts at the burst)
        assert "━ NET-LOSS-UP uplink" in screen.readout.plain


async def test_reconnects_are_marked_and_read(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot, RECONNECTS)
        for _ in range(len(screen.nav.participants)):
            if any(m.symbol == "↻" for m in screen.marks):
                break
            await pilot.press("right_square_bracket")
            await wait_for_quality_screen(pilot)
            await settle(pilot)
        reconnects = [m for m in screen.marks if m.symbol == "↻"]
        assert len(reconnects) >= 2
        timeline = screen.timeline
        assert timeline is not None
        width = screen.chart_width()
        row = line_of(screen.ruler, 1)[GUTTER:]
        for mark in reconnects:
            assert row[timeline.column_of(mark.at, width)] == "↻"
        # put the cursor on the first one: the readout says so, with its time
        target = timeline.column_of(reconnects[0].at, width)
        await pilot.press("home")
        for _ in range(target):
            await pilot.press("l")
        await pilot.pause()
        assert "↻ reconnect" in screen.readout.plain


async def test_thresholds_are_drawn_and_bitrate_has_none(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        by_metric = {str(p.series.metric): p for p in screen.panels if p.series is not None}
        expected = {
            "packet_loss_send": ">2 >5",
            "packet_loss_recv": ">2 >5",
            "jitter": ">20 >30",
            "rtt": ">250 >400",
            "mos": "<4 <3.5",
            "cpu_limited": ">0 >50",
        }
        for metric, label in expected.items():
            panel = by_metric[metric]
            last = line_of(panel, panel.size.height - 1)
            assert last[: GUTTER - 1].strip() == label, last
            assert set(last[GUTTER:]) <= {"─", "━", " "}
            assert "─" in last[GUTTER:]
            title = line_of(panel, 0)
            assert "fair " in title and "poor " in title
        # the poor burst of loss send is marked as breaching in its threshold row
        loss = by_metric["packet_loss_send"]
        assert "━" in line_of(loss, loss.size.height - 1)
        for metric in ("bitrate_send", "bitrate_recv", "fps_send"):
            panel = by_metric[metric]
            assert not panel.has_threshold_row
            title = line_of(panel, 0)
            assert "●" not in title and "fair" not in title and "poor" not in title
            assert "─" not in line_of(panel, panel.size.height - 1)[GUTTER:]


async def test_y_scale_labels_say_the_range_shown(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        rtt = next(p for p in screen.panels if p.series is not None and str(p.series.metric) == "rtt")
        low, high = rtt.scale
        shown = [v for v in rtt.buckets if v is not None]
        assert low <= min(shown) and max(shown) <= high
        assert high - low < 50  # RTT 41–53 ms fills the chart instead of hugging the bottom of 0–400
        top, bottom = line_of(rtt, 1), line_of(rtt, rtt.chart_rows)
        assert top[: GUTTER - 1].strip() == f"{high:g}"
        assert bottom[: GUTTER - 1].strip() == f"{low:g}"


async def test_panels_share_the_full_height(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        container = screen.query_one("#quality-panels")
        total = sum(p.outer_size.height for p in screen.panels)
        assert total == container.size.height  # every row used, nothing to scroll
        assert all(p.chart_rows >= 1 for p in screen.panels)
        assert screen.readout.region.bottom == app.size.height - 1  # right above the footer

    app = make_app().app
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_quality(pilot)
        container = screen.query_one("#quality-panels")
        assert screen.query_one("#quality-head").region.height == 1  # cut, not wrapped
        assert container.max_scroll_y > 0  # the rest scrolls
        assert container.size.height >= 12
        assert screen.readout.region.height >= 2
        readout_top = screen.readout.region.y
        for _ in range(10):
            await pilot.press("j")
        await pilot.pause()
        assert container.scroll_y > 0
        assert screen.readout.region.y == readout_top  # always visible
        assert "▸ " in screen_text(app).splitlines()[readout_top]
        await pilot.press("l")
        await pilot.pause()
        assert_readout_matches(screen)


async def test_stepping_participants_keeps_the_cursor_and_zoom(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        await pilot.press("plus", "l", "l")
        timeline = screen.timeline
        assert timeline is not None
        cursor, view = timeline.cursor, (timeline.view_start, timeline.view_end)
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: screen.report is not None, what="the next participant")
        await wait_for_quality_screen(pilot)
        assert screen.timeline is timeline
        assert (timeline.cursor, timeline.view_start, timeline.view_end) == (cursor, *view)
        assert_readout_matches(screen)


def test_every_marked_event_kind_has_words() -> None:
    symbols = {symbol for symbol, _words, _rank in EVENT_MARKS.values()}
    assert {"▲", "▼", "↻", "◇", "◆"} == symbols
    assert EVENT_MARKS[EventKind.RECONNECT][2] > EVENT_MARKS[EventKind.JOIN][2]


async def test_a_cursor_step_repaints_the_ruler_and_the_readout_only(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        await settle(pilot)
        painted: list[tuple[str, int]] = []
        for cls in (MetricPanel, TimeRuler, CursorReadout):
            original = cls.render_line

            def spy(self: Any, y: int, _original: Any = original) -> Any:
                painted.append((type(self).__name__, y))
                return _original(self, y)

            monkeypatch.setattr(cls, "render_line", spy)
        await pilot.press("l")
        await pilot.pause()
        await pilot.pause()
        kinds = {name for name, _y in painted}
        assert kinds == {"TimeRuler", "CursorReadout"}, painted
        assert len([p for p in painted if p[0] == "TimeRuler"]) <= 2 * 2  # its two lines
        assert screen.readout.plain.startswith("▸ 04:")


async def test_per_sender_receive_series_on_s(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot)
        await pilot.press("right_square_bracket")  # a receiver of Farah's lossy media
        await wait_until(pilot, lambda: screen.report is not None, what="the next participant")
        await wait_for_quality_screen(pilot)
        report = screen.report
        assert report is not None and report.peers
        own = len(report.series)
        await pilot.press("s")
        await pilot.pause()
        panels = screen.panels
        assert len(panels) == own + len(report.peers)
        names = {p.id: p.title for p in screen.nav.participants}
        titles = [line_of(p, 0) for p in panels[own:]]
        for peer, title in zip(report.peers, titles, strict=True):
            assert peer.peer_id is not None
            assert title.startswith(f"Packet loss (recv) from {names[peer.peer_id]}"), title
        farah = next(i for i, s in enumerate(report.peers) if names[s.peer_id or ""] == "Farah Adeyemi")
        assert "poor" in titles[farah] or "fair" in titles[farah]  # her media arrived lossy
        # the readout reads every chart, the senders' ones by first name
        readings = screen.readout.readings
        assert len(readings) == own + len(report.peers)
        timeline = screen.timeline
        assert timeline is not None
        column_s = timeline.span / screen.chart_width()
        for series, reading in zip(report.peers, readings[own:], strict=True):
            found = sample_at(series, timeline.cursor, max(sample_step(series), column_s / 2))
            expected = "—" if found is None else exact(found[1])
            words = reading.plain.split()
            assert words[0] == "loss↓" and words[1] == names[series.peer_id or ""].split()[0]
            assert words[2].removesuffix("%") == expected
        await pilot.press("s")
        await pilot.pause()
        assert len(screen.panels) == own


async def test_a_live_session_keeps_the_zoom_as_it_grows(make_app: AppFactory) -> None:
    built = make_app()
    app = built.app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_quality(pilot, 0, tab="3")  # live and clean: no finding to open
        assert screen.nav.session.is_live
        await pilot.press("plus", "plus")
        timeline = screen.timeline
        assert timeline is not None and timeline.zoomed
        span, end, cursor = timeline.span, timeline.end, timeline.cursor
        app.clock = lambda: NOW + timedelta(minutes=1)  # a minute later: the axis grows
        screen.reload_live()
        await wait_until(pilot, lambda: screen.timeline is not timeline, what="the grown axis")
        await wait_for_quality_screen(pilot)
        grown = screen.timeline
        assert grown is not None and grown.end == end + 60
        assert grown.zoomed and grown.span == span and grown.cursor == cursor
        assert_readout_matches(screen)
