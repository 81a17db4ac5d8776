"""Fixtures for the Pilot and snapshot tests: a RoomscopeApp over a small demo world.

Everything is deterministic: the app, the providers and the store share the fixed clock of
``tests.conftest`` (the store's clock may be advanced by hand), times show in UTC, the demo
answers without latency and the disk cache lives in the test's temporary directory.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from roomscope.tui import fmt
from roomscope.tui.app import RoomscopeApp
from roomscope.tui.cache import Cache
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.providers.base import Provider
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.store import Store
from tests.conftest import NOW, fixed_now, fixed_time

SOURCE_LABEL = "demo world"


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
    def provider(self) -> Any:
        return self.providers[0]


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
        providers: Sequence[Any] | None = None,
        cache_dir: Path | None = None,
        offline: bool = False,
        swr: bool = True,
        clock: StoreClock | None = None,
        theme: str | None = None,
        source_label: str = SOURCE_LABEL,
    ) -> Built:
        chosen = list(providers) if providers is not None else [self.demo(size)]
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


# ---------------------------------------------------------------------------------------
# Waiting and reading the screen


def screen_text(app: RoomscopeApp) -> str:
    """What the terminal shows now, as plain text (one line per row)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


async def wait_until(
    pilot: Any, predicate: Callable[[], bool], *, patience: float = 10.0, what: str = "condition"
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


async def wait_for_text(pilot: Any, text: str, *, patience: float = 10.0) -> None:
    await wait_until(pilot, lambda: text in screen_text(pilot.app), patience=patience, what=repr(text))


def _busy(app: RoomscopeApp) -> bool:
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


async def settle(pilot: Any, *, patience: float = 10.0) -> None:
    """Wait until no worker runs and nothing is being fetched."""
    await wait_until(pilot, lambda: not _busy(pilot.app), patience=patience, what="the app to go idle")
    await pilot.pause()


async def wait_for_sessions(pilot: Any, *, patience: float = 10.0) -> None:
    """Until the session list shows loaded rows."""
    from roomscope.screens.sessions import SessionsScreen

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


async def wait_for_session_screen(pilot: Any, *, patience: float = 10.0) -> None:
    """Until the session screen has its participants and every quality verdict."""
    from roomscope.screens.session import SessionScreen

    def ready() -> bool:
        screen = pilot.app.screen
        return isinstance(screen, SessionScreen) and screen.quality_note == "n/a"

    await wait_until(pilot, ready, patience=patience, what="the session's participants and quality")
    await settle(pilot, patience=patience)


async def wait_for_participant_screen(pilot: Any, *, patience: float = 10.0) -> None:
    from textual.widgets import Static

    from roomscope.screens.participant import ParticipantScreen

    def ready() -> bool:
        screen = pilot.app.screen
        if not isinstance(screen, ParticipantScreen):
            return False
        note = str(screen.query_one("#pevents-note", Static).content)
        return not any(w.is_running for w in screen.workers) and "loading" not in note

    await wait_until(pilot, ready, patience=patience, what="the participant screen")
    await settle(pilot, patience=patience)


async def wait_for_quality_screen(pilot: Any, *, patience: float = 10.0) -> None:
    from textual.widgets import Static

    from roomscope.screens.quality import QualityScreen

    def ready() -> bool:
        screen = pilot.app.screen
        return (
            isinstance(screen, QualityScreen)
            and not any(w.is_running for w in screen.workers)
            and "loading" not in str(screen.query_one("#quality-head", Static).content)
        )

    await wait_until(pilot, ready, patience=patience, what="the quality screen")
    await settle(pilot, patience=patience)


async def open_session_at(pilot: Any, index: int) -> None:
    """From the loaded session list: put the cursor on row ``index`` and press Enter."""
    pilot.app.screen.table.move_to(index)
    await pilot.pause()
    await pilot.press("enter")
    await wait_for_session_screen(pilot)


def crumbs(app: RoomscopeApp) -> str:
    from roomscope.widgets.breadcrumb import Breadcrumb

    return " › ".join(app.screen.query_one(Breadcrumb).crumbs)


async def palette_type(pilot: Any, text: str) -> None:
    """Open the command palette and paste ``text`` into it (one search, not one per key)."""
    from textual.command import CommandInput, CommandPalette

    if not isinstance(pilot.app.screen, CommandPalette):
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), what="the palette")
    field = pilot.app.screen.query_one(CommandInput)
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()
