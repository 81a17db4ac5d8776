"""Stale-while-revalidate: the stale answer first, the request a moment later, once."""

from __future__ import annotations

import asyncio
from pathlib import Path

from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.limits import LIST_TTL_S, REVALIDATE_AFTER_S
from roomscope.tui.models import SessionQuery, SessionStatus
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import Store
from tests.conftest import NOW, fixed_now


async def test_a_stale_page_is_asked_again_after_a_moment_and_once(tmp_path: Path) -> None:
    clock = [NOW.timestamp()]
    provider = DemoProvider(
        "demo", latency_s=0.0, clock=fixed_now, world=DemoWorld(seed=7, size=500, now=NOW)
    )
    store = Store([provider], Cache.open(tmp_path, clock=lambda: clock[0]), clock=lambda: clock[0])
    query = SessionQuery(status=SessionStatus.ENDED)
    try:
        await store.sessions(query).ensure(0, 1)
        assert provider.requests == 1
        clock[0] += LIST_TTL_S + 1
        # two lists of the same query read the stale page from the disk cache at once
        first, second = store.sessions(query), store.sessions(query)
        await asyncio.gather(first.ensure(0, 1), second.ensure(0, 1))
        assert first.freshness is not None and first.freshness.stale
        for _ in range(5):
            await asyncio.sleep(0)  # what runs at once has run
        assert provider.requests == 1  # not yet: the stale rows are drawn first
        for _ in range(200):
            if provider.requests > 1:
                break
            await asyncio.sleep(REVALIDATE_AFTER_S / 5)
        await asyncio.sleep(REVALIDATE_AFTER_S)
        assert provider.requests == 2  # asked again once, for both
    finally:
        await store.aclose()
