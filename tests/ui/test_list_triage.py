"""Triage on the session list: the Quality column, sorting by quality, a full scan with its
progress bar and Escape, the `/` query language (errors keep the last good result; terms
that need a diagnosis find exactly the demo world's true incidents), and the progress bar of
a long `G`."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot

from roomscope.tui import present
from roomscope.tui.demo.world import DemoWorld
from roomscope.tui.diagnosis import SessionDiagnosis
from roomscope.tui.errors import Capability
from roomscope.tui.models import Page, Session, SessionQuery
from roomscope.tui.providers.demo import DemoProvider
from roomscope.tui.quality import Verdict
from roomscope.widgets.filter_bar import FilterBar, FilterError
from roomscope.widgets.progress_bar import ProgressBar
from tests.conftest import NOW
from tests.ui.conftest import (
    AppFactory,
    quality_rows,
    screen_text,
    sessions_screen,
    settle,
    wait_for_quality,
    wait_until,
)

SMALL = 40
"""A world small enough to diagnose whole (about ten seconds of demo CPU)."""


def status_line(app: App[Any]) -> str:
    return screen_text(app).splitlines()[-2]


def truth(size: int) -> dict[str, dict[str, object]]:
    """Each session id of the demo world with an incident: its truth (kind, cause, who ...)."""
    world = DemoWorld(seed=7, size=size, now=NOW)
    found: dict[str, dict[str, object]] = {}
    for i in range(size):
        s = world.session(i)
        t = world.truth(s)
        if t is not None and world.ended_at(s, NOW) is not None:
            found[s.id] = t
    return found


def shown_ids(app: App[Any]) -> list[str]:
    collection = sessions_screen(app).collection
    assert collection is not None
    return [s.id for s in (collection.row(i) for i in range(len(collection))) if s is not None]


async def rows_shown(pilot: Pilot[Any]) -> None:
    """Until the list shows rows (not until the Quality column is filled: that takes a while)."""

    def ready() -> bool:
        screen = pilot.app.screen
        return (
            screen is sessions_screen(pilot.app)
            and screen.collection is not None
            and screen.collection.started
            and screen.table.selected is not None
        )

    await wait_until(pilot, ready, what="session rows")


async def type_filter(pilot: Pilot[Any], text: str) -> None:
    await pilot.press("slash")
    bar = pilot.app.screen.query_one(FilterBar)
    bar.value = text
    await pilot.pause(0.3)  # the bar's debounce


@pytest.mark.quality_column
async def test_the_quality_column_fills_for_the_rows_on_screen(make_app: AppFactory) -> None:
    built = make_app()
    app = built.app
    async with app.run_test(size=(120, 30)) as pilot:
        await rows_shown(pilot)
        assert "Quality" in screen_text(app).splitlines()[1]
        # keys are never kept waiting by the diagnoses: the cursor moves while they run
        before = sessions_screen(app).table.cursor
        await pilot.press("j")
        assert sessions_screen(app).table.cursor == before + 1
        await wait_for_quality(pilot)
        rows = quality_rows(app)
        assert len(rows) >= 20
        text = screen_text(app)
        for session, found in rows:
            assert isinstance(found, SessionDiagnosis)
            assert found is built.store.known_diagnosis(session) or session.is_live
            head = found.summary_line().split(" · ")[0]
            assert head in text
        assert any(found.worst is Verdict.POOR for _s, found in rows if isinstance(found, SessionDiagnosis))
        # a poor session says how many were poor and why, e.g. "● 5/5 poor · reconnects ×7 …"
        assert "poor · " in text


@pytest.mark.quality_column
async def test_q_sorts_by_quality_worst_first_over_what_is_diagnosed(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 30)) as pilot:
        await rows_shown(pilot)
        await wait_for_quality(pilot)
        screen = sessions_screen(app)
        lookahead = screen.lookahead
        assert lookahead is not None
        await wait_until(pilot, lambda: lookahead.idle, patience=90, what="the rows ahead")
        diagnosed = [s for s in shown_ids_sessions(app) if lookahead.known(s) is not None]
        await pilot.press("Q")
        await settle(pilot, patience=90)
        assert screen.state.sort == "quality"
        assert "Quality ▼" in screen_text(app).splitlines()[1]
        ranked = shown_ids_sessions(app)[: len(diagnosed)]
        ranks = [known_rank(lookahead.known(s)) for s in ranked]
        assert ranks == sorted(ranks, reverse=True)
        assert ranks[0][0] == Verdict.POOR.rank
        assert f"sorted by quality, worst first: {len(diagnosed):,} of 500 diagnosed" in status_line(app)
        await pilot.press("S")  # best first
        await settle(pilot, patience=90)
        best = [known_rank(lookahead.known(s)) for s in shown_ids_sessions(app)[: len(diagnosed)]]
        assert best == sorted(best)


def shown_ids_sessions(app: App[Any]) -> list[Session]:
    collection = sessions_screen(app).collection
    assert collection is not None
    return [s for s in (collection.row(i) for i in range(len(collection))) if s is not None]


def known_rank(found: SessionDiagnosis | None) -> tuple[int, int, int]:
    assert found is not None
    return (found.worst.rank, found.poor, found.fair)


@pytest.mark.quality_column
async def test_a_scan_shows_its_progress_escape_stops_it_and_filters_find_the_true_incidents(
    make_app: AppFactory,
) -> None:
    built = make_app(size=SMALL)
    app = built.app
    incidents = truth(SMALL)
    async with app.run_test(size=(100, 30)) as pilot:
        await rows_shown(pilot)
        screen = sessions_screen(app)
        bar = screen.query_one(ProgressBar)
        # Each request takes a while during the first scan, so that it is still running when
        # its progress is read and Escape is pressed, however fast the machine.
        built.provider.latency_s = 0.05
        await pilot.press("D")
        await wait_until(
            pilot,
            lambda: (
                screen.scan_job is not None
                and screen.scan_job.done >= 2
                and (bar.shown or "").startswith("Scanning")
            ),
            patience=60,
            what="the scan's progress",
        )
        shown = bar.shown or ""
        assert f"of {SMALL} sessions" in shown and "Esc cancels" in shown
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.scan_job is None, what="the scan to stop")
        stopped = screen.last_scan
        assert stopped is not None and stopped.done < SMALL
        await pilot.pause()
        assert bar.shown is None
        assert screen.state.text == ""  # Escape stopped the scan, it did not clear anything

        built.provider.latency_s = 0.0
        await pilot.press("D")  # again, to the end this time
        await wait_until(pilot, lambda: screen.scan_job is None, patience=120, what="the scan to finish")
        finished = screen.last_scan
        assert finished is not None and finished.done == SMALL and finished.poor == len(incidents)

        # the query language over what is diagnosed: exactly the demo world's truth
        await type_filter(pilot, "verdict:poor")
        await pilot.press("enter")
        await settle(pilot, patience=60)
        assert sorted(shown_ids(app)) == sorted(incidents)
        await type_filter(pilot, "cause:shared")
        await pilot.press("enter")
        await settle(pilot, patience=60)
        shared = sorted(i for i, t in incidents.items() if t["cause"] == "shared")
        assert shared and sorted(shown_ids(app)) == shared
        await type_filter(pilot, "-verdict:poor -verdict:good")
        await pilot.press("enter")
        await settle(pilot, patience=60)
        assert shown_ids(app) == []


async def test_a_bad_query_says_what_is_wrong_and_keeps_the_last_good_result(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 30)) as pilot:
        await rows_shown(pilot)
        screen = sessions_screen(app)
        await type_filter(pilot, "standup")
        await settle(pilot, patience=90)
        good = shown_ids(app)
        assert good and screen.state.text == "standup"
        await type_filter(pilot, "standup verdict:poo")
        await settle(pilot, patience=90)
        error = screen.query_one(FilterError)
        assert error.has_class("-visible")
        assert "verdict: expected one of poor, fair, good, unknown" in screen_text(app)
        assert "column 9" in screen_text(app) and "list unchanged" in screen_text(app)
        assert screen.state.text == "standup" and shown_ids(app) == good
        await pilot.press("enter")  # a bad query stays in the bar until it reads
        assert screen.query_one(FilterBar).has_focus
        await type_filter(pilot, "standup -status:live")
        await settle(pilot, patience=90)
        assert not error.has_class("-visible")
        assert screen.state.text == "standup -status:live"


async def test_enter_right_after_a_bad_query_is_mended_applies_the_mended_one(make_app: AppFactory) -> None:
    """The error found for the text as it was (while typing) does not hold the bar open when
    Enter comes before the pause after the last key: the text as it is now decides."""
    app = make_app().app
    async with app.run_test(size=(120, 30)) as pilot:
        await rows_shown(pilot)
        screen = sessions_screen(app)
        bar = screen.query_one(FilterBar)
        await pilot.press("slash", "minus")
        await wait_until(pilot, lambda: bar.error is not None, what="the error of a lone '-'")
        await pilot.press(*"standup", "enter")  # no pause: the change is still waiting
        await wait_until(pilot, lambda: screen.state.text == "-standup", what="the mended query")
        await settle(pilot)
        assert screen.table.has_focus and bar.error is None
        assert not screen.query_one(FilterError).has_class("-visible")


async def test_the_help_lists_the_query_language_and_the_triage_keys(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(120, 54)) as pilot:  # every key and the query language at once
        await rows_shown(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        text = screen_text(app)
        assert "sessions.quality-sort" in text and "sessions.scan" in text
        # what a key does, in words ("Reverse sort order", not "Rev")
        assert "Reverse sort order" in text and "Cycle all / live only / ended only" in text
        assert " Rev " not in text
        await pilot.press("j", "j", "j")  # the query language follows the keys
        await pilot.pause()
        text = screen_text(app)
        assert "verdict:poor" in text and "cause:shared" in text and "who:alice" in text


class SlowPages(DemoProvider):
    """Lists without page numbers or totals, slowly: ``G`` has to read every page."""

    capabilities = DemoProvider.capabilities - {Capability.SEEK, Capability.TOTAL}
    page_size = 20

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        import asyncio

        await asyncio.sleep(0.05)
        page = await super().list_sessions(query, cursor, limit)
        return page.model_copy(update={"total": None})


async def test_a_long_g_shows_a_progress_bar_and_escape_stops_it(make_app: AppFactory) -> None:
    built = make_app(providers=[make_app.demo(size=2000, cls=SlowPages)])
    app = built.app
    async with app.run_test(size=(100, 30)) as pilot:
        await rows_shown(pilot)
        screen = sessions_screen(app)
        bar = screen.query_one(ProgressBar)
        await pilot.press("G")
        await wait_until(pilot, lambda: (bar.shown or "").startswith("Loading"), what="the progress bar")
        assert "sessions" in (bar.shown or "") and "Esc cancels" in (bar.shown or "")
        await pilot.press("escape")
        await wait_until(pilot, lambda: bar.shown is None, what="the bar to go")
        assert "Stopped loading." in screen_text(app) or not any(
            w.group == "jump" and w.is_running for w in screen.workers
        )


def test_quality_text_never_cuts_the_verdict() -> None:
    from datetime import UTC

    from roomscope.tui.diagnosis import ParticipantVerdict, Person

    people = [Person(f"p{i}", f"Person {i}") for i in range(12)]
    verdicts = tuple(ParticipantVerdict(p, Verdict.POOR, None, None, (), "poor") for p in people)
    diagnosis = SessionDiagnosis("s", "demo", (), verdicts, ())
    assert present.quality_text(diagnosis, 12, UTC) == "● 12/12 poor"
    assert present.quality_text(diagnosis, 40, UTC) == "● 12/12 poor"


class NotingDemo(DemoProvider):
    """The demo, finding out something about its API on every list it serves."""

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]:
        self.notice("listed a page in another order than newest first [/] \x1b[2J; sorted here")
        return await super().list_sessions(query, cursor, limit)


async def test_what_an_adapter_found_out_is_a_notice_once(make_app: AppFactory) -> None:
    built = make_app(providers=[make_app.demo(size=500, cls=NotingDemo)])
    app = built.app
    async with app.run_test(size=(120, 40)) as pilot:
        await rows_shown(pilot)
        await pilot.press("G")  # more pages, the same finding
        await pilot.pause()
        said = [n for n in app._notifications if "another order than newest first" in n.message]
        assert len(said) == 1 and said[0].severity == "warning"
        assert "\x1b" not in said[0].message and "[/]" in said[0].message  # plain text, inert
