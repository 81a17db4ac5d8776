"""The first screen: moving, jumping, filtering, sorting, status line, copy, help, palette."""

from __future__ import annotations

import base64
import re
from typing import Any, TypeVar

import pytest
from textual.app import App
from textual.pilot import Pilot

from roomscope.screens.help import HelpScreen
from roomscope.screens.session import SessionScreen
from roomscope.screens.sessions import SessionsScreen
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.models import SessionStatus
from roomscope.tui.store import FilteredCollection
from roomscope.widgets.session_table import SessionHeader, SessionTable
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    StoreClock,
    current_screen,
    loaded_row,
    palette_type,
    screen_text,
    session_list,
    sessions_screen,
    settle,
    wait_for_sessions,
    wait_for_text,
    wait_until,
)

T = TypeVar("T")


def world(size: int = 500) -> DemoWorld:
    return DemoWorld(seed=7, size=size, now=NOW)


def known(values: list[T | None]) -> list[T]:
    """``values``, none of which the test expects to be unknown (None)."""
    assert None not in values, values
    return [v for v in values if v is not None]


def table(app: App[Any]) -> SessionTable:
    return app.screen.query_one(SessionTable)


def header(app: App[Any]) -> str:
    return str(app.screen.query_one(SessionHeader).content)


def marked(app: App[Any]) -> tuple[str, str]:
    """(column title, marker) of the one column carrying the sort marker."""
    found: list[tuple[str, str]] = re.findall(r"(\w+) ?([▼▲])", header(app))
    assert len(found) == 1, header(app)
    return found[0]


def status_line(app: App[Any]) -> str:
    lines = screen_text(app).splitlines()
    return lines[-2]  # above the footer


def visible_rows(app: App[Any]) -> list[str]:
    """The table's rows as shown (below the column titles, above the status line)."""
    lines = screen_text(app).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Start"))
    return [line for line in lines[start + 1 : -2] if line.strip()]


def loaded_titles(app: App[Any], count: int) -> list[str]:
    collection = session_list(app)
    return [loaded_row(collection, i).title for i in range(count)]


async def wait_for_filter(pilot: Pilot[Any], text: str) -> None:
    """The filter is debounced: wait until the list shows it."""
    app = pilot.app
    await wait_until(pilot, lambda: sessions_screen(app).state.text == text, what=f"the filter {text!r}")
    await wait_until(
        pilot,
        lambda: session_list(app).started and session_list(app).loaded > 0,
        what="filtered rows",
    )
    await settle(pilot)


# ---------------------------------------------------------------------------------------
# moving


async def test_rows_show_start_name_status_duration_people(make_app: AppFactory) -> None:
    app = make_app().app
    demo_world = world()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        assert header(app).split() == ["Start", "▼", "Session", "Room", "Status", "Duration", "People"]
        rows = visible_rows(app)
        assert len(rows) == 36  # the whole height is used
        first = rows[0].split()
        s0 = demo_world.session(0)
        assert first[:2] == ["today", s0.start.strftime("%H:%M")]
        assert rows[0].startswith(" today 09:25 All-hands")
        assert "● live" in rows[0] and rows[0].rstrip().endswith(" 3")  # live, 3 people
        assert " ended " in rows[1] and "Telehealth clinic 4" in rows[1]
        assert rows[1].split()[-3:] == ["ended", "20m01s", "40"]
        assert rows[7].lstrip().startswith("Sat 23:32")  # yesterday: weekday and time
        # the column titles sit above their columns (with the scrollbar shown)
        lines = screen_text(app).splitlines()
        titles = next(line for line in lines if line.strip().startswith("Start"))
        assert titles.index("Status") == rows[1].index("ended")
        assert titles.index("Room") == rows[1].index("telehealth-clinic-4")
        assert titles.index("People") + len("People") == len(rows[1].rstrip())
        # newest first
        starts = known([loaded_row(session_list(app), i).started_at for i in range(36)])
        assert starts == sorted(starts, reverse=True)


async def test_cursor_keys_and_paging(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_sessions(pilot)
        t = table(app)
        assert t.cursor == 0
        await pilot.press("j", "j", "down")
        assert t.cursor == 3
        await pilot.press("k", "up")
        assert t.cursor == 1
        await pilot.press("k", "k", "k")  # stops at the top
        assert t.cursor == 0
        page = t.scrollable_content_region.height - 1
        await pilot.press("pagedown")
        assert t.cursor == page
        await pilot.press("pagedown")
        assert t.cursor == 2 * page
        assert t.scroll_offset.y > 0  # the selected row stays in view
        await pilot.press("pageup")
        assert t.cursor == page
        await pilot.press("G")
        await settle(pilot)
        assert t.cursor == 499
        await pilot.pause()
        assert visible_rows(app)[-1].lstrip().startswith(world().session(499).start.strftime("%m-%d %H:%M"))
        await pilot.press("g")
        assert t.cursor == 0 and t.scroll_offset.y == 0
        await pilot.press("end")
        await settle(pilot)
        assert t.cursor == 499
        await pilot.press("home")
        assert t.cursor == 0
        assert t.selected is not None and t.selected.id == world().session(0).id


async def test_G_on_100k_sessions_loads_only_the_last_page(make_app: AppFactory) -> None:
    built = make_app(size=100_000)
    app = built.app
    demo = built.provider
    demo_world = world(100_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_sessions(pilot)
        assert demo.requests == 1
        assert "200/100,000 sessions" in status_line(app)
        await pilot.press("G")
        await settle(pilot)
        t = table(app)
        assert t.cursor == 99_999
        assert t.selected is not None
        assert t.selected.id == demo_world.session(99_999).id
        # the first page, then only the page(s) under the viewport at the end
        assert demo.requests <= 3
        assert session_list(app).loaded <= 600
        assert "/100,000 sessions" in status_line(app)
        assert "loading" not in screen_text(app)
        await pilot.press("pageup")
        await settle(pilot)
        assert t.cursor == 99_999 - (t.scrollable_content_region.height - 1)
        assert demo.requests <= 3


# ---------------------------------------------------------------------------------------
# filter, sort, status, time range


async def test_slash_filter_narrows_inverts_and_escape_clears(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        everything = session_list(app).total
        assert everything == 500
        await pilot.press("slash")
        filter_bar = app.screen.query_one("#filter")
        assert app.focused is filter_bar
        await pilot.press(*"standup")
        await wait_for_filter(pilot, "standup")
        assert sessions_screen(app).state.sort == "start"  # the "s" typed into the filter did not sort
        collection = session_list(app)
        await collection.ensure_all()
        await settle(pilot)
        matching = [loaded_row(collection, i) for i in range(collection.loaded)]
        assert 0 < len(matching) < everything
        assert all("standup" in f"{s.name} {s.room_name} {s.id}".lower() for s in matching)
        rows = visible_rows(app)
        assert rows and all("standup" in r.lower() or "Планёрка" in r for r in rows)
        assert "filter “standup”" in status_line(app)
        assert f"{len(matching)}/" in status_line(app) or f"{len(matching)} of" in status_line(app)

        # Enter keeps the filter and returns to the list
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is table(app)
        assert sessions_screen(app).state.text == "standup"

        # ! inverts
        await pilot.press("slash", "home", "!")
        await wait_for_filter(pilot, "!standup")
        inverted = session_list(app)
        assert isinstance(inverted, FilteredCollection)
        await inverted.ensure_all()
        await settle(pilot)
        assert inverted.loaded == everything - len(matching)
        assert all("standup" not in f"{s.name} {s.room_name}".lower() for s in inverted.rows)
        assert "Daily standup" not in screen_text(app)

        # Escape clears it and hides the bar
        await pilot.press("escape")
        await wait_for_filter(pilot, "")
        assert session_list(app).total == everything
        assert not filter_bar.has_class("-visible")
        assert "filter" not in status_line(app)
        assert app.focused is table(app)


async def test_escape_on_the_list_clears_a_kept_filter(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("slash", *"retro", "enter")
        await wait_for_filter(pilot, "retro")
        assert all("Retro" in r for r in visible_rows(app))
        await pilot.press("escape")
        await wait_for_filter(pilot, "")
        assert any("Retro" not in r for r in visible_rows(app))


async def test_s_cycles_the_sort_column_and_S_reverses(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_sessions(pilot)
        assert marked(app) == ("Start", "▼")

        await pilot.press("s")
        await settle(pilot)
        assert sessions_screen(app).state.sort == "name"
        assert marked(app) == ("Session", "▲")
        titles = loaded_titles(app, 500)
        assert titles == sorted(titles, key=str.casefold)
        assert visible_rows(app)[0].split()[2] == titles[0].split()[0]
        assert "sorted by name ↑" in status_line(app)

        await pilot.press("S")
        await settle(pilot)
        assert marked(app) == ("Session", "▼")
        reversed_titles = loaded_titles(app, 500)
        assert reversed_titles == sorted(titles, key=str.casefold, reverse=True)

        await pilot.press("s")  # status
        await settle(pilot)
        assert marked(app) == ("Status", "▼")
        await pilot.press("s")  # duration, longest first
        await settle(pilot)
        assert marked(app) == ("Duration", "▼")
        durations = known([loaded_row(session_list(app), i).duration_s for i in range(500)])
        assert durations == sorted(durations, reverse=True)
        await pilot.press("s")  # people, most first
        await settle(pilot)
        assert marked(app) == ("People", "▼")
        counts = known([loaded_row(session_list(app), i).participant_count for i in range(20)])
        assert counts == sorted(counts, reverse=True)
        assert visible_rows(app)[0].rstrip().endswith(str(counts[0]))
        await pilot.press("s")  # back to start (one profile: no provider column)
        await settle(pilot)
        assert marked(app) == ("Start", "▼")
        await pilot.press("S")
        await settle(pilot)
        assert marked(app) == ("Start", "▲")
        oldest = world().session(499)
        selected = table(app).selected
        assert selected is not None and selected.id == oldest.id


async def test_v_cycles_live_and_ended(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert sessions_screen(app).state.status == "live"
        collection = session_list(app)
        assert collection.total == 1
        assert loaded_row(collection, 0).status is SessionStatus.LIVE
        assert "1/1 sessions · live only" in status_line(app)
        assert len(visible_rows(app)) == 1

        await pilot.press("v")
        await settle(pilot)
        assert sessions_screen(app).state.status == "ended"
        assert session_list(app).total == 499
        assert "ended only" in status_line(app)
        assert "● live" not in screen_text(app)

        await pilot.press("v")
        await settle(pilot)
        assert sessions_screen(app).state.status is None
        assert session_list(app).total == 500
        assert "only" not in status_line(app)


async def test_t_cycles_the_time_range(make_app: AppFactory) -> None:
    app = make_app().app
    demo_world = world()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        expected = {
            "last 1h": sum(1 for i in range(500) if demo_world.session(i).start >= NOW.replace(hour=9)),
            "last 24h": sum(
                1 for i in range(500) if (NOW - demo_world.session(i).start).total_seconds() <= 86400
            ),
        }
        await pilot.press("t")
        await settle(pilot)
        assert "last 1h" in status_line(app)
        assert session_list(app).total == expected["last 1h"] == 1
        await pilot.press("t")
        await settle(pilot)
        assert "last 24h" in status_line(app)
        assert session_list(app).total == expected["last 24h"]
        rows = visible_rows(app)
        assert all(r.lstrip().startswith(("today", "Sat")) for r in rows)
        await pilot.press("t", "t", "t")  # 7d, 30d, all time
        await settle(pilot)
        assert sessions_screen(app).state.range_index == 0
        assert session_list(app).total == 500
        assert "last" not in status_line(app)
        # Escape resets status and range filters too
        await pilot.press("t", "v")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        assert sessions_screen(app).state.range_index == 0 and sessions_screen(app).state.status is None


async def test_status_line_counts_age_and_source(make_app: AppFactory) -> None:
    built = make_app()
    app = built.app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        line = status_line(app)
        assert line.lstrip().startswith("200/500 sessions")
        assert "updated just now" in line
        assert line.rstrip().endswith("demo world")
        assert "loading" not in line
        await pilot.press("G")
        await settle(pilot)
        # the first page and the last one (rows 400-499), not the one in between
        assert status_line(app).lstrip().startswith("300/500 sessions")

    # a second start over the same cache, five minutes later, offline: cached data and its age
    later = StoreClock(NOW.timestamp() + 300)
    again = make_app(cache_dir=built.cache_dir, clock=later, offline=True)
    async with again.app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        line = status_line(again.app)
        assert "cached 5m ago" in line
        assert "OFFLINE (cache only)" in line
        assert again.provider.requests == 0
        assert visible_rows(again.app)[0].lstrip().startswith("today 09:25 All-hands")


async def test_cursor_only_provider_says_n_of_more_and_G_loads_to_the_end(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from roomscope.tui.providers.registry import build_demo_backed
    from tests.conftest import fixed_now

    signalwire = build_demo_backed("signalwire", size=350, clock=fixed_now)
    calls = 0
    original = signalwire.list_sessions

    async def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return await original(*args, **kwargs)

    monkeypatch.setattr(signalwire, "list_sessions", counted)
    built = make_app(providers=[signalwire], source_label="signalwire API (fake) on demo data")
    app = built.app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        assert calls == 1
        assert "100 of >100 sessions" in status_line(app)
        first = world(350).session(0)
        assert visible_rows(app)[0].lstrip().startswith(f"today {first.start:%H:%M} {first.title}")
        await pilot.press("G")
        await wait_until(pilot, lambda: table(app).cursor == 349, what="the cursor at the last row")
        await settle(pilot)
        assert calls == 4  # 100 + 100 + 100 + 50, in order
        assert session_list(app).total == 350
        assert "350/350 sessions" in status_line(app)
        selected = table(app).selected
        assert selected is not None and selected.id == world(350).session(349).id
        # Escape while loading to the end would cancel; once finished the list stays
        await pilot.press("g")
        assert table(app).cursor == 0


async def test_r_refreshes_what_is_on_screen(make_app: AppFactory) -> None:
    built = make_app()
    app = built.app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        before = built.provider.requests
        built.clock.advance(30)
        await pilot.press("r")
        await wait_until(pilot, lambda: built.provider.requests > before, what="a new request")
        await settle(pilot)
        assert any("Refreshing" in str(n.message) for n in app._notifications)
        assert "updated just now" in status_line(app)
        assert loaded_row(session_list(app), 0).id == world().session(0).id


# ---------------------------------------------------------------------------------------
# copy


async def test_y_copies_the_selected_id_with_osc52(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app().app
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_sessions(pilot)
        written: list[str] = []
        assert app._driver is not None
        monkeypatch.setattr(app._driver, "write", written.append)
        await pilot.press("j", "y")
        await pilot.pause()
        expected = world().session(1).id
        assert app.clipboard == expected
        payload = base64.b64encode(expected.encode()).decode()
        assert written == [f"\x1b]52;c;{payload}\x07"]
        assert any(f"Copied session id: {expected}" in str(n.message) for n in app._notifications)


@pytest.mark.parametrize(
    ("env", "wrap"),
    [
        ({"TMUX": "/tmp/tmux-1000/default,4242,0"}, ("\x1bPtmux;\x1b\x1b]52;c;", "\x07\x1b\\")),
        ({"TERM": "screen-256color"}, ("\x1bP\x1b]52;c;", "\x07\x1b\\")),
    ],
)
async def test_y_wraps_osc52_for_tmux_and_screen(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], wrap: tuple[str, str]
) -> None:
    app = make_app().app
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_sessions(pilot)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        written: list[str] = []
        assert app._driver is not None
        monkeypatch.setattr(app._driver, "write", written.append)
        await pilot.press("y")
        await pilot.pause()
        session_id = world().session(0).id
        payload = base64.b64encode(session_id.encode()).decode()
        assert written == [f"{wrap[0]}{payload}{wrap[1]}"]
        assert app.clipboard == session_id


# ---------------------------------------------------------------------------------------
# help and palette


async def test_question_mark_lists_every_binding_of_the_screen(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        help_screen = app.screen
        rows = help_screen.rows()
        by_id = {ident: (keys, text) for keys, text, ident in rows if ident}
        expected = {
            "sessions.filter": ("/", "Filter the list with the query language"),
            "sessions.sort": ("s", "Change the sort column"),
            "sessions.reverse": ("S", "Reverse sort order"),
            "sessions.status": ("v", "Cycle all / live only / ended only"),
            "sessions.range": ("t", "Cycle the time range (all, 1h, 24h, 7d, 30d)"),
            "sessions.refresh": ("r", "Ask the providers again"),
            "sessions.live": ("L", "Live mode on/off: refresh at the providers' pace"),
            "sessions.pause": ("p", "Pause or resume live mode"),
            "sessions.copy": ("y", "Copy the selected session's id"),
            "sessions.quit": ("q", "Quit roomscope"),
            "list.open": ("⏎", "Open the selected session"),
            "app.help": ("?", "Help"),
        }
        for ident, (key, text) in expected.items():
            assert ident in by_id, ident
            assert by_id[ident][1] == text
            assert key in by_id[ident][0].split(), (ident, by_id[ident])
        assert set(by_id["list.down"][0].split()) == {"j", "↓"}
        assert set(by_id["list.bottom"][0].split()) == {"G", "end"}
        assert by_id["list.page-down"][1] == "Page down"
        text = screen_text(app)
        assert "Keys on Sessions" in text
        for ident in expected:
            assert ident in text
        assert "Command palette" in text
        assert "[keymap]" in text  # the caption's literal brackets are not eaten as markup

        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press("question_mark")
        await pilot.press("question_mark")  # ? toggles
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)


async def test_help_on_a_detail_screen_lists_its_own_keys(make_app: AppFactory) -> None:
    from tests.ui.conftest import open_session_at

    app = make_app().app
    async with app.run_test(size=(120, 50)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 3)
        await pilot.press("question_mark")
        await pilot.pause()
        ids = {ident for _k, _t, ident in current_screen(app, HelpScreen).rows()}
        assert {"session.tab-participants", "session.tab-events", "nav.back", "nav.quit"} <= ids
        assert "sessions.filter" not in ids
        assert "Keys on Sessions › Incident bridge" in screen_text(app)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, SessionScreen)


async def test_palette_opens_a_session_by_id(make_app: AppFactory) -> None:
    app = make_app().app
    target = world().session(42)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, target.id)
        await wait_for_text(pilot, f"Open session {target.id}")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen), what="the session screen")
        assert current_screen(app, SessionScreen).session.id == target.id
        await wait_for_text(pilot, f"Sessions › {target.title}")


async def test_palette_unknown_id_says_so(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"deadbeef-0000")  # typed key by key
        await wait_for_text(pilot, "Open session deadbeef-0000")
        await pilot.press("enter")
        await wait_until(
            pilot,
            lambda: any("No session with id" in str(n.message) for n in app._notifications),
            what="the not-found notice",
        )
        assert isinstance(app.screen, SessionsScreen)


async def test_palette_switches_the_theme(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        assert app.theme == "roomscope-dark"
        await palette_type(pilot, "roomscope-light")
        await wait_for_text(pilot, "Theme: roomscope-light")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "roomscope-light", what="the light theme")
        assert isinstance(app.screen, SessionsScreen)


async def test_palette_lists_loaded_sessions_by_name(make_app: AppFactory) -> None:
    app = make_app().app
    target = world().session(26)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, "Support escalation")
        label = f"Open: Support escalation  {target.start:%Y-%m-%d %H:%M}"
        await wait_for_text(pilot, label)


async def test_unknown_theme_is_refused() -> None:
    from roomscope.tui.cli import build_app
    from roomscope.tui.sources import UsageError
    from tests.conftest import fixed_now

    with pytest.raises(UsageError, match="unknown theme 'nope'"):
        build_app(["--theme", "nope"], clock=fixed_now)
    app = build_app(["--theme", "roomscope-light"], clock=fixed_now)
    assert app.theme == "roomscope-light"


async def test_G_on_merged_profiles_loads_to_the_true_end(make_app: AppFactory) -> None:
    """Two profiles merged newest first: the total is known but the end is not addressable,
    so G loads up to it and lands on the oldest session of either profile."""
    from roomscope.tui.providers.demo import DemoProvider

    worlds = [DemoWorld(seed=seed, size=150, now=NOW) for seed in (1, 2)]
    providers = [
        DemoProvider(name, latency_s=0.0, clock=lambda: NOW, world=world)
        for name, world in zip(("eu", "us"), worlds, strict=True)
    ]
    built = make_app(providers=providers)
    async with built.app.run_test(size=(120, 30)) as pilot:
        await wait_for_sessions(pilot)
        table = sessions_screen(pilot.app).table
        await pilot.press("G")
        await wait_until(
            pilot,
            lambda: table.source is not None and table.source.complete,
            what="the merged list to load to its end",
        )
        await settle(pilot)
        oldest = min((w.session(149) for w in worlds), key=lambda s: s.start)
        assert table.source is not None and len(table.source) == 300
        assert table.cursor == 299
        assert table.selected is not None and table.selected.id == oldest.id
        assert "300/300 sessions" in screen_text(pilot.app)
