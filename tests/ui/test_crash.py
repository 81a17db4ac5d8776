"""The crash handler: an internal error ends the app with one sentence and a crash log, never a
traceback on screen.

It overrides ``App._handle_exception`` and uses Textual internals (``_return_code``,
``_exception``, ``_exception_event``, ``_exit_renderables``, ``_close_messages_no_wait``). Those
are private: a Textual upgrade that renames any of them must fail here, not in a user's terminal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App

from roomscope.tui.app import RoomscopeApp
from tests.conftest import fixed_now
from tests.ui.conftest import AppFactory, wait_for_sessions

PRIVATE_METHODS = ("_handle_exception", "_close_messages_no_wait")
PRIVATE_ATTRIBUTES = ("_return_code", "_exception", "_exception_event", "_exit_renderables")


@pytest.mark.parametrize("name", PRIVATE_METHODS)
def test_the_textual_methods_the_crash_handler_overrides_exist(name: str) -> None:
    assert callable(getattr(App, name, None)), f"textual.App.{name} is gone: rework RoomscopeApp's crash path"


def test_the_textual_attributes_the_crash_handler_sets_exist() -> None:
    app = RoomscopeApp(store_factory=lambda: None, clock=fixed_now)  # type: ignore[arg-type,return-value]
    for name in PRIVATE_ATTRIBUTES:
        assert hasattr(app, name), f"textual.App no longer has {name}: rework RoomscopeApp's crash path"


async def test_an_internal_error_exits_with_a_sentence_and_a_crash_log(
    make_app: AppFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    built = make_app()
    app = built.app
    log = tmp_path / "logs" / "crash.log"
    app.crash_log = log
    # run_test re-raises the error that stopped the app, for test frameworks to see
    # a provider string in the message: escapes and markup
    hostile = "boom in a widget\x1b]52;c;cHduZWQ=\x07\x1b[2J [bold red]x[/]"
    with pytest.raises(RuntimeError, match="boom in a widget"):
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for_sessions(pilot)
            # run_test is headless, where Textual's own handler runs: act as a real terminal
            monkeypatch.setattr(RoomscopeApp, "is_headless", property(lambda _self: False))
            app._handle_exception(RuntimeError(hostile))
            await pilot.pause()
    assert app.return_code == 1
    said = capsys.readouterr().err.replace("\n", " ")
    assert "roomscope stopped after an internal error: boom in a widget" in said
    assert "logs/crash.log" in "".join(said.split())  # the console may wrap the path
    assert "Traceback" not in said
    assert "\x1b" not in said and "[bold red]x[/]" in said
    text = log.read_text()
    assert "RuntimeError: boom in a widget" in text
    assert "\x1b" not in text and "\x07" not in text  # inert for whoever reads the log later
    assert (log.stat().st_mode & 0o777) == 0o600
