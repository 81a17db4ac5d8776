"""Every rule on synthetic series: a breach, no breach, exactly at the threshold, the
3-of-5 persistence, and separate bursts kept apart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest

from roomscope.tui.diagnosis import RULE_IDS, RULES, Cause, Finding, Severity, Unsaid
from roomscope.tui.models import EventKind, Metric
from roomscope.tui.quality import Verdict
from tests.diagnosis.support import STEP, T0, N, at, burst, event, healthy, participant, run, series


@dataclass(frozen=True)
class Case:
    rule: str
    metric: Metric
    clean: float
    warn: float
    """A value over the fair level, under the poor one."""
    poor: float
    fair_level: float | None
    poor_level: float
    cause: Cause


# Clean levels keep the NET-SPIKE baseline high enough that a breach is no spike as well.
CASES = [
    Case("NET-LOSS-UP", Metric.LOSS_SEND, 0.4, 3.0, 7.0, 2.0, 5.0, Cause.UPLINK),
    Case("NET-LOSS-DN", Metric.LOSS_RECV, 0.3, 3.0, 7.0, 2.0, 5.0, Cause.DOWNLINK),
    Case("NET-JIT", Metric.JITTER, 12.0, 25.0, 45.0, 20.0, 30.0, Cause.DOWNLINK),
    Case("NET-RTT", Metric.RTT, 200.0, 300.0, 590.0, 250.0, 400.0, Cause.ROUTE),
    Case("NET-BWLIM", Metric.BW_LIMITED, 0.0, 20.0, 80.0, 0.0, 50.0, Cause.UPLINK),
    Case("CPU-ENC", Metric.CPU_LIMITED, 0.0, 20.0, 80.0, 0.0, 50.0, Cause.DEVICE_CPU),
    Case("OUT-VFREEZE", Metric.FREEZE, 0.0, 10.0, 40.0, 5.0, 30.0, Cause.UNKNOWN),
    Case("NET-BWE", Metric.BWE, 800.0, 50.0, 40.0, None, 100.0, Cause.UPLINK),
]


def one(rule: str, values: list[float | None], metric: Metric) -> list[Finding]:
    """The findings of ``rule`` when ``metric`` of p1 has ``values`` and all else is clean."""
    report = run({"p1": healthy("p1", **{metric.value: values}), "p2": healthy("p2")})
    return [f for f in report.findings if f.rule == rule]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_a_held_breach_is_a_finding_with_its_evidence(case: Case) -> None:
    found = one(case.rule, burst(case.clean, (100, 10, case.poor)), case.metric)
    assert len(found) == 1
    f = found[0]
    assert f.severity is Severity.POOR
    assert f.peak == case.poor
    assert [(w.start, w.end) for w in f.windows] == [(at(100), at(110))]
    assert f.duration_s == 20.0
    assert f.who[0].id == "p1"
    assert f.cause is case.cause
    if case.cause is not Cause.UNKNOWN:
        assert f.cause_of is not None and f.cause_of.id == "p1"
    evidence = next(e for e in f.evidence if e.metric == case.metric.value)
    assert evidence.persistence == "3 of 5 consecutive samples"
    assert len(evidence.samples) == 10
    assert evidence.samples[0].at == at(100) and evidence.samples[0].value == case.poor
    assert str(case.poor_level).rstrip("0").rstrip(".") in evidence.condition
    assert f.explanation and f.title == next(r.name for r in RULES if r.id == case.rule)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_no_breach_no_finding(case: Case) -> None:
    assert one(case.rule, [case.clean] * N, case.metric) == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_exactly_at_a_threshold_is_not_over_it(case: Case) -> None:
    at_poor = one(case.rule, burst(case.clean, (100, 20, case.poor_level)), case.metric)
    if case.fair_level is None:
        assert at_poor == []  # a rule with a poor level only: at it is nothing
        return
    assert one(case.rule, burst(case.clean, (100, 20, case.fair_level)), case.metric) == []
    (f,) = at_poor  # over the fair level, at the poor one: a warning
    assert f.severity is Severity.WARN


@pytest.mark.parametrize("case", [c for c in CASES if c.fair_level is not None], ids=lambda c: c.rule)
def test_between_the_levels_is_a_warning(case: Case) -> None:
    (f,) = one(case.rule, burst(case.clean, (100, 10, case.warn)), case.metric)
    assert f.severity is Severity.WARN and f.peak == case.warn


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_three_of_five_samples_make_a_breach_two_do_not(case: Case) -> None:
    two = burst(case.clean, (100, 1, case.poor), (102, 1, case.poor), (110, 1, case.poor))
    assert one(case.rule, two, case.metric) == []
    three = burst(case.clean, (100, 1, case.poor), (102, 1, case.poor), (104, 1, case.poor))
    (f,) = one(case.rule, three, case.metric)
    assert [(w.start, w.end) for w in f.windows] == [(at(100), at(105))]
    assert len(f.evidence[0].samples) == 3


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.rule)
def test_separate_bursts_stay_separate(case: Case) -> None:
    values = burst(case.clean, (50, 10, case.poor), (200, 30, case.warn))
    (f,) = one(case.rule, values, case.metric)
    assert [(w.start, w.end) for w in f.windows] == [(at(50), at(60)), (at(200), at(230))]
    assert f.duration_s == 80.0  # the bursts' own lengths, not first to last
    # less than 5 samples apart: one stretch (the Twilio-style hysteresis)
    (g,) = one(case.rule, burst(case.clean, (50, 10, case.poor), (64, 10, case.poor)), case.metric)
    assert len(g.windows) == 1


def test_spike_against_the_participants_own_start() -> None:
    rtt = burst(40.0, (100, 10, 180.0), (200, 10, 240.0))  # 4.5× and 6× a 40 ms start
    report = run({"p1": healthy("p1", rtt=rtt), "p2": healthy("p2")})
    (f,) = [f for f in report.findings if f.rule == "NET-SPIKE"]
    assert [w.start for w in f.windows] == [at(100), at(200)]
    assert f.severity is Severity.POOR and f.peak == 240.0
    assert f.cause is Cause.ROUTE  # loss and jitter clean
    assert "its first 5 s (40 ms)" in f.evidence[0].condition
    # at the floor, or under 3×: nothing
    quiet = run({"p1": healthy("p1", rtt=burst(40.0, (100, 10, 150.0))), "p2": healthy("p2")})
    assert quiet.findings == ()
    jitter = run({"p1": healthy("p1", jitter=burst(4.0, (100, 10, 18.0))), "p2": healthy("p2")})
    (j,) = jitter.findings
    assert (j.rule, j.cause, j.severity) == ("NET-SPIKE", Cause.DOWNLINK, Severity.WARN)


def test_a_spike_inside_a_threshold_breach_folds_into_it() -> None:
    report = run({"p1": healthy("p1", rtt=burst(40.0, (100, 10, 700.0))), "p2": healthy("p2")})
    (f,) = report.findings
    assert f.rule == "NET-RTT"
    assert {e.rule for e in f.evidence} == {"NET-RTT", "NET-SPIKE"}
    assert any("first 5 s" in e.condition for e in f.evidence if e.rule == "NET-SPIKE")


def test_no_media_received_is_the_receivers_downlink() -> None:
    recv = burst(2000.0, (100, 10, 0.0))
    report = run({"p1": healthy("p1", bitrate_recv=recv), "p2": healthy("p2")})
    (f,) = report.findings
    assert (f.rule, f.cause, f.cause_of and f.cause_of.id) == ("NET-NOMEDIA", Cause.DOWNLINK, "p1")
    assert f.severity is Severity.POOR  # 20 s without media
    short = run({"p1": healthy("p1", bitrate_recv=burst(2000.0, (100, 2, 0.0))), "p2": healthy("p2")})
    assert short.findings == ()  # 2 samples are not held


def test_no_media_sent_while_muted_is_no_fault_and_is_said() -> None:
    send = burst(900.0, (100, 20, 0.0))
    mute = [event("p1", EventKind.MUTE, 190), event("p1", EventKind.UNMUTE, 250)]
    report = run({"p1": healthy("p1", bitrate_send=send), "p2": healthy("p2")}, events=mute)
    assert report.findings == ()
    verdict = report.verdict_of("p1")
    assert verdict is not None and verdict.verdict is Verdict.GOOD
    assert any(n.reason is Unsaid.MUTED and n.rule == "NET-NOMEDIA" for n in verdict.cannot_say)
    # not muted: the sender's uplink, and the receivers' silence folds into it
    loud = run(
        {
            "p1": healthy("p1", bitrate_send=send),
            "p2": healthy("p2", bitrate_recv=burst(2000.0, (100, 20, 0.0))),
        }
    )
    (f,) = loud.findings
    assert (f.rule, f.cause, f.cause_of and f.cause_of.id) == ("NET-NOMEDIA", Cause.UPLINK, "p1")
    assert {e.participant.id for e in f.evidence} == {"p1", "p2"}


def _reconnects(pid: str, times: list[float]) -> list:  # type: ignore[type-arg]
    out = [event(pid, EventKind.JOIN, 0)]
    for k, t in enumerate(times):
        out += [event(pid, EventKind.LEAVE, t, k), event(pid, EventKind.RECONNECT, t + 10, k)]
    return [*out, event(pid, EventKind.LEAVE, 600, 99)]


@pytest.mark.parametrize(("drops", "severity"), [(1, None), (2, Severity.WARN), (4, Severity.POOR)])
def test_churn_counts_reconnects(drops: int, severity: Severity | None) -> None:
    times = [60.0 + 40 * k for k in range(drops)]
    report = run({"p1": healthy("p1"), "p2": healthy("p2")}, events=_reconnects("p1", times))
    found = [f for f in report.findings if f.rule == "CON-CHURN"]
    if severity is None:
        assert found == []
        return
    (f,) = found
    assert f.severity is severity and f.peak == drops
    assert f.cause is Cause.CONNECTIVITY and f.cause_of is not None and f.cause_of.id == "p1"
    assert f.windows[0].start == T0 + timedelta(seconds=60)
    assert report.summary.endswith(f"reconnects ×{drops} Person")


def test_churn_bursts_apart_stay_apart() -> None:
    report = run({"p1": healthy("p1"), "p2": healthy("p2")}, events=_reconnects("p1", [30, 60, 500, 530]))
    (f,) = report.findings
    assert [w.start for w in f.windows] == [T0 + timedelta(seconds=30), T0 + timedelta(seconds=500)]


def test_trouble_around_a_reconnect_is_connectivity() -> None:
    loss = burst(0.3, (10, 10, 9.0))  # 20-40 s, right before a drop at 45 s
    report = run(
        {"p1": healthy("p1", packet_loss_recv=loss), "p2": healthy("p2")}, events=_reconnects("p1", [45])
    )
    (f,) = report.findings
    assert (f.rule, f.cause) == ("NET-LOSS-DN", Cause.CONNECTIVITY)
    assert "around a reconnect" in f.explanation


def test_a_relayed_path_explains_a_high_rtt_and_is_silent_otherwise() -> None:
    relayed = participant("p1", connection="relay (TURN/TCP)")
    rtt = burst(300.0, (0, 0, 0.0))
    report = run({"p1": healthy("p1", rtt=rtt), "p2": healthy("p2")}, people=[relayed, participant("p2")])
    (f,) = report.findings
    assert (f.rule, f.cause, f.severity) == ("CON-RELAY", Cause.CONNECTIVITY, Severity.WARN)
    assert any(e.metric == "rtt" for e in f.evidence)
    calm = run({"p1": healthy("p1"), "p2": healthy("p2")}, people=[relayed, participant("p2")])
    assert calm.findings == ()


def test_cpu_limited_encoder_keeps_the_frame_rate_as_evidence() -> None:
    cpu = burst(0.0, (100, 30, 90.0))
    fps = burst(30.0, (100, 30, 8.0))
    report = run({"p1": healthy("p1", cpu_limited=cpu, fps_send=fps), "p2": healthy("p2")})
    (f,) = report.findings
    assert (f.rule, f.cause, f.severity) == ("CPU-ENC", Cause.DEVICE_CPU, Severity.POOR)
    assert {e.metric for e in f.evidence} == {"cpu_limited", "fps_send"}
    assert "frame rate fell to 8 fps" in f.explanation
    ruled = {r.cause for r in f.ruled_out}
    assert Cause.UPLINK in ruled and Cause.SHARED in ruled


def _mild(length: int) -> dict[str, list[float | None]]:
    """RTT, jitter and loss each under its fair level, together worth a fair MOS."""
    return {
        "rtt": burst(120.0, (100, length, 240.0)),  # twice its start: no spike
        "jitter": burst(5.0, (100, length, 18.0)),
        "packet_loss_recv": burst(0.3, (100, length, 1.8)),
    }


def test_low_estimated_mos_with_no_metric_over_its_threshold() -> None:
    report = run({"p1": healthy("p1", **_mild(20)), "p2": healthy("p2")})
    (f,) = report.findings
    assert (f.rule, f.severity, f.cause) == ("SCORE-MOS", Severity.WARN, Cause.ROUTE)
    assert f.peak is not None and 3.5 <= f.peak < 4.0
    assert "RTT 240 ms cost most" in f.explanation
    # 20 s: too short for an estimate to mean anything
    assert run({"p1": healthy("p1", **_mild(10)), "p2": healthy("p2")}).findings == ()


def test_provider_score_beside_roomscopes_and_flagged_when_they_disagree() -> None:
    theirs = series("p1", Metric.MOS, [2.4] * N, source="peer-report mos_quality")
    report = run({"p1": [*healthy("p1"), theirs], "p2": healthy("p2")})
    (f,) = report.findings
    assert (f.rule, f.cause, f.severity) == ("SCORE-PROV", Cause.UNKNOWN, Severity.WARN)
    assert "poor by the provider vs good by roomscope" in f.evidence[0].condition
    verdict = report.verdict_of("p1")
    assert verdict is not None and verdict.verdict is Verdict.GOOD
    assert verdict.provider_score is not None and verdict.provider_score.verdict is Verdict.POOR
    assert verdict.provider_score.low == 2.4
    agree = run(
        {"p1": [*healthy("p1"), series("p1", Metric.MOS, [4.3] * N, source="x")], "p2": healthy("p2")}
    )
    assert agree.findings == ()
    shown = agree.verdict_of("p1")
    assert shown is not None and shown.provider_score is not None
    assert shown.provider_score.verdict is Verdict.GOOD
    # a single score per participant, as some providers give
    single = run({"p1": healthy("p1"), "p2": healthy("p2")}, scores={"p2": 2.0})
    (g,) = single.findings
    assert g.rule == "SCORE-PROV" and g.who[0].id == "p2"


def test_most_participants_at_once_is_one_shared_finding() -> None:
    trouble = {
        "packet_loss_send": burst(0.4, (100, 40, 9.0)),
        "packet_loss_recv": burst(0.3, (100, 40, 11.0)),
        "jitter": burst(5.0, (101, 40, 60.0)),
    }
    people = {f"p{i}": healthy(f"p{i}", **trouble) for i in range(1, 5)}
    people["p5"] = healthy("p5")
    report = run(people)
    (f,) = report.findings
    assert (f.rule, f.cause, f.cause_of) == ("SHARED", Cause.SHARED, None)
    assert {p.id for p in f.who} == {"p1", "p2", "p3", "p4"}
    assert f.windows[0].start == at(100)
    assert "4 of 5 participants degraded at once" in f.explanation
    assert {r.cause for r in f.ruled_out} == {Cause.UPLINK, Cause.DOWNLINK}
    assert report.summary == "● 4/5 poor · shared 09:03"
    assert all(v.cause is Cause.SHARED for v in report.verdicts if v.verdict is Verdict.POOR)
    # half of them is not most of them
    half = {f"p{i}": healthy(f"p{i}", **(trouble if i <= 3 else {})) for i in range(1, 7)}
    assert all(f.rule != "SHARED" for f in run(half).findings)


def test_every_rule_id_is_described() -> None:
    assert {
        "NET-LOSS-DN",
        "NET-LOSS-UP",
        "NET-JIT",
        "NET-RTT",
        "NET-SPIKE",
        "NET-BWE",
        "NET-BWLIM",
        "NET-NOMEDIA",
        "CON-CHURN",
        "CON-RELAY",
        "CON-SWITCH",
        "CON-ICE",
        "CPU-ENC",
        "OUT-VFREEZE",
        "SCORE-MOS",
        "SCORE-PROV",
        "SHARED",
    } == RULE_IDS
    for rule in RULES:
        assert rule.name and rule.reads and rule.warn and rule.persistence and rule.causes


def test_samples_of_an_irregular_series_keep_their_own_times() -> None:
    offsets = [i * STEP + (0.7 if i % 2 else 0.0) for i in range(N)]
    values = burst(0.4, (100, 10, 9.0))
    report = run({"p1": [series("p1", Metric.LOSS_SEND, values, offsets=offsets)], "p2": healthy("p2")})
    (f,) = report.findings
    assert f.evidence[0].times[1] == T0.timestamp() + offsets[101]
