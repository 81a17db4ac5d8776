"""Counters to per-interval values: gaps, resets, totals, joins."""

from __future__ import annotations

import math
from array import array

import pytest

from roomscope.tui.clientstats import rates

NAN = math.nan


def _a(*values: float) -> array[float]:
    return array("d", values)


def _list(values: array[float]) -> list[float | None]:
    return [None if v != v else v for v in values]


def test_deltas_start_after_the_first_sample_and_skip_missing_ones() -> None:
    times = _a(0, 1000, 2000, 3000, 4000)
    counter = _a(0, 10, NAN, 40, 50)
    out = rates.counted(times, counter)
    assert _list(out.deltas) == [None, 10, None, 30, 10]
    assert _list(out.per_second) == [None, 10, None, 15, 10]
    assert out.resets == ()
    assert out.total == 50


def test_a_counter_that_goes_down_was_reset() -> None:
    times = _a(0, 1000, 2000, 3000)
    counter = _a(100, 150, 20, 70)
    out = rates.counted(times, counter)
    assert _list(out.deltas) == [None, 50, None, 50]
    assert out.resets == (2,)
    assert out.total == rates.total(counter, out.resets) == 150 + 70


def test_signed_deltas_keep_decreases() -> None:
    out = rates.counted(_a(0, 1000, 2000), _a(5, 3, 4), signed=True)
    assert _list(out.deltas) == [None, -2, 1]
    assert out.resets == ()
    assert out.total == 4


def test_no_rate_across_a_long_gap_or_a_time_that_does_not_move() -> None:
    times = _a(0, 1000, 1000 + rates.MAX_GAP_MS + 1, 1000 + rates.MAX_GAP_MS + 1)
    out = rates.counted(times, _a(0, 10, 20, 30))
    assert _list(out.per_second) == [None, 10, None, None]


def test_per_second_divides_by_the_interval_and_scales() -> None:
    out = rates.counted(_a(0, 500, 2500), _a(0, 1000, 3000), scale=8 / 1000)
    assert _list(out.per_second) == pytest.approx([None, 16.0, 8.0])


def test_total_of_a_counter_without_resets_is_its_last_value() -> None:
    assert rates.total(_a(NAN, 5, 9, NAN)) == 9
    assert rates.total(_a(NAN, NAN)) is None


def test_loss_and_ratios() -> None:
    assert _list(rates.loss_pct(_a(1, 0, NAN, -1, 0), _a(99, 50, 10, 10, 0))) == [1.0, 0.0, None, 0.0, None]
    assert _list(rates.ratio_pct(_a(1, 5), _a(4, 0))) == [25.0, None]


def test_share_of_interval() -> None:
    times = _a(0, 2000, 4000)
    seconds = rates.counted(times, _a(0, 1, 3)).deltas
    assert _list(rates.share_of_interval_pct(times, seconds)) == [None, 50.0, 100.0]


def test_as_of_takes_the_latest_earlier_value() -> None:
    out = rates.as_of(_a(1000, 2000, NAN, 3000), _a(10, 20, 99, NAN), _a(500, 1000, 2500, 3500, NAN))
    assert _list(out) == [None, 10, 20, 20, None]


def test_or_else_and_clamp() -> None:
    assert _list(rates.or_else(_a(1, NAN), _a(5, 6))) == [1, 6]
    assert _list(rates.clamp_min(_a(-2, NAN, 3))) == [0, None, 3]
