"""What a key repaints: a cursor step redraws the two rows it changes and nothing else, so it
costs a few hundred bytes of terminal output rather than a screenful (bench/key_bytes.py
measures the bytes on a real terminal).

These tests count the lines a table renders, and capture what each frame would write to the
terminal (the screen lines it updates, and the bytes of its escape sequences, as Textual
encodes them for a real terminal); they never look at the clock.
"""

from __future__ import annotations

from typing import Any

from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.strip import Strip
from textual.widget import Widget

from roomscope.screens.session import SessionScreen
from roomscope.screens.sessions import SessionsScreen
from roomscope.widgets.cells import merge_runs
from roomscope.widgets.footer import Footer
from roomscope.widgets.session_table import SessionTable
from roomscope.widgets.status_bar import StatusBar
from roomscope.widgets.tables import TEXTUAL_PRIVATE_API, VimTable, merge_same_look
from tests.ui.conftest import (
    AppFactory,
    open_session_at,
    screen_text,
    sessions_screen,
    settle,
    wait_for_sessions,
    wait_until,
)

LOSS_SPIKE = 21  # "All-hands": seven participants


def watch_lines(widget: Widget) -> list[int]:
    """The lines ``widget`` (a line-API table) renders from now on, as a growing list."""
    drawn: list[int] = []
    original = widget.render_line

    def render_line(y: int) -> Strip:
        drawn.append(y)
        return original(y)

    widget.render_line = render_line  # type: ignore[method-assign]
    return drawn


class Frames:
    """What the app's frames write to the terminal from now on (headless runs still build
    every frame; only the writing is skipped)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.updates: list[Any] = []
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            if renderable is not None:
                self.updates.append(renderable)
            original(screen, renderable)

        app._display = display

    def lines(self) -> set[int]:
        """The screen lines written; every line for a full repaint."""
        written: set[int] = set()
        for update in self.updates:
            if isinstance(update, ChopsUpdate):
                written.update(y for y, _x1, _x2 in update.spans)
            elif isinstance(update, LayoutUpdate):
                written.update(range(update.region.y, update.region.bottom))
        return written

    def bytes(self) -> int:
        return sum(len(update.render_segments(self.app.console).encode()) for update in self.updates)

    def clear(self) -> None:
        self.updates.clear()


async def next_frame(pilot: Any) -> None:
    await pilot.pause()
    await pilot.pause(0.1)  # the screen's update timer runs at 60 Hz


async def test_a_cursor_step_on_the_list_repaints_only_the_two_rows_it_changes(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("j")
        await settle(pilot)
        await next_frame(pilot)
        table = app.screen.query_one(SessionTable)
        lines = watch_lines(table)
        frames = Frames(app)

        await pilot.press("j")
        await next_frame(pilot)
        assert table.cursor == 2
        assert sorted(lines) == [1, 2]  # the row left and the row entered
        top = table.region.y
        assert frames.lines() == {top + 1, top + 2}, "only those two rows reach the terminal"
        assert frames.bytes() <= 1024

        lines.clear()
        frames.clear()
        await pilot.press("k")
        await next_frame(pilot)
        assert sorted(lines) == [1, 2]
        assert frames.lines() == {top + 1, top + 2}
        assert frames.bytes() <= 1024


async def test_a_cursor_step_on_a_detail_table_repaints_only_the_two_rows_it_changes(
    make_app: AppFactory,
) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("3")  # the participants tab
        table = app.screen.query_one("#participants-table", VimTable)
        assert table.has_focus and table.row_count >= 3
        await pilot.press("j")
        await settle(pilot)
        await next_frame(pilot)
        lines = watch_lines(table)
        frames = Frames(app)

        await pilot.press("j")  # row 1 -> row 2: the header is line 0, row i is line i + 1
        await next_frame(pilot)
        assert table.cursor_row == 2
        assert sorted(lines) == [2, 3]
        top = table.region.y
        assert frames.lines() == {top + 2, top + 3}
        assert frames.bytes() <= 1024


async def test_rows_are_written_as_runs_of_one_look(make_app: AppFactory) -> None:
    """Each segment costs its own escape sequences on the terminal: a row of many cells in
    two colours is a handful of segments, on the list and in the detail tables."""
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        table = app.screen.query_one(SessionTable)
        for y in range(3):  # the selected row and two others
            segments = list(table.render_line(y))
            assert len(segments) <= 5, [s.text for s in segments]
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("3")  # the participants tab
        await settle(pilot)
        people = app.screen.query_one("#participants-table", VimTable)
        for y in range(1, 4):
            segments = list(people.render_line(y))
            assert len(segments) <= 5, [s.text for s in segments]
            assert "".join(s.text for s in segments).strip()


def test_merging_keeps_text_and_looks() -> None:
    from rich.segment import Segment
    from rich.style import Style

    red, plain = Style(color="red"), Style()
    merged = merge_runs([("a", plain), ("b", plain), ("c", red), ("d", plain)])
    assert [(s.text, s.style) for s in merged] == [("ab", plain), ("c", red), ("d", plain)]
    cells = Strip(
        [
            Segment("x", Style(color="red", meta={"row": 0, "column": 0})),
            Segment("y", Style(color="red", meta={"row": 0, "column": 1})),
            Segment("z", Style(color="blue", meta={"row": 0, "column": 2})),
        ]
    )
    joined = list(merge_same_look(cells))
    assert [s.text for s in joined] == ["xy", "z"]
    assert joined[0].style is not None and joined[0].style.meta == {"row": 0, "column": 0}


def test_the_datatable_internals_the_detail_tables_rely_on_exist() -> None:
    """VimTable overrides DataTable internals to repaint less: a Textual upgrade that renames
    them must fail here."""
    from textual.widgets import DataTable

    table = DataTable[object]()
    for name in TEXTUAL_PRIVATE_API:
        assert hasattr(table, name), f"DataTable.{name} is gone: rework widgets/tables.py"


async def test_the_covered_list_does_not_repaint_the_screen_above_it(make_app: AppFactory) -> None:
    """Textual repaints the whole top screen when the screen under it repaints: the list's
    status ticks and revalidated rows wait until the list is shown again."""
    built = make_app()
    app = built.app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        sessions = app.screen
        assert isinstance(sessions, SessionsScreen)
        await open_session_at(pilot, LOSS_SPIKE)
        assert sessions.collection is not None
        top = app.screen
        # The session screen's own loads (findings, heatmap) repaint it: let them finish, so
        # that only a repaint caused by the list under it is counted.
        await wait_until(
            pilot, lambda: not any(w.is_running for w in top.workers), what="the session screen's loads"
        )
        await next_frame(pilot)
        # What the list had drawn as it lost focus reaches the screen once, with its next
        # message: let that happen first.
        sessions.collection.changed.emit()
        await next_frame(pilot)
        frames = Frames(app)

        built.clock.advance(120)  # the list's status would now say "updated 2m ago"
        sessions._show_status()
        sessions.collection.changed.emit()
        await next_frame(pilot)
        assert isinstance(app.screen, SessionScreen)
        assert not frames.lines(), "the session screen was repainted for the list under it"

        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is sessions, what="the list")
        await next_frame(pilot)
        shown = screen_text(app).splitlines()[-2]
        sessions._show_status()  # what the status says now (a revalidation may have run)
        await next_frame(pilot)
        assert screen_text(app).splitlines()[-2] == shown, "the list was drawn again once shown"


async def test_an_unchanged_status_line_is_not_redrawn(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await next_frame(pilot)
        bar = app.screen.query_one(StatusBar)
        frames = Frames(app)
        sessions_screen(app)._show_status()  # what the one-second timer does
        await next_frame(pilot)
        assert not frames.lines()
        bar.show(["something else"], ["demo world"])
        await next_frame(pilot)
        assert frames.lines() == {bar.region.y}


async def test_the_footer_repaints_only_when_its_keys_change(make_app: AppFactory) -> None:
    """The key bar is one line drawn as text: a "bindings may have changed" signal (focus
    moved, the screen resumed) repaints nothing when the keys shown are the same, and a
    change of keys repaints the footer's line."""
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await next_frame(pilot)
        screen = app.screen
        footer = screen.query_one(Footer)
        assert not footer.children, "the footer is one widget, not a widget per key"
        line = screen_text(app).splitlines()[-1]
        assert "Filter" in line and "Quit" in line and line.rstrip().endswith("Palette")
        frames = Frames(app)
        screen.bindings_updated_signal.publish(screen)  # what a focus change sends
        await next_frame(pilot)
        await next_frame(pilot)
        assert footer.region.y not in frames.lines(), "the same keys were drawn again"
        await pilot.press("question_mark")  # another screen: its own footer, its own keys
        await pilot.pause()
        assert "Filter" not in screen_text(app).splitlines()[-1]
        await pilot.press("escape")
        await next_frame(pilot)
        assert "Filter" in screen_text(app).splitlines()[-1]


async def test_a_narrow_footer_leaves_out_whole_keys_and_keeps_the_palette_key(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for_sessions(pilot)
        await next_frame(pilot)
        footer = app.screen.query_one(Footer)
        line = screen_text(app).splitlines()[-1]
        assert line.rstrip().endswith("^p Palette")
        shown = [key for key in footer.keys if not key.palette]
        drawn = [key for key in shown if f"{key.display} {key.description}" in line]
        assert drawn and len(drawn) < len(shown), "60 columns cannot hold every key"
        assert drawn == shown[: len(drawn)], "keys are left out from the end, whole"


async def test_clicking_a_footer_key_presses_it(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_sessions(pilot)
        await next_frame(pilot)
        footer = app.screen.query_one(Footer)
        line = screen_text(app).splitlines()[-1]
        x = line.index("? Help")
        await pilot.click(Footer, offset=(x + 2, 0))
        await wait_until(pilot, lambda: type(app.screen).__name__ == "HelpScreen", what="the help screen")
        assert footer.keys
