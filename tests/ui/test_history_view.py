"""The History view ("since when"): opened by H on a participant, H in the Groups view and the
palette; the sentence, the marks on the time line and the rows; j/k move the cursor and the
time line's with it; Enter opens a session; f fetches (Escape cancels); e exports; y copies;
an empty history says so; how it looks at 80x24 and 120x40."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from roomscope.screens.groups import GroupsScreen
from roomscope.screens.history import HistoryScreen
from roomscope.screens.navigation import OpenHistory
from roomscope.screens.participant import ParticipantScreen
from roomscope.screens.session import SessionScreen
from roomscope.tui.incident.history import DEFAULT_SPAN, Subject
from roomscope.tui.models import Page, Participant
from roomscope.tui.providers.demo import DemoProvider
from roomscope.widgets.history_chart import GLYPH, HistoryTimeline
from roomscope.widgets.progress_bar import ProgressBar
from roomscope.widgets.prompt_input import PromptInput
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    SnapCompare,
    current_screen,
    open_session_at,
    palette_type,
    screen_text,
    settle,
    wait_for_participant_screen,
    wait_for_sessions,
    wait_until,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
SMALL = 60
"""A world of one session every 12 hours: 14 of them in the view's last 7 days."""
ISP = "AS3320"
"""Deutsche Telekom: in most sessions of the small world."""
ROOM = "office-hours"
"""Fine, then poor twice in the small world's last 7 days: a first degraded session."""
SINCE = NOW - DEFAULT_SPAN


def history_screen(pilot: Pilot[Any]) -> HistoryScreen:
    return current_screen(pilot.app, HistoryScreen)


async def wait_for_history(
    pilot: Pilot[Any], *, fetched: bool = False, patience: float = 30.0
) -> HistoryScreen:
    """Until the History view shows a history read from the cache (or, ``fetched``, from the
    providers) and nothing is loading."""

    def ready() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, HistoryScreen)
            and screen.history is not None
            and screen.history.fetched == fetched
            and not screen.reading
        )

    await wait_until(pilot, ready, patience=patience, what="the history")
    await settle(pilot, patience=patience)
    return history_screen(pilot)


def head_text(screen: HistoryScreen) -> str:
    return str(screen.query_one("#history-head", Static).content)


def timeline_lines(pilot: Pilot[Any]) -> list[str]:
    """The four lines of the time line as the terminal shows them."""
    widget = pilot.app.screen.query_one(HistoryTimeline)
    top = widget.region.y
    return screen_text(pilot.app).splitlines()[top : top + 4]


async def open_history_from_palette(pilot: Pilot[Any], text: str) -> None:
    await palette_type(pilot, f"history {text}")
    await wait_until(pilot, lambda: "History of" in screen_text(pilot.app), what="the history hit")
    await pilot.press("enter")


async def fetched_history(pilot: Pilot[Any], subject: str) -> HistoryScreen:
    """The history of ``subject`` (as typed after 'history' in the palette), fetched."""
    await wait_for_sessions(pilot)
    await open_history_from_palette(pilot, subject)
    await wait_for_history(pilot)
    await pilot.press("f")
    return await wait_for_history(pilot, fetched=True)


async def isp_history(pilot: Pilot[Any]) -> HistoryScreen:
    """The small world's ISP history, fetched: eight sessions, two of them poor."""
    return await fetched_history(pilot, f"isp {ISP}")


# ---------------------------------------------------------------------------------------
# From a participant


async def test_h_on_a_participant_opens_their_history_and_f_fetches(make_app: AppFactory) -> None:
    built = make_app(size=SMALL)
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 1)
        session_screen = current_screen(pilot.app, SessionScreen)
        session = session_screen.session
        await pilot.press("3", "enter")  # the Participants tab, its first row
        await wait_for_participant_screen(pilot)
        person = current_screen(pilot.app, ParticipantScreen).participant
        assert person.user_id
        await pilot.press("H")
        screen = await wait_for_history(pilot)
        assert screen.subject == Subject("who", person.user_id, person.name)
        history = screen.history
        assert history is not None and not history.fetched
        # From the cache: the session just opened is there (its participants were read)
        assert (session.profile, session.id) in history.sessions
        cached = len(history.marks)
        text = screen_text(pilot.app)
        assert f"Sessions › History of {person.name}" in text
        assert f"History of {person.name} ({person.user_id}) · since {SINCE:%Y-%m-%d %H:%M} UTC" in text
        assert screen.sentence() and screen.sentence() in head_text(screen)
        marks_line = timeline_lines(pilot)[1]
        assert sum(marks_line.count(g) for g in GLYPH.values()) == cached
        assert "cache only" in text
        await pilot.press("f")
        screen = await wait_for_history(pilot, fetched=True)
        history = screen.history
        assert history is not None and history.unread == 0
        expected = sum(1 for i in range(SMALL) if built.provider.world.session(i).start >= SINCE)
        assert history.scanned == expected
        assert len(history.marks) >= cached
        assert screen.query_one(ProgressBar).shown is None
        assert "fetched" in screen_text(pilot.app)


# ---------------------------------------------------------------------------------------
# The time line, the cursor, Enter, export, copy


async def test_marks_follow_the_cursor_and_enter_opens_the_session(make_app: AppFactory) -> None:
    app = make_app(size=SMALL).app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await isp_history(pilot)
        history = screen.history
        assert history is not None and len(history.marks) >= 4
        assert screen.subject == Subject("isp", ISP)
        rows, timeline = screen.rows, screen.query_one(HistoryTimeline)
        times = [m.at for m in history.marks]
        assert times == sorted(times)  # oldest first, like the time line
        start = rows.cursor
        assert timeline.cursor == start
        columns = timeline.columns()
        lines = timeline_lines(pilot)
        gutter = timeline.region.x + timeline.styles.padding.left + 7
        assert lines[2][gutter + columns[start]] == "▲"  # under the cursor's mark
        await pilot.press("g")
        assert rows.cursor == 0 and timeline.cursor == 0
        await pilot.press("j", "j")
        assert rows.cursor == 2 and timeline.cursor == 2
        assert timeline_lines(pilot)[2][gutter + columns[2]] == "▲"
        await pilot.press("k")
        assert rows.cursor == 1 and timeline.cursor == 1
        chosen = history.marks[1]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, SessionScreen), what="the session")
        assert current_screen(pilot.app, SessionScreen).session.id == chosen.session_id
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen), what="back")


async def test_the_first_degraded_session_is_named_and_the_cursor_starts_there(make_app: AppFactory) -> None:
    app = make_app(size=SMALL).app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await fetched_history(pilot, f"room {ROOM}")
        history = screen.history
        assert history is not None
        assert [m.verdict.value for m in history.marks] == ["good", "poor", "poor"]
        assert history.first_bad == 1 and screen.rows.cursor == 1
        first = history.marks[1]
        timeline = screen.query_one(HistoryTimeline)
        lines = timeline_lines(pilot)
        gutter = timeline.region.x + timeline.styles.padding.left + 7
        column = gutter + timeline.columns()[1]
        assert lines[0][column:].startswith(f"▼ first degraded: {first.session_title}, Thu 19 07:19")
        assert lines[1][column] == "●" and lines[2][column] == "▲"
        said = head_text(screen)
        assert "was fine until Wed 18 Nov 22:38; since then 2 of 2 sessions degraded" in said
        row = next(line for line in screen_text(pilot.app).splitlines() if "first degraded · " in line)
        assert row.lstrip().startswith("▼ ● poor    Thu 19 Nov 07:19 Office hours")


async def test_t_reads_a_shorter_or_longer_span(make_app: AppFactory) -> None:
    """t steps through the last 1, 7, 30 and 90 days, reading each from the cache at once;
    f then fetches what the longer span lacks."""
    from datetime import timedelta

    from roomscope.screens.history import DEFAULT_SPAN_DAYS, SPANS_DAYS
    from roomscope.tui import fmt

    assert timedelta(days=DEFAULT_SPAN_DAYS) == DEFAULT_SPAN, "the view opens as the command reads"
    assert DEFAULT_SPAN_DAYS in SPANS_DAYS
    app = make_app(size=SMALL).app
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await isp_history(pilot)
        assert screen.span_days == 7 and screen.history is not None
        week = len(screen.history.marks)
        counts: dict[int, int] = {}
        for days in (30, 90, 1, 7):
            await pilot.press("t")

            def read(days: int = days) -> bool:
                return screen.span_days == days and not screen.reading

            await wait_until(pilot, read, what=f"{days} days")
            await settle(pilot)
            since = NOW - timedelta(days=days)
            assert screen.since == since and screen.history is not None
            assert all(m.at >= since for m in screen.history.marks)
            assert f"since {fmt.when(since)}" in head_text(screen)
            counts[days] = len(screen.history.marks)
        assert counts[1] <= counts[7] == week <= counts[30] <= counts[90]
        await pilot.press("t")  # from 7 days to 30
        await wait_until(pilot, lambda: screen.span_days == 30 and not screen.reading, what="30 days")
        await settle(pilot)
        await pilot.press("f")
        fetched = await wait_for_history(pilot, fetched=True)
        assert fetched.history is not None and len(fetched.history.marks) > week, "a month holds more"
        assert all(m.at >= NOW - timedelta(days=30) for m in fetched.history.marks)


async def test_e_exports_the_rows_and_y_copies_the_sentence(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(size=SMALL).app
    copied: list[tuple[str, str]] = []
    monkeypatch.setattr(app, "copy_text", lambda text, what: copied.append((text, what)))
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await isp_history(pilot)
        history = screen.history
        assert history is not None
        await pilot.press("e")
        field = screen.query_one(PromptInput)
        assert field.has_focus and field.value == "history-isp.csv"
        target = tmp_path / "history.csv"
        field.value = str(target)
        await pilot.press("enter")
        rows = list(csv.DictReader(target.open(encoding="utf-8")))
        assert [r["session_id"] for r in rows] == [m.session_id for m in history.marks]
        assert [r["verdict"] for r in rows] == [m.verdict.value for m in history.marks]
        assert screen.rows.has_focus
        await pilot.press("y")
        assert copied == [(screen.sentence(), "sentence")]


# ---------------------------------------------------------------------------------------
# Fetching, cancelling, nothing to show


class Held(DemoProvider):
    """Participants are answered only once the test lets them through."""

    gate: asyncio.Event

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        await self.gate.wait()
        return await super().list_participants(session_id, cursor, limit)


async def test_escape_cancels_a_fetch_and_shows_what_the_cache_holds(make_app: AppFactory) -> None:
    held = make_app.demo(SMALL, cls=Held)
    assert isinstance(held, Held)
    held.gate = asyncio.Event()
    app = make_app(providers=[held]).app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_history_from_palette(pilot, f"isp {ISP}")
        screen = await wait_for_history(pilot)
        assert screen.history is not None and screen.history.marks == []
        await pilot.press("f")
        await wait_until(
            pilot,
            lambda: screen.progress is not None and screen.progress.listing_done,
            what="the fetch to wait for participants",
        )
        await wait_until(pilot, lambda: "Esc cancels" in screen_text(pilot.app), what="the progress line")
        assert "Fetching" in screen_text(pilot.app)
        await pilot.press("escape")
        assert isinstance(pilot.app.screen, HistoryScreen)  # the fetch went, the view stays
        assert not screen.fetching
        assert any("Fetch cancelled" in n.message for n in app._notifications)
        held.gate.set()  # the requests already sent finish and are cached
        screen = await wait_for_history(pilot)
        assert screen.history is not None and not screen.history.fetched
        assert "cache only" in screen_text(pilot.app)


async def test_an_empty_history_says_so(make_app: AppFactory) -> None:
    app = make_app(size=SMALL).app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_history_from_palette(pilot, "room no-such-room")
        screen = await wait_for_history(pilot)
        since = f"{SINCE:%Y-%m-%d %H:%M}"
        said = f"No session of room no-such-room since {since} in the cache: f asks the providers."
        assert said in screen_text(pilot.app)
        await pilot.press("f")
        await wait_for_history(pilot, fetched=True)
        text = screen_text(pilot.app)
        assert "in the sessions read from the providers." in text
        assert "0 sessions" in text
        await pilot.press("e")  # nothing to export: no prompt
        assert not screen.query_one(PromptInput).has_focus


# ---------------------------------------------------------------------------------------
# From the Groups view and the palette


async def test_h_in_the_groups_view_opens_an_isp_s_history(make_app: AppFactory) -> None:
    from tests.ui.test_window_view import open_groups

    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        groups = await open_groups(pilot)
        assert groups.dimension.value == "isp"
        top = groups.table.selected
        assert top is not None
        await pilot.press("H")
        screen = await wait_for_history(pilot)
        assert screen.subject is not None and screen.subject.kind == "isp"
        assert screen.subject.value == top.label.split(" ", 1)[0]
        assert f"History of ISP {top.label}" in screen_text(pilot.app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, GroupsScreen), what="the groups")
        await pilot.press("d")  # by country: no history
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(pilot.app.screen, GroupsScreen)
        assert any("Groups by country have no history" in n.message for n in app._notifications)


async def test_the_palette_command_asks_whose_history(make_app: AppFactory) -> None:
    app = make_app(size=SMALL).app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, "History of a room")
        await wait_until(pilot, lambda: "History of a room…" in screen_text(pilot.app), what="the command")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen), what="the view")
        screen = history_screen(pilot)
        field = screen.query_one(PromptInput)
        assert field.has_focus and field.placeholder.startswith("room:")
        world = make_app.built[0].provider.world
        room = world.session(0).room_name
        field.value = room
        await pilot.press("enter")
        screen = await wait_for_history(pilot)
        assert screen.subject == Subject("room", room)
        assert f"Sessions › History of room {room}" in screen_text(pilot.app)
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen), what="back")
        await palette_type(pilot, "History of a person")
        await wait_until(pilot, lambda: "History of a person…" in screen_text(pilot.app), what="the command")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, HistoryScreen), what="the view")
        await pilot.press("escape")  # no subject typed: back at once
        await wait_until(pilot, lambda: not isinstance(pilot.app.screen, HistoryScreen), what="back")


# ---------------------------------------------------------------------------------------
# How it looks


async def snapshot_flow(pilot: Pilot[Any]) -> None:
    await fetched_history(pilot, f"room {ROOM}")
    pilot.app.clear_notifications()
    await pilot.pause()
    text = screen_text(pilot.app)
    assert "reading" not in text and "Fetching" not in text


@pytest.mark.parametrize("size", SIZES)
def test_history_view_snapshot(
    size: tuple[int, int], make_sync_app: AppFactory, snap_compare: SnapCompare
) -> None:
    assert snap_compare(make_sync_app(size=SMALL).app, terminal_size=size, run_before=snapshot_flow)


# ---------------------------------------------------------------------------------------
# --history KIND=VALUE


def test_the_command_line_names_the_subject() -> None:
    from roomscope.tui.cli import build_app
    from roomscope.tui.sources import UsageError

    fast = ["--provider", "demo", "--demo-latency", "0"]
    assert build_app([*fast, "--history", "isp=AS3320"]).initial_history == ("isp", "AS3320")
    assert build_app([*fast, "--history", "Ana Silva"]).initial_history == ("who", "Ana Silva")
    assert build_app(fast).initial_history is None
    with pytest.raises(UsageError, match="--history: say whose history"):
        build_app([*fast, "--history", "room="])


async def test_the_app_opens_the_history_at_start(make_app: AppFactory) -> None:
    built = make_app(size=SMALL)
    room = built.provider.world.session(0).room_name
    built.app.initial_history = ("room", room)
    async with built.app.run_test(size=(120, 40)) as pilot:
        screen = await wait_for_history(pilot)
        assert screen.subject == Subject("room", room)


# ---------------------------------------------------------------------------------------
# The time line's arithmetic


def test_columns_of_places_and_clamps() -> None:
    from roomscope.widgets.history_chart import columns_of

    assert columns_of([0.0, 50.0, 99.9, 100.0, -5.0, 130.0], 0.0, 100.0, 10) == [0, 5, 9, 9, 0, 9]
    assert columns_of([1.0], 0.0, 100.0, 0) == [0]


def test_ticks_are_days_in_the_shown_zone_when_a_week_is_shown() -> None:
    from roomscope.widgets.history_chart import ticks

    start, end = SINCE.timestamp(), NOW.timestamp()  # Sun 15 Nov 10:00 .. Sun 22 Nov 10:00 UTC
    found = ticks(start, end, 100, 0.0)
    assert [label for _c, label in found] == [
        "Mon 16",
        "Tue 17",
        "Wed 18",
        "Thu 19",
        "Fri 20",
        "Sat 21",
        "Sun 22",
    ]
    assert found[0][0] == 8  # 14 hours of 168 into 100 columns
    assert [c for c, _l in found] == sorted({c for c, _l in found})
    shifted = ticks(start, end, 100, 3600.0)  # a zone an hour ahead: its midnights are an hour earlier
    assert shifted[0][0] == 7
    hours = ticks(end - 6 * 3600, end, 112, 0.0)  # six hours: labelled by the hour
    assert [label for _c, label in hours][:3] == ["04:00", "05:00", "06:00"]
    quarter = ticks(end - 90 * 86400, end, 112, 0.0)  # 90 days (t): weeks, labelled by date
    labels = [label for _c, label in quarter]
    assert labels[0] == "27 Aug" and labels[-1] == "19 Nov" and len(labels) == 13


def test_a_column_shows_the_cursor_s_mark_else_the_worst() -> None:
    from roomscope.widgets.history_chart import shown_marks

    columns, ranks = [0, 0, 0, 2], [1, 3, 2, 0]
    assert shown_marks(columns, ranks, None, 3) == [1, None, 3]
    assert shown_marks(columns, ranks, 2, 3) == [2, None, 3]
    assert shown_marks([0, 0], [1, 1], None, 3)[:1] == [1]  # equals: the latest


async def test_a_hostile_subject_is_shown_inert(make_app: AppFactory) -> None:
    """Markup and control characters in a name (a provider's, or typed) reach the screen as
    plain text: no crash, no escape sequence, no styling."""
    app = make_app(size=SMALL).app
    hostile = "[bold red]Eve[/]\x1b[2J\u202e"
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        app.post_message(OpenHistory("who", hostile))
        screen = await wait_for_history(pilot)
        text = screen_text(pilot.app)
        assert "History of [bold red]Eve[/]" in text
        assert "\x1b" not in text and "\u202e" not in text
        assert "\x1b" not in screen.sentence() and "[bold red]Eve[/]" in screen.sentence()
