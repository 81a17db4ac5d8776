"""The reactive store (roomscope.tui.store) over the demo provider: paging, caching, freshness, errors."""

from __future__ import annotations

import asyncio
import itertools
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest

from roomscope.tui import present
from roomscope.tui.cache import Cache, make_key
from roomscope.tui.demo.world import DemoSession, DemoWorld
from roomscope.tui.limits import LIST_TTL_S, LIVE_TTL_S, MAX_PAGES_IN_MEMORY, RETRY_AFTER_S
from roomscope.tui.models import (
    Event,
    Metric,
    Page,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)
from roomscope.tui.providers.base import (
    Capability,
    NotFoundError,
    OfflineMissError,
    Provider,
    ProviderError,
    UnavailableError,
    UnsupportedError,
)
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.quality import Verdict
from roomscope.tui.store import (
    Collection,
    FilteredCollection,
    MergedCollection,
    PagedCollection,
    SessionRef,
    SortedCollection,
    Store,
    session_matches,
)
from roomscope.tui.store.planner import plan_query
from tests.conftest import NOW, fixed_now, fixed_time

P = TypeVar("P", bound=DemoProvider)

ENDED = SessionQuery(status=SessionStatus.ENDED)  # no live session: pages live LIST_TTL_S


class Clock:
    """A store clock the test moves by hand."""

    def __init__(self, t: float | None = None) -> None:
        self.t = fixed_time() if t is None else t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class Gated(DemoProvider):
    """Every request waits for ``gate`` (open by default) after being counted."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Event()
        self.gate.set()

    async def _latency(self) -> None:
        self.requests += 1
        await self.gate.wait()


class CursorOnly(DemoProvider):
    """A provider with next-page cursors only: no page numbers, no totals."""

    capabilities = DemoProvider.capabilities - {Capability.SEEK, Capability.TOTAL}
    page_size = 100

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        page = await super().list_sessions(query, cursor, limit)
        return page.model_copy(update={"total": None})


class Flaky(DemoProvider):
    """Works until ``down`` is set, then every request fails like a dead network."""

    down = False

    async def _latency(self) -> None:
        await super()._latency()
        if self.down:
            raise UnavailableError("Could not reach the demo API.", provider=self.name, network=True)


class Broken(DemoProvider):
    """An adapter with a bug: list_sessions raises something that is not a ProviderError."""

    broken = True

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        if self.broken:
            self.requests += 1
            raise RuntimeError("adapter bug: 'NoneType' has no attribute 'items'")
        return await super().list_sessions(query, cursor, limit)


class NoExtras(DemoProvider):
    """No recordings, no quality, no per-participant events."""

    capabilities = DemoProvider.capabilities - {
        Capability.RECORDINGS,
        Capability.QUALITY,
        Capability.PARTICIPANT_EVENTS,
    }
    missing: Mapping[Capability, str] = {Capability.RECORDINGS: "This API keeps no recordings."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.event_filters: list[str | None] = []

    async def list_events(
        self, session_id: str, cursor: str | None, limit: int, participant_id: str | None = None
    ) -> Page[Event]:
        self.event_filters.append(participant_id)
        return await super().list_events(session_id, cursor, limit, participant_id)


class StoreFactory(Protocol):
    """``make_store([providers], clock=..., directory=..., offline=..., swr=...)``."""

    def __call__(
        self,
        providers: Iterable[Provider],
        *,
        clock: Callable[[], float] = ...,
        directory: Path | None = ...,
        offline: bool = ...,
        swr: bool = ...,
    ) -> Store: ...


@pytest.fixture
async def make_store(cache_dir: Path) -> AsyncIterator[StoreFactory]:
    made: list[Store] = []

    def build(
        providers: Iterable[Provider],
        *,
        clock: Callable[[], float] = fixed_time,
        directory: Path | None = None,
        offline: bool = False,
        swr: bool = True,
    ) -> Store:
        cache = Cache.open(directory or cache_dir, clock=clock)
        store = Store(list(providers), cache, offline=offline, swr=swr, clock=clock)
        made.append(store)
        return store

    yield build
    for store in made:
        await store.aclose()


def provider(cls: type[P], world: DemoWorld, profile: str = "demo") -> P:
    return cls(profile, latency_s=0.0, clock=fixed_now, world=world)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the loop run until ``condition`` holds (a hang guard, not a timing assertion)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never happened: {what}")


def rows(collection: Collection[Session]) -> list[Session]:
    out = [collection.row(i) for i in range(collection.loaded)]
    assert all(r is not None for r in out)
    return [r for r in out if r is not None]


def ended_session(world: DemoWorld, *, recorded: bool = False, incident: str | None = None) -> DemoSession:
    for i in range(1, world.size):
        s = world.session(i)
        if world.ended_at(s, NOW) is None:
            continue
        if recorded and not s.recorded:
            continue
        if incident is not None and s.incident != incident:
            continue
        return s
    raise AssertionError("no such session")


# -- paging ------------------------------------------------------------------------------------


async def test_jumping_to_the_last_page_loads_only_the_first_and_last(
    store: Store, demo: DemoProvider, world: DemoWorld
) -> None:
    col = store.sessions(SessionQuery())
    assert isinstance(col, PagedCollection) and col.seekable
    assert len(col) == 0 and not col.started
    await col.ensure(499, 500)
    assert demo.requests == 2  # page 0 (for the total) and page 2
    assert len(col) == 500 and col.total == 500
    last = col.row(499)
    assert last is not None and last.id == world.session(499).id
    assert col.row(0) is not None
    assert col.row(250) is None  # the middle page was never asked for
    assert (col.loaded, col.complete) == (300, False)
    await col.ensure(250, 251)
    assert demo.requests == 3
    assert col.complete
    assert [s.id for s in rows(col)] == [world.session(i).id for i in range(500)]


async def test_cursor_only_providers_load_in_order_with_a_more_row(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    cursor_only = provider(CursorOnly, world)
    store = make_store([cursor_only])
    col = store.sessions(SessionQuery())
    assert isinstance(col, PagedCollection) and not col.seekable
    await col.ensure(0, 1)
    assert cursor_only.requests == 1
    assert (len(col), col.total) == (101, None)  # 100 rows and a "more" row, no total yet
    await col.ensure(250, 251)
    assert cursor_only.requests == 3  # pages 1 and 2, in order
    assert len(col) == 301
    assert col.row(250) is not None and col.row(300) is None
    await col.ensure_all()
    assert cursor_only.requests == 5
    assert len(col) == 500 and col.total == 500 and col.complete
    assert [s.id for s in rows(col)] == [world.session(i).id for i in range(500)]


# -- single flight -------------------------------------------------------------------------


async def test_concurrent_ensures_of_a_page_share_one_request(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    gated = provider(Gated, world)
    gated.gate.clear()
    store = make_store([gated])
    col = store.sessions(SessionQuery())
    first = asyncio.ensure_future(col.ensure(0, 10))
    second = asyncio.ensure_future(col.ensure(5, 20))
    await until(lambda: gated.requests >= 1, "the first request")
    for _ in range(5):
        await asyncio.sleep(0.01)  # give a second request every chance to start
    assert gated.requests == 1
    assert col.busy
    gated.gate.set()
    await asyncio.gather(first, second)
    assert gated.requests == 1
    assert col.row(19) is not None and not col.busy


async def test_concurrent_session_lookups_share_one_request(
    make_store: StoreFactory, world: DemoWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    gated = provider(Gated, world)
    gated.gate.clear()
    store = make_store([gated])
    reads = 0
    original = store.fetcher._read

    def counting_read(*args: Any) -> Any:
        nonlocal reads
        result = original(*args)
        reads += 1
        return result

    monkeypatch.setattr(store.fetcher, "_read", counting_read)
    ref = SessionRef("demo", world.session(3).id)
    one = asyncio.ensure_future(store.session(ref))
    two = asyncio.ensure_future(store.session(ref))
    await until(lambda: reads == 2 and gated.requests >= 1, "both cache misses")
    for _ in range(5):
        await asyncio.sleep(0.01)
    assert gated.requests == 1
    assert store.status.in_flight == 1
    gated.gate.set()
    a, b = await asyncio.gather(one, two)
    assert a == b and a.id == ref.session_id
    assert gated.requests == 1
    assert store.status.in_flight == 0


# -- cache first -----------------------------------------------------------------------------


async def test_a_second_store_is_served_from_the_disk_cache(
    store: Store, demo: DemoProvider, make_store: StoreFactory, world: DemoWorld
) -> None:
    col = store.sessions(SessionQuery())
    await col.ensure_all()
    ref = SessionRef("demo", ended_session(world).id)
    await store.session(ref)
    assert demo.requests == 4
    assert col.freshness is not None and not col.freshness.from_cache

    fresh_provider = provider(DemoProvider, DemoWorld(seed=7, size=500, now=NOW))
    again = make_store([fresh_provider])
    col2 = again.sessions(SessionQuery())
    await col2.ensure_all()
    assert fresh_provider.requests == 0
    assert [s.id for s in rows(col2)] == [s.id for s in rows(col)]
    assert col2.freshness is not None and col2.freshness.from_cache and not col2.freshness.stale
    assert (await again.session(ref)).id == ref.session_id
    assert fresh_provider.requests == 0


async def test_stale_while_revalidate(make_store: StoreFactory, world: DemoWorld) -> None:
    clock = Clock()
    gated = provider(Gated, world)
    store = make_store([gated], clock=clock)
    col = store.sessions(ENDED)
    await col.ensure(0, 1)
    assert gated.requests == 1
    first = col.row(0)
    assert col.freshness is not None and not col.freshness.stale

    clock.advance(LIST_TTL_S + 1)
    gated.gate.clear()  # the revalidation will hang until we let it go
    await asyncio.wait_for(col.ensure(0, 1), timeout=10)  # returns at once with the stale page
    assert col.row(0) == first
    served = col.freshness
    assert served is not None and served.stale and served.from_cache
    await until(lambda: gated.requests == 2, "the background revalidation")

    changed = asyncio.Event()
    col.changed.subscribe(changed.set)
    gated.gate.set()
    await asyncio.wait_for(changed.wait(), timeout=10)
    assert gated.requests == 2
    assert col.freshness is not None
    assert not col.freshness.stale and not col.freshness.from_cache
    assert col.freshness.fetched_at == clock()
    await col.ensure(0, 1)  # fresh again: no further request
    assert gated.requests == 2


async def test_without_swr_a_stale_page_is_refetched_before_answering(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    clock = Clock()
    demo = provider(DemoProvider, world)
    store = make_store([demo], clock=clock, swr=False)
    col = store.sessions(ENDED)
    await col.ensure(0, 1)
    clock.advance(LIST_TTL_S + 1)
    await col.ensure(0, 1)
    assert demo.requests == 2
    assert col.freshness is not None and not col.freshness.stale


async def test_ended_details_never_expire_live_ones_do(
    make_store: StoreFactory, world: DemoWorld, cache_dir: Path
) -> None:
    clock = Clock()
    demo = provider(DemoProvider, world)
    store = make_store([demo], clock=clock)
    live = world.session(0)
    assert world.is_live(live, NOW)
    ended = ended_session(world)
    live_s = await store.session(SessionRef("demo", live.id))
    ended_s = await store.session(SessionRef("demo", ended.id))
    assert live_s.status is SessionStatus.LIVE and ended_s.status is SessionStatus.ENDED
    people = await store.participants(ended_s)
    assert demo.requests == 3

    assert store.cache is not None
    ended_entry = store.cache.get(make_key(demo.identity, "session", ended.id, None, None))
    live_entry = store.cache.get(make_key(demo.identity, "session", live.id, None, None))
    assert ended_entry is not None and ended_entry.expires_at is None
    assert live_entry is not None and live_entry.expires_at == clock() + LIVE_TTL_S

    clock.advance(LIVE_TTL_S + 1)
    updated = asyncio.Event()
    store.updated.subscribe(updated.set)
    await asyncio.wait_for(store.session(SessionRef("demo", live.id)), timeout=10)  # served stale
    await asyncio.wait_for(updated.wait(), timeout=10)
    assert demo.requests == 4
    await store.session(SessionRef("demo", ended.id))
    assert demo.requests == 4

    # A year later, a new store still trusts the ended session and its participants.
    later = Clock(clock() + 365 * 86400)
    other = provider(DemoProvider, DemoWorld(seed=7, size=500, now=NOW))
    next_year = make_store([other], clock=later, directory=cache_dir)
    assert (await next_year.session(SessionRef("demo", ended.id))).id == ended.id
    assert await next_year.participants(ended_s) == people
    assert other.requests == 0


# -- offline ---------------------------------------------------------------------------------


async def test_offline_mode_serves_the_cache_and_never_calls_the_provider(
    store: Store, make_store: StoreFactory, world: DemoWorld
) -> None:
    await store.sessions(SessionQuery()).ensure(0, 1)
    cached = ended_session(world)
    await store.session(SessionRef("demo", cached.id))

    later = Clock(fixed_time() + 86400)  # everything cached is stale by now
    untouched = provider(DemoProvider, DemoWorld(seed=7, size=500, now=NOW))
    offline = make_store([untouched], clock=later, offline=True)
    assert present.offline_notice(offline.status) == "OFFLINE (cache only)"
    col = offline.sessions(SessionQuery())
    await col.ensure(0, 1)
    assert col.row(0) is not None and len(col) == 500
    assert col.freshness is not None and col.freshness.from_cache and col.freshness.stale
    await col.ensure(450, 451)
    assert col.row(450) is None
    assert isinstance(col.error_at(450), OfflineMissError)
    assert col.error_at(0) is None
    assert (await offline.session(SessionRef("demo", cached.id))).id == cached.id
    with pytest.raises(OfflineMissError):
        await offline.session(SessionRef("demo", world.session(77).id))
    assert untouched.requests == 0


# -- network failures ------------------------------------------------------------------------


async def test_network_failure_serves_cached_data_and_reports_offline(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    clock = Clock()
    flaky = provider(Flaky, world)
    store = make_store([flaky], clock=clock)
    col = store.sessions(ENDED)
    await col.ensure(0, 1)
    first = col.row(0)
    assert present.offline_notice(store.status) is None

    flaky.down = True
    clock.advance(LIST_TTL_S + 1)
    await col.ensure(0, 1)
    assert col.row(0) == first  # the cached page is still there
    await until(lambda: store.status.offline_since is not None, "the failure to be noticed")
    assert store.status.offline_since == clock()
    assert isinstance(store.status.last_error, UnavailableError)
    stamp = datetime.fromtimestamp(clock(), UTC)
    assert present.offline_notice(store.status) == f"offline since {stamp:%H:%M:%S}"
    assert col.row(0) == first

    await col.ensure(450, 451)  # never cached: an error row, not a crash
    assert isinstance(col.error_at(450), UnavailableError)

    flaky.down = False
    clock.advance(RETRY_AFTER_S + 1)
    await col.ensure(0, 1)
    await until(lambda: store.status.offline_since is None, "the recovery")
    assert present.offline_notice(store.status) is None
    assert store.status.last_error is None


async def test_network_failure_without_swr_falls_back_to_the_stale_entry(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    clock = Clock()
    flaky = provider(Flaky, world)
    store = make_store([flaky], clock=clock, swr=False)
    live = world.session(0)
    before = await store.session(SessionRef("demo", live.id))
    flaky.down = True
    clock.advance(LIVE_TTL_S + 1)
    after = await store.session(SessionRef("demo", live.id))
    assert after == before
    assert flaky.requests == 2  # it did try
    assert store.status.offline_since == clock()
    assert "offline since" in (present.offline_notice(store.status) or "")
    with pytest.raises(UnavailableError):
        await store.session(SessionRef("demo", world.session(9).id))  # nothing cached to fall back on


# -- refresh ---------------------------------------------------------------------------------


async def test_refresh_makes_everything_stale_and_refetches(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    clock = Clock()
    demo = provider(DemoProvider, world)
    store = make_store([demo], clock=clock)
    col = store.sessions(SessionQuery())
    await col.ensure_all()
    ended = ended_session(world)
    await store.session(SessionRef("demo", ended.id))
    assert demo.requests == 4

    clock.advance(1)
    store.refresh()
    await col.ensure_all()
    await until(lambda: demo.requests == 7, "every page to be fetched again")
    await until(
        lambda: col.freshness is not None and not col.freshness.stale, "the fresh pages to be accepted"
    )
    assert col.freshness is not None and col.freshness.fetched_at == clock()
    await store.session(SessionRef("demo", ended.id))  # even data that never expires
    await until(lambda: demo.requests == 8, "the session to be fetched again")


# -- client-side views ---------------------------------------------------------------------


async def test_text_filter_scans_progressively(store: Store, demo: DemoProvider) -> None:
    demo.page_size = 20
    everything = store.sessions(SessionQuery())
    await everything.ensure_all()
    all_rows = rows(everything)
    expected = [s.id for s in all_rows if "standup" in (s.room_name or "")]
    assert 2 < len(expected) < 100

    col = store.sessions(SessionQuery(text="STANDUP"))
    assert isinstance(col, FilteredCollection)
    await col.ensure(0, 2)
    assert col.loaded >= 2
    assert 0 < col.scanned < 500  # it stopped early
    assert (col.done, len(col)) == (False, col.loaded + 1)
    note = present.view_note(col.activity) or ""
    assert "so far" in note and "scanned" in note
    await col.ensure_all()
    assert [s.id for s in rows(col)] == expected
    assert col.done and col.total == len(expected) and len(col) == len(expected)
    assert present.view_note(col.activity) == f"{len(expected)} matches in 500"

    inverted = store.sessions(SessionQuery(text="!standup"))
    await inverted.ensure_all()
    assert [s.id for s in rows(inverted)] == [s.id for s in all_rows if s.id not in set(expected)]


def test_session_matches() -> None:
    s = Session(
        provider="demo", profile="work", id="abc-123", name="Daily standup", room_name="daily-standup"
    )
    assert session_matches(s, "STAND")
    assert session_matches(s, "abc-1")
    assert session_matches(s, "work")
    assert not session_matches(s, "retro")
    assert session_matches(s, "!retro")
    assert not session_matches(s, "! standup")
    assert session_matches(s, "") and session_matches(s, "!")


class Walker(DemoProvider):
    """Lists in no useful order and cannot filter by status (like a provider that walks rooms)."""

    newest_first = False
    sort_keys = frozenset()
    capabilities = DemoProvider.capabilities - {Capability.STATUS_FILTER}


def test_the_plan_sends_each_provider_what_it_can_answer(world: DemoWorld) -> None:
    demo, walker = provider(DemoProvider, world), provider(Walker, world, "walk")
    query = SessionQuery(text="standup", status=SessionStatus.ENDED)
    plan = plan_query(query, [demo, walker])
    asked_demo, asked_walker = plan.sources
    assert asked_demo.provider is demo and not asked_demo.sort_by_start
    assert asked_demo.query == SessionQuery(status=SessionStatus.ENDED)  # no text search
    assert asked_walker.provider is walker and asked_walker.sort_by_start
    assert asked_walker.query == SessionQuery()
    assert plan.filters and plan.filter_text and plan.filter_status and not plan.filter_time
    assert not plan.sort and plan.merge_descending
    ended = Session(provider="demo", profile="walk", id="x", name="Standup", status=SessionStatus.ENDED)
    assert plan.keep(ended)
    assert not plan.keep(ended.model_copy(update={"status": SessionStatus.LIVE}))
    assert not plan.keep(ended.model_copy(update={"name": "Retro"}))

    by_duration = plan_query(SessionQuery(sort=SortKey.DURATION, descending=False), [demo])
    assert by_duration.sources[0].query == SessionQuery()  # start order, newest first
    assert by_duration.sort and not by_duration.filters


async def test_client_sort_by_duration_loads_every_row_first(store: Store, demo: DemoProvider) -> None:
    col = store.sessions(SessionQuery(sort=SortKey.DURATION))
    assert isinstance(col, SortedCollection)
    assert "loading all rows" in (present.view_note(col.activity) or "")
    await col.ensure(0, 1)
    assert demo.requests == 3  # every page, before the first row can be shown
    assert col.loaded == 500 and col.done
    durations = [s.duration_s or 0.0 for s in rows(col)]
    assert durations == sorted(durations, reverse=True)
    assert durations[0] > durations[-1]
    assert present.view_note(col.activity) == "sorted by duration ↓"

    up = store.sessions(SessionQuery(sort=SortKey.DURATION, descending=False))
    await up.ensure(0, 1)
    ascending = [s.duration_s or 0.0 for s in rows(up)]
    assert ascending == sorted(ascending)
    assert present.view_note(up.activity) == "sorted by duration ↑"


async def test_server_side_ascending_start_needs_no_client_sort(store: Store, demo: DemoProvider) -> None:
    col = store.sessions(SessionQuery(sort=SortKey.START, descending=False))
    assert isinstance(col, PagedCollection)
    await col.ensure(0, 1)
    assert demo.requests == 1


async def test_two_profiles_merge_newest_first(make_store: StoreFactory) -> None:
    alpha = DemoProvider("alpha", latency_s=0, clock=fixed_now, world=DemoWorld(seed=7, size=120, now=NOW))
    beta = DemoProvider("beta", latency_s=0, clock=fixed_now, world=DemoWorld(seed=8, size=80, now=NOW))
    alpha.page_size = beta.page_size = 30
    store = make_store([alpha, beta])
    col = store.sessions(SessionQuery())
    assert isinstance(col, MergedCollection)
    assert (col.loaded, col.total) == (0, None)
    await col.ensure(0, 40)
    assert (col.total, col.done) == (200, False)
    assert col.loaded >= 40
    assert alpha.requests < 4 and beta.requests < 3  # still paged
    await col.ensure_all()
    merged = rows(col)
    assert len(merged) == 200 and col.done and len(col) == 200
    starts = [s.started_at for s in merged]
    assert all(a is not None and b is not None and a >= b for a, b in itertools.pairwise(starts))
    profiles = [s.profile for s in merged]
    assert profiles.count("alpha") == 120 and profiles.count("beta") == 80
    switches = sum(1 for a, b in itertools.pairwise(profiles) if a != b)
    assert switches > 20  # interleaved, not one list after the other
    assert {"alpha", "beta"} <= set(profiles[:10])

    only_beta = store.sessions(SessionQuery(), profiles=["beta"])
    assert isinstance(only_beta, PagedCollection)
    await only_beta.ensure_all()
    assert {s.profile for s in rows(only_beta)} == {"beta"} and only_beta.total == 80
    assert store.sessions(SessionQuery(), profiles=["beta"]) is only_beta  # memoised
    with pytest.raises(NotFoundError):
        store.sessions(SessionQuery(), profiles=["gamma"])


# -- one session -----------------------------------------------------------------------------


async def test_session_details_through_the_store(store: Store, demo: DemoProvider, world: DemoWorld) -> None:
    s = ended_session(world, recorded=True)
    session = await store.session(SessionRef("demo", s.id))
    assert session.id == s.id and session.profile == "demo"
    people = await store.participants(session)
    assert [p.id for p in people] == [p.id for p in world.participants(s)]
    events = await store.events(session)
    assert events[0].kind.value == "session_start" and events[-1].kind.value == "session_end"
    mine = await store.events(session, people[0].id)
    assert mine and all(e.participant_id == people[0].id for e in mine)
    recordings = await store.recordings(session)
    assert recordings and all(r.session_id == s.id for r in recordings)
    artifacts = await store.artifacts(session)
    assert {"transcript", "summary"} <= {a.kind for a in artifacts}
    participant = await store.participant(session, people[-1].id)
    assert participant == people[-1]
    before = demo.requests
    assert await store.participants(session) == people  # remembered
    assert await store.events(session) == events
    assert demo.requests == before
    assert (await store.find_session(s.id)).id == s.id
    with pytest.raises(NotFoundError):
        await store.find_session("00000000-0000-4000-8000-000000000000")


async def test_quality_report_has_an_estimated_mos_and_a_verdict(store: Store, world: DemoWorld) -> None:
    s = ended_session(world, incident="loss_spike")
    session = await store.session(SessionRef("demo", s.id))
    victim = next(p for p in world.participants(s) if p.incident == "loss_spike")
    report = await store.quality(session, victim.id)
    metrics = [q.metric for q in report.series]
    assert Metric.MOS in metrics and Metric.RTT in metrics
    assert metrics.index(Metric.LOSS_SEND) < metrics.index(Metric.RTT) < metrics.index(Metric.MOS)
    mos = next(q for q in report.series if q.metric is Metric.MOS)
    rtt = next(q for q in report.series if q.metric is Metric.RTT)
    assert mos.source.startswith("estimated")
    assert len(mos.values) == len(rtt.values) and mos.start == rtt.start
    assert all(v is None or 1.0 <= v <= 4.5 for v in mos.values)
    assert report.assessment.verdict is Verdict.POOR
    assert report.assessment.tripped_by in {"packet_loss_send", "packet_loss_recv", "jitter", "mos"}
    assert report.freshness is not None
    assert "mos" in report.assessment.metrics


async def test_missing_capabilities_raise_unsupported(make_store: StoreFactory, world: DemoWorld) -> None:
    limited = provider(NoExtras, world)
    store = make_store([limited])
    s = ended_session(world, recorded=True)
    session = await store.session(SessionRef("demo", s.id))
    with pytest.raises(UnsupportedError) as info:
        await store.recordings(session)
    assert info.value.capability is Capability.RECORDINGS
    assert str(info.value) == "This API keeps no recordings."
    with pytest.raises(UnsupportedError) as quality_info:
        await store.quality(session, world.participants(s)[0].id)
    assert quality_info.value.capability is Capability.QUALITY
    assert limited.requests == 1  # only the session: nothing was asked of the provider

    # No per-participant events: the store filters the whole timeline itself.
    pid = world.participants(s)[0].id
    mine = await store.events(session, pid)
    assert mine and all(e.participant_id == pid for e in mine)
    assert limited.event_filters and set(limited.event_filters) == {None}


async def test_an_adapter_bug_becomes_a_page_error(make_store: StoreFactory, world: DemoWorld) -> None:
    clock = Clock()
    broken = provider(Broken, world)
    store = make_store([broken], clock=clock)
    col = store.sessions(SessionQuery())
    await col.ensure(0, 10)  # must not raise
    assert col.started
    error = col.error
    assert isinstance(error, ProviderError)
    assert "RuntimeError" in str(error) and "adapter bug" in str(error)
    assert col.error_at(0) is error
    assert col.row(0) is None
    assert len(col) == 1  # one row to show the error in
    await col.ensure(0, 10)
    assert broken.requests == 1  # not hammered: retried only after a pause

    broken.broken = False
    clock.advance(RETRY_AFTER_S + 1)
    await col.ensure(0, 10)
    assert col.error_at(0) is None and col.error is None
    assert col.row(0) is not None and len(col) == 500


async def test_unknown_profile_and_session(store: Store) -> None:
    with pytest.raises(NotFoundError):
        store.provider("nope")
    with pytest.raises(NotFoundError):
        await store.session(SessionRef("demo", "00000000-0000-4000-8000-000000000000"))
    assert store.profiles == ["demo"]
    with pytest.raises(ValueError, match="at least one provider"):
        Store([], None)


async def test_status_carries_the_cache_note(
    make_store: StoreFactory, tmp_path: Path, world: DemoWorld
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = make_store([provider(DemoProvider, world)], directory=blocker / "cache")
    assert store.cache is not None and not store.cache.persistent
    assert store.status.cache_note is not None and "without a disk cache" in store.status.cache_note
    col = store.sessions(SessionQuery())
    await col.ensure(0, 1)
    assert col.row(0) is not None  # works on the in-memory cache


async def test_refresh_clears_the_last_error(store: Store) -> None:
    status = store.status
    status.last_error = UnavailableError("x")
    seen: list[int] = []
    store.status_changed.subscribe(lambda: seen.append(1))
    store.refresh()
    assert store.status.last_error is None and seen


def test_timedelta_constants_make_sense() -> None:
    assert LIVE_TTL_S < LIST_TTL_S
    assert timedelta(seconds=LIST_TTL_S) <= timedelta(minutes=10)


async def test_pages_far_from_the_viewport_are_evicted_and_reload_from_the_cache(tmp_path: Path) -> None:
    from roomscope.tui.cache import Cache
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.models import SessionQuery
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import PagedCollection, Store

    world = DemoWorld(seed=3, size=20_000, now=NOW)
    provider = DemoProvider(latency_s=0.0, clock=lambda: NOW, world=world)
    provider.page_size = 100
    store = Store(
        [provider], Cache.open(tmp_path, clock=lambda: NOW.timestamp()), clock=lambda: NOW.timestamp()
    )
    try:
        col = store.sessions(SessionQuery())
        assert isinstance(col, PagedCollection)
        for start in range(0, 20_000, 100):
            await col.ensure(start, start + 100)
        in_memory = [k for k, slot in col.pages.items() if slot.items is not None]
        assert len(in_memory) <= MAX_PAGES_IN_MEMORY
        assert col.loaded == 20_000 and len(col) == 20_000
        assert col.row(0) is None  # evicted: far from where the reader is
        requests = provider.requests
        await col.ensure(0, 10)
        first = col.row(0)
        assert first is not None and first.id == world.session(0).id
        assert provider.requests == requests  # reloaded from the disk cache, not the provider
    finally:
        await store.aclose()


def test_the_store_does_not_import_textual() -> None:
    code = (
        "import sys, roomscope.tui.store; "
        "print(','.join(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


async def test_a_cursor_only_list_reloads_pages_let_go_of_from_the_cache(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    cursor_only = provider(CursorOnly, world)
    store = make_store([cursor_only])
    col = store.sessions(SessionQuery())
    assert isinstance(col, PagedCollection) and not col.seekable
    col.window = 2
    await col.ensure_all()
    assert col.row(0) is None and col.row(150) is None  # let go of: far from the end
    requests = cursor_only.requests
    await col.ensure(150, 160)  # page 1, whose cursor comes from page 0 (let go of too)
    assert [s.id for s in (col.row(i) for i in range(150, 160)) if s] == [
        world.session(i).id for i in range(150, 160)
    ]
    assert cursor_only.requests == requests  # from the disk cache


class GatedCursorOnly(Gated, CursorOnly):
    """Cursors only, and every request waits for the gate."""


async def test_a_long_load_reports_its_progress(make_store: StoreFactory, world: DemoWorld) -> None:
    gated = provider(GatedCursorOnly, world)
    store = make_store([gated])
    col = store.sessions(SessionQuery())
    await col.ensure(0, 1)
    assert (col.jump, col.activity) == (None, None)
    gated.gate.clear()
    jumping = asyncio.ensure_future(col.ensure_all())
    await until(lambda: col.jump is not None, "the jump starts")
    progress = col.jump
    assert progress is not None and (progress.loaded, progress.target) == (100, None)
    assert present.view_note(col.activity) == "loading 100 sessions…, Esc cancels"
    gated.gate.set()
    await jumping
    assert col.jump is None and col.complete


def test_jump_progress_in_words() -> None:
    from roomscope.tui.store.signals import JumpProgress, JumpTracker

    ticks = iter([100.0, 110.0])
    tracker = JumpTracker(1000, 0.1, timer=lambda: next(ticks))
    progress = tracker.progress(5000, None, 0.5)
    assert progress.rate == 400.0 and progress.eta_s == 12.5  # 0.4 of the range in 10 s: 0.5 left
    assert present.jump_note(progress) == "loading 5,000 sessions… ~13 s left, Esc cancels"
    known = JumpProgress(loaded=12_300, target=50_000, rate=300.0, eta_s=125.6, elapsed_s=41.0)
    assert present.jump_note(known) == "loading 12,300 of 50,000 sessions… ~3 min left, Esc cancels"
    assert known.fraction == 12_300 / 50_000
    rate_only = JumpProgress(loaded=900, target=None, rate=450.0, eta_s=None, elapsed_s=2.0)
    assert present.jump_note(rate_only) == "loading 900 sessions… 450/s, Esc cancels"


async def test_a_time_range_applied_here_stops_reading_past_its_start(
    make_store: StoreFactory, world: DemoWorld
) -> None:
    no_time = provider(CursorOnly, world)
    no_time.capabilities = CursorOnly.capabilities - {Capability.TIME_FILTER}
    store = make_store([no_time])
    since = world.session(230).start
    col = store.sessions(SessionQuery(since=since))
    assert isinstance(col, FilteredCollection)
    await col.ensure_all()
    assert [s.id for s in rows(col)] == [world.session(i).id for i in range(231)]
    assert no_time.requests == 3  # pages of 100 down to the range's start, not all 5
    assert [s.id async for s in col.stream()] == [world.session(i).id for i in range(231)]
