"""How each screen and each state of the session list looks (pytest-textual-snapshot).

Screens and states at 80x24 and 120x40, the too-small notice at sizes just below the
minimum. Deterministic: the fixed clock of ``tests.conftest`` for the app, the providers
and the store, times in UTC, no demo latency, a temporary cache, no animations, and every
load finished before the picture is taken. Regenerate with ``--snapshot-update`` (only the
tests whose picture should change: pass their node ids) and look at the SVGs before
committing them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from textual.pilot import Pilot

from roomscope.tui.app import RoomscopeApp
from roomscope.tui.limits import MIN_HEIGHT, MIN_WIDTH
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    NoSessions,
    Refusing,
    SnapCompare,
    StoreClock,
    Unreachable,
    list_started,
    open_session_at,
    roomscope_app,
    screen_text,
    sessions_screen,
    settle,
    wait_for_participant_screen,
    wait_for_quality,
    wait_for_quality_screen,
    wait_for_sessions,
    wait_until,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
LOSS_SPIKE = 21  # "All-hands": one poor, four fair, two good participants

Flow = Callable[[Pilot[Any]], Awaitable[None]]


def _no_loading(pilot: Pilot[Any]) -> None:
    text = screen_text(pilot.app)
    assert "loading" not in text, text
    assert "⚠" not in text, text


async def sessions(pilot: Pilot[Any]) -> None:
    await wait_for_sessions(pilot)
    _no_loading(pilot)


async def sessions_with_quality(pilot: Pilot[Any]) -> None:
    """The list with its Quality column filled for every row on screen (and the screenful
    ahead diagnosed, so nothing changes while the picture is taken)."""
    await wait_for_sessions(pilot, patience=180)
    await wait_for_quality(pilot)
    assert " poor" in screen_text(pilot.app)
    _no_loading(pilot)


async def session(pilot: Pilot[Any]) -> None:
    await sessions(pilot)
    await open_session_at(pilot, LOSS_SPIKE)
    _no_loading(pilot)


async def session_tab(pilot: Pilot[Any], key: str) -> None:
    await session(pilot)
    await pilot.press(key)
    await settle(pilot)
    _no_loading(pilot)


async def heatmap(pilot: Pilot[Any]) -> None:
    await session_tab(pilot, "2")


async def people(pilot: Pilot[Any]) -> None:
    await session_tab(pilot, "3")


async def participant(pilot: Pilot[Any]) -> None:
    await session(pilot)
    await pilot.press("enter")
    await wait_for_participant_screen(pilot)
    _no_loading(pilot)


async def quality(pilot: Pilot[Any]) -> None:
    await participant(pilot)
    await pilot.press("enter")
    await wait_for_quality_screen(pilot)
    _no_loading(pilot)


async def quality_zoomed(pilot: Pilot[Any]) -> None:
    """Zoomed in four times around the cursor (at the loss burst), then two columns on."""
    await quality(pilot)
    await pilot.press("plus", "plus", "l", "l")
    await pilot.pause()
    assert "zoom ×4:" in screen_text(pilot.app)


async def help_screen(pilot: Pilot[Any]) -> None:
    await sessions(pilot)
    await pilot.press("question_mark")
    await pilot.pause()
    assert "Keys on Sessions" in screen_text(pilot.app)


FLOWS: dict[str, Flow] = {
    "sessions": sessions_with_quality,
    "session": session,
    "heatmap": heatmap,
    "people": people,
    "participant": participant,
    "quality": quality,
    "quality-zoomed": quality_zoomed,
    "help": help_screen,
}


SCREENS = [
    pytest.param(name, marks=pytest.mark.quality_column) if name == "sessions" else name for name in FLOWS
]
"""The list's own picture has its Quality column; the others are about something else."""


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(
    screen: str, size: tuple[int, int], make_sync_app: AppFactory, snap_compare: SnapCompare
) -> None:
    app = make_sync_app().app
    assert snap_compare(app, terminal_size=size, run_before=FLOWS[screen])


# ---------------------------------------------------------------------------------------
# States of the session list: errors, offline, empty, filtered


def status_line(pilot: Pilot[Any]) -> str:
    return screen_text(pilot.app).splitlines()[-2]  # above the footer


async def failed_list(pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: list_started(pilot.app), what="the failed list")
    await settle(pilot)


async def auth_error(pilot: Pilot[Any]) -> None:
    await failed_list(pilot)
    rows = screen_text(pilot.app).splitlines()[2:-2]  # below the column titles, above the status
    assert any("⚠ The demo API rejected the credentials" in row for row in rows), rows
    assert "⚠ The demo API rejected" in status_line(pilot)


async def network_error(pilot: Pilot[Any]) -> None:
    await failed_list(pilot)
    assert "⚠ demo.invalid is unreachable: connection refused." in screen_text(pilot.app)
    assert f"offline since {NOW:%H:%M:%S}" in status_line(pilot)


async def offline(pilot: Pilot[Any]) -> None:
    await wait_for_sessions(pilot)
    line = status_line(pilot)
    assert "OFFLINE (cache only)" in line and "cached 5m ago" in line
    assert "All-hands" in screen_text(pilot.app)


async def empty(pilot: Pilot[Any]) -> None:
    await wait_until(pilot, lambda: list_started(pilot.app), what="the empty list")
    await settle(pilot)
    assert "No sessions yet." in screen_text(pilot.app)
    assert "0/0 sessions" in status_line(pilot)
    _no_loading(pilot)


async def filter_by(pilot: Pilot[Any], text: str) -> None:
    """Type ``text`` into the filter, wait for the list it gives, and press Enter to keep it."""
    await sessions(pilot)
    await pilot.press("slash", *text)
    await wait_until(
        pilot, lambda: sessions_screen(pilot.app).state.text == text, what=f"the filter {text!r}"
    )
    await wait_until(pilot, lambda: list_started(pilot.app), what="the filtered list")
    await pilot.press("enter")
    await settle(pilot)


async def filtered(pilot: Pilot[Any]) -> None:
    await filter_by(pilot, "standup")
    assert "filter “standup”" in status_line(pilot)
    assert "Daily standup" in screen_text(pilot.app)
    assert "All-hands" not in screen_text(pilot.app)
    _no_loading(pilot)


async def no_match(pilot: Pilot[Any]) -> None:
    await filter_by(pilot, "zzzz")
    assert "No sessions match." in screen_text(pilot.app)
    assert "filter “zzzz”" in status_line(pilot)
    _no_loading(pilot)


def live_app(factory: AppFactory, _size: tuple[int, int]) -> RoomscopeApp:
    """``--live``: the list starts in live mode."""
    app = factory().app
    app.live_at_start = True
    return app


async def live(pilot: Pilot[Any]) -> None:
    await sessions(pilot)
    await wait_until(pilot, lambda: "● live" in status_line(pilot), what="the live status")
    assert "● live · updated just now · every 10s" in status_line(pilot)
    timer = sessions_screen(pilot.app)._live_timer
    assert timer is not None
    timer.pause()  # the first refresh (and its notice) stays out of the picture, however slow the run


async def live_paused(pilot: Pilot[Any]) -> None:
    await live(pilot)
    await pilot.press("p")
    await wait_until(pilot, lambda: "⏸ paused" in status_line(pilot), what="the paused status")
    assert "⏸ paused · updated just now" in status_line(pilot)


def offline_app(factory: AppFactory, size: tuple[int, int]) -> RoomscopeApp:
    """Five minutes after a first run filled the cache, an offline start over that cache."""
    first = factory()

    async def fill_cache() -> None:
        async with first.app.run_test(size=size) as pilot:
            await wait_for_sessions(pilot)

    asyncio.run(fill_cache())
    later = StoreClock(NOW.timestamp() + 300)
    return factory(cache_dir=first.cache_dir, clock=later, offline=True).app


@dataclass(frozen=True)
class State:
    app: Callable[[AppFactory, tuple[int, int]], RoomscopeApp]
    flow: Flow


STATES: dict[str, State] = {
    "auth-error": State(lambda f, _: f(providers=[f.demo(cls=Refusing)]).app, auth_error),
    "network-error": State(lambda f, _: f(providers=[f.demo(cls=Unreachable)]).app, network_error),
    "offline": State(offline_app, offline),
    "empty": State(lambda f, _: f(providers=[f.demo(cls=NoSessions)]).app, empty),
    "filtered": State(lambda f, _: f().app, filtered),
    # Ten sessions fit without a scrollbar. After a long list empties, the column titles keep
    # the width they had beside its scrollbar until a row is drawn or the terminal resizes,
    # and whether a row is drawn in between depends on timing: the picture would vary by a cell.
    "no-match": State(lambda f, _: f(size=10).app, no_match),
    "live": State(live_app, live),
    "live-paused": State(live_app, live_paused),
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("state", list(STATES))
def test_state(
    state: str, size: tuple[int, int], make_sync_app: AppFactory, snap_compare: SnapCompare
) -> None:
    chosen = STATES[state]
    assert snap_compare(chosen.app(make_sync_app, size), terminal_size=size, run_before=chosen.flow)


# ---------------------------------------------------------------------------------------
# Below the minimum size


async def too_small(pilot: Pilot[Any]) -> None:
    app = roomscope_app(pilot)
    await wait_until(
        pilot,
        lambda: app.store is not None and sessions_screen(app).collection is not None,
        what="the list behind the notice",
    )
    await pilot.pause()
    width, height = app.size
    text = screen_text(app)
    assert f"Terminal too small ({width}×{height})" in text
    assert f"{MIN_WIDTH}×{MIN_HEIGHT}" in text
    assert "Sessions" not in text  # nothing else is drawn


TOO_SMALL = [
    pytest.param((MIN_WIDTH - 1, 24), id="narrow"),
    pytest.param((80, MIN_HEIGHT - 1), id="short"),
]


@pytest.mark.parametrize("size", TOO_SMALL)
def test_too_small(size: tuple[int, int], make_sync_app: AppFactory, snap_compare: SnapCompare) -> None:
    assert snap_compare(make_sync_app().app, terminal_size=size, run_before=too_small)
