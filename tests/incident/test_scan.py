"""The sessions of an incident window: overlap across every open profile, diagnoses, worst first."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.incident.scan import ScanProgress, scan, session_span, sessions_in
from roomscope.tui.incident.window import parse_window
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.quality import Verdict
from roomscope.tui.store import Store
from tests.conftest import NOW, fixed_now, fixed_time


@pytest.fixture
async def two_profiles(tmp_path: Path) -> AsyncIterator[Store]:
    """Two profiles over two different demo worlds."""
    providers = [
        DemoProvider("east", latency_s=0.0, clock=fixed_now, world=DemoWorld(seed=7, size=500, now=NOW)),
        DemoProvider("west", latency_s=0.0, clock=fixed_now, world=DemoWorld(seed=8, size=500, now=NOW)),
    ]
    store = Store(providers, Cache.open(tmp_path / "cache", clock=fixed_time), clock=fixed_time)
    yield store
    await store.aclose()


async def test_every_overlapping_session_of_the_window(store: Store, world: DemoWorld) -> None:
    window = parse_window("00:00..now", NOW, UTC)
    rows = [row async for row in sessions_in(store, window, NOW)]
    # Sessions 0..8 overlap midnight to ten: 7 and 8 started the day before and ended after midnight.
    assert sorted(r.session.id for r in rows) == sorted(world.session(i).id for i in range(9))
    live = next(r for r in rows if r.session.id == world.session(0).id)
    assert live.end is None


async def test_a_session_ending_before_the_window_is_left_out(store: Store, world: DemoWorld) -> None:
    # Session 7 ends at 00:05:28, session 8 at 00:10:39.
    window = parse_window("2026-11-22T00:06Z..2026-11-22T00:30Z", NOW, UTC)
    rows = [row async for row in sessions_in(store, window, NOW)]
    assert [r.session.id for r in rows] == [world.session(8).id]


async def test_across_every_open_profile(two_profiles: Store) -> None:
    window = parse_window("04:00..now", NOW, UTC)
    progress = ScanProgress()
    rows = await scan(two_profiles, window, NOW, progress=progress)
    assert {r.session.profile for r in rows} == {"east", "west"}
    assert progress.done_listing and progress.found == len(rows) == progress.diagnosed
    assert all(r.diagnosis is not None for r in rows)


async def test_worst_first_with_degraded_stretches(store: Store, world: DemoWorld) -> None:
    # The 'All-hands' of 04:08 (index 21) had a loss spike.
    session = world.session(21)
    window = parse_window(
        f"{session.start.isoformat()}..{(session.start + timedelta(hours=1)).isoformat()}", NOW, UTC
    )
    rows = await scan(store, window, NOW)
    assert rows, "the window holds a session"
    ranks = [r.order() for r in rows]
    assert ranks == sorted(ranks)
    worst = rows[0]
    assert worst.verdict in (Verdict.POOR, Verdict.FAIR)
    assert worst.stretches and worst.degraded_s > 0
    for stretch in worst.stretches:
        assert stretch.start < stretch.end
    assert worst.summary.startswith(("●", "◐"))


def test_session_span() -> None:
    from roomscope.tui.models import Session, SessionStatus

    start = datetime(2026, 11, 22, 9, tzinfo=UTC)
    ended = Session(provider="demo", id="a", status=SessionStatus.ENDED, started_at=start, duration_s=600)
    assert session_span(ended, NOW) == (start, start + timedelta(minutes=10))
    live = Session(provider="demo", id="b", status=SessionStatus.LIVE, started_at=start)
    assert session_span(live, NOW) == (start, None)
    assert session_span(Session(provider="demo", id="c"), NOW) is None
