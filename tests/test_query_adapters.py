"""The `/` filter language through every adapter and its built-in fake API.

Whatever a provider's server is sent (its text search, status and time filters), the rows
of a filtered list are exactly the rows of the unfiltered list that the query matches:
nothing is lost to a server that matches otherwise than roomscope (RealtimeKit's ``search``
reads title, meeting id and session id only), and nothing is let through unfiltered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from roomscope.tui import fmt
from roomscope.tui.cache import Cache
from roomscope.tui.errors import Capability
from roomscope.tui.models import Session, SessionQuery, SessionStatus
from roomscope.tui.providers.base import Provider
from roomscope.tui.providers.registry import build_demo_backed
from roomscope.tui.query import Known, matches, parse
from roomscope.tui.store import Store
from roomscope.tui.store.planner import plan_query
from tests.conftest import NOW, fixed_now, fixed_time

PROVIDERS = ["demo", "signalwire", "telnyx", "whereby", "realtimekit"]
SIZE = 120

ROW_QUERIES = [
    "!zzzz",
    "-zzzz",
    "ended",
    "live",
    "status:live",
    "status:ended",
    "-status:ended",
    "standup",
    "STANDUP",
    "!standup",
    "standup status:ended",
    "-standup -retro",
    "room:standup",
    "demo",
    "since:3d",
    "-since:3d",
    "at:09:30",
    "since:7d standup",
    '"daily standup"',
]
"""Terms each session row decides alone (sent to a server where it can match them)."""


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    fmt.set_utc(True)
    yield
    fmt.set_utc(False)


def build(name: str, tmp_path: Path) -> tuple[Provider, Store]:
    provider = build_demo_backed(name, size=SIZE, latency_s=0.0, clock=fixed_now)
    store = Store([provider], Cache.open(tmp_path / name, clock=fixed_time), clock=fixed_time)
    return provider, store


async def everything(store: Store) -> list[Session]:
    return [s async for s in store.sessions(SessionQuery()).stream()]


async def filtered(store: Store, text: str, **fields: object) -> list[str]:
    query = SessionQuery(text=text, **fields)  # type: ignore[arg-type]
    return [s.id async for s in store.sessions(query).stream()]


@pytest.mark.parametrize("name", PROVIDERS)
async def test_row_terms_match_the_unfiltered_list(name: str, tmp_path: Path) -> None:
    _provider, store = build(name, tmp_path)
    try:
        rows = await everything(store)
        assert len(rows) == SIZE
        for text in ROW_QUERIES:
            query = parse(text, NOW)
            expected = [s.id for s in rows if matches(query, Known(s)) is True]
            assert await filtered(store, text) == expected, (name, text)
        # the list's own status and the filter text together
        both = [
            s.id for s in rows if s.status is SessionStatus.ENDED and matches(parse("standup", NOW), Known(s))
        ]
        assert await filtered(store, "standup", status=SessionStatus.ENDED) == both
    finally:
        await store.aclose()


async def test_realtimekit_negation_and_status_words_are_not_sent_as_search(tmp_path: Path) -> None:
    """The bug: `--filter '!zzzz'` gave 0 sessions (the text went to RealtimeKit's search,
    and nothing was filtered locally); so did `ended` and `live`."""
    provider, store = build("realtimekit", tmp_path)
    try:
        rows = await everything(store)
        assert len(await filtered(store, "!zzzz")) == SIZE
        assert await filtered(store, "ended") == [s.id for s in rows if "ended" in _text(s)]
        assert await filtered(store, "live") == [s.id for s in rows if "live" in _text(s)]
    finally:
        await store.aclose()
    now = datetime(2026, 11, 22, 10, tzinfo=UTC)

    def sent(text: str) -> str:
        return plan_query(SessionQuery(text=text), [provider], now).sources[0].query.text

    assert sent("!zzzz") == ""
    assert sent("-standup") == ""
    assert sent("ended") == sent("live") == sent("Liv") == ""  # status words: matched here only
    assert sent("realtime") == sent("demo") == ""  # the provider's and the profile's names
    assert sent("standup") == "standup"
    assert sent("standup retrospective") == "retrospective"  # the longest word; both applied here
    assert sent('"daily standup"') == ""  # a phrase may span two fields: kept here
    assert sent("status:live who:alice") == ""
    status = plan_query(SessionQuery(text="status:live"), [provider], now).sources[0].query.status
    assert status is SessionStatus.LIVE
    assert plan_query(SessionQuery(text="-status:live"), [provider], now).sources[0].query.status is None


def _text(s: Session) -> str:
    parts = (s.id, s.name, s.room_name or "", s.room_id or "", str(s.status), s.provider, s.profile)
    return " ".join(p for p in parts if p).casefold()


PEOPLE_QUERIES = ["who:a", "-who:a", "browser:chrome", "net:wifi", "country:us", "isp:comcast"]


@pytest.mark.parametrize("name", PROVIDERS)
async def test_participant_terms_read_the_participants(name: str, tmp_path: Path) -> None:
    _provider, store = build(name, tmp_path)
    try:
        rows = (await everything(store))[:15]
        people = {s.id: await store.participants(s) for s in rows}
        since = rows[-1].started_at
        assert since is not None
        window = f"since:{since.isoformat()}"
        for text in PEOPLE_QUERIES:
            query = parse(f"{text} {window}", NOW)
            expected = [s.id for s in rows if matches(query, Known(s, people[s.id])) is True]
            assert await filtered(store, f"{text} {window}") == expected, (name, text)
    finally:
        await store.aclose()


DIAGNOSIS_QUERIES = ["verdict:poor", "-verdict:good", "verdict:unknown", "cause:shared", "rule:NET", "loss>5"]


@pytest.mark.parametrize("name", PROVIDERS)
async def test_diagnosis_terms_read_the_diagnosis(name: str, tmp_path: Path) -> None:
    from roomscope.tui.query import diagnosis_facts

    provider, store = build(name, tmp_path)
    try:
        every = await everything(store)
        # Three sessions in a row with few people (RealtimeKit's fake builds each peer
        # report in about a second), picked by the list's own time range.
        sizes = [len(await store.participants(s)) for s in every[:40]]
        first = next(i for i in range(38) if max(sizes[i : i + 3]) <= 4)
        rows = every[first : first + 3]
        since, until = rows[-1].started_at, rows[0].started_at
        facts = {s.id: diagnosis_facts(await store.diagnosis(s)) for s in rows}
        for text in DIAGNOSIS_QUERIES:
            query = parse(text, NOW)
            expected = [s.id for s in rows if matches(query, Known(s, None, facts[s.id])) is True]
            if text.startswith("loss"):
                continue  # metric terms read the series: checked below
            assert await filtered(store, text, since=since, until=until) == expected, (name, text)
        worst = {s.id: await _worst_loss(store, s) for s in rows}
        expected = [s.id for s in rows if (worst[s.id] or 0.0) > 5]
        assert await filtered(store, "loss>5", since=since, until=until) == expected, name
        # A provider without quality samples has no verdict: every session is "unknown".
        if Capability.QUALITY not in provider.capabilities:
            assert await filtered(store, "verdict:unknown", since=since, until=until) == [s.id for s in rows]
            assert expected == []
    finally:
        await store.aclose()


async def _worst_loss(store: Store, session: Session) -> float | None:
    values: list[float] = []
    if Capability.QUALITY not in store.provider(session.profile).capabilities:
        return None
    for person in await store.participants(session):
        report = await store.quality(session, person.id)
        for metric in ("packet_loss_send", "packet_loss_recv"):
            assessed = report.assessment.metrics.get(metric)
            if assessed is not None and assessed.stats is not None:
                values.append(assessed.stats.max)
    return max(values) if values else None
