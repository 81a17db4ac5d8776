"""Call-quality maths (roomscope.tui.quality): MOS estimate, held breaches, summaries, verdicts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest

from roomscope.tui import quality
from roomscope.tui.models import Metric, QualitySeries
from roomscope.tui.quality import (
    HOLD_COUNT,
    HOLD_WINDOW,
    THRESHOLDS,
    Verdict,
    assess,
    downsample,
    episodes,
    held_mask,
    mos_estimate,
    mos_values,
    order_series,
    summarize,
    with_mos,
)

T0 = datetime(2026, 11, 22, 9, 0, 0, tzinfo=UTC)
UNITS = {
    Metric.LOSS_SEND: "%",
    Metric.LOSS_RECV: "%",
    Metric.JITTER: "ms",
    Metric.RTT: "ms",
    Metric.MOS: "",
    Metric.BITRATE_SEND: "kbps",
    Metric.FPS: "fps",
}


def series(
    metric: Metric,
    values: Sequence[float | None],
    *,
    start: datetime = T0,
    interval_s: float | None = 2.0,
    offsets_s: list[float] | None = None,
) -> QualitySeries:
    return QualitySeries(
        provider="test",
        session_id="s",
        participant_id="p",
        metric=metric,
        unit=UNITS.get(metric, ""),
        start=start,
        interval_s=None if offsets_s is not None else interval_s,
        offsets_s=offsets_s,
        values=list(values),
    )


# -- MOS estimate --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rtt", "jitter", "loss", "expected"),
    [
        (20, 5, 0, 4.39),
        (100, 10, 1, 4.27),
        (150, 30, 1, 4.05),
        (300, 30, 3, 3.14),
        (400, 30, 5, 2.35),
        (200, 50, 10, 2.53),
        (600, 60, 2, 1.50),
        (50, 10, 20, 2.12),
    ],
)
def test_mos_estimate_worked_values(rtt: float, jitter: float, loss: float, expected: float) -> None:
    assert round(mos_estimate(rtt, jitter, loss), 2) == expected


def test_mos_estimate_r_at_or_below_zero_is_one() -> None:
    # EL = 1000 + 10 -> R = 93.2 - 89 = 4.2; 10% loss takes R below zero.
    assert mos_estimate(1000, 0, 10) == 1.0
    assert mos_estimate(0, 0, 100) == 1.0
    assert mos_estimate(5000, 500, 0) == 1.0


def test_mos_estimate_clamps_to_one_when_the_polynomial_dips_below() -> None:
    # R = 93.2 - (1002 - 120)/10 = 5.0: the raw polynomial gives 0.992.
    r = 5.0
    raw = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)
    assert raw < 1.0
    assert mos_estimate(992, 0, 0) == 1.0


def test_mos_estimate_clamps_to_four_and_a_half() -> None:
    # Negative loss is nonsense input, but it pushes R above 100 where the raw
    # polynomial exceeds 4.5 (R = 92.95 + 10 = 102.95 -> 4.51).
    r = 93.2 - 10 / 40 + 10
    raw = 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r)
    assert raw > 4.5
    assert mos_estimate(0, 0, -4) == 4.5


def test_mos_estimate_stays_in_range_and_falls_with_worse_networks() -> None:
    previous = 5.0
    for rtt in range(0, 1500, 25):
        value = mos_estimate(rtt, 10, 1)
        assert 1.0 <= value <= 4.5
        assert value <= previous + 1e-9
        previous = value
    assert mos_estimate(100, 10, 0) > mos_estimate(100, 10, 2) > mos_estimate(100, 10, 8)
    assert mos_estimate(100, 5, 0) > mos_estimate(100, 40, 0)


# -- held breaches -------------------------------------------------------------------------


def _over(v: float) -> bool:
    return v > 5


def test_hold_constants_are_three_of_five() -> None:
    assert (HOLD_COUNT, HOLD_WINDOW) == (3, 5)


def test_two_breaches_in_five_are_not_held() -> None:
    assert not any(held_mask([9, 0, 9, 0, 0, 0, 0], _over))
    assert not any(held_mask([9, 9, 0, 0, 0, 9, 9], _over))  # pairs 5 apart never share a window


def test_three_breaches_in_five_are_held() -> None:
    mask = held_mask([0, 9, 0, 9, 0, 9, 0, 0], _over)
    assert mask == [False, True, False, True, False, True, False, False]
    assert held_mask([9, 9, 9], _over) == [True, True, True]


def test_three_breaches_spread_over_six_are_not_held() -> None:
    assert not any(held_mask([9, 0, 0, 9, 0, 9], _over))  # the 1st and 3rd are 6 samples apart


def test_an_isolated_spike_is_not_poor() -> None:
    values: list[float | None] = [0.1] * 40
    values[20] = 80.0
    assert not any(held_mask(values, _over))
    result = assess([series(Metric.LOSS_RECV, values)])
    assert result.verdict is Verdict.GOOD
    assert result.tripped_by is None


def test_gaps_do_not_count_as_breaches() -> None:
    assert not any(held_mask([9, None, None, 9, None], _over))
    assert held_mask([9, None, 9, None, 9], _over) == [True, False, True, False, True]


def _sliding_window_mask(values: list[float | None]) -> list[bool]:
    """The definition, literally: each window of HOLD_WINDOW samples with HOLD_COUNT
    breaches marks its breaching samples."""
    flags = [v is not None and _over(v) for v in values]
    held = [False] * len(flags)
    for end in range(len(flags)):
        window = range(max(0, end - HOLD_WINDOW + 1), end + 1)
        if sum(flags[j] for j in window) >= HOLD_COUNT:
            for j in window:
                held[j] = held[j] or flags[j]
    return held


def test_held_mask_is_the_sliding_window_definition() -> None:
    import random

    rng = random.Random(3)
    for _ in range(400):
        values: list[float | None] = [rng.choice((None, 0.0, 9.0, 9.0)) for _ in range(rng.randint(0, 40))]
        assert held_mask(values, _over) == _sliding_window_mask(values), values


def test_held_indices_and_runs_work_on_breach_indices() -> None:
    assert quality.held_indices([]) == []
    assert quality.held_indices([1, 3, 5]) == [1, 3, 5]
    assert quality.held_indices([1, 3, 6]) == []  # 1st and 3rd are 6 samples apart
    assert quality.held_indices([0, 1, 2, 3, 20, 21]) == [0, 1, 2, 3]
    assert quality.held_runs([0, 1, 2, 8, 9, 10]) == [(0, 2), (8, 10)]  # 6 apart: separate
    assert quality.held_runs([0, 1, 2, 7, 8]) == [(0, 8)]  # 5 apart: one stretch
    assert quality.held_spans([True, True, True, False, False, False, False, False, False, True]) == [
        (0, 2),
        (9, 9),
    ]


def test_the_triage_metrics_have_thresholds() -> None:
    assert THRESHOLDS["cpu_limited"].condition(THRESHOLDS["cpu_limited"].fair or 0.0) == "> 0%"
    assert THRESHOLDS["cpu_limited"].poor == 50.0
    assert THRESHOLDS["freeze_recv"].fair == 5.0 and THRESHOLDS["freeze_recv"].poor == 30.0
    bwe = THRESHOLDS["bwe_send"]
    assert not bwe.higher_is_worse and bwe.poor == 100.0 and bwe.fair is None
    assert THRESHOLDS["fps_send"].poor is None  # a frame rate's normal depends on the content
    assert set(quality.METRIC_ORDER) == {m.value for m in Metric}


def test_episodes_cover_first_to_last_held_sample() -> None:
    values: Sequence[float | None] = [0] * 10 + [9] * 6 + [0] * 20 + [9, 9, 9] + [0] * 5
    s = series(Metric.LOSS_SEND, values, interval_s=2.0)
    found = episodes(s, held_mask(values, _over))
    assert [(e.start_s, e.end_s) for e in found] == [(20.0, 32.0), (72.0, 78.0)]
    assert found[0].duration_s == 12.0


def test_episodes_bridge_short_pauses() -> None:
    values: list[float | None] = [9, 9, 9, 0, 0, 9, 9, 9]
    s = series(Metric.LOSS_SEND, values, interval_s=1.0)
    found = episodes(s, held_mask(values, _over))
    assert [(e.start_s, e.end_s) for e in found] == [(0.0, 8.0)]


def test_episodes_of_an_irregular_series_use_its_offsets() -> None:
    values: list[float | None] = [0, 9, 9, 9, 0]
    s = series(Metric.LOSS_SEND, values, offsets_s=[0.0, 3.0, 4.0, 11.0, 12.0])
    found = episodes(s, held_mask(values, _over))
    assert [(e.start_s, e.end_s) for e in found] == [(3.0, 11.0)]


# -- summaries -------------------------------------------------------------------------------


def test_summarize_min_avg_p95_max() -> None:
    stats = summarize([float(v) for v in range(1, 21)])
    assert stats is not None
    assert (stats.count, stats.min, stats.max) == (20, 1.0, 20.0)
    assert stats.avg == pytest.approx(10.5)
    assert stats.p95 == 19.0  # nearest rank: ceil(0.95 * 20) = 19th value


def test_summarize_p95_is_nearest_rank_not_interpolated() -> None:
    stats = summarize([float(v) for v in range(1, 101)])
    assert stats is not None and stats.p95 == 95.0
    stats = summarize([1.0, 2.0, 3.0, 100.0])  # ceil(3.8) = 4th value
    assert stats is not None and stats.p95 == 100.0
    stats = summarize([5.0, 1.0, 3.0])  # unsorted input
    assert stats is not None and (stats.min, stats.p95, stats.max) == (1.0, 5.0, 5.0)
    single = summarize([7.5])
    assert single is not None and (single.min, single.avg, single.p95, single.max) == (7.5, 7.5, 7.5, 7.5)


def test_summarize_ignores_none_and_nan() -> None:
    stats = summarize([None, 4.0, math.nan, 2.0, None, 6.0, float("nan")])
    assert stats is not None
    assert (stats.count, stats.min, stats.avg, stats.max) == (3, 2.0, 4.0, 6.0)
    assert summarize([None, math.nan]) is None
    assert summarize([]) is None


# -- assessment ------------------------------------------------------------------------------


def test_good_when_every_metric_is_within_thresholds() -> None:
    result = assess(
        [
            series(Metric.LOSS_RECV, [0.5] * 30),
            series(Metric.RTT, [80.0] * 30),
            series(Metric.JITTER, [4.0] * 30),
        ]
    )
    assert result.verdict is Verdict.GOOD
    assert result.tripped_by is None and result.tripped_at is None
    assert result.reason() == "good: every metric within thresholds"
    assert result.metrics["rtt"].stats is not None
    assert result.metrics["rtt"].stats.avg == 80.0


def test_fair_verdict_uses_the_fair_level() -> None:
    values: Sequence[float | None] = [100.0] * 10 + [300.0] * 10 + [100.0] * 10  # > 250, < 400
    result = assess([series(Metric.RTT, values)])
    assert result.verdict is Verdict.FAIR
    assert result.tripped_by == "rtt"
    assert result.tripped_at == T0 + timedelta(seconds=20)
    assert result.tripped_for_s == 20.0
    assert result.reason() == "fair: RTT > 250 ms from 09:00:20 for 20s"


def test_poor_verdict_names_the_first_metric_to_breach() -> None:
    loss: list[float | None] = [0.2] * 60
    loss[30:60] = [12.0] * 30  # poor from sample 30 (60 s), longer
    rtt: list[float | None] = [100.0] * 60
    rtt[10:20] = [600.0] * 10  # poor from sample 10 (20 s): earlier
    result = assess([series(Metric.LOSS_RECV, loss), series(Metric.RTT, rtt)])
    assert result.verdict is Verdict.POOR
    assert result.tripped_by == "rtt"
    assert result.tripped_at == T0 + timedelta(seconds=20)
    assert result.tripped_for_s == 20.0
    assert result.metrics["packet_loss_recv"].verdict is Verdict.POOR
    assert result.reason() == "poor: RTT > 400 ms from 09:00:20 for 20s"


def test_poor_beats_an_earlier_fair_breach() -> None:
    jitter: list[float | None] = [5.0] * 40
    jitter[0:10] = [25.0] * 10  # fair (> 20) from the start
    loss: list[float | None] = [0.0] * 40
    loss[20:40] = [9.0] * 20  # poor later
    result = assess([series(Metric.JITTER, jitter), series(Metric.LOSS_SEND, loss)])
    assert result.verdict is Verdict.POOR
    assert result.tripped_by == "packet_loss_send"
    assert result.reason().startswith("poor: Packet loss (send) > 5% from 09:00:40 for 40s")


def test_tripped_by_compares_wall_clock_times_of_series_with_different_starts() -> None:
    # RTT starts at T0 and breaches at +100 s (T0+100); loss starts 60 s later and breaches
    # 50 s into its own series (T0+110): RTT breached first although its offset is larger.
    rtt: list[float | None] = [100.0] * 100
    rtt[50:70] = [700.0] * 20
    loss: list[float | None] = [0.0] * 100
    loss[25:60] = [20.0] * 35
    result = assess(
        [
            series(Metric.LOSS_RECV, loss, start=T0 + timedelta(seconds=60)),
            series(Metric.RTT, rtt, start=T0),
        ]
    )
    assert result.verdict is Verdict.POOR
    assert result.tripped_by == "rtt"
    assert result.tripped_at == T0 + timedelta(seconds=100)


def test_mos_breaches_below_its_level() -> None:
    mos: Sequence[float | None] = [4.3] * 10 + [3.0] * 5 + [4.3] * 10
    result = assess([series(Metric.MOS, mos)])
    assert result.verdict is Verdict.POOR
    assert result.reason() == "poor: MOS < 3.5 from 09:00:20 for 10s"


def test_metrics_without_thresholds_never_set_a_verdict() -> None:
    result = assess([series(Metric.BITRATE_SEND, [0.0] * 20), series(Metric.FPS, [0.0] * 20)])
    assert result.verdict is Verdict.GOOD
    assert THRESHOLDS["fps"].poor is None


def test_unknown_without_samples() -> None:
    assert assess([]).verdict is Verdict.UNKNOWN
    assert assess([]).reason() == "no quality samples"
    empty = assess([series(Metric.RTT, [None, None])])
    assert empty.verdict is Verdict.UNKNOWN
    assert empty.metrics["rtt"].stats is None


# -- the estimated MOS series ----------------------------------------------------------------


def test_with_mos_adds_an_aligned_estimate() -> None:
    rtt = series(Metric.RTT, [20.0, 300.0, None, 600.0])
    jitter = series(Metric.JITTER, [5.0, 30.0, 7.0, 60.0])
    loss_send = series(Metric.LOSS_SEND, [0.0, 3.0, 0.0, 1.0])
    loss_recv = series(Metric.LOSS_RECV, [0.0, 1.0, 0.0, 2.0])  # the worse one counts
    out = with_mos([rtt, jitter, loss_send, loss_recv])
    assert len(out) == 5
    mos = out[-1]
    assert mos.metric is Metric.MOS
    assert mos.start == rtt.start and mos.interval_s == rtt.interval_s
    assert "estimated" in mos.source
    assert mos.values[2] is None  # an RTT gap is a MOS gap
    assert [round(v, 2) for v in mos.values if v is not None] == [4.39, 3.14, 1.50]


def test_with_mos_keeps_a_supplied_mos_and_needs_rtt() -> None:
    supplied = [series(Metric.RTT, [20.0]), series(Metric.MOS, [4.1])]
    assert with_mos(supplied) == supplied
    no_rtt = [series(Metric.JITTER, [5.0]), series(Metric.LOSS_RECV, [1.0])]
    assert with_mos(no_rtt) == no_rtt


def test_with_mos_counts_missing_jitter_and_loss_as_zero() -> None:
    (_rtt, mos) = with_mos([series(Metric.RTT, [100.0, 100.0])])
    assert mos.values == [round(mos_estimate(100, 0, 0), 3)] * 2


def test_with_mos_on_irregular_offsets() -> None:
    rtt = series(Metric.RTT, [20.0, 300.0, 600.0], offsets_s=[0.0, 7.0, 31.0])
    jitter = series(Metric.JITTER, [5.0, 30.0, 60.0], offsets_s=[0.4, 6.5, 30.0])  # nearest wins
    loss = series(Metric.LOSS_RECV, [0.0, 3.0, 2.0], offsets_s=[1.0, 8.0, 32.0])
    mos = with_mos([rtt, jitter, loss])[-1]
    assert mos.offsets_s == [0.0, 7.0, 31.0]
    assert [round(v, 2) for v in mos.values if v is not None] == [4.39, 3.14, 1.50]


def test_with_mos_aligns_series_with_different_starts() -> None:
    # Jitter and loss start 10 s after RTT: RTT sample i (t = 2i) matches their sample i - 5.
    rtt = series(Metric.RTT, [20.0] * 5 + [300.0] * 5)
    later = T0 + timedelta(seconds=10)
    jitter = series(Metric.JITTER, [30.0] * 5 + [5.0] * 5, start=later)
    loss = series(Metric.LOSS_SEND, [3.0] * 5 + [0.0] * 5, start=later)
    mos = with_mos([rtt, jitter, loss])[-1].values
    # The first five RTT samples precede the other series: jitter and loss count as 0.
    assert mos[:5] == [round(mos_estimate(20, 0, 0), 3)] * 5
    assert mos[5:] == [round(mos_estimate(300, 30, 3), 3)] * 5


def test_nan_rtt_is_a_mos_gap_not_a_bad_score() -> None:
    rtt = series(Metric.RTT, [math.nan] * 6 + [50.0])
    jitter = series(Metric.JITTER, [math.nan] * 7)
    mos = with_mos([rtt, jitter])[-1]
    assert mos.values[:6] == [None] * 6
    assert mos.values[6] == round(mos_estimate(50, 0, 0), 3)
    assert assess([rtt, jitter, mos]).verdict is not Verdict.POOR


def test_mos_values_directly() -> None:
    rtt = series(Metric.RTT, [400.0])
    assert mos_values(rtt, series(Metric.JITTER, [30.0]), [series(Metric.LOSS_RECV, [5.0])]) == [
        round(mos_estimate(400, 30, 5), 3)
    ]


def test_order_series_follows_metric_order() -> None:
    shuffled = [series(m, [1.0]) for m in (Metric.MOS, Metric.RTT, Metric.LOSS_RECV, Metric.JITTER)]
    ordered = [s.metric for s in order_series(shuffled)]
    assert ordered == [Metric.LOSS_RECV, Metric.JITTER, Metric.RTT, Metric.MOS]


# -- downsampling ----------------------------------------------------------------------------


def test_downsample_keeps_short_series() -> None:
    assert downsample([1.0, None, 3.0], 5) == [1.0, None, 3.0]
    assert downsample([1.0, 2.0], 0) == []


def test_downsample_reduces_buckets_with_max_by_default() -> None:
    values: list[float | None] = [float(v) for v in range(10)]
    assert downsample(values, 5) == [1.0, 3.0, 5.0, 7.0, 9.0]
    assert downsample(values, 2, min) == [0.0, 5.0]
    assert downsample(values, 3) == [2.0, 5.0, 9.0]


def test_downsample_keeps_spikes_and_gaps() -> None:
    values: list[float | None] = [0.0] * 100
    values[57] = 99.0
    out = downsample(values, 10)
    assert len(out) == 10
    assert out[5] == 99.0
    assert downsample([None, None, 1.0, 2.0], 2) == [None, 2.0]


def test_format_duration() -> None:
    assert quality.format_duration(None) == "—"
    assert quality.format_duration(42) == "42s"
    assert quality.format_duration(94) == "1m34s"
    assert quality.format_duration(3 * 3600 + 120) == "3h02m"


# ---------------------------------------------------------------------------------------
# Any float: the maths never raises (inf, nan, huge, tiny, negative)

ODD = [math.inf, -math.inf, math.nan, 1e308, -1e308, float(2**63), 5e-324, -1.0, 0.0]


@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_the_verdict_survives_any_sample_value(odd: float) -> None:
    values = [odd, 10.0, odd, odd, odd, 1.0, None, odd]
    full = order_series(
        with_mos([series(m, values) for m in (Metric.RTT, Metric.JITTER, Metric.LOSS_RECV, Metric.FPS)])
    )
    verdict = assess(full)
    assert verdict.verdict in set(Verdict)
    assert isinstance(verdict.reason(), str)
    for s in full:
        stats = summarize(s.values)
        assert stats is None or all(math.isfinite(v) for v in (stats.min, stats.avg, stats.p95, stats.max))
        downsample(s.values, 3)


@pytest.mark.parametrize("odd", ODD, ids=repr)
def test_the_verdict_survives_any_interval_or_offset(odd: float) -> None:
    bad = [1.0, 9.0, 9.0, 9.0, 9.0, 9.0]
    regular = series(Metric.LOSS_SEND, bad, interval_s=odd)
    irregular = series(Metric.LOSS_RECV, bad, offsets_s=[0.0, odd, odd, 3 * odd, 1e300, odd])
    late = series(Metric.RTT, [500.0] * 6, start=datetime(9999, 12, 31, 23, 0, tzinfo=UTC), interval_s=odd)
    verdict = assess(with_mos([regular, irregular, late]))
    assert verdict.verdict is Verdict.POOR
    assert isinstance(verdict.reason(), str)


def test_absurd_sums_and_durations_do_not_overflow() -> None:
    assert summarize([1e308, 1e308, 1e308]) is not None
    assert quality.format_duration(math.inf) == "—"
    assert quality.format_duration(math.nan) == "—"
    assert quality.format_duration(1e300).endswith("m")
    for odd in ODD:
        assert 1.0 <= mos_estimate(odd, odd, odd) <= 4.5
        assert 1.0 <= mos_estimate(odd, 0.0, 0.0) <= 4.5
