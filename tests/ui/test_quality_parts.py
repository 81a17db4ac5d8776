"""The quality screen's arithmetic: the time window and its cursor, chart scales, buckets,
the sample under the cursor, and how the panels share the height."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
from rich.text import Text

from roomscope.screens.navigation import ParticipantNav
from roomscope.screens.quality import QualityScreen, event_marks, panel_heights, verdict_line
from roomscope.tui import fmt, quality
from roomscope.tui.kinds import EventKind, Metric
from roomscope.tui.models import Event, Participant, QualitySeries, Session, SessionStatus
from roomscope.tui.store import QualityReport
from roomscope.widgets.cursor_readout import exact, sample_at, sample_step, wrap
from roomscope.widgets.sparkline_panel import bucket_values, bursts, compact, nice_scale, range_label
from roomscope.widgets.time_ruler import utc_offset, zone_name
from roomscope.widgets.timeline import Timeline

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
E0 = T0.timestamp()


def series(
    values: Sequence[float | None], *, interval: float | None = 2.0, offsets: list[float] | None = None
) -> QualitySeries:
    return QualitySeries(
        provider="demo",
        session_id="s",
        participant_id="p",
        metric=Metric.RTT,
        unit="ms",
        start=T0,
        interval_s=interval,
        offsets_s=offsets,
        values=list(values),
    )


# -- the time window -------------------------------------------------------------------


def test_columns_and_their_middles() -> None:
    line = Timeline(E0, E0 + 100)
    assert line.column_of(E0, 10) == 0
    assert line.column_of(E0 + 9.99, 10) == 0
    assert line.column_of(E0 + 10, 10) == 1
    assert line.column_of(E0 + 100, 10) == 9  # the very end belongs to the last column
    assert line.column_of(E0 - 1, 10) == -1
    assert line.time_of(3, 10) == E0 + 35


def test_moving_clamps_at_the_ends() -> None:
    line = Timeline(E0, E0 + 100)
    line.move(3, 10)
    assert line.cursor_column(10) == 3 and line.cursor == E0 + 35
    line.move(-20, 10)
    assert line.cursor_column(10) == 0
    line.end_(10)
    assert line.cursor_column(10) == 9
    line.move(5, 10)
    assert line.cursor_column(10) == 9
    line.home(10)
    assert line.cursor == E0 + 5


def test_zoom_keeps_the_cursor_in_place_and_pans_at_the_edges() -> None:
    line = Timeline(E0, E0 + 1000, min_column_s=1.0)
    line.place(E0 + 250, 100)
    assert line.zoom(0.5, 100)
    assert line.span == 500
    assert line.view_start <= line.cursor <= line.view_end
    assert line.column_of(line.cursor, 100) == 25  # a quarter of the way, as before
    assert line.zoom(0.5, 100) and line.span == 250
    # moving past the right edge pans the window
    line.place(line.view_end + 50, 100)
    assert line.view_end >= line.cursor and line.span == 250
    # zooming in stops at one column a second (the sample interval)
    while line.zoom(0.5, 100):
        pass
    assert line.span == 100
    assert line.reset(100) and (line.view_start, line.view_end) == (E0, E0 + 1000)
    assert not line.reset(100)
    assert not line.zoom(2.0, 100)  # already the whole axis


def test_ticks_are_round_times_of_the_shown_zone() -> None:
    line = Timeline(E0 + 7, E0 + 3600)
    step, ticks = line.ticks(120, 5, 0.0)
    assert step == 300  # 5-minute labels fit 120 columns for an hour
    assert all(t % 300 == 0 for t in ticks)
    _, shifted = line.ticks(120, 5, 1800.0)  # a zone 30 minutes ahead of UTC
    assert all((t + 1800) % 300 == 0 for t in shifted)
    line.zoom(1 / 64, 120)
    small, _ = line.ticks(120, 8, 0.0)
    assert small < 60


def test_a_degenerate_axis_is_one_second_long() -> None:
    line = Timeline(E0, E0)
    assert line.end == E0 + 1
    line.move(1, 10)
    assert line.start <= line.cursor <= line.end


# -- the charts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        (41.7, 53.0, (40.0, 54.0)),
        (0.0, 23.8, (0.0, 25.0)),
        (5400.0, 6000.0, (5400.0, 6000.0)),
        (1.7, 4.4, (1.5, 4.5)),
        (0.0, 0.0, (0.0, 1.0)),
        (28.7, 28.7, (25.0, 32.0)),
    ],
)
def test_nice_scales(low: float, high: float, expected: tuple[float, float]) -> None:
    got = nice_scale(low, high)
    assert got[0] <= low and high <= got[1]
    assert got == pytest.approx(expected)


def test_scale_labels_are_short() -> None:
    assert [compact(v) for v in (0, 2.5, 53, 400, 5400, 1_250_000)] == [
        "0",
        "2.5",
        "53",
        "400",
        "5.4k",
        "1.25M",
    ]
    assert range_label(5400, 5520) == "5.4–5.52k"
    assert range_label(600, 1800) == "600–1.8k"
    assert range_label(0, 25) == "0–25"


def test_buckets_hold_the_worst_sample_of_their_slice() -> None:
    data = series([1.0, 9.0, 2.0, None, 3.0, float("nan"), 4.0, 5.0])  # 0..14 s
    assert bucket_values(data, E0, E0 + 16, 4, worst_high=True) == [9.0, 2.0, 3.0, 5.0]
    assert bucket_values(data, E0, E0 + 16, 4, worst_high=False) == [1.0, 2.0, 3.0, 4.0]
    # a window inside the series: only its samples (one at its very end is in its last column)
    assert bucket_values(data, E0 + 4, E0 + 8, 2, worst_high=True) == [2.0, 3.0]
    assert bucket_values(data, E0 + 4, E0 + 7.5, 2, worst_high=True) == [2.0, None]
    irregular = series([7.0, 8.0, float("inf")], interval=None, offsets=[0.0, 5.0, float("inf")])
    assert bucket_values(irregular, E0, E0 + 10, 2, worst_high=True) == [7.0, 8.0]


# -- the readout ----------------------------------------------------------------------------


def test_the_sample_under_the_cursor() -> None:
    data = series([10.0, 11.5, None, 13.25])
    assert sample_at(data, E0 + 2.4, 2.0) == (E0 + 2, 11.5)
    assert sample_at(data, E0 + 3.1, 2.0) is None  # nearest is the gap
    assert sample_at(data, E0 + 60, 2.0) is None  # far past the end
    assert sample_at(data, E0 - 1, 2.0) == (E0, 10.0)
    irregular = series([1.0, 2.0, 3.0], interval=None, offsets=[0.0, 10.0, 11.0])
    assert sample_at(irregular, E0 + 9, 5.0) == (E0 + 10, 2.0)
    assert sample_at(irregular, E0 + 5.5, 1.0) is None
    assert sample_step(irregular) == 10.0
    assert sample_step(data) == 2.0


def test_exact_values() -> None:
    assert [exact(v) for v in (23.8, 1659.234, 0.0, 4.0, -0.0001, 21.37)] == [
        "23.8", "1,659.234", "0", "4", "0", "21.37",
    ]  # fmt: skip


def test_readings_wrap_whole() -> None:
    items = [Text("a" * 10), Text("b" * 10), Text("c" * 10)]
    assert [line.plain for line in wrap(items, 22)] == ["a" * 10 + "  " + "b" * 10, "c" * 10]
    assert len(wrap(items, 200)) == 1


def test_panels_share_the_rows() -> None:
    assert panel_heights([2, 1, 2], 14) == [3, 3, 3]  # 9 chart rows for 3 panels
    assert panel_heights([2, 1, 2], 16) == [4, 4, 3]  # the odd rows go first
    assert panel_heights([2, 2, 2], 4) == [1, 1, 1]  # too short: one row each, and scroll
    assert panel_heights([], 10) == []


def test_events_become_marks() -> None:
    def event(kind: EventKind, second: float | None) -> Event:
        at = None if second is None else datetime.fromtimestamp(E0 + second, UTC)
        return Event(provider="demo", session_id="s", id=f"{kind}-{second}", at=at, kind=kind)

    marks = event_marks(
        [
            event(EventKind.JOIN, 0),
            event(EventKind.RECONNECT, 5),
            event(EventKind.MUTE, 6),
            event(EventKind.RECORDING_START, 7),  # not a participant's mark
            event(EventKind.LEAVE, None),  # no time: nowhere to put it
        ]
    )
    assert [(m.symbol, m.label, m.at - E0) for m in marks] == [
        ("▲", "joined", 0),
        ("↻", "reconnect", 5),
        ("◇", "muted", 6),
    ]


def test_scale_labels_lose_digits_before_they_overflow() -> None:
    assert range_label(1860, 1980) == "1.86–1.98k"
    assert range_label(1860, 1980, 9) == "1.9–2k"  # one column too narrow for three digits
    assert range_label(123_456, 1_234_567) == "123k–1.23M"
    assert range_label(123_456, 1_234_567, 9) == "123k–1.2M"
    assert "e" not in compact(99.96, 2)


def test_the_cursor_starts_at_the_trouble_or_the_first_sample() -> None:
    calm = series([None, None, 50.0, 52.0, 51.0])
    report = QualityReport("s", "p", [calm], quality.assess([calm]))
    assert QualityScreen._trouble_or_first(report) == E0 + 4  # the first sample, not the gaps
    bad = series([50.0, 50.0, 500.0, 500.0, 500.0, 500.0, 50.0])
    report = QualityReport("s", "p", [bad], quality.assess([bad]))
    assert report.assessment.tripped_at is not None
    assert QualityScreen._trouble_or_first(report) == report.assessment.tripped_at.timestamp() == E0 + 4


def test_the_verdict_line_names_the_zone_and_counts_bursts() -> None:
    one = series([50.0, 50.0, 500.0, 500.0, 500.0, 500.0, 50.0])
    single = quality.assess([one])
    held = fmt.duration(single.tripped_for_s)
    assert verdict_line(single) == f"poor: RTT > 400 ms from 10:00:04 UTC for {held}"
    three = series([500.0] * 3 + [50.0] * 10 + [500.0] * 4 + [50.0] * 10 + [500.0] * 3)
    assessment = quality.assess([three])
    episodes = assessment.metrics["rtt"].episodes
    assert len(episodes) == 3
    total = fmt.duration(sum(e.duration_s for e in episodes))
    assert bursts(assessment.metrics["rtt"]) == f"3 bursts, {total} in all"
    assert verdict_line(assessment) == f"poor: RTT > 400 ms 3 bursts, {total} in all, first at 10:00:00 UTC"
    calm = series([50.0] * 5)
    assert verdict_line(quality.assess([calm])) == quality.assess([calm]).reason()


def test_the_zone_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    winter = E0  # 20 November
    assert zone_name(winter) == "UTC"  # --utc (the suite's setting)
    monkeypatch.setenv("TZ", "Europe/Paris")
    time.tzset()
    try:
        fmt.set_utc(False)
        assert zone_name(winter) == "CET"
        assert utc_offset(winter) == 3600
        assert zone_name(winter + 200 * 86400) == "CEST"  # June
    finally:
        monkeypatch.undo()  # the zone the process had, read again
        time.tzset()


def test_a_second_source_of_a_metric_is_read_out_under_its_name() -> None:
    provider = series([1.0, 2.0, 3.0])
    dump = series([1.5, 2.5, 3.5]).model_copy(update={"source": "chrome-dump.txt"})
    report = QualityReport("s", "p", [provider, dump], quality.assess([provider, dump]))
    session = Session(provider="demo", profile="demo", id="s", name="Call", status=SessionStatus.ENDED)
    person = Participant(provider="demo", session_id="s", id="p", name="Ana")
    shown = QualityScreen(ParticipantNav(session, [person], 0)).shown(report)
    assert [entry.label for entry in shown] == ["RTT", "RTT chrome-dum"]
    assert shown[1].assessment is not None and shown[1].assessment.source == "chrome-dump.txt"
