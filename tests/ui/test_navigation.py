"""Walking the screens with the keyboard: Sessions -> Session -> Participant -> Quality and back.

The session used is the demo world's "All-hands" with a ``loss_spike`` incident (index 21 of
the 500-session world at the suite's fixed NOW): Farah Adeyemi's uplink loses packets, so she
is poor on send loss and the six others, who lose her media, are fair on receive loss from the
same moment. Triage relies on that order and on the verdict naming the metric.
"""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.widgets import TabbedContent

from roomscope.screens.participant import ParticipantScreen
from roomscope.screens.quality import QualityScreen
from roomscope.screens.session import SessionScreen
from roomscope.screens.sessions import SessionsScreen
from roomscope.tui.demo.world import DemoWorld
from roomscope.widgets.sparkline_panel import MetricPanel
from roomscope.widgets.tables import VimTable
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    crumbs,
    current_screen,
    open_session_at,
    screen_text,
    settle,
    wait_for_participant_screen,
    wait_for_quality_screen,
    wait_for_sessions,
    wait_until,
)

LOSS_SPIKE = 21  # "All-hands", 7 people, Farah Adeyemi's uplink loss
EVERYONE = 12  # "Webinar Q3", everyone degrades at once
HIGH_RTT = 26  # "Support escalation", one participant on a satellite link
RECONNECTS = 33  # "Daily standup", the host drops 7 times


def world() -> DemoWorld:
    return DemoWorld(seed=7, size=500, now=NOW)


def column(table: VimTable, index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


def participant_names(app: App[Any]) -> list[str]:
    table = app.screen.query_one("#participants-table", VimTable)
    return column(table, 1)


def verdicts(app: App[Any]) -> list[str]:
    table = app.screen.query_one("#participants-table", VimTable)
    return [v.replace("● ", "") for v in column(table, 0)]


async def test_full_walk_down_and_back_with_escape(make_app: AppFactory) -> None:
    built = make_app()
    app = built.app
    demo_session = world().session(LOSS_SPIKE)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        current_screen(app, SessionsScreen)
        assert crumbs(app) == "Sessions"

        # Sessions -> Session
        await open_session_at(pilot, LOSS_SPIKE)
        assert current_screen(app, SessionScreen).session.id == demo_session.id
        assert crumbs(app) == "Sessions › All-hands"
        await pilot.press("3")  # the participants tab (the screen opens on the findings)
        await pilot.pause()
        text = screen_text(app)
        assert "Sessions › All-hands" in text.splitlines()[0]
        # metadata: status, title, room, span, duration, people, id, verdict counts
        assert "ended  All-hands  room all-hands" in text
        end = demo_session.planned_end.strftime("%H:%M:%S")
        assert f"2026-11-21 04:08:15 → {end} · 1h01m · 7 people, peak 7" in text
        assert f"id {demo_session.id} · demo" in text
        assert "1 poor  6 fair  0 good" in text
        assert "7 participants, worst quality first" in text

        # worst quality first: poor, then fair (in the order their trouble began)
        assert verdicts(app) == ["poor", "fair", "fair", "fair", "fair", "fair", "fair"]
        names = participant_names(app)
        assert names[0] == "Farah Adeyemi"
        assert set(names[1:6]) == {
            "Gustavo Khan 🎤",
            "Hiro Chen",
            "Ines Khan",
            "Isabel Nakamura",
            "فاطمة الزهراء",
        }
        assert names[6] == "김민준"  # a second later: its samples fall a second after the others'
        issues = column(app.screen.query_one("#participants-table", VimTable), 2)
        assert issues[0] == "loss send > 5% · 1m24s from 04:38:06"
        assert all(issue.startswith("loss recv > 2% · 1m24s from 04:38:0") for issue in issues[1:])

        # Session -> Participant (Enter on the selected participant: the worst one)
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        current_screen(app, ParticipantScreen)
        assert crumbs(app) == "Sessions › All-hands › Farah Adeyemi"
        farah = next(p for p in world().participants(demo_session) if p.name == "Farah Adeyemi")
        text = screen_text(app)
        assert f"Who      guest · user {farah.user_id}" in text
        assert f"id {farah.id}" in text
        assert f"Device   {farah.browser} {farah.browser_version} · {farah.os} {farah.os_version}" in text
        assert f"Network  {farah.connection} · {farah.isp} ({farah.asn}) · {farah.ip}" in text
        assert f"Location {farah.city}, {farah.region}, {farah.country}" in text
        assert "Present  2026-11-21 " in text and "→" in text
        assert "Quality  ● poor: Packet loss (send) > 5% from 04:38:06 for 1m24s" in text
        summary = app.screen.query_one("#summary-table", VimTable)
        rows = {str(summary.get_row_at(i)[0]): summary.get_row_at(i) for i in range(summary.row_count)}
        assert list(rows) == [
            "Packet loss (send)",
            "Packet loss (recv)",
            "Bitrate (send)",
            "Bitrate (recv)",
            "Jitter",
            "RTT",
            "MOS",
            "Frame rate (send)",
            "CPU-limited (send)",
        ]
        loss = [str(c) for c in rows["Packet loss (send)"]]
        assert loss[1] == "%" and loss[6] == "> 5%" and loss[7] == "poor"
        low, avg, p95, high = (float(v.replace(",", "")) for v in loss[2:6])
        assert low <= avg <= high and low <= p95 <= high and high > 5.0
        assert [str(c) for c in rows["RTT"]][6] == "> 400 ms"
        assert [str(c) for c in rows["MOS"]][6] == "< 3.5"
        assert [str(c) for c in rows["Bitrate (send)"]][6] == "—"  # bitrate sets no verdict

        # Participant -> Quality
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        current_screen(app, QualityScreen)
        assert crumbs(app) == "Sessions › All-hands › Farah Adeyemi › Quality"
        panels = list(app.screen.query(MetricPanel))
        assert [p.assessment.threshold.label for p in panels if p.assessment] == list(rows)
        text = screen_text(app)
        assert "Farah Adeyemi  (1/7)  ● poor: Packet loss (send) > 5% from 04:38:06" in text
        for label, poor in (
            ("Packet loss (send) (%)", "poor > 5%"),
            ("Packet loss (recv) (%)", "poor > 5%"),
            ("Jitter (ms)", "poor > 30 ms"),
            ("RTT (ms)", "poor > 400 ms"),
            ("MOS", "poor < 3.5"),
        ):
            line = next(line for line in text.splitlines() if line.strip().startswith(label))
            assert "min " in line and " avg " in line and " p95 " in line and " max " in line
            assert poor in line, line
        assert any(line.strip().startswith("Bitrate (send) (kbps)  min") for line in text.splitlines())
        assert any(line.strip().startswith("Bitrate (recv) (kbps)  min") for line in text.splitlines())
        loss_line = next(line for line in text.splitlines() if line.strip().startswith("Packet loss (send)"))
        assert "● poor" in loss_line
        # the time axis of the session: its start and its end
        assert "04:08:15" in text and end in text

        # and back: Escape x3
        await pilot.press("escape")
        await pilot.pause()
        current_screen(app, ParticipantScreen)
        assert crumbs(app) == "Sessions › All-hands › Farah Adeyemi"
        await pilot.press("escape")
        await pilot.pause()
        current_screen(app, SessionScreen)
        assert crumbs(app) == "Sessions › All-hands"
        await pilot.press("escape")
        await pilot.pause()
        assert current_screen(app, SessionsScreen).table.cursor == LOSS_SPIKE  # the list kept its place
        assert crumbs(app) == "Sessions"
        await pilot.press("escape")  # Escape on the first screen does not leave it
        await pilot.pause()
        current_screen(app, SessionsScreen)
        assert app.is_running

        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert not app.is_running


async def test_q_goes_back_on_pushed_screens_and_quits_on_the_first(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, HIGH_RTT)
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        names = [type(s).__name__ for s in app.screen_stack]
        stack = names[names.index("SessionsScreen") :]
        assert stack == ["SessionsScreen", "SessionScreen", "ParticipantScreen", "QualityScreen"]
        for expected in (ParticipantScreen, SessionScreen, SessionsScreen):
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, expected)
            assert app.is_running
        await pilot.press("q")
        await pilot.pause()
    assert not app.is_running
    assert app.return_code == 0


async def test_ctrl_c_quits_from_a_pushed_screen(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 3)
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert not app.is_running


async def test_triage_verdicts_of_the_demo_incidents(make_app: AppFactory) -> None:
    """Each kind of incident shows as 'poor' on the right person, for the right reason."""
    app = make_app().app
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for_sessions(pilot)

        # everyone degrades at once: every human participant but one quiet guest is poor on loss
        await open_session_at(pilot, EVERYONE)
        assert verdicts(app)[:3] == ["poor", "poor", "poor"]
        issues = column(app.screen.query_one("#participants-table", VimTable), 2)
        assert all(issue.startswith("loss send > 5%") for issue in issues[:3])
        assert "3 poor  0 fair  1 good" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()

        # high RTT: the satellite participant is poor on RTT, first in the list
        await open_session_at(pilot, HIGH_RTT)
        assert verdicts(app)[0] == "poor"
        assert participant_names(app)[0] == "प्रिया शर्मा"
        issue = column(app.screen.query_one("#participants-table", VimTable), 2)[0]
        assert issue.startswith("RTT > 400 ms · 15m30s from 19:53:55")
        await pilot.press("escape")
        await pilot.pause()

        # reconnects: the host who dropped 7 times is poor and the card counts the reconnects
        await open_session_at(pilot, RECONNECTS)
        assert participant_names(app)[0] == "Priya Becker"
        assert verdicts(app)[0] == "poor"
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        assert "7 reconnects" in screen_text(app)
        await pilot.press("2")  # the participant's events: its reconnects
        await pilot.pause()
        events = app.screen.query_one("#pevents-table", VimTable)
        kinds = column(events, 2)
        assert kinds.count("reconnect") == 7
        assert kinds[0] == "join"


async def test_session_tabs_events_and_recordings(make_app: AppFactory) -> None:
    demo_world = world()
    index = next(
        i
        for i in range(1, 60)
        if demo_world.session(i).recorded and demo_world.session(i).participant_count <= 3
    )
    session = demo_world.session(index)
    expected_events = demo_world.events(session, NOW)
    expected_recordings = demo_world.recordings(session, NOW)
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, index)
        tabs = app.screen.query_one("#tabs", TabbedContent)
        assert tabs.active == "findings"
        assert app.focused is app.screen.query_one("#findings-list")

        await pilot.press("2")
        await pilot.pause()
        assert tabs.active == "heatmap"
        assert app.focused is app.screen.query_one("#heatmap-view")

        await pilot.press("4")
        await pilot.pause()
        assert tabs.active == "events"
        table = app.screen.query_one("#events-table", VimTable)
        assert app.focused is table
        assert table.row_count == len(expected_events)
        kinds = column(table, 2)
        assert kinds[0] == "session start" and kinds[-1] == "session end"
        assert "recording start" in kinds
        assert column(table, 1)[0] == "+0:00"
        assert f"{len(expected_events)} events" in screen_text(app)

        await pilot.press("5")
        await pilot.pause()
        assert tabs.active == "recordings"
        table = app.screen.query_one("#recordings-table", VimTable)
        assert table.row_count == len(expected_recordings)
        assert column(table, 0) == ["completed"] * len(expected_recordings)
        assert column(table, 5) == [r.id for r in expected_recordings]
        assert column(table, 4) == ["mp4"] * len(expected_recordings)

        await pilot.press("6")
        await pilot.pause()
        assert tabs.active == "info"
        text = screen_text(app)
        assert f"Id                {session.id}" in text
        assert "Room              " + session.room_name in text
        assert "transcript" in text  # recorded sessions have a transcript download

        await pilot.press("3")
        await pilot.pause()
        assert tabs.active == "participants"
        assert app.focused is app.screen.query_one("#participants-table", VimTable)

        await pilot.press("1")
        await pilot.pause()
        assert tabs.active == "findings"


async def test_enter_on_an_event_opens_its_participant(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("4")
        await pilot.pause()
        table = app.screen.query_one("#events-table", VimTable)
        row = next(i for i, name in enumerate(column(table, 3)) if name == "Isabel Nakamura")
        table.move_cursor(row=row)
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        assert crumbs(app) == "Sessions › All-hands › Isabel Nakamura"


async def test_stepping_between_participants(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        order = participant_names(app)
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        assert crumbs(app).endswith(f"› {order[0]}")

        # on the participant screen: ] and n forward, [ and p back
        await pilot.press("right_square_bracket")
        await wait_for_participant_screen(pilot)
        assert crumbs(app) == f"Sessions › All-hands › {order[1]}"
        assert "fair: Packet loss (recv) > 2%" in screen_text(app)  # losing Farah's media
        await pilot.press("n")
        await wait_for_participant_screen(pilot)
        assert crumbs(app).endswith(f"› {order[2]}")
        await pilot.press("p")
        await wait_for_participant_screen(pilot)
        assert crumbs(app).endswith(f"› {order[1]}")
        await pilot.press("left_square_bracket")
        await wait_for_participant_screen(pilot)
        assert crumbs(app).endswith(f"› {order[0]}")
        # before the first: stays, says so
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert crumbs(app).endswith(f"› {order[0]}")
        assert any("No more participants" in str(n.message) for n in app._notifications)

        # on the quality screen: step to the next, then back to the participant screen
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        await pilot.press("right_square_bracket")
        await wait_for_quality_screen(pilot)
        assert crumbs(app) == f"Sessions › All-hands › {order[1]} › Quality"
        assert f"{order[1]}  (2/7)" in screen_text(app)
        await pilot.press("n")
        await wait_for_quality_screen(pilot)
        assert crumbs(app) == f"Sessions › All-hands › {order[2]} › Quality"
        await pilot.press("escape")
        await wait_for_participant_screen(pilot)
        # the participant screen now shows the participant the quality screen stepped to
        assert isinstance(app.screen, ParticipantScreen)
        assert crumbs(app) == f"Sessions › All-hands › {order[2]}"
        assert app.screen.participant.name == order[2]
        assert f"Sessions › All-hands › {order[2]}" in screen_text(app)

        # the last participant: ] stays put
        for _ in range(len(order)):
            await pilot.press("right_square_bracket")
            await pilot.pause()
        await settle(pilot)
        assert crumbs(app).endswith(f"› {order[-1]}")


async def test_copy_on_detail_screens_copies_the_right_ids(make_app: AppFactory) -> None:
    demo_session = world().session(LOSS_SPIKE)
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("3")
        table = app.screen.query_one("#participants-table", VimTable)
        first = str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == first
        await pilot.press("4", "y")
        await pilot.pause()
        assert app.clipboard == demo_session.id  # outside the participants tab: the session id
        await pilot.press("3", "enter")
        await wait_for_participant_screen(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert app.clipboard == first
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        await pilot.press("n", "y")
        await wait_until(pilot, lambda: app.clipboard != first, what="the next participant's id")
        assert app.clipboard == current_screen(app, QualityScreen).nav.current.id
