"""Attribution: the demo world's causally consistent incidents are named for what they are,
and synthetic per-pair data is read in the order of the triage notes (uplink before
downlink before shared)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta

import pytest

from roomscope.tui.demo.unified import Bundle, bundle
from roomscope.tui.demo.world import INCIDENT_KINDS, PAIR_LIMIT, DemoWorld
from roomscope.tui.diagnosis import Cause, Finding, SessionDiagnosis, diagnose
from roomscope.tui.models import Metric
from roomscope.tui.quality import Verdict
from tests.conftest import NOW
from tests.diagnosis.support import N, burst, healthy, run, series

WORLD = DemoWorld(seed=7, size=500, now=NOW)


def incidents(
    kind: str, *, limit: int = 3, small: bool | None = None
) -> Iterator[tuple[Bundle, SessionDiagnosis]]:
    """The first ``limit`` ended sessions of ``kind`` (``small``: with per-pair data, or without)."""
    found = 0
    for i in range(WORLD.size):
        s = WORLD.session(i)
        if s.incident != kind or WORLD.ended_at(s, NOW) is None:
            continue
        if small is not None and (s.participant_count <= PAIR_LIMIT) != small:
            continue
        b = bundle(WORLD, s, NOW)
        yield b, diagnose(b.session, b.participants, b.events, b.series)
        found += 1
        if found == limit:
            return


def truth(b: Bundle) -> dict[str, object]:
    assert b.truth is not None
    return b.truth


def named(f: Finding, who: object) -> bool:
    return f.cause_of is not None and isinstance(who, list) and f.cause_of.id in who


def in_window(f: Finding, b: Bundle) -> bool:
    window = truth(b)["window"]
    assert isinstance(window, list)
    lo, hi = (datetime.fromisoformat(t) for t in window)
    slack = timedelta(seconds=30)
    return any(w.start <= hi + slack and w.end >= lo - slack for w in f.windows)


@pytest.mark.parametrize("small", [True, False], ids=["with-pairs", "aggregate-only"])
def test_uplink_loss_is_named_as_the_sender(small: bool) -> None:
    seen = 0
    for b, report in incidents("loss_spike", small=small):
        seen += 1
        who = truth(b)["who"]
        top = report.top
        assert top is not None and (top.rule, top.cause) == ("NET-LOSS-UP", Cause.UPLINK)
        assert named(top, who) and in_window(top, b)
        assert all(f.cause is Cause.UPLINK and named(f, who) for f in report.findings)
        assert Cause.DOWNLINK in {r.cause for r in top.ruled_out}
        # every receiver that lost the sender's media is a pair of it, and blames it
        assert isinstance(who, list)
        for verdict in report.verdicts:
            if verdict.participant.id in who or verdict.verdict is Verdict.GOOD:
                continue
            assert verdict.cause is Cause.UPLINK and verdict.cause_of is not None
            assert verdict.cause_of.id in who
            assert any(p.sender.id in who and p.receiver.id == verdict.participant.id for p in top.pairs)
        if small:
            assert top.pairs, "per-pair data shows who lost the sender's media"
    assert seen


def test_downlink_loss_is_named_as_the_receiver() -> None:
    for b, report in incidents("downlink_loss"):
        who = truth(b)["who"]
        (f,) = report.findings
        assert (f.rule, f.cause) == ("NET-LOSS-DN", Cause.DOWNLINK)
        assert named(f, who) and in_window(f, b)
        assert isinstance(who, list)
        assert {p.receiver.id for p in f.pairs} <= set(who)  # it lost every sender's media
        assert {r.cause for r in f.ruled_out} == {Cause.UPLINK, Cause.SHARED}
        others = [v for v in report.verdicts if v.participant.id not in who]
        assert all(v.verdict is Verdict.GOOD for v in others)


def test_everyone_at_once_is_one_shared_finding() -> None:
    for b, report in incidents("everyone"):
        who = truth(b)["who"]
        assert isinstance(who, list)
        (f,) = report.findings
        assert (f.rule, f.cause, f.cause_of) == ("SHARED", Cause.SHARED, None)
        assert {p.id for p in f.who} == set(who) and in_window(f, b)
        assert re.fullmatch(r"● \d+/\d+ poor · shared \d\d:\d\d", report.summary), report.summary
        assert {r.cause for r in f.ruled_out} == {Cause.UPLINK, Cause.DOWNLINK}


def test_high_rtt_with_clean_loss_is_the_route() -> None:
    for b, report in incidents("high_rtt"):
        (f,) = report.findings
        assert (f.rule, f.cause) == ("NET-RTT", Cause.ROUTE)
        assert named(f, truth(b)["who"])
        assert f.peak is not None and f.peak > 500
        assert re.fullmatch(r"● 1/\d+ poor · route \S+ \(RTT \d+\)", report.summary), report.summary
        assert any("while the RTT was high" in r.reason for r in f.ruled_out)


def test_a_reconnect_storm_is_connectivity() -> None:
    for b, report in incidents("reconnects"):
        who = truth(b)["who"]
        assert report.findings and all(
            f.cause is Cause.CONNECTIVITY and named(f, who) for f in report.findings
        ), [(f.rule, f.cause, f.explanation) for f in report.findings]
        churn = next(f for f in report.findings if f.rule == "CON-CHURN")
        victim = next(p for p in b.participants if isinstance(who, list) and p.id in who)
        assert churn.peak == victim.reconnects
        assert f"reconnects ×{victim.reconnects}" in report.summary


def test_a_cpu_limited_sender_is_its_device() -> None:
    for b, report in incidents("cpu_limited"):
        (f,) = report.findings
        assert (f.rule, f.cause) == ("CPU-ENC", Cause.DEVICE_CPU)
        assert named(f, truth(b)["who"]) and in_window(f, b)
        assert {e.metric for e in f.evidence} == {"cpu_limited", "fps_send"}
        assert "device CPU" in report.summary


def test_findings_match_the_truth_across_the_world() -> None:
    """Precision and recall of the causes over a slice of the world (the benchmark does 5,000)."""
    right = wrong = caught = incidents_seen = 0
    kinds = set()
    for i in range(1, 80):
        s = WORLD.session(i)
        if WORLD.ended_at(s, NOW) is None:
            continue
        b = bundle(WORLD, s, NOW, pairs=s.participant_count <= 6)
        report = diagnose(b.session, b.participants, b.events, b.series)
        if b.truth is None:
            assert report.findings == (), (i, [f.explanation for f in report.findings])
            assert report.worst is Verdict.GOOD
            continue
        incidents_seen += 1
        kinds.add(b.truth["kind"])
        good = [
            f
            for f in report.findings
            if f.cause.value == b.truth["cause"]
            and (named(f, b.truth["who"]) or (f.cause is Cause.SHARED and f.cause_of is None))
            and in_window(f, b)
        ]
        right += len(good)
        wrong += len(report.findings) - len(good)
        caught += bool(good)
    assert kinds == set(INCIDENT_KINDS)
    assert right / (right + wrong) >= 0.95
    assert caught / incidents_seen >= 0.95


# -- synthetic per-pair data ------------------------------------------------------------


def _pair(receiver: str, sender: str, values: Sequence[float | None]) -> object:
    return series(receiver, Metric.LOSS_RECV, values, peer=sender)


def test_loss_every_receiver_sees_from_one_sender_is_its_uplink_even_unreported() -> None:
    lossy = burst(0.3, (100, 20, 12.0))
    clean = [0.3] * N
    people = {
        "s": [x for x in healthy("s") if x.metric is not Metric.LOSS_SEND],  # no send loss reported
        "r1": [*healthy("r1"), _pair("r1", "s", lossy), _pair("r1", "o", clean)],
        "r2": [*healthy("r2"), _pair("r2", "s", lossy), _pair("r2", "o", clean)],
        "o": [*healthy("o"), _pair("o", "s", lossy)],
    }
    report = run(people)  # type: ignore[arg-type]
    (f,) = report.findings
    assert (f.rule, f.cause) == ("NET-LOSS-DN", Cause.UPLINK)
    assert f.cause_of is not None and f.cause_of.id == "s"
    assert {(p.sender.id, p.receiver.id) for p in f.pairs} == {("s", "r1"), ("s", "r2"), ("s", "o")}
    assert "receivers lost up to 12.0 % of Person s's media" in f.explanation


def test_loss_of_every_sender_at_one_receiver_is_its_downlink() -> None:
    lossy = burst(0.3, (100, 20, 12.0))
    people = {
        "r": [*healthy("r", packet_loss_recv=lossy), _pair("r", "a", lossy), _pair("r", "b", lossy)],
        "a": [*healthy("a"), _pair("a", "b", [0.3] * N)],
        "b": [*healthy("b"), _pair("b", "a", [0.3] * N)],
    }
    report = run(people)  # type: ignore[arg-type]
    (f,) = report.findings
    assert (f.rule, f.cause) == ("NET-LOSS-DN", Cause.DOWNLINK)
    assert f.cause_of is not None and f.cause_of.id == "r"
    assert {(p.sender.id, p.receiver.id) for p in f.pairs} == {("a", "r"), ("b", "r")}


def test_a_senders_uplink_explains_the_loss_its_receivers_see() -> None:
    people = {
        "s": healthy("s", packet_loss_send=burst(0.4, (100, 20, 15.0))),
        "r": healthy("r", packet_loss_recv=burst(0.3, (101, 20, 14.0))),
    }
    report = run(people)
    (f,) = report.findings
    assert (f.rule, f.cause, f.cause_of and f.cause_of.id) == ("NET-LOSS-UP", Cause.UPLINK, "s")
    assert [(p.sender.id, p.receiver.id) for p in f.pairs] == [("s", "r")]
    receiver = report.verdict_of("r")
    assert receiver is not None and receiver.verdict is Verdict.POOR
    assert receiver.cause is Cause.UPLINK and receiver.cause_of is not None and receiver.cause_of.id == "s"
    assert "uplink of Person s" in receiver.reason
    assert report.summary == "● 2/2 poor · uplink Person 09:03"


def test_two_people_in_trouble_at_once_is_shared() -> None:
    both = {
        "packet_loss_send": burst(0.4, (100, 20, 9.0)),
        "packet_loss_recv": burst(0.3, (100, 20, 9.0)),
    }
    report = run({"a": healthy("a", **both), "b": healthy("b", **both)})
    (f,) = report.findings
    assert f.rule == "SHARED"
    # two of three is not all of them: the two uplinks are named
    three = run({"a": healthy("a", **both), "b": healthy("b", **both), "c": healthy("c")})
    assert sorted((f.rule, f.cause_of and f.cause_of.id) for f in three.findings) == [
        ("NET-LOSS-UP", "a"),
        ("NET-LOSS-UP", "b"),
    ]
