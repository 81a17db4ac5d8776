"""How each screen looks at 80x24 and 120x40 (pytest-textual-snapshot).

Deterministic: the fixed clock of ``tests.conftest`` for the app, the providers and the
store, times in UTC, no demo latency, a temporary cache, no animations, and every load
finished before the picture is taken. Regenerate with ``--snapshot-update`` and look at
the SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from tests.ui.conftest import (
    AppFactory,
    open_session_at,
    screen_text,
    wait_for_participant_screen,
    wait_for_quality_screen,
    wait_for_sessions,
)

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
LOSS_SPIKE = 21  # "All-hands": one poor, four fair, two good participants


def _no_loading(pilot: Any) -> None:
    text = screen_text(pilot.app)
    assert "loading" not in text, text
    assert "⚠" not in text, text


async def sessions(pilot: Any) -> None:
    await wait_for_sessions(pilot)
    _no_loading(pilot)


async def session(pilot: Any) -> None:
    await sessions(pilot)
    await open_session_at(pilot, LOSS_SPIKE)
    _no_loading(pilot)


async def participant(pilot: Any) -> None:
    await session(pilot)
    await pilot.press("enter")
    await wait_for_participant_screen(pilot)
    _no_loading(pilot)


async def quality(pilot: Any) -> None:
    await participant(pilot)
    await pilot.press("enter")
    await wait_for_quality_screen(pilot)
    _no_loading(pilot)


async def help_screen(pilot: Any) -> None:
    await sessions(pilot)
    await pilot.press("question_mark")
    await pilot.pause()
    assert "Keys on Sessions" in screen_text(pilot.app)


FLOWS: dict[str, Callable[[Any], Awaitable[None]]] = {
    "sessions": sessions,
    "session": session,
    "participant": participant,
    "quality": quality,
    "help": help_screen,
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("screen", list(FLOWS))
def test_screen(screen: str, size: tuple[int, int], make_sync_app: AppFactory, snap_compare: Any) -> None:
    app = make_sync_app().app
    assert snap_compare(app, terminal_size=size, run_before=FLOWS[screen])
