"""Live mode's core (roomscope.tui.live): the pace per provider, what is news, and the store
and demo world under it (the anchor moved to now, what can still change asked again)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roomscope.tui.cache import Cache, make_key
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.diagnosis import Cause, Finding, Person, SessionDiagnosis, Severity, Window
from roomscope.tui.limits import (
    LIVE_BUDGET_SHARE,
    LIVE_DEMO_REFRESH_S,
    LIVE_MIN_REFRESH_S,
    LIVE_UNBUDGETED_REFRESH_S,
)
from roomscope.tui.live import (
    LiveWatch,
    age_text,
    finding_notice,
    new_poor_findings,
    pace,
    profile_pace,
    refresh_cost,
    seconds_text,
)
from roomscope.tui.models import Page, Session, SessionQuery, SessionStatus
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.scan import BUDGETS, requests_per_session
from roomscope.tui.store import Store
from roomscope.tui.store.fetcher import cache_identity
from tests.conftest import NOW, fixed_now

# -- the pace ----------------------------------------------------------------------------------


class Whereby(DemoProvider):
    """A provider named as Whereby (its documented budget applies), answering from the demo."""

    name = "whereby"
    label = "Whereby"


class RealtimeKit(DemoProvider):
    name = "realtimekit"
    label = "Cloudflare RealtimeKit"


class Telnyx(DemoProvider):
    name = "telnyx"
    label = "Telnyx Rooms"


def _provider(cls: type[DemoProvider], profile: str) -> DemoProvider:
    return cls(profile, latency_s=0.0, clock=fixed_now, world=DemoWorld(seed=7, size=50, now=NOW))


def _live(profile: str, people: int, n: int = 0) -> Session:
    return Session(
        provider="demo",
        profile=profile,
        id=f"{profile}-{n}",
        name="Call",
        status=SessionStatus.LIVE,
        started_at=NOW - timedelta(minutes=5),
        participant_count=people,
    )


def test_a_refresh_costs_the_first_page_and_each_live_session_of_the_profile() -> None:
    wb = _provider(Whereby, "wb")
    sessions = [_live("wb", 6, 0), _live("wb", 2, 1), _live("other", 40, 2)]
    expected = 1 + requests_per_session(wb, 6) + requests_per_session(wb, 2)
    assert refresh_cost(wb, sessions) == expected == 1 + (1 + 1 + 6) + (1 + 1 + 2)
    assert refresh_cost(wb, []) == 1


def test_a_budgeted_provider_is_paced_by_its_share_of_the_budget() -> None:
    wb = _provider(Whereby, "wb")
    budget = BUDGETS["whereby"]  # 100 a minute
    sessions = [_live("wb", 6, 0), _live("wb", 6, 1)]
    cost = refresh_cost(wb, sessions)
    found = profile_pace(wb, sessions)
    assert found.interval_s == pytest.approx(cost * budget.window_s / (budget.requests * LIVE_BUDGET_SHARE))
    assert found.interval_s > LIVE_MIN_REFRESH_S  # 17 requests at 50 a minute: about 20 s
    assert found.requests == cost
    assert "Whereby" in found.why and f"{cost} requests" in found.why
    # what a refresh asks within the budget's window stays within the share
    refreshes = budget.window_s / found.interval_s
    assert refreshes * cost <= budget.requests * LIVE_BUDGET_SHARE + 1e-6


def test_what_a_refresh_was_seen_to_ask_counts_when_it_is_more() -> None:
    wb = _provider(Whereby, "wb")
    budget = BUDGETS["whereby"]
    per_request = budget.window_s / (budget.requests * LIVE_BUDGET_SHARE)
    assert profile_pace(wb, [], measured=30).interval_s == pytest.approx(30 * per_request)
    assert profile_pace(wb, [_live("wb", 6)], measured=2).requests == refresh_cost(wb, [_live("wb", 6)])
    merged = pace([wb, _provider(RealtimeKit, "rtk")], [], measured=40)
    assert {p.requests for p in merged.profiles} == {40}


def test_never_below_the_floor_and_a_default_without_a_budget() -> None:
    rtk = _provider(RealtimeKit, "rtk")
    assert profile_pace(rtk, []).interval_s == LIVE_MIN_REFRESH_S  # 3,500 per 5 min: one page is nothing
    assert profile_pace(_provider(Telnyx, "tx"), [_live("tx", 3)]).interval_s == LIVE_UNBUDGETED_REFRESH_S
    assert profile_pace(_provider(DemoProvider, "demo"), []).interval_s == LIVE_DEMO_REFRESH_S


def test_a_merged_list_goes_at_its_slowest_profile_s_pace() -> None:
    providers = [_provider(RealtimeKit, "rtk"), _provider(Whereby, "wb"), _provider(DemoProvider, "demo")]
    sessions = [_live("wb", 8, 0), _live("wb", 8, 1), _live("rtk", 8, 2)]
    merged = pace(providers, sessions)
    each = {p.profile: p.interval_s for p in merged.profiles}
    assert merged.interval_s == max(each.values()) == each["wb"]
    assert merged.slowest is not None and merged.slowest.profile == "wb"
    assert merged.every == f"every {seconds_text(each['wb'])}"


def test_times_in_words() -> None:
    assert [seconds_text(s) for s in (4.2, 10, 59.5, 60, 125)] == ["5s", "10s", "1m", "1m", "2m05s"]
    assert [age_text(s) for s in (0, 4.9, 5, 12, 59, 60, 75, 125, 599, 600, 3599, 7300)] == [
        "just now",
        "just now",
        "5s ago",
        "10s ago",
        "55s ago",
        "1m ago",
        "1m10s ago",
        "2m ago",
        "9m50s ago",
        "10m ago",
        "59m ago",
        "2h ago",
    ]


# -- the news ----------------------------------------------------------------------------------

ALICE = Person("p-alice", "Alice")
BOB = Person("p-bob", "Bob")
T0 = NOW - timedelta(minutes=10)


def _finding(
    rule: str = "NET-LOSS-DN",
    *,
    start: datetime = T0,
    minutes: float = 2,
    who: Person = ALICE,
    severity: Severity = Severity.POOR,
    cause: Cause = Cause.DOWNLINK,
    peak: float | None = 14.2,
    windows: tuple[Window, ...] | None = None,
) -> Finding:
    return Finding(
        id=f"{rule}:{who.id}:0",
        rule=rule,
        title="Inbound packet loss",
        severity=severity,
        peak=peak,
        unit="%",
        windows=windows or (Window(start, start + timedelta(minutes=minutes)),),
        who=(who,),
        pairs=(),
        evidence=(),
        cause=cause,
        cause_of=who,
        explanation="",
    )


def _diagnosis(*findings: Finding) -> SessionDiagnosis:
    return SessionDiagnosis(session_id="s1", provider="demo", findings=findings, verdicts=(), notes=())


def test_a_finding_that_grows_or_worsens_is_not_new() -> None:
    before = _diagnosis(_finding(minutes=1, peak=8.0))
    after = _diagnosis(_finding(minutes=3, peak=19.0))
    assert new_poor_findings(before, after) == []


def test_a_new_burst_a_new_person_a_new_rule_and_a_warning_turned_poor_are_new() -> None:
    first = _finding()
    before = _diagnosis(first, _finding("NET-JIT", who=BOB, severity=Severity.WARN, cause=Cause.UPLINK))
    second_burst = Window(T0 + timedelta(minutes=6), T0 + timedelta(minutes=7))
    after = _diagnosis(
        _finding(windows=(*first.windows, second_burst)),
        _finding("NET-JIT", who=BOB, cause=Cause.UPLINK),  # was a warning
        _finding(who=BOB, start=T0 + timedelta(minutes=1)),  # someone else
        _finding("NET-RTT", start=T0 + timedelta(minutes=2), cause=Cause.ROUTE),  # another rule
    )
    news = new_poor_findings(before, after)
    assert [(f.rule, f.cause_of.name if f.cause_of else "", w.start) for f, w in news] == [
        ("NET-JIT", "Bob", T0),
        ("NET-LOSS-DN", "Bob", T0 + timedelta(minutes=1)),
        ("NET-RTT", "Alice", T0 + timedelta(minutes=2)),
        ("NET-LOSS-DN", "Alice", second_burst.start),
    ]


def test_warnings_are_never_news_and_nothing_before_means_every_poor_one() -> None:
    warn = _finding(severity=Severity.WARN)
    assert new_poor_findings(None, _diagnosis(warn)) == []
    poor = _finding(who=BOB)
    assert [f for f, _w in new_poor_findings(None, _diagnosis(warn, poor))] == [poor]


def test_the_watch_tells_each_finding_once_and_not_what_began_before_it_started() -> None:
    since = T0 + timedelta(minutes=5)
    watch = LiveWatch(since)
    session = _live("demo", 4)
    old = _finding()  # began before live mode started: not news at the first look
    fresh = _finding(who=BOB, start=since + timedelta(seconds=30))
    assert [f for f, _w in watch.observe(session, _diagnosis(old, fresh))] == [fresh]
    assert watch.observe(session, _diagnosis(old, fresh)) == []  # the next refresh: told already
    later = _finding("NET-RTT", start=since + timedelta(minutes=2), cause=Cause.ROUTE)
    assert [f for f, _w in watch.observe(session, _diagnosis(old, later))] == [later]
    # ``fresh`` was gone at one refresh and is back: it was told already
    assert watch.observe(session, _diagnosis(old, fresh, later)) == []
    # another session's first look: what began after live mode started is news
    other = _live("demo", 3, n=1)
    assert len(watch.observe(other, _diagnosis(old, fresh))) == 1


def test_a_notice_names_room_person_trouble_and_time_inertly() -> None:
    session = Session(
        provider="demo",
        profile="demo",
        id="s1",
        name="Call",
        room_name="Weekly\x1b[31m [b]sync[/b]",
        status=SessionStatus.LIVE,
        started_at=T0,
    )
    person = Person("p-x", "Al\x07ice\nEvil")
    finding = _finding(who=person, start=datetime(2026, 11, 22, 10, 4, 30, tzinfo=UTC))
    text = finding_notice(session, finding, finding.windows[0], UTC)
    assert text == (
        "New poor finding — Room 'Weekly [b]sync[/b]': Alice Evil, "
        "downlink: inbound packet loss 14 % since 10:04"
    )


# -- the store and the demo world under live mode ----------------------------------------------


class Clock:
    """One moment for the demo provider (a datetime) and the store (epoch seconds)."""

    def __init__(self) -> None:
        self.t = NOW

    def now(self) -> datetime:
        return self.t

    def time(self) -> float:
        return self.t.timestamp()


async def test_the_demo_world_moves_its_anchor_and_new_sessions_are_listed_first(tmp_path: Path) -> None:
    clock = Clock()
    demo = DemoProvider(latency_s=0.0, clock=clock.now, world=DemoWorld(seed=7, size=500, now=NOW))
    store = Store([demo], Cache.open(tmp_path / "cache", clock=clock.time), clock=clock.time)
    try:
        first = store.sessions(SessionQuery())
        await first.ensure(0, 5)
        top = first.row(0)
        assert top is not None
        details_name, list_name = demo.identity, demo.list_identity
        assert not store.reanchor()  # the same slot: nothing moves, nothing is made again
        assert demo.list_identity == list_name
        clock.t += timedelta(hours=6)  # a slot is 30 days / 500 = 86 min: a few new sessions
        assert store.reanchor()
        assert demo.list_identity != list_name and demo.identity == details_name
        assert cache_identity(demo, "sessions") == demo.list_identity
        assert cache_identity(demo, "participants") == demo.identity
        again = store.sessions(SessionQuery(), renew=True)
        assert again is not first and store.sessions(SessionQuery()) is again
        await again.ensure(0, 10)
        rows = [again.row(i) for i in range(10)]
        ids = [r.id for r in rows if r is not None]
        assert top.id in ids and ids.index(top.id) > 0  # newer sessions above it
        starts = [r.started_at for r in rows[: ids.index(top.id)] if r is not None]
        assert top.started_at is not None and len(starts) == ids.index(top.id)
        assert all(start is not None and top.started_at < start for start in starts)
    finally:
        await store.aclose()


async def test_a_live_refresh_asks_again_what_can_change_and_keeps_what_cannot(tmp_path: Path) -> None:
    clock = Clock()
    demo = DemoProvider(latency_s=0.0, clock=clock.now, world=DemoWorld(seed=7, size=500, now=NOW))
    store = Store([demo], Cache.open(tmp_path / "cache", clock=clock.time), clock=clock.time)
    try:
        listed = store.sessions(SessionQuery())
        await listed.ensure(0, 200)
        rows = [s for i in range(200) if (s := listed.row(i)) is not None]
        live = next(s for s in rows if s.is_live)
        ended = next(s for s in rows if not s.is_live)
        await store.participants(live)
        await store.participants(ended)
        await store.diagnosis(live)
        asked = demo.requests
        await store.participants(live)
        await store.participants(ended)
        assert demo.requests == asked  # fresh: from memory or the disk
        clock.t += timedelta(seconds=3)  # within the live TTL (10 s)
        store.refresh_live()
        await store.participants(ended)
        assert demo.requests == asked  # an ended session's details never change
        await store.participants(live)
        assert demo.requests == asked + 1  # asked again, and waited for
        before = demo.requests
        await store.diagnosis(live)  # made again from fresh data, not the cached diagnosis
        assert demo.requests > before
    finally:
        await store.aclose()


async def test_an_answer_asked_before_the_anchor_moved_is_not_cached_under_the_old_name(
    tmp_path: Path,
) -> None:
    clock = Clock()

    class Moving(DemoProvider):
        """The anchor moves while a list page is being answered."""

        async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
            clock.t += timedelta(hours=6)
            assert self.reanchor()
            return await super().list_sessions(query, cursor, limit)

    demo = Moving(latency_s=0.0, clock=clock.now, world=DemoWorld(seed=7, size=500, now=NOW))
    cache = Cache.open(tmp_path / "cache", clock=clock.time)
    store = Store([demo], cache, clock=clock.time)
    try:
        old_name = demo.list_identity
        listed = store.sessions(SessionQuery())
        await listed.ensure(0, 1)
        assert listed.row(0) is not None  # the answer is shown ...
        key = make_key(old_name, "sessions", SessionQuery().model_dump(mode="json"), None, demo.page_size)
        assert cache.get(key) is None  # ... but not kept as the old world's
    finally:
        await store.aclose()
