"""Grouping degraded participants: keys per dimension, the outlier first, the dominant cause,
the sentence and the filter term; members of a session inside a window."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from roomscope.tui.incident.groups import UNKNOWN, Dimension, Member, group, wilson_low
from roomscope.tui.quality import Verdict

AT = datetime(2026, 11, 22, 10, 2, tzinfo=UTC)
BASE = Member(
    profile="prod",
    provider="demo",
    session_id="s1",
    session_title="Board prep",
    room="board-prep",
    participant_id="p",
    name="Ana",
    user_id="",
    isp="Deutsche Telekom",
    asn="3320",
    country="DE",
    city="Berlin",
    connection="wifi",
    browser="Chrome",
    os="Windows",
    device="desktop",
    verdict=Verdict.GOOD,
    cause="",
)


def member(i: int, **changes: object) -> Member:
    return replace(BASE, participant_id=f"p{i}", **changes)  # type: ignore[arg-type]


def degraded(i: int, **changes: object) -> Member:
    values: dict[str, object] = {
        "verdict": Verdict.POOR,
        "cause": "downlink: inbound packet loss",
        "degraded_from": AT + timedelta(minutes=i),
    }
    values.update(changes)
    return member(i, **values)


def test_the_outlier_is_on_top() -> None:
    telekom = [degraded(i) for i in range(9)] + [member(9), member(10)]
    one_of_one = [degraded(20, isp="Vodafone", asn="AS3209")]
    big = [degraded(30 + i, isp="Comcast", asn="7922") for i in range(40)]
    big += [member(100 + i, isp="Comcast", asn="7922") for i in range(160)]
    groups = group(telekom + one_of_one + big, Dimension.ISP)
    assert [g.label for g in groups] == ["AS3320 Deutsche Telekom", "AS3209 Vodafone", "AS7922 Comcast"]
    top = groups[0]
    assert (top.participants, top.degraded, top.poor, top.sessions) == (11, 9, 9, 1)
    assert (
        top.sentence(UTC)
        == "AS3320 Deutsche Telekom: 9 of 11 degraded, all downlink: inbound packet loss, from 10:02"
    )
    assert top.filter_term() == "isp:AS3320"


def test_dominant_cause_counts_the_degraded_only() -> None:
    members = [degraded(0), degraded(1), degraded(2, cause="uplink: outbound packet loss"), member(3)]
    (only,) = group(members, Dimension.COUNTRY)
    assert (only.cause, only.cause_count) == ("downlink: inbound packet loss", 2)
    assert only.sentence(UTC) == "DE: 3 of 4 degraded, 2 of them downlink: inbound packet loss, from 10:02"
    assert only.first_degraded == AT


@pytest.mark.parametrize(
    ("by", "label", "term"),
    [
        (Dimension.COUNTRY, "DE", "country:DE"),
        (Dimension.CITY, "Berlin, DE", "city:Berlin"),
        (Dimension.CONNECTION, "wifi", "net:wifi"),
        (Dimension.BROWSER, "Chrome", "browser:Chrome"),
        (Dimension.OS, "Windows", "os:Windows"),
        (Dimension.DEVICE, "desktop", None),
        (Dimension.PROFILE, "prod (demo)", "profile:prod"),
        (Dimension.ROOM, "board-prep", "room:board-prep"),
    ],
)
def test_every_dimension(by: Dimension, label: str, term: str | None) -> None:
    (only,) = group([degraded(0), member(1)], by)
    assert only.label == label
    assert only.filter_term() == term


def test_unknown_values_group_together_and_cannot_be_filtered() -> None:
    members = [member(0, isp="", asn=""), member(1, isp="", asn=""), member(2)]
    groups = {g.label: g for g in group(members, Dimension.ISP)}
    assert groups[UNKNOWN].participants == 2
    assert groups[UNKNOWN].filter_term() is None


def test_a_quoted_filter_term_for_values_with_spaces() -> None:
    (only,) = group([member(0, asn="", isp="Corporate VPN")], Dimension.ISP)
    assert only.label == "Corporate VPN"
    assert only.filter_term() == 'isp:"Corporate VPN"'


def test_case_does_not_split_a_group() -> None:
    groups = group([member(0, browser="chrome"), member(1, browser="Chrome")], Dimension.BROWSER)
    assert len(groups) == 1 and groups[0].participants == 2


def test_wilson_low() -> None:
    assert wilson_low(0, 0) == 0.0
    assert wilson_low(9, 11) > wilson_low(1, 1) > 0
    assert wilson_low(9, 11) > wilson_low(40, 200)
    assert 0 < wilson_low(5, 10) < 0.5


def test_members_inside_a_window() -> None:
    from roomscope.tui.diagnosis import (
        Cause,
        Finding,
        ParticipantVerdict,
        Person,
        SessionDiagnosis,
        Severity,
        Window,
    )
    from roomscope.tui.incident.groups import members_of
    from roomscope.tui.incident.window import checked
    from roomscope.tui.models import Participant, Session

    start = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    session = Session(
        provider="demo", profile="prod", id="s", name="Call", room_name="call", started_at=start
    )
    ana = Participant(
        provider="demo",
        session_id="s",
        id="a",
        name="Ana",
        joined_at=start,
        left_at=start + timedelta(hours=1),
    )
    bo = Participant(
        provider="demo",
        session_id="s",
        id="b",
        name="Bo",
        joined_at=start,
        left_at=start + timedelta(minutes=5),
    )
    person = Person("a", "Ana")
    finding = Finding(
        id="NET-RTT:a:0",
        rule="NET-RTT",
        title="High round trip",
        severity=Severity.POOR,
        peak=700.0,
        unit="ms",
        windows=(Window(start + timedelta(minutes=30), start + timedelta(minutes=40)),),
        who=(person,),
        pairs=(),
        evidence=(),
        cause=Cause.ROUTE,
        cause_of=person,
        explanation="",
    )
    diagnosis = SessionDiagnosis(
        session_id="s",
        provider="demo",
        findings=(finding,),
        verdicts=(
            ParticipantVerdict(person, Verdict.POOR, Cause.ROUTE, person, (finding.id,), "poor"),
            ParticipantVerdict(Person("b", "Bo"), Verdict.GOOD, None, None, (), "good"),
        ),
        notes=(),
    )
    inside = checked(start + timedelta(minutes=25), start + timedelta(minutes=35), start + timedelta(hours=2))
    members = members_of(session, [ana, bo], diagnosis, inside)
    assert [(m.name, m.verdict, m.cause) for m in members] == [
        ("Ana", Verdict.POOR, "route: high round trip")
    ]
    before = checked(start, start + timedelta(minutes=10), start + timedelta(hours=2))
    members = members_of(session, [ana, bo], diagnosis, before)
    assert [(m.name, m.verdict) for m in members] == [("Ana", Verdict.GOOD), ("Bo", Verdict.GOOD)]
    whole = members_of(session, [ana, bo], diagnosis)
    assert whole[0].degraded_from == start + timedelta(minutes=30)
