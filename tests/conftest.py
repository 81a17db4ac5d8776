"""Fixtures shared by the whole suite: a fixed clock, a small demo world, isolated dirs."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # the fixtures import the package only when a test asks for them
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import Store

# Widths as terminals count them (spacing combining marks take a cell), in every test: the
# app sets this as it is built, and a test measuring text before any app exists must agree.
from roomscope.tui.cellwidth import match_terminal

match_terminal()

# Every test sees the same wall clock and time zone, and never the developer's own files.
NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
os.environ["TZ"] = "UTC"
if hasattr(time, "tzset"):
    time.tzset()


@pytest.fixture(autouse=True)
def _isolate(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("ROOMSCOPE_CACHE_DIR", str(home / "cache"))
    monkeypatch.setenv("ROOMSCOPE_CONFIG", str(home / "no-config.toml"))
    for name in (
        "NO_COLOR",
        "SIGNALWIRE_PROJECT_ID",
        "SIGNALWIRE_API_TOKEN",
        "SIGNALWIRE_SPACE",
        "TELNYX_API_KEY",
        "WHEREBY_API_KEY",
        "CLOUDFLARE_API_TOKEN",
        "CLOUDFLARE_ACCOUNT_ID",
        "REALTIMEKIT_APP_ID",
        "TMUX",
    ):
        monkeypatch.delenv(name, raising=False)
    yield


def fixed_now() -> datetime:
    return NOW


def fixed_time() -> float:
    return NOW.timestamp()


@pytest.fixture
def world() -> DemoWorld:
    from roomscope.tui.demo.world import DemoWorld

    return DemoWorld(seed=7, size=500, now=NOW)


@pytest.fixture
def demo(world: DemoWorld) -> DemoProvider:
    from roomscope.tui.providers.demo import DemoProvider

    return DemoProvider(latency_s=0.0, clock=fixed_now, world=world)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
async def store(demo: DemoProvider, cache_dir: Path) -> AsyncIterator[Store]:
    from roomscope.tui.cache import Cache
    from roomscope.tui.store import Store

    s = Store([demo], Cache.open(cache_dir, clock=fixed_time), clock=fixed_time)
    yield s
    await s.aclose()
