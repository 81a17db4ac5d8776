"""Since when: marks per session, the change point, the sentence, and ``roomscope history``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from roomscope.tui.incident.groups import Member
from roomscope.tui.incident.history import History, Mark, Subject, change_point, marks_of, sentence, timeline
from roomscope.tui.models import Session
from roomscope.tui.quality import Verdict
from tests.support.cli import Run, runner

T0 = datetime(2026, 11, 17, 14, 0, tzinfo=UTC)  # a Tuesday


def mark(i: int, verdict: Verdict, isp: str = "AS3320 Deutsche Telekom", cause: str = "") -> Mark:
    bad = verdict in (Verdict.POOR, Verdict.FAIR)
    return Mark("p", f"s{i}", f"Call {i}", T0 + timedelta(hours=i), verdict, 1, int(bad), cause, isp)


G, P, F, U = Verdict.GOOD, Verdict.POOR, Verdict.FAIR, Verdict.UNKNOWN


@pytest.mark.parametrize(
    ("verdicts", "point"),
    [
        ([G, G, G, G, P, P, G, P], 4),
        ([G, G, G, P, P, P], 3),
        ([G, G, G], None),
        ([P, P, P], None),
        ([P, G, P, G, P, G], None),
        ([G, U, G, P, U, P], 3),
        ([G], None),
        ([], None),
    ],
)
def test_change_point(verdicts: list[Verdict], point: int | None) -> None:
    assert change_point([mark(i, v) for i, v in enumerate(verdicts)]) == point


def test_the_sentence_names_the_start_and_the_new_isp() -> None:
    new = "AS3209 Vodafone"
    marks = [mark(i, G) for i in range(4)] + [
        mark(4 + i, v, new, "downlink: inbound packet loss") for i, v in enumerate([P, P, G, P, P, P])
    ]
    text = sentence(History(Subject("who", "Ana"), marks), UTC)
    assert text == (
        "Ana was fine until Tue 17 Nov 17:00; since then 5 of 6 sessions degraded (first: Call 4, Tue 17 Nov "
        "18:00), all on AS3209 Vodafone (before: AS3320 Deutsche Telekom); all downlink: inbound packet loss."
    )
    assert timeline(marks) == "○○○○●●○●●●"


def test_sentences_without_a_change() -> None:
    assert (
        sentence(History(Subject("room", "x"), [mark(0, G), mark(1, G)]))
        == "room x was fine in all 2 sessions."
    )
    scattered = [mark(i, v) for i, v in enumerate([P, G, P, G])]
    assert "2 of 4 sessions degraded, with no clear start" in sentence(
        History(Subject("isp", "AS1"), scattered)
    )
    assert "--fetch" in sentence(History(Subject("who", "Bo"), []))


def test_subjects() -> None:
    ana = Member(
        profile="prod",
        provider="demo",
        session_id="s",
        session_title="Call",
        room="Board-Prep",
        participant_id="pid-1",
        name="Ana Silva",
        user_id="u-42",
        isp="Deutsche Telekom",
        asn="AS3320",
        country="DE",
        city="Berlin",
        connection="wifi",
        browser="Chrome",
        os="Windows",
        device="desktop",
        verdict=Verdict.POOR,
        cause="x",
    )
    assert Subject("who", "ana silva").holds(ana)
    assert Subject("who", "U-42").holds(ana) and Subject("who", "pid-1").holds(ana)
    assert not Subject("who", "ana").holds(ana)  # a name is the whole name
    assert Subject("isp", "3320").holds(ana) and Subject("isp", "as3320").holds(ana)
    assert Subject("isp", "telekom").holds(ana) and not Subject("isp", "AS332").holds(ana)
    assert Subject("room", "board-prep").holds(ana) and Subject("profile", "PROD").holds(ana)
    session = Session(provider="demo", profile="prod", id="s", room_name="board-prep", started_at=T0)
    assert Subject("room", "Board-Prep").holds_session(session) is True
    assert Subject("who", "x").holds_session(session) is None
    (only,) = marks_of(
        Subject("who", "u-42"), [(session, [ana, replace(ana, participant_id="other", user_id="")])]
    )
    assert (only.verdict, only.people, only.isp) == (Verdict.POOR, 1, "AS3320 Deutsche Telekom")


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Run:
    return runner(capsys, monkeypatch)


def test_history_command_fetch_then_cache(run: Run) -> None:
    fetched = run("history", "--room", "daily-standup", "--since", "3d", "--fetch", "--json")
    assert fetched.code == 0, fetched.err
    body = fetched.json()
    assert isinstance(body, dict)
    assert body["subject"] == {"kind": "room", "value": "daily-standup"} and body["fetched"] is True
    assert body["marks"] and len(body["timeline"]) == len(body["marks"])
    times = [m["at"] for m in body["marks"]]
    assert times == sorted(times)
    table = run("history", "--room", "daily-standup", "--since", "3d")
    assert table.code == 0, table.err
    lines = table.out.splitlines()
    assert lines[0] == body["sentence"] and lines[1] == body["timeline"]
    assert "cache only" in table.err


def test_history_of_a_profile(run: Run) -> None:
    result = run("history", "--of-profile", "demo", "--since", "1d", "--fetch", "--json")
    assert result.code == 0, result.err
    body = result.json()
    assert isinstance(body, dict) and body["subject"] == {"kind": "profile", "value": "demo"}
    assert body["marks"] and body["sessions_scanned"] == len(body["marks"])


def test_history_bad_input(run: Run) -> None:
    assert run("history").code == 2
    assert run("history", "--who", "a", "--room", "b").code == 2
    assert run("history", "--who", "a", "--since", "soon").code == 2
