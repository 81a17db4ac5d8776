"""The `/` filter language (roomscope.tui.query): parsing, errors, matching, negation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from roomscope.tui import fmt
from roomscope.tui.models import DeviceInfo, NetworkInfo, Participant, Session, SessionStatus
from roomscope.tui.query import DiagnosisFacts, Known, Needs, QueryError, matches, parse

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _utc() -> object:
    fmt.set_utc(True)
    yield None
    fmt.set_utc(False)


def session(**changes: object) -> Session:
    values: dict[str, object] = {
        "provider": "demo",
        "profile": "prod",
        "id": "s-123",
        "name": "Weekly standup",
        "room_name": "board-prep",
        "status": SessionStatus.ENDED,
        "started_at": NOW - timedelta(hours=3),
        "ended_at": NOW - timedelta(hours=2),
    }
    values.update(changes)
    return Session.model_validate(values)


def person(
    name: str, *, isp: str = "Comcast Cable", country: str = "US", browser: str = "Chrome"
) -> Participant:
    return Participant(
        provider="demo",
        session_id="s-123",
        id=f"p-{name}",
        name=name,
        network=NetworkInfo(isp=isp, country=country, city="Denver", connection_type="wifi"),
        device=DeviceInfo(browser=browser, os="macOS"),
    )


def test_free_text_and_fields_are_anded() -> None:
    q = parse("standup provider:demo room:board status:ended", NOW)
    assert [t.field for t in q.terms] == [None, "provider", "room", "status"]
    assert matches(q, Known(session())) is True
    assert matches(parse("standup status:live", NOW), Known(session())) is False


@pytest.mark.parametrize("word", ["-standup", "!standup", "-status:ended", "!provider:demo"])
def test_negation(word: str) -> None:
    assert matches(parse(word, NOW), Known(session())) is False
    assert matches(parse(word, NOW), Known(session(name="retro", status=SessionStatus.LIVE))) in (True, False)


def test_negated_free_text_keeps_the_others() -> None:
    assert matches(parse("-retro", NOW), Known(session())) is True


def test_participant_terms_wait_for_participants_then_decide() -> None:
    q = parse("isp:comcast country:us browser:chrome who:alice net:wifi", NOW)
    assert q.needs == {Needs.PARTICIPANTS}
    assert matches(q, Known(session())) is None
    assert matches(q, Known(session(), [person("alice")])) is True
    assert matches(q, Known(session(), [person("bob")])) is False
    assert matches(parse("-isp:comcast", NOW), Known(session(), [person("a", isp="BT")])) is True


def test_a_decided_miss_wins_over_an_unknown_term() -> None:
    assert matches(parse("status:live isp:comcast", NOW), Known(session())) is False


def test_diagnosis_terms() -> None:
    facts = DiagnosisFacts(
        verdict="poor",
        causes=frozenset({"shared"}),
        rules=frozenset({"NET-LOSS-DN", "SHARED"}),
        worst={"loss": 12.0, "rtt": 250.0, "jitter": 10.0, "mos": 3.1},
    )
    known = Known(session(), diagnosis=facts)
    assert matches(parse("verdict:poor cause:shared rule:net-loss", NOW), known) is True
    assert matches(parse("loss>5 rtt<300 jitter<=10 mos<3.5", NOW), known) is True
    assert matches(parse("loss>12", NOW), known) is False
    assert matches(parse("loss>=12", NOW), known) is True
    assert matches(parse("rtt>=300", NOW), known) is False
    assert matches(parse("verdict:good", NOW), known) is False
    assert matches(parse("verdict:poor", NOW), Known(session())) is None


def test_cause_aliases() -> None:
    assert parse("cause:device_cpu", NOW).terms[0].value == "cpu"
    assert parse("cause:user_action", NOW).terms[0].value == "user"


def test_since_and_at() -> None:
    s = session()  # 09:00 to 10:00 UTC
    assert matches(parse("since:4h", NOW), Known(s)) is True
    assert matches(parse("since:2h", NOW), Known(s)) is False
    assert matches(parse("at:09:30", NOW), Known(s)) is True
    assert matches(parse("at:10:30", NOW), Known(s)) is False
    assert matches(parse("at:2026-11-20T09:15:00Z", NOW), Known(s)) is True
    live = session(status=SessionStatus.LIVE, ended_at=None, started_at=NOW - timedelta(minutes=5))
    assert matches(parse("at:11:58", NOW), Known(live)) is True


def test_at_is_the_most_recent_such_time() -> None:
    moment = parse("at:13:00", NOW).terms[0].moment
    assert moment == datetime(2026, 11, 19, 13, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message", "position"),
    [
        ("status:maybe", "status: expected live, ended or unknown", 0),
        ("a verdict:awful", "verdict: expected one of poor", 2),
        ("loss>lots", "loss>: expected a number", 0),
        ("loss>nan", "expected a finite number", 0),
        ("colour:red", "unknown field “colour:”", 0),
        ("since:", "since: needs a value", 0),
        ("since:yesterday", "since: expected a span", 0),
        ("at:25:00", "at: 25:00 is not a time of day", 0),
        ("since:999999w", "more than 100 years", 0),
        ('"open', "a quote is not closed", 0),
        ("x -", "negates nothing", 2),
        ("cause:aliens", "cause: expected one of", 0),
    ],
)
def test_bad_queries_say_what_and_where(text: str, message: str, position: int) -> None:
    with pytest.raises(QueryError, match=message) as caught:
        parse(text, NOW)
    assert caught.value.position == position


def test_quoted_text_keeps_spaces_and_urls_are_free_text() -> None:
    q = parse('"weekly standup" https://example.com/x', NOW)
    assert [t.value for t in q.terms] == ["weekly standup", "https://example.com/x"]
    assert q.terms[1].field is None


def test_empty_query_matches_everything() -> None:
    q = parse("   ", NOW)
    assert q.empty
    assert matches(q, Known(session())) is True
