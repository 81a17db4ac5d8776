"""Colour and terminal: verdicts without colour, the selected row's bar, TERM=dumb, copying under
tmux, and where a screenshot goes."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from rich.color import Color, ColorType
from rich.style import Style

from roomscope.widgets.session_table import SessionTable
from tests.ui.conftest import (
    AppFactory,
    open_session_at,
    screen_text,
    wait_for_sessions,
    wait_until,
)

LOSS_SPIKE = 21  # "All-hands": one poor participant, four fair, two good


def segments(app: Any) -> list[tuple[int, str, Style]]:
    """(screen line, text, style) of everything on screen, after the colour filters."""
    strips = app.screen._compositor.render_strips()
    return [(y, seg.text, seg.style or Style()) for y, strip in enumerate(strips) for seg in strip]


def luminance(color: Color | None, default: float) -> float:
    if color is None or color.type is ColorType.DEFAULT or color.triplet is None:
        return default

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = color.triplet
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(style: Style) -> float:
    """WCAG contrast ratio of the text against its background (reverse swaps them; the
    terminal's own default colours count as light on dark)."""
    fg = luminance(style.color, 0.8)
    bg = luminance(style.bgcolor, 0.0)
    high, low = max(fg, bg), min(fg, bg)
    return (high + 0.05) / (low + 0.05)


def all_grey(app: Any) -> bool:
    colours = [c for _y, _t, s in segments(app) for c in (s.color, s.bgcolor) if c is not None]
    return all(
        c.type is ColorType.DEFAULT or (c.triplet is not None and len(set(c.triplet)) == 1) for c in colours
    )


# ---------------------------------------------------------------------------------------
# NO_COLOR


async def test_no_color_verdicts_stay_readable(make_app: AppFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under NO_COLOR every colour is a grey: "poor" (in the table, and "1 poor" in the
    session's summary line, which is dim) must read by weight and contrast, never as a dim
    dark grey on black."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app().app
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("3")  # the participants tab
        await pilot.pause()
        assert "1 poor" in screen_text(app)
        poor = [(y, text, style) for y, text, style in segments(app) if "poor" in text]
        assert len(poor) >= 2, poor  # the summary line and the participant's row
        for _y, text, style in poor:
            assert style.bold, f"{text!r} is not bold: {style}"
            assert not style.dim, f"{text!r} is dim: {style}"
            assert style.reverse, f"{text!r} does not stand out without colour: {style}"
            assert contrast(style) >= 4.5, f"{text!r} is hard to read: {style}"
        fair = [style for _y, text, style in segments(app) if "fair" in text]
        assert fair and all(s.bold and not s.dim for s in fair)
        assert all_grey(app)


def test_verdict_styles_in_colour_and_without() -> None:
    """In colour a verdict keeps its weight and its theme colour (unchanged); without colour
    it is told apart by weight alone, and is never dim."""
    from roomscope.themes import MONOCHROME, ROOMSCOPE_DARK, verdict_style

    colours = {"error": ROOMSCOPE_DARK.error or "", "warning": ROOMSCOPE_DARK.warning or ""}
    assert verdict_style(colours, "poor") == f"bold {ROOMSCOPE_DARK.error}"
    assert verdict_style(colours, "fair") == f"bold {ROOMSCOPE_DARK.warning}"
    assert verdict_style(colours, "unknown") == "dim"
    mono = {**colours, MONOCHROME: "on"}
    looks = {v: Style.parse(verdict_style(mono, v)) for v in ("poor", "fair", "good", "unknown")}
    assert looks["poor"].reverse and looks["poor"].bold
    assert looks["fair"].bold and not looks["fair"].reverse
    assert all(look.dim is False and look.color is None for look in looks.values())
    assert len({str(look) for look in looks.values()}) == 4  # four different looks


# ---------------------------------------------------------------------------------------
# the selected row


async def test_the_selected_row_is_a_full_width_bar(make_app: AppFactory) -> None:
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for_sessions(pilot)
        table = app.screen.query_one(SessionTable)
        top = table.region.y
        left, right = table.scrollable_content_region.x, table.scrollable_content_region.right

        def backgrounds(line: int) -> set[str]:
            strip = app.screen._compositor.render_strips()[line]
            found: set[str] = set()
            x = 0
            for seg in strip:
                for _ch in seg.text:
                    if left <= x < right and seg.style is not None and seg.style.bgcolor is not None:
                        found.add(seg.style.bgcolor.name)
                    x += 1
            return found

        bar = Color.parse(app.theme_variables["block-cursor-background"]).name
        assert backgrounds(top) == {bar}, "the selected row is one bar from edge to edge"
        assert bar not in backgrounds(top + 1)
        await pilot.press("j")
        await pilot.pause()
        assert backgrounds(top + 1) == {bar}
        assert bar not in backgrounds(top)


# ---------------------------------------------------------------------------------------
# TERM=dumb


async def test_a_dumb_terminal_gets_a_notice_and_no_colour(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    app = make_app().app
    assert app.monochrome
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        notices = [str(n.message) for n in app._notifications]
        assert any("TERM is 'dumb'" in n and "TERM=xterm-256color" in n for n in notices), notices
        assert all_grey(app)
        await open_session_at(pilot, LOSS_SPIKE)
        await pilot.press("3")  # the participants tab
        await pilot.pause()
        poor = [style for _y, text, style in segments(app) if "poor" in text]
        assert poor and all(s.reverse and s.bold and not s.dim for s in poor)


async def test_a_colour_terminal_gets_no_such_notice(make_app: AppFactory) -> None:
    app = make_app().app
    assert not app.monochrome
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for_sessions(pilot)
        assert not any("dumb" in str(n.message) for n in app._notifications)


# ---------------------------------------------------------------------------------------
# copying under tmux


def fake_tmux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, str] | None) -> None:
    """A ``tmux`` on PATH that answers ``show-options -gv NAME`` from ``options`` (None: it
    fails, as tmux does when it cannot reach its server)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "tmux"
    if options is None:
        body = "exit 1\n"
    else:
        cases = "".join(f'  {name}) echo "{value}" ;;\n' for name, value in options.items())
        body = f'case "$3" in\n{cases}  *) exit 1 ;;\nesac\n'
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("TMUX", "/tmp/tmux-1000/default,4242,0")


async def copy_first_id(app: Any, pilot: Any) -> tuple[list[str], str, str]:
    await wait_for_sessions(pilot)
    written: list[str] = []
    app._driver.write = written.append
    await pilot.press("y")
    await pilot.pause()
    session_id = app.screen.query_one(SessionTable).selected.id
    notices = [str(n.message) for n in app._notifications]
    return written, session_id, notices[-1]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param({"set-clipboard": "external", "allow-passthrough": "off"}, id="tmux-defaults"),
        pytest.param(None, id="tmux-says-nothing"),
    ],
)
async def test_y_under_a_tmux_that_drops_osc52_says_what_was_sent_and_how_to_enable_it(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: dict[str, str] | None
) -> None:
    fake_tmux(tmp_path, monkeypatch, options)
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        written, session_id, notice = await copy_first_id(app, pilot)
        payload = base64.b64encode(session_id.encode()).decode()
        assert written == [f"\x1bPtmux;\x1b\x1b]52;c;{payload}\x07\x1b\\"]
        assert not notice.startswith("Copied")
        assert session_id in notice and "tmux" in notice
        assert "set -g set-clipboard on" in notice


async def test_y_under_tmux_with_set_clipboard_on_sends_plain_osc52(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_tmux(tmp_path, monkeypatch, {"set-clipboard": "on", "allow-passthrough": "off"})
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        written, session_id, notice = await copy_first_id(app, pilot)
        payload = base64.b64encode(session_id.encode()).decode()
        assert written == [f"\x1b]52;c;{payload}\x07"]  # tmux takes it and sets the clipboard
        assert notice == f"Copied session id: {session_id}"


async def test_y_under_tmux_with_passthrough_on_is_copied(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_tmux(tmp_path, monkeypatch, {"set-clipboard": "external", "allow-passthrough": "on"})
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        written, session_id, notice = await copy_first_id(app, pilot)
        assert written[0].startswith("\x1bPtmux;")
        assert notice == f"Copied session id: {session_id}"


# ---------------------------------------------------------------------------------------
# the palette's Screenshot command


async def take_screenshot(app: Any, pilot: Any) -> str:
    await wait_for_sessions(pilot)
    command = next(c for c in app.get_system_commands(app.screen) if c.title == "Screenshot")
    command.callback()
    await wait_until(
        pilot,
        lambda: any("creenshot" in str(n.message) for n in app._notifications),
        what="the screenshot notice",
    )
    return next(str(n.message) for n in app._notifications if "creenshot" in str(n.message))


async def test_a_screenshot_without_downloads_goes_to_the_user_data_directory(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    monkeypatch.chdir(tmp_path)
    assert not (Path.home() / "Downloads").exists()
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        notice = await take_screenshot(app, pilot)
    saved = list((data / "roomscope" / "screenshots").glob("*.svg"))
    assert len(saved) == 1, notice
    assert notice == f"Screenshot saved to {saved[0]}"
    assert "<svg" in saved[0].read_text()


async def test_a_screenshot_goes_to_downloads_when_there_is_one(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    downloads = Path.home() / "Downloads"
    downloads.mkdir()
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        notice = await take_screenshot(app, pilot)
    saved = list(downloads.glob("*.svg"))
    assert len(saved) == 1 and notice == f"Screenshot saved to {saved[0]}"


async def test_a_screenshot_falls_back_to_the_current_directory(
    make_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocked))  # the data directory cannot be made
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    app = make_app().app
    async with app.run_test(size=(100, 30)) as pilot:
        notice = await take_screenshot(app, pilot)
    saved = list(here.glob("*.svg"))
    assert len(saved) == 1 and str(saved[0]) in notice
