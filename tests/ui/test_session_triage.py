"""The session screen answers "what went wrong, whose was it, since when": the Findings tab
(against the demo world's true incidents), the Heatmap tab and its time cursor, and the
participants table (worst first and selected, columns that give way at 80 and 120 columns).

Sessions of the 500-session demo world at the suite's fixed NOW, each with a known incident
(``session.extra["incident"]`` holds the truth).
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from roomscope.screens.help import HelpScreen
from roomscope.screens.participant import ParticipantScreen
from roomscope.screens.quality import QualityScreen
from roomscope.screens.session import SessionScreen
from roomscope.tui.demo.world import DemoWorld
from roomscope.widgets.findings_view import FindingsView
from roomscope.widgets.heatmap import Heatmap
from roomscope.widgets.heatmap_grid import HEAT_METRICS
from roomscope.widgets.tables import FittedTable
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    crumbs,
    current_screen,
    open_session_at,
    palette_type,
    screen_text,
    settle,
    wait_for_participant_screen,
    wait_for_quality_screen,
    wait_for_session_screen,
    wait_for_sessions,
    wait_for_text,
    wait_until,
)

DOWNLINK = 2  # one receiver's downlink
CPU = 9  # one sender's CPU-limited encoder
LOSS_SPIKE = 21  # "All-hands": Farah Adeyemi's uplink
EVERYONE = 12  # "Webinar Q3": everyone at once; one participant has a 170-character name
HIGH_RTT = 26  # "Support escalation": a satellite route
RECONNECTS = 33  # "Daily standup": the host drops 7 times, in 3 bursts


def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


def session_screen(app: App[Any]) -> SessionScreen:
    return current_screen(app, SessionScreen)


async def wait_for_findings(pilot: Pilot[Any]) -> FindingsView:
    view = pilot.app.screen.query_one(FindingsView)
    await wait_until(pilot, lambda: session_screen(pilot.app).diagnosis is not None, what="the diagnosis")
    await settle(pilot)
    return view


async def wait_for_heatmap(pilot: Pilot[Any]) -> Heatmap:
    heatmap = pilot.app.screen.query_one(Heatmap)
    await wait_until(pilot, lambda: heatmap.grid is not None, what="the heatmap")
    await settle(pilot)
    return heatmap


# ---------------------------------------------------------------------------------------
# Findings


@pytest.mark.parametrize("index", [LOSS_SPIKE, DOWNLINK, EVERYONE, HIGH_RTT, RECONNECTS, CPU])
async def test_the_findings_tab_names_the_true_cause_first(make_app: AppFactory, index: int) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, index)
        truth = session_screen(app).session.extra["incident"]
        tabs = app.screen.query_one("#tabs", TabbedContent)
        assert tabs.active == "findings"
        view = await wait_for_findings(pilot)
        assert app.focused is view
        top = view.selected
        assert top is not None and top is view.findings[0]
        assert top.cause.value == truth["cause"]
        text = " ".join(screen_text(app).split())
        assert top.rule in text and "Cause" in text and "Evidence" in text
        named = {"shared": "shared", "route": "the route"}.get(truth["cause"], truth["who_names"][0])
        assert f"Cause: {named}" in text
        if truth["cause"] != "shared":
            assert top.cause_of is not None and top.cause_of.name == truth["who_names"][0]
        # what cannot be said closes the list: the demo has no bandwidth estimate
        assert "Cannot say" in text and "no bwe_send samples from demo" in text

        # Enter opens the participant the finding blames, at the finding's start
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        participant = current_screen(app, ParticipantScreen)
        expected = top.cause_of or top.who[0]
        assert participant.participant.id == expected.id
        assert participant.nav.at == top.start


async def test_separate_bursts_stay_separate(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, RECONNECTS)
        view = await wait_for_findings(pilot)
        churn = view.findings[0]
        assert churn.rule == "CON-CHURN" and len(churn.windows) == 3
        text = screen_text(app)
        assert "3 bursts, 10m32s in all, first at 10:23:01" in text
        assert "10:23:01–10:29:28 (6m27s) · 10:34:56–10:38:44 (3m48s) · 11:00:42–11:00:59 (17s)" in text
        assert "Priya Becker dropped and reconnected 7 times" in text
        assert "Ruled out" in text and "0 other participant(s) reconnected" in text


async def test_the_findings_name_the_sender_and_its_receivers(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await wait_for_findings(pilot)
        text = screen_text(app)
        assert "● 7/7 poor · uplink Farah 04:38 · 1 finding, worst first" in text
        assert "● poor  NET-LOSS-UP  Outbound packet loss  04:38:06–04:39:30 (1m24s)" in text
        assert "Farah Adeyemi → 6 receivers:" in text
        assert "from Farah Adeyemi" in text  # the per-pair evidence names the sender
        assert "3 of 5 consecutive samples" in text  # the persistence rule
        assert "downlink: the loss is on what it sends" in text


async def test_a_session_without_findings_says_so_and_what_cannot_be_said(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 0)
        view = await wait_for_findings(pilot)
        assert view.findings == []
        text = screen_text(app)
        assert "○ 3/3 good · no findings" in text
        assert "Cannot say" in text
        await pilot.press("enter")  # nothing to open: the screen stays
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)


async def test_a_provider_without_samples_says_why_there_is_no_verdict(make_app: AppFactory) -> None:
    from roomscope.tui.providers.registry import build_demo_backed

    telnyx = build_demo_backed("telnyx", size=300, clock=lambda: NOW)
    app = make_app(providers=[telnyx], source_label="telnyx").app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 21)
        await wait_for_findings(pilot)
        text = " ".join(screen_text(app).split())
        assert "? " in text and "no findings" in text
        assert "Cannot say" in text
        await pilot.press("2")
        await pilot.pause()
        heatmap = app.screen.query_one(Heatmap)
        assert heatmap.grid is None and "quality" in heatmap.note.lower()


# ---------------------------------------------------------------------------------------
# Heatmap


async def test_the_heatmap_cursor_moves_and_shows_every_value(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("2")
        heatmap = await wait_for_heatmap(pilot)
        assert app.focused is heatmap
        grid = heatmap.grid
        assert grid is not None and len(grid.tracks) == 7
        top = session_screen(app).diagnosis
        assert top is not None and top.top is not None
        # the cursor starts on the worst finding: Farah's loss shows in every row
        chosen = heatmap.selected()
        assert chosen is not None
        assert abs((chosen[1] - top.top.start).total_seconds()) < grid.span / heatmap.columns
        readings = heatmap.readings()
        assert len(readings) == 7 and all(readings)
        text = screen_text(app)
        for reading in readings:
            assert reading in text
        rows = grid.cells("overall", heatmap.columns)
        farah = next(i for i, t in enumerate(grid.tracks) if t.name == "Farah Adeyemi")
        assert 4 in rows[farah]  # her uplink: poor
        assert all(max(cells) >= 3 for cells in rows)  # everyone lost her media: fair or worse

        start = heatmap.cursor_column()
        for key, expected in (("l", start + 1), ("right", start + 2), ("h", start + 1), ("left", start)):
            await pilot.press(key)
            await pilot.pause()
            assert heatmap.cursor_column() == expected, key
        await pilot.press("L")
        await pilot.pause()
        assert heatmap.cursor_column() == start + 10
        await pilot.press("end")
        await pilot.pause()
        assert heatmap.cursor_column() == heatmap.columns - 1
        later = heatmap.readings()
        assert later != readings  # after the incident: other values
        await pilot.press("home")
        await pilot.pause()
        assert heatmap.cursor_column() == 0


async def test_m_cycles_the_metric(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, HIGH_RTT)
        await pilot.press("2")
        heatmap = await wait_for_heatmap(pilot)
        assert heatmap.metric == "overall"
        seen = [heatmap.metric]
        for _ in HEAT_METRICS:
            await pilot.press("m")
            await pilot.pause()
            seen.append(heatmap.metric)
        assert seen == ["overall", "loss", "jitter", "rtt", "mos", "overall"]
        assert "overall (worst of all)" in screen_text(app)
        for _ in range(3):
            await pilot.press("m")
        await pilot.pause()
        assert heatmap.metric == "rtt"
        assert "RTT ·" in screen_text(app)
        assert any(r.startswith("RTT ") and r.endswith(" ms") for r in heatmap.readings())
        grid = heatmap.grid
        assert grid is not None
        cells = grid.cells("rtt", heatmap.columns)
        names = [t.name for t in grid.tracks]
        satellite = names.index("प्रिया शर्मा")
        assert 4 in cells[satellite] and 4 not in cells[1 - satellite]  # only hers is poor


async def test_enter_on_a_heatmap_cell_opens_that_participants_quality_then(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("2")
        heatmap = await wait_for_heatmap(pilot)
        await pilot.press("j", "j", "l", "L", "L", "L")  # well away from where the trouble began
        await pilot.pause()
        chosen = heatmap.selected()
        assert chosen is not None
        grid = heatmap.grid
        assert grid is not None and chosen[0] == grid.tracks[2].participant_id
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        quality = current_screen(app, QualityScreen)
        assert quality.nav.current.id == chosen[0]
        assert quality.nav.at == chosen[1]
        assert crumbs(app).endswith(f"› {grid.tracks[2].name} › Quality")
        await wait_until(pilot, lambda: quality.timeline is not None, what="the quality time axis")
        timeline = quality.timeline
        assert timeline is not None and chosen[1] is not None
        # the quality cursor starts at the heatmap's instant (to within one chart column)
        column = timeline.span / 100
        assert abs(timeline.cursor - chosen[1].timestamp()) <= column


async def test_the_heatmap_marks_reconnects_and_shared_events(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, RECONNECTS)
        await pilot.press("2")
        heatmap = await wait_for_heatmap(pilot)
        assert "↻" in screen_text(app)
        await pilot.press("escape")
        await wait_for_sessions(pilot)
        await open_session_at(pilot, EVERYONE)
        await pilot.press("2")
        heatmap = await wait_for_heatmap(pilot)
        grid = heatmap.grid
        assert grid is not None and grid.shared
        await pilot.press("home")  # the cursor starts on the shared event: move it off
        await pilot.pause()
        lines = screen_text(app).splitlines()
        marker = next(line for line in lines if line.startswith("shared"))
        assert "▼" in marker and "━" in marker
        assert "]" in screen_text(app)  # Oscar left early


async def test_the_heatmap_reads_without_colour(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("2")
        await wait_for_heatmap(pilot)
        text = screen_text(app)
        assert "█" in text and "▁" in text  # poor and good differ by glyph, not colour


# ---------------------------------------------------------------------------------------
# Participants


def key_at_cursor(table: FittedTable) -> str:
    return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)


async def test_the_participants_table_opens_on_the_worst_even_from_the_palette(make_app: AppFactory) -> None:
    target = world().session(LOSS_SPIKE)
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, target.id)
        await wait_for_text(pilot, f"Open session {target.id}")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen), what="the session screen")
        await wait_for_session_screen(pilot)
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#participants-table", FittedTable)
        assert table.cursor_row == 0
        assert key_at_cursor(table) == table.row_keys()[0]
        farah = next(p for p in world().participants(target) if p.name == "Farah Adeyemi")
        assert key_at_cursor(table) == farah.id
        # a cursor the user moved stays where it was put when the table is drawn again
        await pilot.press("j")
        await pilot.pause()
        moved = key_at_cursor(table)
        session_screen(app)._draw_participants()
        await pilot.pause()
        assert key_at_cursor(table) == moved


async def test_reconnects_and_cause_columns(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, RECONNECTS)
        await wait_for_findings(pilot)
        await pilot.press("3")
        await pilot.pause()
        table = app.screen.query_one("#participants-table", FittedTable)
        reconnects = [str(c) for c in table.column_cells("Reconnects")]
        causes = [str(c) for c in table.column_cells("Cause")]
        names = [str(c) for c in table.column_cells("Name")]
        priya = names.index("Priya Becker")
        assert reconnects[priya] == "7"
        assert causes[priya] == "own connectivity"
        assert causes[1 - priya] == "connectivity of Priya Becker"
        header = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith("Quality"))
        assert "Reconnects" in header and "Cause" in header


@pytest.mark.parametrize("width", [80, 120])
async def test_columns_give_way_instead_of_running_off_screen(make_app: AppFactory, width: int) -> None:
    app = make_app().app
    async with app.run_test(size=(width, 30)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, EVERYONE)  # with "Oscar xxx…" (170 characters)
        await wait_for_findings(pilot)
        await pilot.press("3")
        await settle(pilot)
        table = app.screen.query_one("#participants-table", FittedTable)
        lines = screen_text(app).splitlines()
        header = next(line for line in lines if line.lstrip().startswith("Quality"))
        titles = header.split()
        for kept in ("Quality", "Name", "Issue", "Cause", "Joined", "Left", "Time"):
            assert kept in titles, (kept, header)
        if width >= 120:
            assert "Role" in titles
        assert "↻" in titles or "Reconnects" in titles  # its short title when narrow
        assert all(len(line) <= width for line in lines)
        # the long name is cut with an ellipsis and does not widen Name for everyone
        oscar = next(line for line in lines if "Oscar" in line)
        assert "Oscar xxx" in oscar and "…" in oscar and "x" * 30 not in oscar
        assert table.ordered_columns[1].width <= 24
        # the verdicts are never cut
        rows = [line for line in lines if "● " in line and ("poor" in line or "good" in line)]
        assert len(rows) >= 4
        assert not any(
            "● poo " in line or "● goo " in line or line.rstrip().endswith("● poo") for line in rows
        )
        # Joined, Left and Time are on screen: the last column's text ends inside the terminal
        joined = header.index("Joined")
        assert joined + len("Joined") < width


# ---------------------------------------------------------------------------------------
# Help


async def test_the_help_lists_enter_and_says_what_keys_do(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("question_mark")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), what="the help")
        help_screen = current_screen(app, HelpScreen)
        rows = {ident: (keys, text) for keys, text, ident in help_screen.rows()}
        keys, text = rows["session.open"]
        assert "⏎" in keys or "enter" in keys.lower()
        assert text.startswith("Open the highlighted participant")
        assert rows["session.tab-findings"][1] == "Show the findings"
        assert rows["findings.down"][0] == "j"
