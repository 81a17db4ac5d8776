"""Robustness of the screens: terminal sizes, hostile names, a broken cache, offline start,
providers without quality samples or with cursors only, and providers that fail."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App

from roomscope.screens.quality import QualityScreen
from roomscope.screens.session import SessionScreen
from roomscope.screens.sessions import SessionsScreen
from roomscope.tui.demo.world import DemoParticipant, DemoSession, DemoWorld
from roomscope.tui.models import Event, Page, Participant, Session
from roomscope.tui.providers.base import UnavailableError
from roomscope.tui.providers.demo import DemoProvider
from roomscope.widgets.sparkline_panel import MetricPanel
from roomscope.widgets.tables import FittedTable, VimTable
from tests.conftest import NOW, fixed_now
from tests.ui.conftest import (
    AppFactory,
    Refusing,
    Unreachable,
    crumbs,
    current_screen,
    list_started,
    loaded_row,
    open_session_at,
    palette_type,
    screen_text,
    session_list,
    sessions_screen,
    settle,
    wait_for_participant_screen,
    wait_for_quality_screen,
    wait_for_session_screen,
    wait_for_sessions,
    wait_for_text,
    wait_until,
)

CONTROL = [chr(c) for c in range(0x20) if chr(c) != "\n"] + ["\x7f", "\u202e", "\u202d", "\u200f"]


def world(size: int = 500) -> DemoWorld:
    return DemoWorld(seed=7, size=size, now=NOW)


def status_line(app: App[Any]) -> str:
    return screen_text(app).splitlines()[-2]


def assert_inert(text: str) -> None:
    for ch in CONTROL:
        assert ch not in text, f"control character {ch!r} reached the screen"


# ---------------------------------------------------------------------------------------
# terminal sizes


async def test_80x24_shows_rows_on_every_screen(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_sessions(pilot)
        text = screen_text(app)
        assert "Terminal too small" not in text
        rows = [line for line in text.splitlines() if " ended " in line or "● live" in line]
        assert len(rows) >= 18
        await open_session_at(pilot, 21)
        text = screen_text(app)
        assert "Farah Adeyemi" in text and "● poor" in text
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        text = screen_text(app)
        assert "Quality  ● poor" in text and "Packet loss (send)" in text
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        text = screen_text(app)
        for label in ("Packet loss (send)", "Packet loss (recv)", "Jitter", "RTT", "MOS"):
            assert label in text
        assert "esc Back" in text.splitlines()[-1]  # the footer is there


async def test_a_tiny_terminal_shows_a_notice_and_recovers(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(50, 12)) as pilot:
        await wait_until(pilot, lambda: app.store is not None and sessions_screen(app).collection is not None)
        await pilot.pause()
        text = screen_text(app)
        assert "Terminal too small (50×12)" in text
        assert "60×15" in text
        assert "Sessions" not in text and "demo world" not in text  # nothing else is drawn
        await pilot.press("j", "k", "question_mark", "escape")  # no crash
        await pilot.pause()
        assert app.is_running
        await pilot.resize_terminal(100, 30)
        await wait_for_sessions(pilot)
        text = screen_text(app)
        assert "Terminal too small" not in text
        assert "All-hands" in text
        await pilot.press("j", "enter")
        await wait_for_session_screen(pilot)
        assert "Sessions › Telehealth clinic 4" in screen_text(app)
        await pilot.resize_terminal(40, 10)
        await pilot.pause()
        assert "Terminal too small (40×10)" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0


# ---------------------------------------------------------------------------------------
# hostile names

HOSTILE_SESSIONS = {
    0: "[bold red]x[/]",
    1: "Eve\x1b[2J\x1b[31mred",
    2: "Trent\u202eevil",
    3: "Oscar " + "x" * 180,
    4: "[link=https://example.invalid]click me[/link] [/]",
}
HOSTILE_PEOPLE = {
    0: "[bold red]Mallory[/]",
    1: "Eve\x1b[2J\x1b]0;pwned\x07\x1b[31mred",
    2: "Trent\u202eevil\u200f",
    3: "Oscar " + "y" * 180,
}


class HostileProvider(DemoProvider):
    """The demo world with names that try to be markup, escape sequences, bidi tricks."""

    def _session_model(self, s: DemoSession, now: datetime, *, detail: bool = False) -> Session:
        model = super()._session_model(s, now, detail=detail)
        name = HOSTILE_SESSIONS.get(s.index)
        return model.model_copy(update={"name": name, "room_name": "[i]room[/i]"}) if name else model

    def _participant_model(self, s: DemoSession, p: DemoParticipant, now: datetime) -> Participant:
        model = super()._participant_model(s, p, now)
        name = HOSTILE_PEOPLE.get(p.index)
        if name is None:
            return model
        assert model.network is not None
        network = model.network.model_copy(update={"isp": "[/]ISP\x1b[5m", "city": "[b]City"})
        return model.model_copy(update={"name": name, "role": "[/]host", "network": network})

    async def list_events(
        self, session_id: str, cursor: str | None, limit: int, participant_id: str | None = None
    ) -> Page[Event]:
        page = await super().list_events(session_id, cursor, limit, participant_id)
        index = self.world.index_of(session_id)
        assert index is not None
        people = {p.id: p.index for p in self.world.participants(self.world.session(index))}
        items = [
            e.model_copy(update={"participant_name": HOSTILE_PEOPLE[people[e.participant_id]]})
            if e.participant_id in people and people[e.participant_id] in HOSTILE_PEOPLE
            else e
            for e in page.items
        ]
        return page.model_copy(update={"items": items})


async def test_hostile_names_render_as_plain_text(make_app: AppFactory) -> None:
    built = make_app(providers=[make_app.demo(cls=HostileProvider)])
    app = built.app
    async with app.run_test(size=(140, 40)) as pilot:
        await wait_for_sessions(pilot)
        text = screen_text(app)
        assert_inert(text)
        assert "[bold red]x[/]" in text
        assert "Eve" in text and "red" in text
        assert "Trentevil" in text
        assert "Oscar xxxxxxxx" in text and "x" * 150 not in text and "…" in text
        assert "[link=https://example.invalid]click me[/link] [/]" in text
        assert "[i]room[/i]" in text

        # the session screen of a hostile session with hostile participants
        await open_session_at(pilot, 4)
        text = screen_text(app)
        assert_inert(text)  # the findings
        await pilot.press("3")  # the participants
        await pilot.pause()
        text = screen_text(app)
        assert_inert(text)
        assert crumbs(app).startswith("Sessions › [link=")
        assert text.splitlines()[0].lstrip().startswith("Sessions › [link=https://example.invalid]click me")
        assert "[bold red]Mallory[/]" in text
        assert "Trentevil" in text
        assert "[/]ISP" in text and "[b]City" in text
        people = app.screen.query_one("#participants-table", FittedTable)
        roles = {str(cell) for cell in people.column_cells("Role")}
        assert "[/]host" in roles  # the role column (left out at this width) is plain text too
        await pilot.press("4")  # the events name the participants too
        await pilot.pause()
        text = screen_text(app)
        assert_inert(text)
        assert "[bold red]Mallory[/]" in text
        events = app.screen.query_one("#events-table", VimTable)
        names = {str(events.get_row_at(i)[3]) for i in range(events.row_count)}
        assert "[bold red]Mallory[/]" in names

        # the participant card and the quality screen
        await pilot.press("3")
        table = app.screen.query_one("#participants-table", VimTable)
        listed = [str(table.get_row_at(i)[1]) for i in range(table.row_count)]
        table.move_cursor(row=listed.index("[bold red]Mallory[/]"))
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        text = screen_text(app)
        assert_inert(text)
        assert "› [bold red]Mallory[/]" in text.splitlines()[0]
        assert "Who      [/]host" in text
        assert "[/]ISP" in text
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        text = screen_text(app)
        assert_inert(text)
        assert text.splitlines()[1].lstrip().startswith("[bold red]Mallory[/]  (")
        for _ in range(3):
            await pilot.press("n")
            await wait_for_quality_screen(pilot)
            assert_inert(screen_text(app))
        assert app.is_running


async def test_hostile_names_in_the_palette(make_app: AppFactory) -> None:
    built = make_app(providers=[make_app.demo(cls=HostileProvider)])
    app = built.app
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, "click")
        await wait_for_text(pilot, "Open: [link=https://example.invalid]click me[/link] [/]")
        assert_inert(screen_text(app))
        await palette_type(pilot, "[/]")  # what the user types is not markup either
        await pilot.press("b")  # and typed, key by key
        await wait_for_text(pilot, "Open session [/]b")
        await palette_type(pilot, "Trent")
        await wait_for_text(pilot, "Open: Trentevil")
        assert app.is_running
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, SessionsScreen)


async def test_provider_messages_with_markup_do_not_crash_notifications(make_app: AppFactory) -> None:
    class Grumpy(DemoProvider):
        async def get_session(self, session_id: str) -> Session:
            raise UnavailableError("the server said [/] and [bold]no\x1b[31m", provider="demo")

    app = make_app(providers=[make_app.demo(cls=Grumpy)]).app
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("j", "enter")
        # the notice shows for a few seconds: read it before waiting for the whole screen
        await wait_for_text(pilot, "Session details: the server said [/] and")
        text = screen_text(app)
        assert "[bold]no" in text
        assert_inert(text)
        await wait_for_session_screen(pilot)
        # the list row's data still fills the screen; the participants loaded
        await pilot.press("3")
        await pilot.pause()
        assert "participants, worst quality first" in screen_text(app)
        assert app.is_running


# ---------------------------------------------------------------------------------------
# cache and offline


async def test_a_corrupted_cache_is_rebuilt_and_the_status_line_says_so(tmp_path: Path) -> None:
    from roomscope.tui.cache import FILE_NAME
    from roomscope.tui.cli import build_app

    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / FILE_NAME).write_bytes(b"this is not a database" * 100)
    app = build_app(
        ["--demo-size", "300", "--demo-latency", "0", "--cache-dir", str(cache_dir)], clock=fixed_now
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_sessions(pilot)
        line = status_line(app)
        assert "cache was unreadable and has been" in line
        assert "300 sessions" in line
        notes = [str(n.message) for n in app._notifications]
        assert any(n.startswith("cache was unreadable and has been rebuilt (old file kept as") for n in notes)
        assert app.store is not None and app.store.status.cache_note is not None
    kept = [p.name for p in cache_dir.iterdir() if ".corrupt-" in p.name]
    assert kept, "the old file is kept aside"
    assert app.store is not None
    await app.store.aclose()


async def test_offline_with_an_empty_cache_says_so_without_crashing(tmp_path: Path) -> None:
    from roomscope.tui.cli import build_app

    app = build_app(
        ["--offline", "--demo-size", "300", "--demo-latency", "0", "--cache-dir", str(tmp_path / "c")],
        clock=fixed_now,
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: (
                app.store is not None
                and isinstance(app.screen, SessionsScreen)
                and app.screen.collection is not None
                and app.screen.collection.started
            ),
            what="the offline list",
        )
        await settle(pilot)
        text = screen_text(app)
        assert "OFFLINE (cache only)" in status_line(app)
        assert "Not in the cache, and roomscope is offline (--offline)." in text
        assert "Traceback" not in text
        await pilot.press("G", "enter", "r", "s")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen)
        assert app.is_running
        await pilot.press("q")
        await pilot.pause()
    assert app.return_code == 0
    assert app.store is not None
    await app.store.aclose()


# ---------------------------------------------------------------------------------------
# providers that lack something


async def test_telnyx_has_no_quality_samples_and_says_so(make_app: AppFactory) -> None:
    from roomscope.tui.providers.registry import build_demo_backed

    telnyx = build_demo_backed("telnyx", size=300, clock=fixed_now)
    sentence = telnyx.missing[next(c for c in telnyx.missing if c.value == "quality")]
    app = make_app(providers=[telnyx], source_label="telnyx API (fake) on demo data").app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 21)
        await pilot.press("3")
        await pilot.pause()
        text = screen_text(app)
        assert sentence in " ".join(text.split())
        table = app.screen.query_one("#participants-table", VimTable)
        assert table.row_count > 0
        assert {str(table.get_row_at(i)[0]) for i in range(table.row_count)} == {"n/a"}
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        assert sentence in " ".join(screen_text(app).split())
        await pilot.press("enter")
        await wait_for_quality_screen(pilot)
        assert isinstance(app.screen, QualityScreen)
        text = " ".join(screen_text(app).split())
        assert sentence in text
        assert not list(app.screen.query(MetricPanel))  # no empty charts that look like "no problems"
        assert "Packet loss" not in text


async def test_whereby_cursor_pages_are_listed_and_G_loads_them_all(make_app: AppFactory) -> None:
    from roomscope.tui.providers.registry import build_demo_backed

    whereby = build_demo_backed("whereby", size=120, clock=fixed_now)
    demo_world = world(120)
    app = make_app(providers=[whereby], source_label="whereby API (fake) on demo data").app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot, patience=15)
        first = sessions_screen(app).table.selected
        assert first is not None
        assert first.started_at == demo_world.session(0).start  # sorted newest first by the store
        await pilot.press("G")
        await wait_until(
            pilot, lambda: session_list(app).total is not None, patience=15, what="the whole list"
        )
        await settle(pilot)
        total = session_list(app).total
        assert total == 120
        table = sessions_screen(app).table
        assert table.cursor == total - 1
        assert table.selected is not None and table.selected.started_at == demo_world.session(119).start
        assert f"{total}/{total} sessions" in status_line(app)


@pytest.mark.parametrize("name", ["signalwire", "telnyx"])
async def test_fake_backed_providers_open_a_session(make_app: AppFactory, name: str) -> None:
    from roomscope.tui.providers.registry import build_demo_backed

    provider = build_demo_backed(name, size=300, clock=fixed_now)
    app = make_app(providers=[provider]).app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 3)
        assert crumbs(app) == "Sessions › " + current_screen(app, SessionScreen).session.title
        await pilot.press("3")
        await pilot.pause()
        assert "participants" in screen_text(app)


# ---------------------------------------------------------------------------------------
# providers that fail


async def test_auth_error_is_a_sentence_in_the_rows_and_status(make_app: AppFactory) -> None:
    app = make_app(providers=[make_app.demo(cls=Refusing)]).app
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: list_started(app),
            what="the failed list",
        )
        await settle(pilot)
        text = screen_text(app)
        assert "⚠ The demo API rejected the credentials (401: Unauthorized). Check the token." in text
        assert "⚠ The demo API rejected" in status_line(app)
        assert "Traceback" not in text
        assert app.screen.query_one("#status").has_class("-error")
        await pilot.press("enter", "G", "y")
        await settle(pilot)
        assert isinstance(app.screen, SessionsScreen) and app.is_running


async def test_network_down_says_offline_since(make_app: AppFactory) -> None:
    app = make_app(providers=[make_app.demo(cls=Unreachable)]).app
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_until(
            pilot,
            lambda: list_started(app),
            what="the failed list",
        )
        await settle(pilot)
        text = screen_text(app)
        assert "⚠ demo.invalid is unreachable: connection refused." in text
        assert f"offline since {NOW:%H:%M:%S}" in status_line(app)
        assert app.screen.query_one("#status").has_class("-offline")
        assert app.is_running


async def test_a_failing_section_says_why_and_the_rest_shows(make_app: AppFactory) -> None:
    class NoRecordings(DemoProvider):
        async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Any:
            raise UnavailableError("recordings service returned 503.", provider="demo", status=503)

    app = make_app(providers=[make_app.demo(cls=NoRecordings)]).app
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 5)
        await pilot.press("3")
        await pilot.pause()
        assert "2 participants, worst quality first" in screen_text(app)
        await pilot.press("5")
        await pilot.pause()
        assert "⚠ recordings service returned 503." in screen_text(app)
        await pilot.press("4")
        await pilot.pause()
        assert "events" in screen_text(app)


async def test_the_store_factory_failing_is_a_notice_not_a_crash() -> None:
    from roomscope.tui.app import RoomscopeApp

    def broken() -> Any:
        raise RuntimeError("cannot open the cache directory")

    app = RoomscopeApp(store_factory=broken, clock=fixed_now)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await wait_for_text(pilot, "could not start its data store")
        assert app.is_running
        assert "cannot open the cache directory" in screen_text(app)


async def test_the_time_range_follows_the_apps_clock(tmp_path: Path) -> None:
    """build_app(clock=...) drives the providers and the store alike: "last 1h" is the hour
    before that clock, not before the wall clock."""
    from roomscope.tui.cli import build_app

    app = build_app(
        ["--demo-size", "500", "--demo-latency", "0", "--cache-dir", str(tmp_path / "c")], clock=fixed_now
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert sessions_screen(app).state.range_index == 1
        collection = session_list(app)
        started = [loaded_row(collection, i).started_at for i in range(collection.loaded)]
        assert started == [world().session(0).start]  # the one session of the last hour before NOW
        assert "1/1 sessions · last 1h" in status_line(app)
    assert app.store is not None
    await app.store.aclose()


async def test_a_live_session_screen_follows_the_session(make_app: AppFactory) -> None:
    """A session still in progress is fetched again as its data goes stale; an ended one is not."""
    from roomscope.tui.limits import LIVE_TTL_S

    built = make_app(size=5000)  # sessions every ~9 minutes: the newest ones are still live
    provider = built.provider
    async with built.app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        table = sessions_screen(pilot.app).table
        source = table.source
        assert source is not None
        live_index = next(i for i in range(10) if loaded_row(source, i).is_live)
        ended_index = next(i for i in range(10) if not loaded_row(source, i).is_live)

        await open_session_at(pilot, live_index)
        screen = pilot.app.screen
        assert isinstance(screen, SessionScreen) and screen.showing_live()
        before = provider.requests
        built.clock.advance(LIVE_TTL_S + 1)
        screen._live_tick()
        await wait_until(
            pilot, lambda: provider.requests > before, what="the live session to be fetched again"
        )
        await settle(pilot)

        await pilot.press("escape")
        await open_session_at(pilot, ended_index)
        screen = pilot.app.screen
        assert isinstance(screen, SessionScreen) and not screen.showing_live()
        before = provider.requests
        built.clock.advance(LIVE_TTL_S + 1)
        screen._live_tick()
        await settle(pilot)
        assert provider.requests == before


async def test_no_color_makes_the_screen_monochrome(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR: no colour reaches the terminal, and verdicts still read as words."""
    from rich.color import ColorType

    monkeypatch.setenv("NO_COLOR", "1")
    built = make_app(size=500)
    assert built.app.no_color
    async with built.app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, 0)
        strips = pilot.app.screen._compositor.render_strips()
        styles = [seg.style for strip in strips for seg in strip if seg.style is not None]
        colours = [c for s in styles for c in (s.color, s.bgcolor) if c is not None]
        assert all(
            c.type in (ColorType.DEFAULT,) or (c.triplet is not None and len(set(c.triplet)) == 1)
            for c in colours
        )
        text = screen_text(pilot.app)
        assert any(word in text for word in ("poor", "fair", "good"))
