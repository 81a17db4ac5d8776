"""The demo world at scale and on a shared cache: the live scan, and instances started at
different times (different anchors) on one cache directory."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import MAX_DURATION_S, DemoWorld
from roomscope.tui.limits import LIVE_TTL_S
from roomscope.tui.models import Session, SessionQuery, SessionStatus
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import Collection, Store
from tests.conftest import NOW

LATER = NOW + timedelta(hours=6)


def _store(world: DemoWorld, now: datetime, directory: Path, clock: list[float]) -> Store:
    provider = DemoProvider("demo", latency_s=0.0, clock=lambda: now, world=world)
    return Store([provider], Cache.open(directory, clock=lambda: clock[0]), clock=lambda: clock[0])


async def _ids(collection: Collection[Session]) -> list[str]:
    await collection.ensure_all()
    rows = [collection.row(i) for i in range(collection.loaded)]
    return [row.id for row in rows if row is not None]


async def test_instances_with_different_anchors_on_one_cache_keep_their_own_lists(tmp_path: Path) -> None:
    early = DemoWorld(seed=7, size=500, now=NOW)
    late = DemoWorld(seed=7, size=500, now=LATER)
    assert early.anchor_slot != late.anchor_slot
    clock = [NOW.timestamp()]
    first = _store(early, NOW, tmp_path, clock)
    second = _store(late, LATER, tmp_path, clock)
    try:
        mine = await _ids(first.sessions(SessionQuery()))
        theirs = await _ids(second.sessions(SessionQuery()))
        assert mine == [early.session(i).id for i in range(early.size)]
        assert theirs == [late.session(i).id for i in range(late.size)]
        assert mine != theirs

        # Both lists were written to the one cache, and every page has expired: the first
        # instance reads its list again (as it does every LIVE_TTL_S) and gets its own world.
        clock[0] += LIVE_TTL_S + 1
        again = first.sessions(SessionQuery())
        assert await _ids(again) == mine
    finally:
        await first.aclose()
        await second.aclose()


async def test_a_restart_on_the_same_anchor_is_served_from_the_cache(tmp_path: Path) -> None:
    clock = [NOW.timestamp()]
    world = DemoWorld(seed=7, size=500, now=NOW)
    first = _store(world, NOW, tmp_path, clock)
    restarted_world = DemoWorld(seed=7, size=500, now=NOW + timedelta(seconds=1))
    assert restarted_world.anchor_slot == world.anchor_slot
    provider = DemoProvider("demo", latency_s=0.0, clock=lambda: NOW, world=restarted_world)
    restarted = Store([provider], Cache.open(tmp_path, clock=lambda: clock[0]), clock=lambda: clock[0])
    try:
        ids = await _ids(first.sessions(SessionQuery()))
        assert await _ids(restarted.sessions(SessionQuery())) == ids
        assert provider.requests == 0
    finally:
        await first.aclose()
        await restarted.aclose()


async def test_a_restart_on_another_anchor_keeps_what_it_knew_of_each_session(tmp_path: Path) -> None:
    """Lists move with the anchor; a session's participants, quality and diagnosis do not:
    an instance started later reads them from the cache, and only its list from the world."""
    clock = [LATER.timestamp()]
    early = DemoWorld(seed=7, size=500, now=NOW)
    late = DemoWorld(seed=7, size=500, now=LATER)
    assert early.anchor_slot != late.anchor_slot
    first = _store(early, LATER, tmp_path, clock)
    provider = DemoProvider("demo", latency_s=0.0, clock=lambda: LATER, world=late)
    second = Store([provider], Cache.open(tmp_path, clock=lambda: clock[0]), clock=lambda: clock[0])
    try:
        assert provider.list_identity != first.provider("demo").list_identity
        assert provider.identity == first.provider("demo").identity
        shared = late.session(10).id
        assert early.index_of(shared) is not None  # a session both worlds list
        ended = [s for s in (await _rows(first)) if s.id == shared]
        assert ended and ended[0].status is SessionStatus.ENDED
        known = await first.diagnosis(ended[0])
        people = await first.participants(ended[0])

        again = await second.diagnosis(ended[0])
        assert again == known and await second.participants(ended[0]) == people
        assert provider.requests == 0, "the session's answers were asked of the world again"
        await _ids(second.sessions(SessionQuery()))
        assert provider.requests > 0  # its list is its own
    finally:
        await first.aclose()
        await second.aclose()


async def _rows(store: Store) -> list[Session]:
    collection = store.sessions(SessionQuery())
    await collection.ensure_all()
    return [row for i in range(collection.loaded) if (row := collection.row(i)) is not None]


def test_live_indices_agree_with_the_sessions() -> None:
    world = DemoWorld(seed=7, size=200_000, now=NOW)
    horizon = world.live_horizon(NOW)
    live = world.live_indices(0, horizon, NOW)
    ended = world.live_indices(0, horizon, NOW, live=False)
    assert sorted(live + ended) == list(range(horizon))
    assert live and ended
    for index in (*live[:50], *live[-50:], *ended[:50], *ended[-50:]):
        assert world.is_live(world.session(index), NOW) is (index in live)
    assert world.live_indices(10, 20, NOW) == [i for i in live if 10 <= i < 20]
    later = NOW + timedelta(seconds=MAX_DURATION_S)
    assert world.live_indices(0, horizon, later) == []


async def test_a_ten_million_world_lists_without_making_its_live_sessions() -> None:
    huge = DemoWorld(seed=7, size=10_000_000, now=NOW)
    provider = DemoProvider("demo", latency_s=0.0, clock=lambda: NOW, world=huge)
    middle = await provider.list_sessions(SessionQuery(), "5000000", 200)
    assert middle.total == 10_000_000 and len(middle.items) == 200
    assert [s.id for s in middle.items] == [huge.session(i).id for i in range(5_000_000, 5_000_200)]
    # only that page's sessions were made, not the ~35,000 that might still be live
    assert huge._session.cache_info().misses <= 202

    live = await provider.list_sessions(SessionQuery(status=SessionStatus.LIVE), None, 200)
    assert live.total is not None and 1_000 < live.total < 35_000
    assert all(s.status is SessionStatus.LIVE for s in live.items)
    assert huge._session.cache_info().currsize <= 402


async def test_an_answer_from_the_cache_does_not_build_the_world(tmp_path: Path) -> None:
    clock = [NOW.timestamp()]
    first = _store(DemoWorld(seed=7, size=500, now=NOW), NOW, tmp_path, clock)
    provider = DemoProvider("demo", size=500, latency_s=0.0, clock=lambda: NOW)
    again = Store([provider], Cache.open(tmp_path, clock=lambda: clock[0]), clock=lambda: clock[0])
    try:
        ids = await _ids(first.sessions(SessionQuery()))
        assert await _ids(again.sessions(SessionQuery())) == ids
        assert provider.requests == 0
        assert provider._world is None  # named by its seed, spacing and anchor alone
        assert provider.list_identity == f"demo:demo:{provider.world.identity}"
    finally:
        await first.aclose()
        await again.aclose()


def test_moving_the_anchor_carries_the_spans_over_and_answers_as_a_new_world() -> None:
    world = DemoWorld(seed=7, size=200_000, now=NOW)
    horizon = world.live_horizon(NOW)
    world.live_indices(0, horizon, NOW)
    later = NOW + timedelta(minutes=7)
    moved = world.moved_to(later)
    fresh = DemoWorld(seed=7, size=200_000, now=later)
    shift = moved.anchor_slot - world.anchor_slot
    assert moved.anchor_slot == fresh.anchor_slot and shift > 0
    assert len(moved._starts) == shift + horizon  # carried over, not drawn again
    end = moved.live_horizon(later)
    assert moved.live_indices(0, end, later) == fresh.live_indices(0, end, later)
    assert moved.live_indices(0, end, later, live=False) == fresh.live_indices(0, end, later, live=False)
    assert list(moved._starts[:end]) == list(fresh._starts[:end])
    assert [moved.session(i).id for i in range(0, end, 97)] == [
        fresh.session(i).id for i in range(0, end, 97)
    ]
    assert world.moved_to(NOW - timedelta(hours=1)).live_indices(0, 50, NOW) == DemoWorld(
        seed=7, size=200_000, now=NOW - timedelta(hours=1)
    ).live_indices(0, 50, NOW)  # backwards: made again
