"""Since when: marks per session, the change point, the sentence, and ``roomscope history``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest

from roomscope.tui.incident.groups import Member
from roomscope.tui.incident.history import History, Mark, Subject, change_point, marks_of, sentence, timeline
from roomscope.tui.models import Session
from roomscope.tui.quality import Verdict
from tests.conftest import NOW
from tests.support.cli import Run, runner

if TYPE_CHECKING:
    from roomscope.tui.store import Store

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
        ([G, G, G, P, G], None),  # one bad call among fine ones: a one-off, not a change
        ([G, P, G], None),
        ([G, G, G, G, P], 4),  # the latest call is the first bad one: that is a change
        ([G, G, P, P, G], 2),
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


# ---------------------------------------------------------------------------------------
# Subjects as typed, from a group; reading the cache only without taking the store offline


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Ana Silva", "who", "Ana Silva"),
        ("person Ana Silva", "who", "Ana Silva"),
        ("who=user-42", "who", "user-42"),
        ("isp AS3320", "isp", "AS3320"),
        ("ISP=telekom", "isp", "telekom"),
        ("room daily-standup", "room", "daily-standup"),
        ("profile=prod", "profile", "prod"),
        ("a=b c", "who", "a=b c"),
    ],
)
def test_parse_subject(text: str, kind: str, value: str) -> None:
    from roomscope.tui.incident.history import parse_subject

    assert parse_subject(text) == Subject(kind, value)


@pytest.mark.parametrize("text", ["", "  ", "isp", "room ", "profile="])
def test_parse_subject_needs_a_value(text: str) -> None:
    from roomscope.tui.incident.history import SubjectError, parse_subject

    with pytest.raises(SubjectError, match="say whose history"):
        parse_subject(text)


def test_a_label_names_the_subject_in_words() -> None:
    assert Subject("who", "user-42", "Ana Silva").words == "Ana Silva"
    assert Subject("isp", "AS3320", "AS3320 Deutsche Telekom").words == "ISP AS3320 Deutsche Telekom"
    assert Subject("room", "x").words == "room x"


def test_subject_of_group() -> None:
    from roomscope.tui.incident.groups import UNKNOWN, Dimension, Group
    from roomscope.tui.incident.history import subject_of_group

    def group(dimension: Dimension, key: str, label: str) -> Group:
        return Group(dimension, key, label, 3, 1, 1, 2, "", 0, None, 0.1)

    isp = subject_of_group(group(Dimension.ISP, "AS3320", "AS3320 Deutsche Telekom"))
    assert isp == Subject("isp", "AS3320", "AS3320 Deutsche Telekom")
    assert subject_of_group(group(Dimension.ISP, "kabel", "Kabel")) == Subject("isp", "Kabel", "Kabel")
    assert subject_of_group(group(Dimension.ROOM, "board-prep", "Board-Prep")) == Subject(
        "room", "Board-Prep"
    )
    profile = subject_of_group(group(Dimension.PROFILE, "prod (demo)", "prod (demo)"))
    assert profile is not None and (profile.kind, profile.value) == ("profile", "prod")
    assert subject_of_group(group(Dimension.COUNTRY, "de", "DE")) is None
    assert subject_of_group(group(Dimension.ROOM, UNKNOWN, UNKNOWN)) is None


async def test_reading_the_cache_only_leaves_the_rest_of_the_store_online(store: Store) -> None:
    """A history read from the cache only must not make the session list, opened at the same
    time, cache-only too (the TUI shares one store)."""
    from roomscope.tui.errors import OfflineMissError
    from roomscope.tui.incident.history import past_sessions
    from roomscope.tui.models import SessionQuery
    from roomscope.tui.store.fetcher import cache_only

    since = NOW - timedelta(days=2)
    sessions, stopped, cache_ended = await past_sessions(store, since, fetch=False)
    assert (sessions, stopped, cache_ended) == ([], "", True)  # nothing cached yet
    assert store.fetcher.offline is False
    listed = [s async for s in _first(store.sessions(SessionQuery()).stream(), 5)]
    assert len(listed) == 5  # asked the provider: not offline
    with cache_only(), pytest.raises(OfflineMissError, match="only the cache was read"):
        await store.participants(listed[0])
    assert await store.participants(listed[0])  # outside the block: asked again, and cached
    with cache_only():
        assert await store.participants(listed[0])


async def test_read_history_fetch_then_cache(store: Store) -> None:
    from roomscope.tui.incident.history import HistoryProgress, read_history

    since = NOW - timedelta(days=3)
    subject = Subject("room", "daily-standup")
    progress = HistoryProgress()
    fetched = await read_history(store, subject, since, fetch=True, progress=progress)
    assert progress.fetch and progress.listing_done and progress.read == progress.total == fetched.scanned
    assert progress.fraction == 1.0 and progress.listed >= fetched.scanned
    assert fetched.marks and fetched.unread == 0 and not fetched.cache_ended
    assert all(m.at >= since for m in fetched.marks)
    assert set(fetched.sessions) == {(m.profile, m.session_id) for m in fetched.marks}
    again = await read_history(store, subject, since, fetch=False)
    assert again.marks == fetched.marks and not again.fetched


async def _first(stream: AsyncIterator[Session], count: int) -> AsyncIterator[Session]:
    n = 0
    async for item in stream:
        yield item
        n += 1
        if n >= count:
            return
