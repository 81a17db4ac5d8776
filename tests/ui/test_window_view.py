"""The Window view: opened by w, the palette and --window; rows worst first; Enter opens a session;
a bad window is said and kept for editing; how it looks at 80x24 and 120x40."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from roomscope.screens.groups import GroupsScreen
from roomscope.screens.session import SessionScreen
from roomscope.screens.window import WindowScreen
from roomscope.tui.demo.world import DemoWorld
from roomscope.widgets.prompt_input import PromptInput
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    SnapCompare,
    current_screen,
    palette_type,
    screen_text,
    settle,
    wait_for_sessions,
    wait_until,
)

WINDOW = "00:00..now"  # sessions 0..8 of the 500-session demo world
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def window_screen(pilot: Pilot[Any]) -> WindowScreen:
    return current_screen(pilot.app, WindowScreen)


async def wait_for_window(pilot: Pilot[Any]) -> WindowScreen:
    """Until the Window view has read its lists and diagnosed every session."""

    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, WindowScreen) or screen.progress is None:
            return False
        return (
            screen.progress.done_listing and all(r.judged for r in screen.rows.values()) and bool(screen.rows)
        )

    await wait_until(pilot, ready, what="the window's sessions and diagnoses")
    await settle(pilot)
    return window_screen(pilot)


async def type_window(pilot: Pilot[Any], text: str) -> None:
    field = pilot.app.screen.query_one(PromptInput)
    field.value = text
    await pilot.press("enter")


async def test_w_asks_for_a_window_and_shows_its_sessions_worst_first(make_app: AppFactory) -> None:
    world = DemoWorld(seed=7, size=500, now=NOW)
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="the window view")
        field = pilot.app.screen.query_one(PromptInput)
        assert field.has_focus and field.value == "09:00..now"  # the last hour, to edit
        await type_window(pilot, WINDOW)
        screen = await wait_for_window(pilot)
        assert {r.session.id for r in screen.ordered} == {world.session(i).id for i in range(9)}
        orders = [r.order() for r in screen.ordered]
        assert orders == sorted(orders)
        text = screen_text(pilot.app)
        assert "Window 2026-11-22 00:00–10:00 UTC (10h00m) · 9 sessions" in text
        assert "Sessions › Window 00:00–10:00" in text
        assert "9/9 diagnosed" in text
        first = screen.ordered[0]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen), what="the session")
        assert current_screen(pilot.app, SessionScreen).session.id == first.session.id
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="back to the window")


async def test_a_bad_window_is_said_and_kept_for_editing(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="the window view")
        await type_window(pilot, "10:10-10:00")
        await pilot.pause()
        screen = window_screen(pilot)
        field = screen.query_one(PromptInput)
        assert field.has_focus and field.value == "10:10-10:00"
        assert screen.window is None
        assert "⚠ the end 10:00 is before the start 10:10" in screen_text(pilot.app)
        await pilot.press("escape")  # no window: Escape goes back to the list
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, WindowScreen), what="the list")


async def test_the_palette_opens_a_window(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, f"window {WINDOW}")
        await wait_until(pilot, lambda: "Window 00:00..now" in screen_text(pilot.app), what="the window hit")
        await pilot.press("enter")
        screen = await wait_for_window(pilot)
        assert screen.window is not None and screen.window.text == WINDOW


async def test_w_in_the_view_changes_the_window_and_the_cursor_stays(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("w")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="the window view")
        await type_window(pilot, WINDOW)
        screen = await wait_for_window(pilot)
        await pilot.press("j", "j")
        chosen = screen.chart.selected
        assert chosen is not None
        screen._reorder()  # a re-sort (as each diagnosis arrives) keeps the cursor's session
        assert screen.chart.selected is not None and screen.chart.selected.key == chosen.key
        await pilot.press("w")
        assert screen.query_one(PromptInput).value == WINDOW
        await type_window(pilot, "06:00..07:00")
        screen = await wait_for_window(pilot)
        assert screen.window is not None and screen.window.text == "06:00..07:00"
        assert len(screen.ordered) == 2  # sessions 2 and 3


def test_the_command_line_window_opens_the_view(make_sync_app: AppFactory) -> None:
    from roomscope.tui.cli import build_app

    app = build_app(["--provider", "demo", "--demo-latency", "0", "--window", WINDOW])
    assert app.initial_window == WINDOW


async def window_flow(pilot: Pilot[Any]) -> None:
    await wait_for_sessions(pilot)
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="the window view")
    await type_window(pilot, WINDOW)
    await wait_for_window(pilot)
    text = screen_text(pilot.app)
    assert "loading" not in text and "reading" not in text


@pytest.mark.parametrize("size", SIZES)
def test_window_view_snapshot(
    size: tuple[int, int], make_sync_app: AppFactory, snap_compare: SnapCompare
) -> None:
    assert snap_compare(make_sync_app().app, terminal_size=size, run_before=window_flow)


# ---------------------------------------------------------------------------------------
# Groups


def dropped_filter(window: WindowScreen) -> bool:
    return window.only is None and len(window.ordered) == 9


async def open_groups(pilot: Pilot[Any]) -> GroupsScreen:
    await window_flow(pilot)
    await pilot.press("o")

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, GroupsScreen) and screen.gathered is not None

    await wait_until(pilot, ready, what="the groups")
    await settle(pilot)
    return current_screen(pilot.app, GroupsScreen)


async def test_o_groups_the_window_and_enter_filters_it(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_groups(pilot)
        assert screen.dimension.value == "isp"
        scores = [g.score for g in screen.groups]
        assert scores == sorted(scores, reverse=True)
        text = screen_text(pilot.app)
        assert "Sessions › Window 00:00–10:00 › Groups" in text
        assert "By ISP/ASN · Window 00:00–10:00" in text
        await pilot.press("d")
        assert screen.dimension_index == 1
        assert "By country" in screen_text(pilot.app)
        await pilot.press("D", "D")
        assert screen.dimension_index == len(list(type(screen.dimension))) - 1
        top = screen.groups[0]
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="the filtered window"
        )
        window = window_screen(pilot)
        assert window.only is not None
        assert {r.session.room_name for r in window.ordered} == {top.label}
        assert f"only room {top.label}" in screen_text(pilot.app)
        await pilot.press("escape")  # drops the filter, stays
        assert dropped_filter(window)
        assert isinstance(pilot.app.screen, WindowScreen)


@pytest.mark.parametrize("size", SIZES)
def test_groups_view_snapshot(
    size: tuple[int, int], make_sync_app: AppFactory, snap_compare: SnapCompare
) -> None:
    async def flow(pilot: Pilot[Any]) -> None:
        await open_groups(pilot)

    assert snap_compare(make_sync_app().app, terminal_size=size, run_before=flow)


async def test_b_writes_a_bundle_and_says_where(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROOMSCOPE_BUNDLE_DIR", str(tmp_path / "bundles"))
    app = make_app().app
    copied: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "copy_text", lambda text, what: copied.append((text, what)))
    async with app.run_test(size=(120, 40)) as pilot:
        await window_flow(pilot)
        assert isinstance(window_screen(pilot), WindowScreen)
        await pilot.press("b")
        await wait_until(pilot, lambda: app.bundle_summary is not None, what="the bundle")
        (written,) = list((tmp_path / "bundles").iterdir())
        assert (written / "summary.md").is_file() and (written / "bundle.json").is_file()
        assert any(str(written) in n.message for n in app._notifications)
        await pilot.press("Y")
        assert copied == [((written / "summary.md").read_text("utf-8"), "bundle summary")]


async def test_e_exports_the_window_and_the_groups(make_app: AppFactory, tmp_path: Path) -> None:
    import csv
    import json

    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await window_flow(pilot)
        screen = window_screen(pilot)
        await pilot.press("e")
        field = screen.query_one(PromptInput)
        assert field.has_focus and field.value == "window.csv"
        target = tmp_path / "rows.csv"
        field.value = str(target)
        await pilot.press("enter")
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert [r["id"] for r in rows] == [r.session.id for r in screen.ordered]
        await pilot.press("e")
        field.value = str(tmp_path / "rows.txt")
        await pilot.press("enter")
        assert not (tmp_path / "rows.txt").exists()
        assert any("end the name in .csv" in n.message for n in app._notifications)
        groups = await open_groups_from_window(pilot)
        await pilot.press("e")
        field = groups.query_one(PromptInput)
        assert field.value == "groups-isp.csv"
        field.value = str(tmp_path / "groups.json")
        await pilot.press("enter")
        body = json.loads((tmp_path / "groups.json").read_text("utf-8"))
        assert [g["label"] for g in body] == [g.label for g in groups.groups]
        assert no_temporary_files(tmp_path)


def no_temporary_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.startswith(".")]


async def open_groups_from_window(pilot: Pilot[Any]) -> GroupsScreen:
    await pilot.press("o")

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, GroupsScreen) and screen.gathered is not None

    await wait_until(pilot, ready, what="the groups")
    return current_screen(pilot.app, GroupsScreen)


# ---------------------------------------------------------------------------------------
# Compare


async def compare_flow(pilot: Pilot[Any]) -> None:
    """Two participants of the 'All-hands' with a loss spike marked with space, then C."""
    from roomscope.screens.compare import CompareScreen
    from tests.ui.conftest import open_session_at

    await wait_for_sessions(pilot)
    await open_session_at(pilot, 21)
    await pilot.press("3")  # the Participants tab
    await pilot.press("space", "j", "space", "C")

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, CompareScreen) and bool(screen.items)

    await wait_until(pilot, ready, what="the compare view")
    await settle(pilot)
    pilot.app.clear_notifications()  # the "Marked …" notices
    await pilot.pause()


async def test_space_marks_and_c_compares(make_app: AppFactory) -> None:
    from roomscope.screens.compare import CompareScreen

    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("C")  # nothing marked yet: a notice, no view
        assert not isinstance(pilot.app.screen, CompareScreen)
        await compare_flow(pilot)
        screen = current_screen(pilot.app, CompareScreen)
        assert len(screen.items) == 2 and len(app.marks) == 2
        text = screen_text(pilot.app)
        assert "Comparing 2" in text and "Packet loss (recv)" in text
        before = screen.chart.column
        await pilot.press("l", "l")
        assert screen.chart.column == before + 2
        await pilot.press("x")  # clears the marks and goes back
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, CompareScreen), what="back")
        assert app.marks == {}


@pytest.mark.parametrize("size", SIZES)
def test_compare_view_snapshot(
    size: tuple[int, int], make_sync_app: AppFactory, snap_compare: SnapCompare
) -> None:
    assert snap_compare(make_sync_app().app, terminal_size=size, run_before=compare_flow)


async def test_the_palette_groups_the_session_list(make_app: AppFactory) -> None:
    app = make_app(size=12).app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, "Group the list")
        await wait_until(
            pilot, lambda: "Group the list's participants" in screen_text(pilot.app), what="the command"
        )
        await pilot.press("enter")

        def ready() -> bool:
            screen = pilot.app.screen
            return isinstance(screen, GroupsScreen) and screen.gathered is not None

        await wait_until(pilot, ready, what="the groups of the list")
        screen = current_screen(pilot.app, GroupsScreen)
        assert screen.source.window is None and screen.source.choose is None
        assert screen.gathered is not None and screen.gathered.sessions == len(screen.source.sessions) > 0
        assert "Sessions › List: " in screen_text(pilot.app)
        assert "Enter: filter to it" not in screen_text(pilot.app)
