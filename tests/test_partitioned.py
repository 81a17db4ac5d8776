"""Providers listed partition by partition (Whereby, room by room, through its fake API):
rows newest first as soon as the rooms that can hold them are read, rooms pruned by the
time range, rooms read side by side, rows beyond the window spilled and read back."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from roomscope.tui import present
from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoSession, DemoWorld
from roomscope.tui.fakes.whereby import DEMO_API_KEY, FakeWhereby, room_name
from roomscope.tui.models import SessionQuery
from roomscope.tui.providers.partitioned import PartitionedSessions
from roomscope.tui.providers.whereby import WherebyProvider
from roomscope.tui.store import Store
from roomscope.tui.store.partitioned import PartitionedCollection
from roomscope.tui.store.signals import PartitionProgress
from tests.conftest import NOW, fixed_now, fixed_time


@pytest.fixture(scope="module")
def rooms_world() -> DemoWorld:
    return DemoWorld(seed=11, size=4000, now=NOW)


@pytest.fixture
def fake(rooms_world: DemoWorld) -> FakeWhereby:
    return FakeWhereby(rooms_world, clock=fixed_now)


def provider(fake: FakeWhereby) -> WherebyProvider:
    async def no_sleep(_seconds: float) -> None:
        return None

    return WherebyProvider(
        "wb",
        api_key=DEMO_API_KEY,
        transport=fake.transport(),
        clock=fixed_now,
        sleep=no_sleep,
        rng=random.Random(1),
    )


@pytest.fixture
async def store(fake: FakeWhereby, tmp_path: Path) -> AsyncIterator[Store]:
    made = Store([provider(fake)], Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    yield made
    await made.aclose()


def newest_first(world: DemoWorld, query: SessionQuery) -> list[str]:
    def wanted(s: DemoSession) -> bool:
        return (
            s.start <= NOW
            and (query.since is None or s.start >= query.since)
            and (query.until is None or s.start <= query.until)
        )

    chosen = [s for s in (world.session(i) for i in range(world.size)) if wanted(s)]
    return [s.id for s in sorted(chosen, key=lambda s: s.start, reverse=True)]


def room_requests(fake: FakeWhereby) -> list[httpx.Request]:
    return [r for r in fake.requests if r.url.path.endswith("/room-sessions")]


def test_whereby_lists_its_rooms_as_partitions(fake: FakeWhereby) -> None:
    assert isinstance(provider(fake), PartitionedSessions)


async def test_the_first_rows_need_only_the_first_page_of_the_newest_rooms(
    store: Store, fake: FakeWhereby, rooms_world: DemoWorld
) -> None:
    col = store.sessions(SessionQuery())
    assert isinstance(col, PartitionedCollection)
    await col.ensure(0, 40)
    want = newest_first(rooms_world, SessionQuery())
    assert [col.row(i).id for i in range(40)] == want[:40]  # type: ignore[union-attr]
    rooms = len(fake.index.rooms())
    assert len(room_requests(fake)) <= rooms  # one small page per room at most, nothing deeper
    assert all(r.url.params["limit"] == "10" for r in room_requests(fake))
    assert col.total is None and len(col) == col.loaded + 1
    progress = col.activity
    assert isinstance(progress, PartitionProgress) and progress.unread == rooms
    assert (
        present.view_note(progress)
        == f"40 sessions so far, newest first: {rooms} of {rooms} rooms still to read"
    )


async def test_every_row_in_order_and_the_time_range_prunes_rooms(
    store: Store, fake: FakeWhereby, rooms_world: DemoWorld
) -> None:
    everything = store.sessions(SessionQuery())
    assert isinstance(everything, PartitionedCollection)
    assert [s.id async for s in everything.stream()] == newest_first(rooms_world, SessionQuery())
    assert everything.done and everything.total == len(newest_first(rooms_world, SessionQuery()))
    assert present.view_note(everything.activity) is None

    fake.requests.clear()
    window = SessionQuery(since=NOW - timedelta(days=2))
    recent = store.sessions(window)
    assert [s.id async for s in recent.stream()] == newest_first(rooms_world, window)
    asked = {r.url.params["roomName"] for r in room_requests(fake)}
    # every room had a session in the last two days here, but each is read only down to it
    assert len(room_requests(fake)) <= 2 * len(asked)


async def test_rooms_that_cannot_hold_the_range_are_not_read(tmp_path: Path) -> None:
    world = DemoWorld(seed=11, size=60, now=NOW)  # few sessions: some rooms end early
    fake = FakeWhereby(world, clock=fixed_now)
    store = Store([provider(fake)], Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    try:
        since = NOW - timedelta(days=5)
        recent = [s for s in (world.session(i) for i in range(world.size)) if s.start >= since]
        live_rooms = {room_name(s) for s in recent}
        assert live_rooms < set(fake.index.rooms())  # some rooms have nothing that recent
        col = store.sessions(SessionQuery(since=since))
        assert [s.id async for s in col.stream()] == newest_first(world, SessionQuery(since=since))
        assert {r.url.params["roomName"] for r in room_requests(fake)} == live_rooms
    finally:
        await store.aclose()


async def test_rooms_are_read_side_by_side(fake: FakeWhereby, tmp_path: Path) -> None:
    in_flight = peak = 0
    handler = fake.handler

    async def counting(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await handler(request)
        finally:
            in_flight -= 1

    fake.latency_s = 0.01
    fake.handler = counting  # type: ignore[method-assign]
    wb = provider(fake)
    store = Store([wb], Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    try:
        await store.sessions(SessionQuery()).ensure(0, 60)
    finally:
        await store.aclose()
    assert 1 < peak <= wb.partition_concurrency


async def test_a_room_list_without_the_newest_first_sort_is_read_whole_and_still_in_order(
    fake: FakeWhereby, rooms_world: DemoWorld, tmp_path: Path
) -> None:
    fake.inject(400, {"error": "Invalid sortBy value"}, path_contains="/room-sessions", times=1)
    store = Store([provider(fake)], Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    try:
        col = store.sessions(SessionQuery())
        await col.ensure(0, 30)
        assert [col.row(i).id for i in range(30)] == newest_first(rooms_world, SessionQuery())[:30]  # type: ignore[union-attr]
        assert all("sortBy" not in r.url.params for r in room_requests(fake)[1:])
    finally:
        await store.aclose()


async def test_rows_beyond_the_window_are_spilled_and_read_back(store: Store, rooms_world: DemoWorld) -> None:
    col = store.sessions(SessionQuery())
    assert isinstance(col, PartitionedCollection)
    col.window = 4
    await col.ensure_all()
    want = newest_first(rooms_world, SessionQuery())
    assert col.loaded == len(want) and len(col._chunks) <= 4
    assert col.row(0) is None  # let go of
    await col.ensure(0, 50)
    assert [col.row(i).id for i in range(50)] == want[:50]  # type: ignore[union-attr]
    middle = len(want) // 2
    await col.ensure(middle, middle + 50)
    assert [col.row(i).id for i in range(middle, middle + 50)] == want[middle : middle + 50]  # type: ignore[union-attr]
    assert len(col._chunks) <= 4
