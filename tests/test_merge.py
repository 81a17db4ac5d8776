"""Merged lists (several profiles by start time): the order, the tail without the middle,
any position by selection, streams, and a bounded number of merged rows in memory."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roomscope.tui import present
from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.errors import Capability
from roomscope.tui.models import Page, Session, SessionQuery
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import Collection, MergedCollection, Store
from roomscope.tui.store.merge import MergeOrder, backward, forward, select
from tests.conftest import NOW, fixed_now, fixed_time


class CursorOnly(DemoProvider):
    capabilities = DemoProvider.capabilities - {Capability.SEEK, Capability.TOTAL}

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        page = await super().list_sessions(query, cursor, limit)
        return page.model_copy(update={"total": None})


def demo(kind: type[DemoProvider], index: int, size: int, page: int) -> DemoProvider:
    world = DemoWorld(seed=40 + index, size=size, now=NOW)
    provider = kind(f"p{index}", latency_s=0.0, clock=fixed_now, world=world)
    provider.page_size = page
    return provider


@pytest.fixture
async def four(tmp_path: Path) -> AsyncIterator[tuple[Store, list[DemoProvider]]]:
    providers = [
        demo(DemoProvider, i, size, page)
        for i, (size, page) in enumerate([(2500, 200), (1800, 100), (3100, 150), (600, 200)])
    ]
    store = Store(providers, Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    yield store, providers
    await store.aclose()


async def reference(store: Store, query: SessionQuery) -> list[str]:
    """Every profile's list read on its own, then sorted: start time, ties by profile order."""
    keyed: list[tuple[float, int, int, str]] = []
    for i, profile in enumerate(store.profiles):
        position = 0
        async for s in store.sessions(query, profiles=[profile]).stream():
            stamp = s.started_at.timestamp() if s.started_at else 0.0
            keyed.append((-stamp if query.descending else stamp, i, position, s.id))
            position += 1
    return [k[3] for k in sorted(keyed)]


def ids(col: Collection[Session], start: int, stop: int) -> list[str | None]:
    return [s.id if (s := col.row(i)) is not None else None for i in range(start, stop)]


async def test_the_tail_of_four_seekable_profiles_needs_only_their_first_and_last_pages(
    four: tuple[Store, list[DemoProvider]],
) -> None:
    store, providers = four
    want = await reference(store, SessionQuery())
    for p in providers:
        p.requests = 0
    col = store.sessions(SessionQuery())
    assert isinstance(col, MergedCollection) and col.seekable
    await col.ensure(0, 40)
    n = len(col)
    assert n == col.total == len(want) == 8000  # the sum of the totals, before any scrolling
    await col.ensure(n - 40, n)
    assert ids(col, n - 40, n) == want[n - 40 :]
    assert ids(col, 0, 40) == want[:40]
    assert all(p.requests <= 3 for p in providers), [p.requests for p in providers]
    assert col.loaded < 1000


@pytest.mark.parametrize("descending", [True, False])
async def test_any_position_of_a_merge_is_its_place_in_the_sorted_whole(
    four: tuple[Store, list[DemoProvider]], descending: bool
) -> None:
    store, _providers = four
    query = SessionQuery(descending=descending)
    want = await reference(store, query)
    col = store.sessions(query)
    await col.ensure(0, 1)
    n = len(col)
    rng = random.Random(5)
    for start in [n // 2, 1, n - 1, 3999, *(rng.randrange(n) for _ in range(12))]:
        stop = min(n, start + 45)
        await col.ensure(start, stop)
        assert ids(col, start, stop) == want[start:stop], start
    assert isinstance(col, MergedCollection)
    assert len(col._chunks) <= col.window  # merged rows held: bounded
    assert [s.id async for s in col.stream()] == want
    assert [s.id async for s in col.stream(n // 3)] == want[n // 3 :]
    await col.ensure_all()
    assert col.done and col.loaded == n


async def test_a_merge_with_a_cursor_only_profile_walks_front_to_back(tmp_path: Path) -> None:
    providers = [demo(DemoProvider, 0, 900, 200), demo(CursorOnly, 1, 700, 70)]
    store = Store(providers, Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    try:
        want = await reference(store, SessionQuery())
        col = store.sessions(SessionQuery())
        assert isinstance(col, MergedCollection) and not col.seekable
        await col.ensure(0, 50)
        assert (len(col), col.total) == (col.loaded + 1, None)  # a "more" row
        await col.ensure_all()
        assert col.done and len(col) == col.total == 1600
        assert ids(col, 1500, 1600) == want[1500:]
        await col.ensure(0, 100)  # let go of long ago, made again from its split
        assert ids(col, 0, 100) == want[:100]
        assert [s.id async for s in col.stream()] == want
    finally:
        await store.aclose()


# -- the merge maths on lists held in memory ------------------------------------------------


class Listed(Collection[Session]):
    """A seekable list in memory."""

    page_size = 7

    def __init__(self, rows: Sequence[Session]) -> None:
        super().__init__()
        self.rows = list(rows)

    def __len__(self) -> int:
        return len(self.rows)

    def row(self, index: int) -> Session | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    @property
    def loaded(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def started(self) -> bool:
        return True

    @property
    def seekable(self) -> bool:
        return True

    async def ensure(self, start: int, stop: int) -> None:
        return None

    async def ensure_all(self) -> None:
        return None


def sessions(tag: str, minutes: Sequence[int]) -> list[Session]:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        Session(provider="x", id=f"{tag}{i}", started_at=base + timedelta(minutes=m))
        for i, m in enumerate(minutes)
    ]


async def test_select_forward_and_backward_agree_with_a_sort_even_with_ties() -> None:
    rng = random.Random(9)
    lists = [sorted((rng.randrange(40) for _ in range(n)), reverse=True) for n in (30, 0, 55, 17)]
    lists.append([12] * 25)  # one start time shared by a whole list
    sources = [Listed(sessions(f"s{k}-", m)) for k, m in enumerate(lists)]
    order = MergeOrder(descending=True)
    keyed = sorted(
        (order.value(s), k, i, s.id) for k, src in enumerate(sources) for i, s in enumerate(src.rows)
    )
    want = [k[3] for k in keyed]
    for position in range(len(want) + 1):
        split = await select(sources, position, order, walk=3)
        assert sum(split) == position
        ahead, _after = await forward(sources, split, 9, order)
        assert [s.id for s in ahead] == want[position : position + 9]
        behind, before = await backward(sources, split, 9, order)
        assert [s.id for s in behind] == want[max(0, position - 9) : position]
        assert sum(before) == max(0, position - 9)


async def test_a_profile_that_fails_is_left_out_of_the_merge_and_named(tmp_path: Path) -> None:
    from roomscope.tui.providers.base import UnavailableError

    class Down(DemoProvider):
        async def _latency(self) -> None:
            await super()._latency()
            raise UnavailableError("Could not reach the demo API.", provider=self.name, network=True)

    providers = [demo(DemoProvider, 0, 300, 100), demo(Down, 1, 300, 100)]
    store = Store(providers, Cache.open(tmp_path, clock=fixed_time), clock=fixed_time)
    try:
        col = store.sessions(SessionQuery())
        assert isinstance(col, MergedCollection)
        await col.ensure(0, 50)
        alone = [s.id async for s in store.sessions(SessionQuery(), profiles=["p0"]).stream()]
        assert ids(col, 0, 50) == alone[:50]
        assert col.error is None
        assert present.view_note(col.activity) == "p1: Could not reach the demo API."
    finally:
        await store.aclose()
