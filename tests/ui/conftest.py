"""Fixtures for the Pilot and snapshot tests: a RoomscopeApp over a small demo world.

Everything is deterministic: the app, the providers and the store share the fixed clock of
``tests.conftest`` (the store's clock may be advanced by hand), times show in UTC, the demo
answers without latency and the disk cache lives in the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import pytest
from textual.app import App
from textual.command import CommandInput, CommandPalette
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from roomscope.screens.participant import ParticipantScreen
from roomscope.screens.quality import QualityScreen
from roomscope.screens.session import SessionScreen
from roomscope.screens.sessions import SessionsScreen
from roomscope.tui import fmt
from roomscope.tui.app import RoomscopeApp
from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.models import Page, Session, SessionQuery
from roomscope.tui.providers.base import AuthError, Provider, UnavailableError
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import Collection, Store
from roomscope.widgets.breadcrumb import Breadcrumb
from tests.conftest import NOW, fixed_now, fixed_time

SOURCE_LABEL = "demo world"

ScreenT = TypeVar("ScreenT", bound=Screen[Any])


class StoreClock:
    """The store's clock (epoch seconds): fixed at NOW unless a test advances it."""

    def __init__(self, t: float | None = None) -> None:
        self.t = fixed_time() if t is None else t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


@dataclass
class Built:
    """What a factory call made, for the test to poke at."""

    app: RoomscopeApp
    store: Store
    providers: list[Provider]
    clock: StoreClock
    cache_dir: Path

    @property
    def provider(self) -> DemoProvider:
        """The first provider, when it is a demo one (it is unless the test chose others)."""
        provider = self.providers[0]
        assert isinstance(provider, DemoProvider), provider
        return provider


@dataclass
class AppFactory:
    tmp_path: Path
    built: list[Built] = field(default_factory=list)

    def world(self, size: int = 500, seed: int = 7) -> DemoWorld:
        return DemoWorld(seed=seed, size=size, now=NOW)

    def demo(self, size: int = 500, *, cls: type[DemoProvider] = DemoProvider, **kwargs: Any) -> DemoProvider:
        return cls(latency_s=0.0, clock=fixed_now, world=self.world(size), **kwargs)

    def __call__(
        self,
        *,
        size: int = 500,
        providers: Sequence[Provider] | None = None,
        cache_dir: Path | None = None,
        offline: bool = False,
        swr: bool = True,
        clock: StoreClock | None = None,
        theme: str | None = None,
        source_label: str = SOURCE_LABEL,
    ) -> Built:
        chosen: list[Provider] = list(providers) if providers is not None else [self.demo(size)]
        directory = cache_dir or self.tmp_path / f"cache-{len(self.built)}"
        store_clock = clock or StoreClock()
        cache = Cache.open(directory, clock=store_clock)
        store = Store(chosen, cache, offline=offline, swr=swr, clock=store_clock)
        app = RoomscopeApp(store=store, clock=fixed_now, source_label=source_label, theme=theme)
        app.animation_level = "none"
        built = Built(app, store, chosen, store_clock, directory)
        self.built.append(built)
        return built


@pytest.fixture(autouse=True)
def _utc() -> Iterator[None]:
    fmt.set_utc(True)
    yield
    fmt.set_utc(False)


@pytest.fixture(autouse=True)
def _colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The app reads TERM (TERM=dumb turns colours off and shows a notice): every UI test
    runs as in a colour terminal unless it says otherwise, whatever runs the suite."""
    monkeypatch.setenv("TERM", "xterm-256color")


@pytest.fixture(autouse=True)
def _quality_column(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The session list's Quality column diagnoses the rows on screen in the background, which
    on the demo world costs seconds of CPU: only the tests marked ``quality_column`` (its own
    tests and the list's snapshots) have it on."""
    if request.node.get_closest_marker("quality_column") is None:
        monkeypatch.setattr(SessionsScreen, "quality_column", False)


@pytest.fixture
async def make_app(tmp_path: Path) -> AsyncIterator[AppFactory]:
    """``make_app(size=..., providers=[...])`` -> Built(app, store, providers, clock, cache_dir)."""
    factory = AppFactory(tmp_path)
    yield factory
    for built in factory.built:
        await built.store.aclose()


@pytest.fixture
def make_sync_app(tmp_path: Path) -> Iterator[AppFactory]:
    """The same factory for synchronous tests (snapshots run the app in their own loop)."""
    factory = AppFactory(tmp_path)
    yield factory
    for built in factory.built:
        if built.store.cache is not None:
            built.store.cache.close()


class SnapCompare(Protocol):
    """The ``snap_compare`` fixture of pytest-textual-snapshot (which ships no type information)."""

    def __call__(
        self,
        app: App[Any],
        press: Iterable[str] = ...,
        terminal_size: tuple[int, int] = ...,
        run_before: Callable[[Pilot[Any]], Awaitable[None] | None] | None = ...,
    ) -> bool: ...


# ---------------------------------------------------------------------------------------
# Providers that fail or have nothing to list


class Refusing(DemoProvider):
    """Every session list is refused: the credentials are wrong."""

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        self.requests += 1
        raise AuthError(
            "The demo API rejected the credentials (401: Unauthorized). Check the token.", provider="demo"
        )


class Unreachable(DemoProvider):
    """Every session list fails like a dead network."""

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        self.requests += 1
        raise UnavailableError(
            "demo.invalid is unreachable: connection refused.", provider="demo", network=True
        )


class NoSessions(DemoProvider):
    """An account without a single session."""

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        self.requests += 1
        return Page[Session](items=[], total=0)


# ---------------------------------------------------------------------------------------
# What the app shows


def current_screen(app: App[Any], kind: type[ScreenT]) -> ScreenT:
    """The app's current screen, which the test expects to be a ``kind``."""
    screen = app.screen
    assert isinstance(screen, kind), f"the app shows {type(screen).__name__}, not {kind.__name__}"
    return screen


def sessions_screen(app: App[Any]) -> SessionsScreen:
    return current_screen(app, SessionsScreen)


def session_list(app: App[Any]) -> Collection[Session]:
    """The rows behind the session list on screen."""
    collection = sessions_screen(app).collection
    assert collection is not None, "the session list has no rows yet"
    return collection


def list_started(app: App[Any]) -> bool:
    """The session list has finished a first load (rows or an error)."""
    collection = sessions_screen(app).collection
    return collection is not None and collection.started


def loaded_row(collection: Collection[Session], index: int) -> Session:
    """Row ``index`` of ``collection``, which the test expects to be loaded."""
    session = collection.row(index)
    assert session is not None, f"row {index} is not loaded"
    return session


def roomscope_app(pilot: Pilot[Any]) -> RoomscopeApp:
    app = pilot.app
    assert isinstance(app, RoomscopeApp)
    return app


# ---------------------------------------------------------------------------------------
# Waiting and reading the screen


def screen_text(app: App[Any]) -> str:
    """What the terminal shows now, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


async def wait_until(
    pilot: Pilot[Any], predicate: Callable[[], bool], *, patience: float = 10.0, what: str = "condition"
) -> None:
    """Let the app run until ``predicate()`` holds; fail with the screen if it never does."""
    deadline = time.monotonic() + patience
    while True:
        await pilot.pause()
        if predicate():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; the screen shows:\n{screen_text(pilot.app)}")
        await asyncio.sleep(0.01)


async def wait_for_text(pilot: Pilot[Any], text: str, *, patience: float = 10.0) -> None:
    await wait_until(pilot, lambda: text in screen_text(pilot.app), patience=patience, what=repr(text))


def _busy(app: App[Any]) -> bool:
    assert isinstance(app, RoomscopeApp)
    store = app.store
    if store is None or store.status.in_flight:
        return True
    for screen in app.screen_stack:
        if any(w.is_running for w in screen.workers):
            return True
        collection = getattr(screen, "collection", None)
        if collection is not None and (collection.busy or not collection.started):
            return True
    return any(w.is_running for w in app.workers)


async def settle(pilot: Pilot[Any], *, patience: float = 10.0) -> None:
    """Wait until no worker runs and nothing is being fetched."""
    await wait_until(pilot, lambda: not _busy(pilot.app), patience=patience, what="the app to go idle")
    await pilot.pause()


async def wait_for_sessions(pilot: Pilot[Any], *, patience: float = 10.0) -> None:
    """Until the session list shows loaded rows."""

    def ready() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, SessionsScreen)
            and screen.collection is not None
            and screen.collection.started
            and screen.table.selected is not None
        )

    await wait_until(pilot, ready, patience=patience, what="session rows")
    await settle(pilot, patience=patience)


def quality_rows(app: App[Any]) -> list[tuple[Session, object]]:
    """The rows on screen with what their Quality cell knows (None: not known yet)."""
    screen = sessions_screen(app)
    table = screen.table
    source = table.source
    if source is None or table.quality is None:
        return []
    top = table.scroll_offset.y
    rows: list[tuple[Session, object]] = []
    for index in range(top, min(len(source), top + table.scrollable_content_region.height)):
        session = source.row(index)
        if session is not None:
            rows.append((session, table.quality(session)))
    return rows


async def wait_for_quality(pilot: Pilot[Any], *, patience: float = 90.0) -> None:
    """Until every row on screen shows its Quality (the demo world's diagnoses take a while)."""

    def known() -> bool:
        rows = quality_rows(pilot.app)
        return bool(rows) and all(found is not None for _s, found in rows)

    await wait_until(pilot, known, patience=patience, what="the Quality of the rows on screen")
    await pilot.pause()


async def wait_for_session_screen(pilot: Pilot[Any], *, patience: float = 10.0) -> None:
    """Until the session screen has its participants and every quality verdict."""

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, SessionScreen) and screen.quality_note == "n/a"

    await wait_until(pilot, ready, patience=patience, what="the session's participants and quality")
    await settle(pilot, patience=patience)


async def wait_for_participant_screen(pilot: Pilot[Any], *, patience: float = 10.0) -> None:
    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, ParticipantScreen):
            return False
        note = str(screen.query_one("#pevents-note", Static).content)
        return not any(w.is_running for w in screen.workers) and "loading" not in note

    await wait_until(pilot, ready, patience=patience, what="the participant screen")
    await settle(pilot, patience=patience)


async def wait_for_quality_screen(pilot: Pilot[Any], *, patience: float = 10.0) -> None:
    def ready() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, QualityScreen)
            and not any(w.is_running for w in screen.workers)
            and "loading" not in str(screen.query_one("#quality-head", Static).content)
        )

    await wait_until(pilot, ready, patience=patience, what="the quality screen")
    await settle(pilot, patience=patience)


async def open_session_at(pilot: Pilot[Any], index: int) -> None:
    """From the loaded session list: put the cursor on row ``index`` and press Enter."""
    sessions_screen(pilot.app).table.move_to(index)
    await pilot.pause()
    await pilot.press("enter")
    await wait_for_session_screen(pilot)


def crumbs(app: App[Any]) -> str:
    return " › ".join(app.screen.query_one(Breadcrumb).crumbs)


async def palette_type(pilot: Pilot[Any], text: str) -> None:
    """Open the command palette and paste ``text`` into it (one search, not one per key)."""
    if not isinstance(pilot.app.screen, CommandPalette):
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette")
    field = pilot.app.screen.query_one(CommandInput)
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()
