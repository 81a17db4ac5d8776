"""The pure parts of the triage views: column fitting, burst wording and the heatmap's grid."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from roomscope.tui import present
from roomscope.widgets.heatmap_grid import ABSENT, FAIR, GOOD, NO_DATA, POOR, Graded, HeatGrid, Track
from roomscope.widgets.tables import ColumnSpec, fit_widths

T0 = datetime(2026, 11, 21, 21, 58, 52, tzinfo=UTC)

SPECS = [
    ColumnSpec("Quality", priority=100),
    ColumnSpec("Name", priority=90, min_width=10, max_width=24),
    ColumnSpec("Issue", priority=70, min_width=12),
    ColumnSpec("Where", priority=20, min_width=8),
]


def test_columns_keep_their_natural_width_when_they_fit() -> None:
    assert fit_widths(SPECS, [6, 12, 30, 15], 100, 1) == [6, 12, 30, 15]


def test_the_lowest_priority_shrinks_first_then_the_next() -> None:
    # natural 6+12+30+15 = 63, padding 8: 71; at 66 Where gives 5 first
    assert fit_widths(SPECS, [6, 12, 30, 15], 66, 1) == [6, 12, 30, 10]
    # at 60 Where is at its minimum (8) and Issue gives the rest
    assert fit_widths(SPECS, [6, 12, 30, 15], 60, 1) == [6, 12, 26, 8]


def test_a_column_is_left_out_when_even_the_minimums_do_not_fit() -> None:
    widths = fit_widths(SPECS, [6, 12, 30, 15], 40, 1)
    assert widths[3] == 0  # Where goes first
    assert widths[0] == 6  # the verdict is never cut
    assert sum(w + 2 for w in widths if w) <= 40


def test_one_long_value_does_not_widen_a_capped_column_unless_there_is_room() -> None:
    assert fit_widths(SPECS, [6, 170, 30, 15], 83, 1)[1] == 24
    assert fit_widths(SPECS, [6, 170, 30, 15], 90, 1)[1] == 31  # spare room goes to it
    assert fit_widths(SPECS, [6, 170, 30, 15], 300, 1)[1] == 170  # room to spare: it grows back


def test_a_short_title_for_narrow_columns() -> None:
    spec = ColumnSpec("Reconnects", priority=1, min_width=2, short="↻")
    assert spec.title(2) == "↻"
    assert spec.title(10) == "Reconnects"


def test_bursts_are_counted_not_summed_into_one_window() -> None:
    one = [(T0, T0 + timedelta(seconds=84))]
    assert present.bursts(one) == "21:58:52–22:00:16 (1m24s)"
    three = [
        (T0, T0 + timedelta(seconds=100)),
        (T0 + timedelta(minutes=10), T0 + timedelta(minutes=10, seconds=100)),
        (T0 + timedelta(minutes=20), T0 + timedelta(minutes=20, seconds=20)),
    ]
    assert present.bursts(three) == "3 bursts, 3m40s in all, first at 21:58:52"
    assert present.bursts([]) == "—"


def graded(metric: str, values: list[float | None], unit: str = "%") -> Graded:
    return Graded.read(metric, unit, T0, [float(i * 10) for i in range(len(values))], values)


def test_cells_take_the_worst_sample_of_their_column() -> None:
    loss = graded("packet_loss_send", [0.5, 1.0, 2.5, 1.0, 6.0, 0.2, None, None])
    start = T0.timestamp()
    track = Track("a", "Alice", start, start + 55, {"packet_loss_send": loss})
    grid = HeatGrid(start, start + 80, [track])
    # 4 columns of 20 s: [0.5 1.0] [2.5 1.0] [6.0 0.2] [None None] (left at 55 s)
    assert grid.cells("loss", 4) == [[GOOD, FAIR, POOR, ABSENT]]
    assert grid.cells("jitter", 4) == [[NO_DATA, NO_DATA, NO_DATA, ABSENT]]  # present, no samples
    assert grid.cells("overall", 4) == [[GOOD, FAIR, POOR, ABSENT]]


def test_at_the_threshold_is_not_a_breach() -> None:
    loss = graded("packet_loss_recv", [2.0, 5.0, 5.01])
    assert tuple(loss.codes) == (GOOD, FAIR, POOR)
    mos = graded("mos", [4.0, 3.5, 3.49], unit="")
    assert tuple(mos.codes) == (GOOD, FAIR, POOR)


def test_a_reading_is_the_sample_in_force_and_says_which_metric() -> None:
    start = T0.timestamp()
    track = Track(
        "a",
        "Alice",
        None,
        None,
        {
            "packet_loss_send": graded("packet_loss_send", [0.5, 7.25]),
            "packet_loss_recv": graded("packet_loss_recv", [3.0, 1.0]),
        },
    )
    grid = HeatGrid(start, start + 100, [track])
    first = grid.reading(0, "loss", start + 5)
    assert (first.code, first.text) == (FAIR, "loss↓ 3.0 %")  # the worse of send and receive
    assert grid.reading(0, "loss", start + 12).text == "loss↑ 7.2 %"
    assert grid.reading(0, "loss", start + 90).text == "—"  # long after the last sample
    assert grid.reading(0, "rtt", start + 5).code == NO_DATA


def test_markers_for_join_leave_and_reconnects() -> None:
    start = T0.timestamp()
    track = Track("a", "Alice", start + 20, start + 70, reconnects=(start + 45,))
    grid = HeatGrid(start, start + 100, [track], shared=[(start + 30, start + 50)])
    assert grid.markers(0, 10) == {2: "[", 7: "]", 4: "↻"}
    assert grid.shared_columns(10) == [(3, 5)]
