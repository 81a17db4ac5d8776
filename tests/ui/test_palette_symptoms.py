"""The palette's symptom command: 'choppy 10:05 alice' lists the sessions, people and intervals
whose findings explain the symptom, best first; Enter opens the session."""

from __future__ import annotations

from datetime import datetime

from roomscope.screens.session import SessionScreen
from roomscope.tui.demo.world import DemoWorld
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    current_screen,
    palette_type,
    screen_text,
    wait_for_sessions,
    wait_for_text,
    wait_until,
)


def _loss_spike(world: DemoWorld) -> tuple[str, str, str, datetime]:
    for i in range(world.size):
        s = world.session(i)
        truth = world.truth(s)
        if s.incident == "loss_spike" and truth is not None and world.ended_at(s, NOW) is not None:
            window = truth["window"]
            names = truth["who_names"]
            assert isinstance(window, list) and isinstance(names, list)
            lo, hi = datetime.fromisoformat(window[0]), datetime.fromisoformat(window[1])
            return s.id, s.title, str(names[0]), lo + (hi - lo) / 2
    raise AssertionError("no loss spike")


async def test_a_symptom_time_and_name_find_the_session(make_app: AppFactory) -> None:
    app = make_app().app
    session_id, title, name, at = _loss_spike(make_app.world())
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, f"choppy {at:%Y-%m-%dT%H:%M} {name.split()[0]}")
        await wait_for_text(pilot, f"choppy: {title}", patience=30)
        first = next(line for line in screen_text(app).splitlines() if "choppy:" in line)
        assert title in first and name.split()[0] in first
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, SessionScreen), what="the session screen")
        assert current_screen(app, SessionScreen).session.id == session_id


async def test_the_palette_says_how_to_triage(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await palette_type(pilot, "triage by symptom")
        await wait_for_text(pilot, "Triage by symptom")
        await palette_type(pilot, "lag 25:00")
        await wait_for_text(pilot, "lag: 25:00 is not a time of day")
