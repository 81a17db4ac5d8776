"""The store's diagnoses: served by the demo provider's data, right against the demo world's
truth, computed once for concurrent asks, kept on disk for ended sessions and not for live ones."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import INCIDENT_CAUSES, DemoSession, DemoWorld
from roomscope.tui.models import QualitySeries, Session, SessionStatus
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import SessionRef, Store
from tests.conftest import NOW, fixed_now, fixed_time


class CountingDemo(DemoProvider):
    """The demo provider, counting the quality requests it answers."""

    def __init__(self, world: DemoWorld) -> None:
        super().__init__(latency_s=0.0, clock=fixed_now, world=world)
        self.quality_calls = 0

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        self.quality_calls += 1
        return await super().get_quality(session_id, participant_id)


def incident(world: DemoWorld, kind: str) -> DemoSession:
    for i in range(world.size):
        s = world.session(i)
        if s.incident == kind and world.ended_at(s, NOW) is not None:
            return s
    raise AssertionError(f"no ended {kind} session in the demo world")


async def session_of(store: Store, s: DemoSession) -> Session:
    return await store.session(SessionRef("demo", s.id))


@pytest.mark.parametrize("kind", sorted(INCIDENT_CAUSES))
async def test_the_top_finding_names_the_true_cause(store: Store, world: DemoWorld, kind: str) -> None:
    session = await session_of(store, incident(world, kind))
    truth = session.extra["incident"]
    assert truth["kind"] == kind  # the demo provider serves the truth among its fields
    report = await store.diagnosis(session)
    assert report.top is not None, f"{kind}: no finding"
    assert report.top.cause.value == INCIDENT_CAUSES[kind]
    assert report.worst.rank >= 1 and report.summary_line()


async def test_a_clean_session_has_no_finding(store: Store, world: DemoWorld) -> None:
    clean = next(
        s
        for s in (world.session(i) for i in range(world.size))
        if s.incident is None and world.ended_at(s, NOW) is not None
    )
    session = await session_of(store, clean)
    assert session.extra.get("incident") is None
    report = await store.diagnosis(session)
    assert report.findings == ()


async def test_concurrent_asks_share_one_computation_and_memory_serves_the_next(
    world: DemoWorld, cache_dir: Path
) -> None:
    demo = CountingDemo(world)
    store = Store([demo], Cache.open(cache_dir, clock=fixed_time), clock=fixed_time)
    try:
        session = await session_of(store, incident(world, "loss_spike"))
        assert store.known_diagnosis(session) is None
        first, second = await asyncio.gather(store.diagnosis(session), store.diagnosis(session))
        assert first is second
        calls = demo.quality_calls
        assert calls == session.participant_count
        assert store.known_diagnosis(session) is first
        assert await store.diagnosis(session) is first and demo.quality_calls == calls
    finally:
        await store.aclose()


async def test_an_ended_sessions_diagnosis_survives_a_restart_without_asking_again(
    world: DemoWorld, cache_dir: Path
) -> None:
    first_store = Store([CountingDemo(world)], Cache.open(cache_dir, clock=fixed_time), clock=fixed_time)
    try:
        session = await session_of(first_store, incident(world, "everyone"))
        before = await first_store.diagnosis(session)
    finally:
        await first_store.aclose()
    demo = CountingDemo(world)
    later = Store([demo], Cache.open(cache_dir, clock=lambda: fixed_time() + 30 * 86400), clock=fixed_time)
    try:
        after = await later.diagnosis(session)
        assert demo.quality_calls == 0
        assert after == before and after.summary_line() == before.summary_line()
    finally:
        await later.aclose()


async def test_a_live_sessions_diagnosis_is_not_kept_for_good(world: DemoWorld, cache_dir: Path) -> None:
    demo = CountingDemo(world)
    store = Store([demo], Cache.open(cache_dir, clock=fixed_time), clock=fixed_time)
    try:
        live = next(s for s in (world.session(i) for i in range(world.size)) if world.is_live(s, NOW))
        session = await session_of(store, live)
        assert session.status is SessionStatus.LIVE
        await store.diagnosis(session)
        assert store.known_diagnosis(session) is None  # asked again once its data may have moved
        entry = store.cache.get(store._diagnosis_key(session)) if store.cache else None
        assert entry is not None and entry.expires_at is not None
    finally:
        await store.aclose()
