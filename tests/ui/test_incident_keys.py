"""The incident keys beyond the Window view: ``b`` bundles the selected session on the list and
the session on its screen (a directory that cannot be written is said, and nothing is left),
``Y`` copies the last bundle's summary from anywhere, ``e`` exports the whole list as filtered
(streamed, not only its loaded rows), a session's participants and its findings; Enter in the
Window view opens the session at the window; ``space`` marks the participant under the cursor
of the Findings and Heatmap tabs too; the Compare view's charts start in one column
whatever script the participants' names are written in.

Sessions of the 500-session demo world at the suite's fixed NOW.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from textual.coordinate import Coordinate
from textual.pilot import Pilot

from roomscope.screens.session import SessionScreen
from roomscope.screens.sessions import SessionsScreen
from roomscope.screens.window import WindowScreen
from roomscope.tui.app import RoomscopeApp
from roomscope.tui.demo.world import DemoWorld
from roomscope.widgets.findings_view import IN_WINDOW, FindingsView
from roomscope.widgets.heatmap import Heatmap
from roomscope.widgets.prompt_input import OneQuestion, PromptInput
from roomscope.widgets.tables import FittedTable
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    crumbs,
    current_screen,
    open_session_at,
    screen_text,
    settle,
    wait_for_sessions,
    wait_until,
)

LOSS_SPIKE = 21  # "All-hands": Farah Adeyemi's uplink


def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


def notices(app: RoomscopeApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def wait_for_notice(pilot: Pilot[Any], words: str) -> str:
    app = pilot.app
    assert isinstance(app, RoomscopeApp)
    await wait_until(pilot, lambda: any(words in n for n in notices(app)), what=f"a notice saying {words!r}")
    return next(n for n in notices(app) if words in n)


async def answer(pilot: Pilot[Any], path: Path | str) -> OneQuestion:
    """Answer the export question that ``e`` opened with ``path`` and press Enter."""
    await wait_until(pilot, lambda: bool(pilot.app.screen.query(OneQuestion)), what="the export question")
    await pilot.pause()
    question = pilot.app.screen.query_one(OneQuestion)
    assert question.has_focus
    question.value = str(path)
    await pilot.press("enter")
    return question


def bundles_in(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.exists() else []


def no_temporary_files(directory: Path) -> bool:
    return not [p for p in directory.iterdir() if p.name.startswith(".")]


def nothing_named(directory: Path, name: str) -> bool:
    return not (directory / name).exists()


# ---------------------------------------------------------------------------------------
# b and Y


async def test_b_on_the_list_bundles_the_selected_session_and_y_copies_its_summary(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bundles"
    monkeypatch.setenv("ROOMSCOPE_BUNDLE_DIR", str(target))
    app = make_app().app
    copied: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "copy_text", lambda text, what: copied.append((text, what)))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("Y")  # nothing written yet
        assert copied == [] and any("No bundle yet" in n for n in notices(app))
        screen = current_screen(app, SessionsScreen)
        screen.table.move_to(LOSS_SPIKE)
        await pilot.pause()
        await pilot.press("b")
        said = await wait_for_notice(pilot, "Bundle written to")
        (written,) = bundles_in(target)
        assert str(written) in said and written.name.startswith("roomscope-session-")
        body = json.loads((written / "bundle.json").read_text("utf-8"))
        assert [s["id"] for s in body["sessions"]] == [world().session(LOSS_SPIKE).id]
        assert body["sessions"][0]["findings"], "the All-hands' loss spike is in it"
        assert any(i["quality_file"] for i in body["involved"])
        await pilot.press("Y")
        assert copied == [((written / "summary.md").read_text("utf-8"), "bundle summary")]
        assert no_temporary_files(target)


async def test_b_on_the_session_screen_bundles_that_session(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "bundles"
    monkeypatch.setenv("ROOMSCOPE_BUNDLE_DIR", str(target))
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        session = current_screen(app, SessionScreen).session
        await pilot.press("b", "escape")  # leaving the screen at once neither stops it nor hides it
        await wait_for_notice(pilot, "Bundle written to")
        assert isinstance(app.screen, SessionsScreen)
        (written,) = bundles_in(target)
        body = json.loads((written / "bundle.json").read_text("utf-8"))
        assert [s["id"] for s in body["sessions"]] == [session.id]
        assert f"roomscope bundle {session.id}" in (written / "summary.md").read_text("utf-8")
        assert app.bundle_summary == (written / "summary.md").read_text("utf-8")


async def test_the_tui_bundle_is_scrubbed_by_the_same_writer(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credential's value in the environment never reaches a bundle written with b: here the
    value is a participant's name, which the bundle would otherwise carry in every file."""
    target = tmp_path / "bundles"
    monkeypatch.setenv("ROOMSCOPE_BUNDLE_DIR", str(target))
    monkeypatch.setenv("TELNYX_API_KEY", "Farah Adeyemi")
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("b")
        await wait_for_notice(pilot, "Bundle written to")
        (written,) = bundles_in(target)
        files = read_all(written)
        assert {"summary.md", "bundle.json"} <= set(files) and len(files) > 2
        for name, text in files.items():
            assert "Farah Adeyemi" not in text, name
        assert "\\*\\*\\*" in files["summary.md"]  # the mark of what was scrubbed, as Markdown text
        assert "***" in files["bundle.json"]
        assert "Farah Adeyemi" not in (app.bundle_summary or "")


def read_all(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): p.read_text("utf-8")
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


async def test_a_bundle_directory_that_cannot_be_written_is_said_and_nothing_is_left(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    blocker = out / "not-a-directory"
    blocker.write_text("x")
    monkeypatch.setenv("ROOMSCOPE_BUNDLE_DIR", str(blocker / "bundles"))
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("b")
        said = await wait_for_notice(pilot, "The bundle was not written")
        assert f"cannot write a bundle in {blocker / 'bundles'}" in said
        error = next(n for n in app._notifications if "The bundle was not written" in n.message)
        assert error.severity == "error"
        assert list(out.iterdir()) == [blocker] and blocker.read_text() == "x"
        assert app.bundle_summary is None


# ---------------------------------------------------------------------------------------
# e


async def test_e_on_the_list_streams_every_row_of_the_list_as_filtered(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        screen = current_screen(app, SessionsScreen)
        collection = screen.collection
        assert collection is not None and collection.loaded < 500  # only the first pages are read
        await pilot.press("e")
        question = await answer(pilot, tmp_path / "all.csv")
        assert question.placeholder.startswith("export to:")
        said = await wait_for_notice(pilot, "Exported 500 sessions to")
        assert str(tmp_path / "all.csv") in said
        rows = list(csv.DictReader((tmp_path / "all.csv").open(encoding="utf-8")))
        expected = [world().session(i) for i in range(500)]  # newest first
        assert [r["id"] for r in rows] == [s.id for s in expected]
        assert rows[LOSS_SPIKE]["room"] == expected[LOSS_SPIKE].room_name
        assert rows[0]["started_at"].endswith("Z") and set(rows[0]) >= {"verdict", "quality", "room"}
        assert screen.table.has_focus  # the question is gone, the focus is back

        await pilot.press("slash", *"hands", "enter")
        await wait_until(pilot, lambda: screen.state.text == "hands", what="the filter")
        await settle(pilot)
        filtered = screen.collection
        assert filtered is not None
        await pilot.press("e")
        await answer(pilot, tmp_path / "hands.jsonl")
        said = await wait_for_notice(pilot, "to " + str(tmp_path / "hands.jsonl"))
        records = [json.loads(line) for line in (tmp_path / "hands.jsonl").read_text("utf-8").splitlines()]
        await filtered.ensure_all()
        shown = [filtered.row(i) for i in range(len(filtered))]
        assert 0 < len(records) < 500 and f"Exported {len(records)} sessions" in said
        assert [r["id"] for r in records] == [s.id for s in shown if s is not None]
        assert all("hands" in f"{r['name']} {r['room_name']}".lower() for r in records)
        assert no_temporary_files(tmp_path)


async def test_e_on_the_list_with_a_bad_name_writes_nothing(make_app: AppFactory, tmp_path: Path) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("e")
        await answer(pilot, tmp_path / "list.txt")
        said = await wait_for_notice(pilot, "end the name in .csv")
        assert "list.txt" in said
        await pilot.press("e")
        await answer(pilot, tmp_path / "missing" / "list.csv")
        said = await wait_for_notice(pilot, "Cannot write in")
        assert nothing_named(tmp_path, "list.txt") and nothing_named(tmp_path, "missing")
        await pilot.press("e")
        await wait_until(pilot, lambda: bool(pilot.app.screen.query(OneQuestion)), what="the question")
        await pilot.pause()
        await pilot.press("escape")  # cancels: no question, nothing written, still the list
        await pilot.pause()
        assert not pilot.app.screen.query(OneQuestion) and isinstance(app.screen, SessionsScreen)


async def test_e_on_participants_and_findings_writes_the_rows_shown(
    make_app: AppFactory, tmp_path: Path
) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        screen = current_screen(app, SessionScreen)
        await pilot.press("3")
        await pilot.press("e")
        question = await answer(pilot, tmp_path / "people.csv")
        assert question.placeholder.startswith("export to:")
        await wait_for_notice(pilot, "Exported 7 participants to")
        assert isinstance(app.screen, SessionScreen)  # Enter answered the question, opened nothing
        rows = list(csv.DictReader((tmp_path / "people.csv").open(encoding="utf-8")))
        table = screen.query_one("#participants-table", FittedTable)
        shown = [
            str(table.coordinate_to_cell_key(Coordinate(i, 0)).row_key.value) for i in range(table.row_count)
        ]
        assert [r["id"] for r in rows] == shown
        for row in rows:
            report = screen.reports[row["id"]]
            assert row["verdict"] == report.assessment.verdict.value
        farah = next(r for r in rows if r["name"] == "Farah Adeyemi")
        assert farah["verdict"] == "poor" and farah["cause"] == "own uplink" and farah["issue"]

        await pilot.press("1")
        await pilot.press("e")
        await answer(pilot, tmp_path / "findings.json")
        await wait_for_notice(pilot, "to " + str(tmp_path / "findings.json"))
        records = json.loads((tmp_path / "findings.json").read_text("utf-8"))
        view = screen.query_one(FindingsView)
        assert [r["id"] for r in records] == [f.id for f in view.findings] and records
        assert records[0]["rule"] == view.findings[0].rule

        await pilot.press("4")
        await pilot.press("e")  # nothing to export there: said, no question
        await pilot.pause()
        assert not screen.query(OneQuestion)
        assert any("e exports the findings (1) or the participants (3)" in n for n in notices(app))


# ---------------------------------------------------------------------------------------
# Enter in the Window view: the session at the window


async def open_window(pilot: Pilot[Any], text: str) -> WindowScreen:
    await wait_for_sessions(pilot)
    await pilot.press("w")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="the window view")
    field = pilot.app.screen.query_one(PromptInput)
    field.value = text
    await pilot.press("enter")

    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, WindowScreen) or screen.progress is None:
            return False
        rows = screen.rows.values()
        return screen.progress.done_listing and bool(rows) and all(r.judged for r in rows)

    await wait_until(pilot, ready, what="the window's sessions")
    await settle(pilot)
    return current_screen(pilot.app, WindowScreen)


async def test_enter_in_the_window_view_opens_the_session_at_the_window(make_app: AppFactory) -> None:
    from datetime import timedelta

    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        window = await open_window(pilot, "07:20..07:30")  # inside session 2, at its downlink loss
        (row,) = window.ordered
        assert row.session.id == world().session(2).id
        await pilot.press("enter")

        def opened() -> bool:
            screen = pilot.app.screen
            return isinstance(screen, SessionScreen) and screen.diagnosis is not None

        await wait_until(pilot, opened, what="the session at the window")
        await settle(pilot)
        screen = current_screen(app, SessionScreen)
        start = NOW - timedelta(hours=2, minutes=40)
        end = start + timedelta(minutes=10)
        assert screen.window == (start, end)
        assert crumbs(app) == f"Sessions › Window 07:20–07:30 › {row.session.title}"

        def inside(finding: Any) -> bool:
            return any(w.start < end and w.end > start for w in finding.windows)

        diagnosis = screen.diagnosis
        assert diagnosis is not None
        first = [f for f in diagnosis.findings if inside(f)]  # worst first among them
        rest = [f for f in diagnosis.findings if not inside(f)]
        view = screen.query_one(FindingsView)
        assert first and view.findings == first + rest and view.in_window == len(first)
        assert view.findings[0].rule == "NET-LOSS-DN" and view.selected is view.findings[0]
        text = screen_text(app)
        plural = "s overlap" if len(first) != 1 else " overlaps"
        assert f"Window 07:20–07:30: {len(first)} finding{plural} it, listed first (◆)" in text
        assert text.count(IN_WINDOW) == len(first)

        await pilot.press("2")
        heatmap = screen.query_one(Heatmap)
        await wait_until(pilot, lambda: heatmap.grid is not None, what="the heatmap")
        await pilot.pause()
        assert heatmap.cursor_t == start.timestamp()  # the session began earlier: the window's start
        columns = heatmap.window_columns()
        assert columns is not None and columns[0] == heatmap.cursor_column() < columns[1]
        marker = next(line for line in screen_text(app).splitlines() if "at 07:20:00" in line)
        assert "┤" in marker and "─" in marker  # the window, drawn from the cursor on
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, WindowScreen), what="back")


async def test_a_session_opened_from_the_list_has_no_window(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        screen = current_screen(app, SessionScreen)
        assert screen.window is None and crumbs(app) == f"Sessions › {screen.session.title}"
        view = screen.query_one(FindingsView)
        assert view.in_window == 0 and IN_WINDOW not in screen_text(app)
        diagnosis = screen.diagnosis
        assert diagnosis is not None and view.findings == list(diagnosis.findings)


# ---------------------------------------------------------------------------------------
# space on every tab that shows participants


async def test_space_marks_the_participant_of_the_finding_and_of_the_heatmap_row(
    make_app: AppFactory,
) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        screen = current_screen(app, SessionScreen)
        session = screen.session
        finding = screen.query_one(FindingsView).selected
        assert finding is not None and finding.cause_of is not None
        assert finding.cause_of.name == "Farah Adeyemi"  # whose uplink it was
        await pilot.press("space")
        assert list(app.marks) == [(session.profile, session.id, finding.cause_of.id)]
        assert app.marks[(session.profile, session.id, finding.cause_of.id)][1].name == "Farah Adeyemi"

        await pilot.press("2")
        heatmap = screen.query_one(Heatmap)
        await wait_until(pilot, lambda: heatmap.grid is not None, what="the heatmap")
        grid = heatmap.grid
        assert grid is not None
        others = [i for i, t in enumerate(grid.tracks) if t.participant_id != finding.cause_of.id]
        await pilot.press(*["j"] * others[-1])
        chosen = heatmap.selected()
        assert chosen is not None and chosen[0] == grid.tracks[others[-1]].participant_id
        await pilot.press("space")
        assert list(app.marks)[-1] == (session.profile, session.id, chosen[0])
        assert len(app.marks) == 2
        await pilot.press("space")  # again: unmarked
        assert len(app.marks) == 1

        await pilot.press("4")  # the events: nothing to mark
        await pilot.press("space")
        assert len(app.marks) == 1
        assert any(n.startswith("Space marks a participant") for n in notices(app))


# ---------------------------------------------------------------------------------------
# Compare: every row's chart starts at the same cell


HIGH_RTT = 26  # "Support escalation": प्रिया शर्मा on a satellite route


async def mark_in(pilot: Pilot[Any], index: int, name: str) -> None:
    """Open session ``index`` from the list, mark its participant ``name`` with space, go back."""
    await open_session_at(pilot, index)
    screen = current_screen(pilot.app, SessionScreen)
    await pilot.press("3")
    table = screen.query_one("#participants-table", FittedTable)
    person = next(p for p in screen.participants if p.name == name)
    table.move_cursor(row=table.get_row_index(person.id))
    await pilot.pause()
    await pilot.press("space")
    await pilot.press("escape")
    await wait_for_sessions(pilot)


@pytest.mark.parametrize("size", [(120, 40), (80, 24)])
async def test_compare_rows_start_their_charts_in_one_column_whatever_the_names(
    make_app: AppFactory, size: tuple[int, int]
) -> None:
    """A Devanagari name (terminals draw it wider than Rich measures it) marked first: its rows
    are the first of each metric, and nothing of it comes before a chart."""
    from roomscope.screens.compare import CompareScreen
    from roomscope.widgets.compare_chart import LABEL, CompareChart

    app = make_app().app
    async with app.run_test(size=size) as pilot:
        await wait_for_sessions(pilot)
        await mark_in(pilot, HIGH_RTT, "प्रिया शर्मा")
        await mark_in(pilot, LOSS_SPIKE, "Farah Adeyemi")
        await pilot.press("C")

        def ready() -> bool:
            screen = pilot.app.screen
            return isinstance(screen, CompareScreen) and bool(screen.items)

        await wait_until(pilot, ready, what="the compare view")
        await settle(pilot)
        chart = pilot.app.screen.query_one(CompareChart)
        assert [r.label for r in chart.rows[:2]] == ["प्रिया शर्मा", "Farah Adeyemi"]
        assert chart.rows[0].first_of_metric and not chart.rows[1].first_of_metric
        await pilot.press("l", "l", "l")
        width = chart.scrollable_content_region.width
        for index, row in enumerate(chart.rows):
            strip = chart.render_row(index, width, selected=index == chart.cursor)
            before = strip.crop(0, LABEL).text
            # what precedes the chart is plain ASCII: every terminal measures it as Rich does
            assert all(" " <= ch <= "~" for ch in before), before
            assert before.rstrip().endswith(str(row.number))
            # the shared cursor (reversed) sits at the same cell of every row
            offset, cursor_at = 0, []
            for segment in strip:
                if segment.style is not None and segment.style.reverse:
                    cursor_at.append(offset)
                offset += segment.cell_length
            assert cursor_at == [LABEL + chart.column], (index, row.metric, row.label)
            assert strip.cell_length == width
        # the time axis above: its first tick over the chart's first cell
        from textual.widgets import Static

        axis = pilot.app.screen.query_one("#compare-axis", Static)
        assert axis.styles.padding.left == chart.styles.padding.left
        ticks = str(axis.content)
        assert ticks[:LABEL].strip() == "" and ticks[LABEL].isdigit()
        names = [row.label in strip_text(chart, i) for i, row in enumerate(chart.rows)]
        assert all(names) if width >= 100 else not any(names)  # the names last, when there is room


def strip_text(chart: Any, index: int) -> str:
    return str(chart.render_row(index, chart.scrollable_content_region.width, selected=False).text)
