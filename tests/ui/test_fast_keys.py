"""What a user hits while keys are fast: Enter twice, keys typed before the first rows, the
mouse wheel and clicks on the session list."""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

from textual import events

from roomscope.screens.session import SessionScreen
from roomscope.screens.sessions import SessionsScreen
from roomscope.tui.app import RoomscopeApp
from roomscope.tui.demo.world import DemoWorld
from roomscope.widgets.session_table import SessionTable
from tests.conftest import NOW, fixed_now
from tests.ui.conftest import (
    SOURCE_LABEL,
    AppFactory,
    current_screen,
    settle,
    wait_for_session_screen,
    wait_for_sessions,
    wait_for_text,
    wait_until,
)


def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


def send_keys(app: Any, *keys: str) -> None:
    """Keys as the terminal driver delivers them, all queued before the app handles any."""
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        app._driver.send_message(event)


def gated_app(make_app: AppFactory) -> tuple[RoomscopeApp, threading.Event]:
    """An app whose store is built only once the returned event is set (as a slow disk or
    a cold import would delay it): the first frame is up, the rows are not."""
    store = make_app().store
    gate = threading.Event()

    def factory() -> Any:
        gate.wait(10)
        return store

    app = RoomscopeApp(store_factory=factory, clock=fixed_now, source_label=SOURCE_LABEL)
    app.animation_level = "none"
    return app, gate


def sessions_on_stack(app: Any) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack]


# ---------------------------------------------------------------------------------------
# Enter twice


async def test_enter_pressed_twice_quickly_opens_the_session_once(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        send_keys(app, "enter", "enter")
        await wait_for_session_screen(pilot)
        assert sessions_on_stack(app).count("SessionScreen") == 1
        assert isinstance(app.screen, SessionScreen)
        assert current_screen(app, SessionScreen).session.id == world().session(0).id
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionsScreen), what="the list")
        assert sessions_on_stack(app) == ["SessionsScreen"]


async def test_a_second_open_request_for_the_shown_session_is_ignored(make_app: AppFactory) -> None:
    """The list can post two Selected messages before the first push is drawn; the app's
    navigation handler pushes the session screen once."""
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        table = app.screen.query_one(SessionTable)
        table.action_select()
        table.action_select()
        await wait_for_session_screen(pilot)
        assert sessions_on_stack(app) == ["SessionsScreen", "SessionScreen"]


# ---------------------------------------------------------------------------------------
# keys typed before the rows


async def test_keys_typed_before_the_rows_arrive_are_applied_in_order(make_app: AppFactory) -> None:
    app, gate = gated_app(make_app)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        table = app.screen.query_one(SessionTable)
        assert table.source is None  # no store yet: "loading sessions…"
        await pilot.press("j", "j", "j", "k", "down")
        assert table.queued_actions == ["cursor_down"] * 3 + ["cursor_up", "cursor_down"]
        gate.set()
        await wait_for_sessions(pilot)
        assert table.cursor == 3
        assert table.queued_actions == []
        await pilot.press("j")  # and the list works as usual afterwards
        assert table.cursor == 4


async def test_G_and_enter_typed_early_open_the_last_session(make_app: AppFactory) -> None:
    """G moves to the last row, whose page is not loaded yet: Enter waits for it."""
    app, gate = gated_app(make_app)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("G", "enter")
        gate.set()
        await wait_for_session_screen(pilot)
        assert isinstance(app.screen, SessionScreen)
        assert current_screen(app, SessionScreen).session.id == world().session(499).id


async def test_early_keys_on_an_empty_list_are_dropped(make_app: AppFactory) -> None:
    app, gate = gated_app(make_app)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SessionsScreen)
        screen.state = replace(screen.state, text="no session is called this")
        table = screen.query_one(SessionTable)
        await pilot.press("j", "enter")
        assert table.queued_actions == ["cursor_down", "select"]
        gate.set()
        await wait_for_text(pilot, "No sessions match.")
        await settle(pilot)
        assert table.queued_actions == []
        assert app.screen is screen


# ---------------------------------------------------------------------------------------
# mouse


def wheel(table: SessionTable, down: bool) -> None:
    kind = events.MouseScrollDown if down else events.MouseScrollUp
    table.post_message(kind(table, 5, 3, 0, 1 if down else -1, 0, False, False, False))


async def test_the_wheel_moves_the_selection_with_the_rows(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        table = app.screen.query_one(SessionTable)
        height = table.scrollable_content_region.height
        for _ in range(20):
            wheel(table, down=True)
        await settle(pilot)
        top = table.scroll_offset.y
        assert top > 0
        assert top <= table.cursor < top + height  # never off screen
        assert table.cursor - top == 0  # it kept its place on screen (the first row)
        for _ in range(40):
            wheel(table, down=False)
        await settle(pilot)
        assert table.scroll_offset.y == 0 and table.cursor == 0


async def test_the_selection_follows_a_scroll_by_other_means(make_app: AppFactory) -> None:
    """The scrollbar (or anything else that scrolls) never leaves the selection off screen."""
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        table = app.screen.query_one(SessionTable)
        height = table.scrollable_content_region.height
        table.scroll_to(y=100, animate=False, immediate=True)
        await settle(pilot)
        assert 100 <= table.cursor < 100 + height
        table.scroll_to(y=0, animate=False, immediate=True)
        await settle(pilot)
        assert 0 <= table.cursor < height


async def test_a_click_selects_and_a_click_on_the_selected_row_opens_it(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        table = app.screen.query_one(SessionTable)
        await pilot.click(SessionTable, offset=(10, 4))
        await pilot.pause()
        assert table.cursor == 4
        assert isinstance(app.screen, SessionsScreen)  # a first click only selects
        await pilot.click(SessionTable, offset=(10, 4))
        await wait_for_session_screen(pilot)
        assert current_screen(app, SessionScreen).session.id == world().session(4).id


async def test_a_double_click_opens_the_row(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.double_click(SessionTable, offset=(10, 6))
        await wait_for_session_screen(pilot)
        assert current_screen(app, SessionScreen).session.id == world().session(6).id
