"""The last run's first rows: drawn before the store exists, replaced by the store's own."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from roomscope.screens.sessions import SessionsScreen
from roomscope.tui.app import RoomscopeApp
from roomscope.tui.cli import build_app
from roomscope.tui.first_screen import FILE_NAME
from tests.conftest import fixed_now
from tests.ui.conftest import (
    AppFactory,
    NoSessions,
    screen_text,
    sessions_screen,
    settle,
    wait_for_sessions,
    wait_until,
)

ARGS = ["--provider", "demo", "--demo-size", "300", "--demo-latency", "0"]


def app_for(cache: Path, *extra: str) -> RoomscopeApp:
    app = build_app([*ARGS, "--cache-dir", str(cache), *extra], clock=fixed_now)
    app.animation_level = "none"
    return app


def gated(app: RoomscopeApp) -> threading.Event:
    """Hold the store's construction until the returned event is set."""
    factory = app._store_factory
    assert factory is not None
    gate = threading.Event()

    def held() -> Any:
        assert gate.wait(20), "the test never let the store be built"
        return factory()

    app._store_factory = held
    return gate


def failing(app: RoomscopeApp, gate: threading.Event) -> None:
    def broken() -> Any:
        gate.wait(20)
        raise RuntimeError("the cache directory vanished")

    app._store_factory = broken


async def close(app: RoomscopeApp) -> None:
    if app.store is not None:
        await app.store.aclose()


async def first_run(cache: Path, *extra: str) -> list[str]:
    """Run the app once to its rows and quit: the rows it showed, as lines of the screen."""
    app = app_for(cache, *extra)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_sessions(pilot)
        await settle(pilot)
        lines = rows_shown(app)
    await close(app)
    assert (cache / FILE_NAME).exists(), "the list's first rows are kept when the app quits"
    return lines


def rows_shown(app: RoomscopeApp) -> list[str]:
    """The rows on screen, without the scrollbar's column."""
    width = app.size.width
    lines = screen_text(app).splitlines()
    return [line[: width - 1].rstrip() for line in lines if " ended " in line or "● live" in line]


async def test_the_last_runs_rows_show_until_the_stores_replace_them(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    before = await first_run(cache)
    assert len(before) > 10
    app = app_for(cache)
    gate = gated(app)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = sessions_screen(app)
        await wait_until(pilot, lambda: screen.table.preview_shown, what="the last run's rows")
        await pilot.pause()
        assert app.store is None, "drawn before the store exists"
        assert rows_shown(app) == before
        status = screen_text(app).splitlines()[-2]
        assert "starting…" in status and "last run's rows" in status
        assert screen.table.selected is None, "nothing can be opened from the last run's rows"
        await pilot.press("j", "j", "enter")
        assert screen.table.queued_actions == ["cursor_down", "cursor_down", "select"]
        gate.set()
        await wait_until(pilot, lambda: not isinstance(app.screen, SessionsScreen), what="the session opened")
        assert not screen.table.preview_shown
        assert screen.table.cursor == 2, "keys typed over the last run's rows apply to the list"
        await pilot.press("escape")
        await wait_for_sessions(pilot)
        assert rows_shown(app) == before, "the same sources, the same first rows"
        assert "last run's rows" not in screen_text(app).splitlines()[-2]
    await close(app)


async def test_a_changed_view_drops_the_last_runs_rows(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await first_run(cache)
    app = app_for(cache)
    gate = gated(app)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = sessions_screen(app)
        await wait_until(pilot, lambda: screen.table.preview_shown, what="the last run's rows")
        await pilot.press("t")  # another time range: those rows are not what it shows
        await pilot.pause()
        assert not screen.table.preview_shown
        assert not rows_shown(app)
        gate.set()
        await wait_until(
            pilot, lambda: screen.collection is not None and screen.collection.started, what="the list"
        )
        assert screen.state.range_index == 1
    await close(app)


async def test_a_store_that_cannot_be_built_drops_the_last_runs_rows(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await first_run(cache)
    app = app_for(cache)
    gate = threading.Event()
    failing(app, gate)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = sessions_screen(app)
        await wait_until(pilot, lambda: screen.table.preview_shown, what="the last run's rows")
        gate.set()
        await wait_until(pilot, lambda: not screen.table.preview_shown, what="the rows dropped")
        assert not rows_shown(app)
        notes = [str(n.message) for n in app._notifications]
        assert any("could not start its data store" in n for n in notes)


async def test_other_sources_show_nothing_of_the_last_run(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await first_run(cache)
    app = app_for(cache, "--demo-seed", "99")
    gate = gated(app)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = sessions_screen(app)
        await pilot.pause()
        await pilot.pause()
        assert not screen.table.preview_shown
        assert "loading sessions" in screen_text(app)
        gate.set()
        await wait_for_sessions(pilot)
    await close(app)


async def test_hostile_strings_in_the_kept_rows_are_inert(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    await first_run(cache)
    path = cache / FILE_NAME
    data = json.loads(path.read_text())
    data["rows"][0]["name"] = "[bold red]boom[/] \x1b[2J\x1b]52;c;aGk=\x07bell\x07"
    data["rows"][0]["room_name"] = "\u202eroom"
    path.write_text(json.dumps(data))
    app = app_for(cache)
    gate = gated(app)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = sessions_screen(app)
        await wait_until(pilot, lambda: screen.table.preview_shown, what="the last run's rows")
        text = screen_text(app)
        assert "[bold red]boom[/]" in text, "markup is shown as text"
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        gate.set()
        await wait_for_sessions(pilot)
    await close(app)


async def test_an_opening_list_found_empty_is_kept_empty(make_app: AppFactory, tmp_path: Path) -> None:
    """An account whose list is now empty: the next start shows no rows of an earlier run."""
    from roomscope.tui.first_screen import FirstScreenFile
    from tests.test_first_screen import sessions

    kept = FirstScreenFile(tmp_path, "k")
    kept.write(sessions(), total=3, multi_profile=False, now=1.0)
    built = make_app(providers=[NoSessions(latency_s=0.0, clock=fixed_now, world=make_app.world())])
    built.app.first_screen = kept
    async with built.app.run_test(size=(120, 30)) as pilot:
        screen = sessions_screen(built.app)
        await wait_until(
            pilot, lambda: screen.collection is not None and screen.collection.started, what="the list"
        )
        await settle(pilot)
        assert "No sessions yet." in screen_text(built.app)
    shown = kept.read()
    assert shown is not None and shown.rows == ()
