"""Live mode on the session list: `L` and `--live`, `p`, new sessions at the top with the
selection kept, a notice per new poor finding, and no repaint when nothing changed.

The demo provider and the store share one clock the tests move by hand; a refresh is made
as the timer would make it (``_live_tick``), so nothing here waits for the clock. One test
lets the real timer run, with the demo's interval shortened.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot

from roomscope.screens.sessions import SessionsScreen
from roomscope.tui.cli import build_app
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.models import Page, Session, SessionQuery
from roomscope.tui.providers.base import UnavailableError
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import FilteredCollection, MergedCollection
from roomscope.widgets.status_bar import StatusBar
from tests.conftest import NOW, fixed_now
from tests.ui.conftest import (
    AppFactory,
    Built,
    StoreClock,
    screen_text,
    sessions_screen,
    settle,
    wait_for_sessions,
    wait_until,
)
from tests.ui.test_repaint import watch_lines


def live_app(make_app: AppFactory, size: int = 500, *, live: bool = False) -> Built:
    """An app whose demo world and store share a clock the test moves (``built.clock``)."""
    clock = StoreClock()
    demo = DemoProvider(
        latency_s=0.0,
        clock=lambda: datetime.fromtimestamp(clock.t, UTC),
        world=DemoWorld(seed=7, size=size, now=NOW),
    )
    built = make_app(providers=[demo], clock=clock)
    built.app.live_at_start = live
    return built


def live_state(screen: SessionsScreen) -> tuple[bool, bool, bool]:
    """(live, paused, a refresh planned)."""
    return screen.live, screen.live_paused, screen._live_timer is not None


def status_line(pilot: Pilot[Any]) -> str:
    """What the status line says (read from it: a notice may cover it on screen)."""
    return str(sessions_screen(pilot.app).query_one(StatusBar).content)


async def refresh(pilot: Pilot[Any]) -> None:
    """One live refresh, as the timer makes it, and everything it starts finished."""
    screen = sessions_screen(pilot.app)
    before = screen.live_refreshes
    screen._live_tick()
    await wait_until(pilot, lambda: screen.live_refreshes > before, what="a live refresh")
    await settle(pilot)


def notices(pilot: Pilot[Any]) -> list[str]:
    return [str(n.message) for n in pilot.app._notifications if "New poor finding" in str(n.message)]


def test_the_live_option_starts_the_list_in_live_mode() -> None:
    app = build_app(["--provider", "demo", "--live"], clock=fixed_now)
    assert app.live_at_start is True
    assert build_app(["--provider", "demo"], clock=fixed_now).live_at_start is False


async def test_live_at_start_says_so_and_plans_a_refresh(make_app: AppFactory) -> None:
    built = live_app(make_app, live=True)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        assert live_state(screen) == (True, False, True)
        await wait_until(pilot, lambda: "● live" in status_line(pilot), what="the live status")
        line = status_line(pilot)
        assert "● live · updated just now · every 10s" in line, line


async def test_L_turns_live_mode_on_and_off_and_off_stops_refreshing(make_app: AppFactory) -> None:
    built = live_app(make_app)
    async with built.app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        assert "live ·" not in status_line(pilot)
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot)
        assert live_state(screen) == (True, False, True)
        assert "● live · updated just now · every 10s" in status_line(pilot)
        said = [str(n.message) for n in pilot.app._notifications]
        assert "Live mode: the list refreshes every 10s (Demo world: no request budget)." in said
        built.clock.advance(20)
        screen._show_status()  # as its one-second timer does
        await pilot.pause()
        assert "● live · updated 20s ago · every 10s" in status_line(pilot)
        await pilot.press("L")
        await pilot.pause()
        assert live_state(screen) == (False, False, False)
        assert "● live" not in status_line(pilot)
        asked = built.provider.requests
        built.clock.advance(30)
        screen._live_tick()  # a timer that fired late: nothing happens
        await settle(pilot)
        assert built.provider.requests == asked and screen.live_refreshes == 1


async def test_p_pauses_live_mode_and_nothing_is_asked_until_it_resumes(make_app: AppFactory) -> None:
    built = live_app(make_app)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert live_state(screen) == (True, True, False)
        assert "⏸ paused · updated just now" in status_line(pilot)
        assert "every" not in status_line(pilot)
        asked = built.provider.requests
        built.clock.advance(60)
        screen._live_tick()
        await settle(pilot)
        assert built.provider.requests == asked and screen.live_refreshes == 1
        screen._show_status()
        await pilot.pause()
        assert "⏸ paused · updated 1m ago" in status_line(pilot)
        await pilot.press("p")  # resumes with a refresh at once
        await wait_until(pilot, lambda: screen.live_refreshes == 2, what="the refresh on resuming")
        await settle(pilot)
        assert built.provider.requests > asked
        assert "● live · updated just now" in status_line(pilot)


async def test_p_outside_live_mode_says_how_to_start_it(make_app: AppFactory) -> None:
    built = live_app(make_app)
    async with built.app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("p")
        await pilot.pause()
        assert any("L starts it" in str(n.message) for n in pilot.app._notifications)
        assert not sessions_screen(pilot.app).live_paused


async def test_new_sessions_appear_at_the_top_and_the_selection_stays_on_its_session(
    make_app: AppFactory,
) -> None:
    built = live_app(make_app)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        table = screen.table
        await pilot.press("j", "j", "j")
        chosen = table.selected
        assert chosen is not None and table.cursor == 3
        top_before = table.source.row(0) if table.source is not None else None
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot)
        assert table.selected == chosen and table.cursor == 3  # nothing new yet
        built.clock.advance(6 * 3600)  # a slot is 86 min: about four new sessions
        await refresh(pilot)
        source = table.source
        assert source is not None
        new_top = source.row(0)
        assert new_top is not None and top_before is not None and new_top.id != top_before.id
        selected = table.selected
        assert selected is not None and (selected.profile, selected.id) == (chosen.profile, chosen.id)
        shift = next(i for i in range(20) if (row := source.row(i)) is not None and row.id == top_before.id)
        assert shift > 0 and table.cursor == 3 + shift
        assert new_top.title in screen_text(pilot.app)  # the list was at its top: they show


async def test_on_the_first_row_unmoved_the_same_session_stays_selected(make_app: AppFactory) -> None:
    built = live_app(make_app)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        table = screen.table
        first = table.selected
        assert first is not None and table.cursor == 0
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot)
        built.clock.advance(6 * 3600)
        await refresh(pilot)
        assert table.selected is not None and table.selected.id == first.id
        assert table.cursor > 0
        newest = table.source.row(0) if table.source is not None else None
        assert newest is not None and newest.id != first.id


async def test_a_merged_and_filtered_list_shows_new_sessions_and_keeps_the_selection(
    make_app: AppFactory,
) -> None:
    """Two profiles merged newest first, filtered by text: the list read again shows the
    sessions begun since at the top, and the selected session stays selected."""
    clock = StoreClock()
    providers = [
        DemoProvider(
            name,
            latency_s=0.0,
            clock=lambda: datetime.fromtimestamp(clock.t, UTC),
            world=DemoWorld(seed=seed, size=300, now=NOW),
        )
        for name, seed in (("eu", 1), ("us", 2))
    ]
    built = make_app(providers=providers, clock=clock)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        table = screen.table
        await pilot.press("slash", *"-zzzz", "enter")  # every session: a filter that keeps all
        await wait_until(pilot, lambda: screen.state.text == "-zzzz", what="the filter")
        await wait_for_sessions(pilot)
        assert isinstance(screen.listed, FilteredCollection)
        assert isinstance(screen.listed.base, MergedCollection)
        await pilot.press("j", "j")
        chosen = table.selected
        assert chosen is not None
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot)
        source = table.source
        assert source is not None
        before = [r.id for i in range(10) if (r := source.row(i)) is not None]
        assert len(before) == 10
        built.clock.advance(12 * 3600)  # a slot of each world is 2.4 h: about ten new sessions
        await refresh(pilot)
        source = table.source
        assert source is not None
        after = [r.id for i in range(20) if (r := source.row(i)) is not None]
        assert after[0] not in before and before[0] in after
        selected = table.selected
        assert selected is not None and (selected.profile, selected.id) == (chosen.profile, chosen.id)
        assert table.cursor == 2 + after.index(before[0])
        assert isinstance(screen.listed, FilteredCollection)  # read again as the same view


class Flaky(DemoProvider):
    """Lists sessions until the network goes down (``down``)."""

    down = False

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        if self.down:
            self.requests += 1
            raise UnavailableError(
                "demo.invalid is unreachable: connection refused.", provider="demo", network=True
            )
        return await super().list_sessions(query, cursor, limit)


async def test_a_refresh_that_fails_keeps_the_rows_on_screen_and_live_mode_goes_on(
    make_app: AppFactory,
) -> None:
    clock = StoreClock()
    flaky = Flaky(
        latency_s=0.0,
        clock=lambda: datetime.fromtimestamp(clock.t, UTC),
        world=DemoWorld(seed=7, size=500, now=NOW),
    )
    built = make_app(providers=[flaky], clock=clock)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot)
        shown = screen.collection
        first = screen.table.selected
        flaky.down = True
        built.clock.advance(6 * 3600)  # new sessions: the list's first page is not in the cache
        asked = flaky.requests
        screen._live_tick()
        await settle(pilot)
        assert flaky.requests > asked  # it was asked, and failed
        assert screen.collection is shown and screen.table.selected == first
        rows = screen_text(pilot.app).splitlines()[2:-2]
        assert not any("unreachable" in row for row in rows), rows
        assert "unreachable" in status_line(pilot) or "offline" in status_line(pilot)
        assert screen.live and screen._live_timer is not None  # the next refresh is planned
        flaky.down = False
        await refresh(pilot)
        assert screen.collection is not shown and screen.live_refreshes == 2


async def test_a_new_poor_finding_is_told_once(make_app: AppFactory) -> None:
    # In this world the third session is live at NOW with seven people, and one of them
    # starts losing 11-24 % of what they send 50 s later (for 70-150 s).
    built = live_app(make_app, size=5000)
    world = DemoWorld(seed=7, size=5000, now=NOW)
    spiked = world.session(2)
    assert spiked.incident == "loss_spike" and world.is_live(spiked, NOW)
    incident_end = spiked.start + timedelta(seconds=spiked.incident_start_s + spiked.incident_len_s)
    async with built.app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot, patience=60)
        assert notices(pilot) == []  # nothing poor has begun since live mode started
        built.clock.advance((incident_end - NOW).total_seconds() + 30)
        await refresh(pilot)
        told = notices(pilot)
        assert told, screen_text(pilot.app)
        assert all(spiked.room_name in text for text in told), told
        assert any("packet loss" in text for text in told), told
        built.clock.advance(15)
        await refresh(pilot)
        assert notices(pilot) == told  # the next refresh tells nothing again


async def test_a_refresh_that_finds_the_same_rows_repaints_nothing(make_app: AppFactory) -> None:
    # Ended sessions only (`v` twice): in this world none starts or ends in the 20 s the test
    # moves the clock, so a refresh reads exactly the same rows.
    built = live_app(make_app)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        await pilot.press("v", "v")
        await wait_until(pilot, lambda: screen.state.status == "ended", what="ended only")
        await wait_for_sessions(pilot)
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes == 1, what="the first live refresh")
        await settle(pilot)
        built.clock.advance(10)
        await refresh(pilot)
        drawn = watch_lines(screen.table)
        asked = built.provider.requests
        built.clock.advance(10)
        await refresh(pilot)
        assert built.provider.requests > asked  # the list was read again ...
        assert drawn == []  # ... and not one row was painted again


async def test_the_timer_refreshes_on_its_own_at_the_pace(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import roomscope.tui.live as live

    monkeypatch.setattr(live, "LIVE_DEMO_REFRESH_S", 0.05)
    built = live_app(make_app)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = sessions_screen(pilot.app)
        await pilot.press("L")
        await wait_until(pilot, lambda: screen.live_refreshes >= 3, what="three refreshes by the timer")
        await pilot.press("L")
        await settle(pilot)
        assert screen._live_timer is None
        assert not any(w.group == "live" and w.is_running for w in screen.workers)
