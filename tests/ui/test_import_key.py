"""The participant screen's import key: ``i`` asks for a dump's path, Enter imports it for
the participant shown and its series appear beside the provider's, labelled with their
source; Escape gives up; a file that is no dump is said and nothing is imported."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from roomscope.screens.participant import DumpPathPrompt, ParticipantScreen
from roomscope.tui.imports import ImportLibrary
from roomscope.widgets.tables import VimTable
from tests.clientstats import synth
from tests.ui.conftest import (
    AppFactory,
    current_screen,
    open_session_at,
    wait_for_participant_screen,
    wait_for_sessions,
    wait_until,
)

LOSS_SPIKE = 21  # "All-hands": ended, seven participants
SOURCE = "webrtc-internals dump call.txt"
LABEL = "· dump call.txt"


def _rows(screen: ParticipantScreen) -> list[str]:
    table = screen.query_one("#summary-table", VimTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


async def test_the_import_key_attaches_a_dump_to_the_participant(
    make_app: AppFactory, tmp_path: Path
) -> None:
    built = make_app()
    library = ImportLibrary(tmp_path / "imports")
    built.store.imports = library
    app = built.app

    def _notes() -> list[str]:
        return [str(n.message) for n in app._notifications]

    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("enter")
        await wait_for_participant_screen(pilot)
        screen = current_screen(app, ParticipantScreen)
        person = screen.participant
        assert person.joined_at is not None
        before = _rows(screen)
        assert before and not any(LABEL in row for row in before)

        start = person.joined_at.timestamp() * 1000.0 + 5_000.0
        dump = synth.write_internals(tmp_path / "call.txt", synth.call(40, start_ms=start, cpu_from=20))

        await pilot.press("i")
        prompt = screen.query_one(DumpPathPrompt)
        assert prompt.has_focus
        await pilot.press("escape")  # gives up: the prompt goes, the screen stays
        await pilot.pause()
        assert not screen.query(DumpPathPrompt) and app.screen is screen

        await pilot.press("i")
        screen.query_one("#import-path", Input).value = str(tmp_path / "notes.txt")
        (tmp_path / "notes.txt").write_text("hello, this is a log file\n")
        await pilot.press("enter")
        await wait_until(pilot, lambda: any("nothing imported" in n for n in _notes()), what="the refusal")
        assert any("notes.txt: is text, but not a WebRTC statistics dump" in n for n in _notes())
        assert library.records() == []

        await pilot.press("i")
        screen.query_one("#import-path", Input).value = str(dump)
        await pilot.press("enter")
        await wait_until(
            pilot, lambda: any(LABEL in row for row in _rows(screen)), what="the imported series"
        )
        await wait_for_participant_screen(pilot)
        rows = _rows(screen)
        assert [row for row in rows if LABEL not in row] == before  # the provider's, as they were
        assert "CPU-limited (send) · dump call.txt" in rows
        (record,) = library.records()
        assert record.attached is not None
        assert (record.attached.session_id, record.attached.participant_id) == (
            screen.nav.session.id,
            person.id,
        )
        assert any(n.startswith(f"Imported {SOURCE}: ") for n in _notes())
