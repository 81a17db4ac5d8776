"""Bad input never raises out of the diagnosis: one broken series costs that series only,
and what cannot be said is said, with the reason."""

from __future__ import annotations

import math
import random
from datetime import timedelta

import pytest

from roomscope.tui.diagnosis import CannotSay, Cause, SessionDiagnosis, Unsaid, diagnose
from roomscope.tui.diagnosis import engine as engine_module
from roomscope.tui.diagnosis import rules as rules_module
from roomscope.tui.models import Event, EventKind, Metric, QualitySeries
from roomscope.tui.quality import Verdict
from tests.diagnosis.support import STEP, T0, N, burst, healthy, participant, run, series, session

LOSSY = burst(0.4, (100, 10, 9.0))
"""A send-loss series with a poor burst: the finding that must survive its neighbours' trouble."""


def notes_of(report: SessionDiagnosis, pid: str) -> list[CannotSay]:
    verdict = report.verdict_of(pid)
    assert verdict is not None
    return list(verdict.cannot_say)


def with_broken_rtt(rtt: QualitySeries) -> SessionDiagnosis:
    """p1: a poor send-loss burst, clean jitter, and a broken RTT series."""
    p1 = [s for s in healthy("p1", packet_loss_send=LOSSY) if s.metric is not Metric.RTT] + [rtt]
    return run({"p1": p1, "p2": healthy("p2")})


def assert_loss_still_found(report: SessionDiagnosis) -> None:
    assert [f.rule for f in report.findings] == ["NET-LOSS-UP"]
    assert report.findings[0].cause is Cause.UPLINK


def test_unsorted_timestamps_cost_that_series_only() -> None:
    offsets = [i * STEP for i in range(N)]
    offsets[10], offsets[11] = offsets[11], offsets[10]
    report = with_broken_rtt(series("p1", Metric.RTT, [900.0] * N, offsets=offsets))
    assert_loss_still_found(report)
    (note,) = [n for n in notes_of(report, "p1") if n.metric == "rtt"]
    assert note.reason is Unsaid.BAD_SERIES and "out of order" in note.detail


def test_repeated_timestamps_keep_the_first_sample_and_say_so() -> None:
    offsets = [i * STEP for i in range(N)]
    offsets[51] = offsets[50]
    values = burst(40.0, (100, 10, 900.0))
    report = with_broken_rtt(series("p1", Metric.RTT, values, offsets=offsets))
    assert {f.rule for f in report.findings} == {"NET-LOSS-UP"}  # the RTT burst folds into the loss
    (note,) = [n for n in notes_of(report, "p1") if n.metric == "rtt"]
    assert note.reason is Unsaid.REPAIRED and "repeat a timestamp" in note.detail


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 1e12])
def test_a_few_odd_samples_become_gaps_and_are_said(bad: float) -> None:
    values = burst(40.0, (20, 1, bad), (200, 2, bad))
    report = with_broken_rtt(series("p1", Metric.RTT, values))
    assert_loss_still_found(report)
    (note,) = [n for n in notes_of(report, "p1") if n.metric == "rtt"]
    assert note.reason is Unsaid.REPAIRED and "3 sample(s)" in note.detail


@pytest.mark.parametrize("bad", [math.nan, -40.0, 1e12])
def test_a_series_mostly_odd_is_unreadable(bad: float) -> None:
    values = [bad if i % 3 else 40.0 for i in range(N)]
    report = with_broken_rtt(series("p1", Metric.RTT, values))
    assert_loss_still_found(report)
    (note,) = [n for n in notes_of(report, "p1") if n.metric == "rtt"]
    assert note.reason is Unsaid.BAD_SERIES and "a wrong unit?" in note.detail


def test_negative_samples_where_low_values_matter_are_set_aside_and_said() -> None:
    send = burst(900.0, (40, 2, -5.0), (200, 1, -5.0))  # a bitrate: NET-NOMEDIA reads its lows
    report = run({"p1": healthy("p1", bitrate_send=send), "p2": healthy("p2")})
    assert report.findings == ()  # not read as "no media"
    (note,) = [n for n in notes_of(report, "p1") if n.metric == "bitrate_send"]
    assert note.reason is Unsaid.REPAIRED and "3 sample(s)" in note.detail
    mostly = run({"p1": healthy("p1", bitrate_send=[-5.0 if i % 3 else 900.0 for i in range(N)])})
    assert any(n.reason is Unsaid.BAD_SERIES for n in notes_of(mostly, "p1"))


def test_negative_samples_where_only_high_values_matter_cannot_breach() -> None:
    """A negative loss (Chrome's counters can go backwards) never makes a finding; the
    series is read as it is unless it is read sample by sample anyway (then it is said)."""
    loss = burst(0.4, (20, 3, -2.0), (100, 10, 9.0))
    report = run({"p1": healthy("p1", packet_loss_send=loss), "p2": healthy("p2")})
    assert_loss_still_found(report)
    assert report.findings[0].peak == 9.0
    gapped = burst(0.4, (20, 3, -2.0), (60, 2, None), (100, 10, 9.0))  # type: ignore[arg-type]
    again = run({"p1": healthy("p1", packet_loss_send=gapped), "p2": healthy("p2")})
    assert_loss_still_found(again)
    assert any("3 sample(s)" in n.detail for n in notes_of(again, "p1") if n.metric == "packet_loss_send")


def test_absurd_values_for_the_unit_are_unreadable() -> None:
    report = with_broken_rtt(series("p1", Metric.RTT, [4.0e6] * N))  # RTT of 67 minutes
    assert_loss_still_found(report)
    assert any(n.reason is Unsaid.BAD_SERIES for n in notes_of(report, "p1"))
    loss = run({"p1": healthy("p1", packet_loss_send=[150.0] * N)})  # 150 % loss
    assert loss.findings == ()
    assert any(n.metric == "packet_loss_send" and n.reason is Unsaid.BAD_SERIES for n in notes_of(loss, "p1"))


def test_a_unit_roomscope_cannot_read_is_said() -> None:
    report = with_broken_rtt(series("p1", Metric.RTT, [0.9] * N, unit="furlongs"))
    assert_loss_still_found(report)
    (note,) = [n for n in notes_of(report, "p1") if n.metric == "rtt"]
    assert note.reason is Unsaid.BAD_SERIES and "'furlongs'" in note.detail


def test_a_known_unit_is_converted() -> None:
    report = with_broken_rtt(series("p1", Metric.RTT, burst(0.04, (150, 10, 0.9)), unit="s"))
    rtt = [f for f in report.findings if any(e.metric == "rtt" for e in f.evidence)]
    assert rtt and max(e.peak for f in rtt for e in f.evidence if e.metric == "rtt") == pytest.approx(900.0)


def test_an_undocumented_unit_is_read_with_a_caveat() -> None:
    loss = series("p1", Metric.LOSS_SEND, LOSSY, documented=False)
    p1 = [s for s in healthy("p1") if s.metric is not Metric.LOSS_SEND] + [loss]
    report = run({"p1": p1, "p2": healthy("p2")})
    (f,) = report.findings
    assert "unit not documented by the provider" in f.evidence[0].caveat


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: series("p1", Metric.RTT, []), "no rtt samples"),
        (lambda: series("p1", Metric.RTT, [None] * N), "no rtt samples"),
        (
            lambda: QualitySeries.model_construct(
                **{**series("p1", Metric.RTT, [1.0] * 5).__dict__, "offsets_s": [0.0]}
            ),
            "1 timestamps for 5 samples",
        ),
        (
            lambda: QualitySeries.model_construct(
                **{**series("p1", Metric.RTT, [1.0] * 5).__dict__, "interval_s": None}
            ),
            "no sample interval",
        ),
        (
            lambda: QualitySeries.model_construct(
                **{**series("p1", Metric.RTT, [1.0] * 5).__dict__, "values": ["fast", {}, 1.0, None, 2.0]}
            ),
            "not numbers",
        ),
    ],
    ids=["empty", "all-gaps", "offsets-mismatch", "no-interval", "not-numbers"],
)
def test_missing_or_malformed_series_are_said(make: object, words: str) -> None:
    report = with_broken_rtt(make())  # type: ignore[operator]
    assert_loss_still_found(report)
    assert any(words in n.detail for n in notes_of(report, "p1")), notes_of(report, "p1")


def test_no_samples_at_all_is_a_cannot_say_verdict_not_a_good_one() -> None:
    report = diagnose(session(), [participant("p1"), participant("p2")], [], {"p2": healthy("p2")})
    verdict = report.verdict_of("p1")
    assert verdict is not None and verdict.verdict is Verdict.UNKNOWN
    assert verdict.reason == "no samples from demo"
    assert verdict.cannot_say[0].reason is Unsaid.NO_SAMPLES
    nothing = diagnose(session(), [participant("p1")], [], {})
    assert nothing.summary == "? no samples from demo"
    empty = diagnose(session(), [], [], {})
    assert empty.summary == "? no participants" and empty.worst is Verdict.UNKNOWN


def test_present_under_30_seconds_cannot_be_judged() -> None:
    brief = participant("p1", minutes=0.4)
    report = run(
        {"p1": healthy("p1", packet_loss_send=LOSSY), "p2": healthy("p2")}, people=[brief, participant("p2")]
    )
    assert report.findings == ()
    verdict = report.verdict_of("p1")
    assert verdict is not None and verdict.verdict is Verdict.UNKNOWN
    assert verdict.cannot_say[0].reason is Unsaid.SHORT_PRESENCE and "under 30 s" in verdict.reason


def test_counters_missing_is_said_per_rule_and_for_the_session() -> None:
    only_bitrate = [s for s in healthy("p1") if s.metric in (Metric.BITRATE_SEND, Metric.BITRATE_RECV)]
    report = run({"p1": only_bitrate, "p2": healthy("p2")})
    verdict = report.verdict_of("p1")
    assert verdict is not None and verdict.verdict is Verdict.UNKNOWN
    assert verdict.cannot_say[0].reason is Unsaid.COUNTERS_MISSING
    assert any(n.rule == "NET-RTT" for n in verdict.cannot_say)
    # nobody has a frame-freeze counter: one session note, not one per person
    assert any(n.rule == "OUT-VFREEZE" and n.participant is None for n in report.notes)


def test_series_of_someone_not_in_the_participant_list_are_still_read() -> None:
    report = diagnose(session(), [participant("p2")], [], {"ghost": healthy("ghost", packet_loss_send=LOSSY)})
    (f,) = report.findings
    assert f.who[0].id == "ghost" and f.who[0].name == "ghost"


def test_a_rule_that_fails_costs_that_rule_only(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> list[object]:
        raise ZeroDivisionError

    rules = tuple((rid, broken if rid == "NET-RTT" else rule) for rid, rule in rules_module.PARTICIPANT_RULES)
    monkeypatch.setattr(engine_module, "PARTICIPANT_RULES", rules)
    report = run({"p1": healthy("p1", packet_loss_send=LOSSY), "p2": healthy("p2")})
    assert_loss_still_found(report)
    failed = [n for n in notes_of(report, "p1") if n.reason is Unsaid.RULE_FAILED]
    assert failed and failed[0].rule == "NET-RTT" and "ZeroDivisionError" in failed[0].detail


def test_a_failing_attribution_leaves_the_findings_with_unknown_causes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_args: object) -> None:
        raise KeyError("x")

    monkeypatch.setattr(engine_module, "attribute", broken)
    report = run({"p1": healthy("p1", packet_loss_send=LOSSY), "p2": healthy("p2")})
    (f,) = report.findings
    assert f.cause is Cause.UNKNOWN
    assert any("attribution failed" in n.detail for n in report.notes)


def test_the_last_guard_returns_a_diagnosis_that_says_it_failed(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine_module._Diagnosis, "_people", broken)
    report = run({"p1": healthy("p1")})
    assert report.findings == () and report.verdicts == ()
    assert report.summary.startswith("? the diagnosis failed (RuntimeError)")


def test_odd_events_are_survived() -> None:
    events = [
        Event(
            provider="demo", session_id="s-1", id="a", kind=EventKind.RECONNECT, participant_id="p1"
        ),  # no time
        Event(
            provider="demo",
            session_id="s-1",
            id="b",
            at=T0 + timedelta(seconds=90),
            kind=EventKind.UNMUTE,
            participant_id="p1",
        ),
        Event(
            provider="demo",
            session_id="s-1",
            id="c",
            at=T0 - timedelta(days=400),
            kind=EventKind.LEAVE,
            participant_id="p1",
        ),
        Event(
            provider="demo",
            session_id="s-1",
            id="d",
            at=T0 + timedelta(seconds=30),
            kind=EventKind.MUTE,
            participant_id="nobody",
        ),
    ]
    report = run({"p1": healthy("p1", packet_loss_send=LOSSY), "p2": healthy("p2")}, events=events)
    assert_loss_still_found(report)


def test_random_garbage_never_raises() -> None:
    rng = random.Random(11)
    pool: list[object] = [None, 0.0, -1.0, 1e300, math.nan, math.inf, 3.0, 50.0, 700.0, "x", True]
    for _ in range(150):
        mine: list[QualitySeries] = []
        for metric in rng.sample(list(Metric), rng.randint(0, len(Metric))):
            n = rng.randint(0, 40)
            fields = series("p1", metric, [0.0] * n).__dict__ | {
                "values": [rng.choice(pool) for _ in range(n)],
                "unit": rng.choice(["", "%", "ms", "s", "kbps", "?", "fps"]),
                "interval_s": rng.choice([None, 0.0, -2.0, 2.0, math.nan]),
                "offsets_s": rng.choice(
                    [None, [float(i) for i in range(n)], [rng.uniform(-5, 5) for _ in range(n)]]
                ),
                "peer_id": rng.choice([None, "p2", "nobody"]),
            }
            mine.append(QualitySeries.model_construct(**fields))
        report = run({"p1": mine, "p2": healthy("p2")})
        assert isinstance(report, SessionDiagnosis)
        assert report.summary
