"""RoomscopeApp: owns the store, registers themes, global bindings and the palette.

Start-up is kept light: this module imports Textual and the first screen only. The store
(pydantic models, sqlite cache, providers, httpx for real providers) is built in a worker
thread after the first frame, and the screens wait for it.

It also speaks for the terminal: colours are off under NO_COLOR and TERM=dumb (which gets a
notice), ``copy_text`` says whether the clipboard was really reached, and the palette's
Screenshot command saves where it can and says where.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import App
from textual.binding import Binding, BindingType
from textual.filter import Monochrome
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.worker import Worker, WorkerState

from roomscope.screens.handoff import HandedOff
from roomscope.screens.navigation import (
    ClearMarks,
    OpenGroups,
    OpenHistory,
    OpenParticipant,
    OpenQuality,
    OpenSession,
    OpenWindow,
    ParticipantNav,
)
from roomscope.screens.sessions import SessionsScreen
from roomscope.themes import DEFAULT_THEME, MONOCHROME, STYLESHEET, THEMES
from roomscope.tui import clipboard
from roomscope.tui.cellwidth import match_terminal
from roomscope.tui.clock import utcnow
from roomscope.tui.commands import RoomscopeCommands
from roomscope.tui.limits import MIN_HEIGHT, MIN_WIDTH
from roomscope.tui.text import clean

if TYPE_CHECKING:
    from roomscope.tui.first_screen import FirstScreenFile
    from roomscope.tui.models import Participant, Session
    from roomscope.tui.store import Store

DUMB_TERMINAL_NOTICE = (
    "TERM is 'dumb': roomscope is shown without colour, and a terminal that cannot move its "
    "cursor will show it garbled. Set TERM to your terminal's type (for example "
    "TERM=xterm-256color) for the full display, or use the headless commands "
    "(roomscope sessions --help)."
)


class RoomscopeApp(App[int]):
    """The explorer. Give it a built ``store`` or a ``store_factory`` run after first paint."""

    TITLE = "roomscope"
    CSS_PATH = STYLESHEET
    COMMANDS = App.COMMANDS | {RoomscopeCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+p", "command_palette", "Palette", id="app.palette", show=False),
        Binding("ctrl+c", "quit", "Quit from anywhere", show=False, priority=True, id="app.quit"),
        Binding("w", "window", "Incident window", show=False, id="app.window"),
        Binding("space", "mark", "Mark for compare", show=False, id="app.mark"),
        Binding("C", "compare", "Compare marked", show=False, id="app.compare"),
        Binding(
            "Y",
            "copy_summary",
            "Copy the last bundle's summary",
            show=False,
            id="app.copy-summary",
            tooltip="Copy the last incident bundle's summary",
        ),
    ]

    def __init__(
        self,
        *,
        store: Store | None = None,
        store_factory: Callable[[], Store] | None = None,
        theme: str | None = None,
        clock: Callable[[], datetime] = utcnow,
        keymap: dict[str, str] | None = None,
        source_label: str = "",
        crash_log: Path | None = None,
        window: str | None = None,
        history: tuple[str, str] | None = None,
        live: bool = False,
        first_screen: FirstScreenFile | None = None,
    ) -> None:
        match_terminal()  # widths as the terminal counts them, before anything is measured
        super().__init__()
        if store is None and store_factory is None:
            raise ValueError("RoomscopeApp needs a store or a store_factory")
        for item in THEMES:
            self.register_theme(item)
        wanted = theme or DEFAULT_THEME
        if wanted not in self.available_themes:
            names = ", ".join(sorted(self.available_themes))
            raise ValueError(f"unknown theme {wanted!r}; available: {names}")
        self.dumb_terminal = os.environ.get("TERM", "") == "dumb"
        """TERM=dumb: no colour (like NO_COLOR), and a notice once the screen is up."""
        if self.dumb_terminal and not self.no_color:
            self._filters.append(Monochrome())
        self.theme = wanted
        self.clock = clock
        self.source_label = source_label
        self.crash_log = crash_log
        self._store = store
        self._store_factory = store_factory
        self._store_ready = asyncio.Event()
        self._told: set[str] = set()
        self._store_error: BaseException | None = None
        self._user_keymap = keymap or {}
        self.started_at = time.perf_counter()
        self.first_frame_ms: float | None = None
        self.initial_window = window
        """``--window``: the Window view opens over the session list at start."""
        self.live_at_start = live
        """``--live``: the session list starts in live mode."""
        self.marks: dict[tuple[str, str, str], tuple[Session, Participant]] = {}
        """Participants marked for the Compare view (space), in the order they were marked."""
        self.initial_history = history
        """``--history``: the History view of (kind, value) opens at start."""
        self.first_screen = first_screen
        """The session list's first rows as the last run left them (None: not kept)."""
        self.bundle_summary: str | None = None
        """The summary.md of the last incident bundle written (``Y`` copies it)."""

    # -- start-up ------------------------------------------------------------------------

    def get_default_screen(self) -> SessionsScreen:
        """The session list is the base screen (drawn in the very first frame)."""
        return SessionsScreen()

    @property
    def monochrome(self) -> bool:
        """Colours are off (NO_COLOR or TERM=dumb): looks rely on weight, not hue."""
        return self.no_color or getattr(self, "dumb_terminal", False)

    def get_css_variables(self) -> dict[str, str]:
        variables = super().get_css_variables()
        if self.monochrome:
            variables[MONOCHROME] = "on"
            self.theme_variables[MONOCHROME] = "on"
        return variables

    def on_mount(self) -> None:
        if self._user_keymap:
            self.set_keymap(self._user_keymap)
        self._check_size()
        if self.dumb_terminal:
            self.notify(DUMB_TERMINAL_NOTICE, title="Plain terminal", severity="warning", timeout=20)
        if self._store is not None:
            self._store_built(self._store)
        if self.initial_window:
            self.post_message(OpenWindow(self.initial_window))
        if self.initial_history:
            self.post_message(OpenHistory(*self.initial_history))

    def _build_store(self) -> None:
        self.run_worker(self._make_store, thread=True, name="store", exit_on_error=False)

    def _make_store(self) -> None:
        assert self._store_factory is not None
        store = self._store_factory()
        self.call_from_thread(self._store_built, store)

    def _store_built(self, store: Store) -> None:
        self._store = store
        self._store_ready.set()
        store.status_changed.subscribe(self._tell_provider_notices)

    def _tell_provider_notices(self) -> None:
        """What an adapter found out about its API (a list in another order than assumed,
        events naming no member, counts that disagree): one notice each, once."""
        store = self._store
        if store is None:
            return
        for provider, sentence in store.notices():
            key = f"{provider.profile}\0{sentence}"
            if key not in self._told:
                self._told.add(key)
                self.notify(sentence, title=provider.label, severity="warning", timeout=12)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.name == "store" and event.state is WorkerState.ERROR:
            self._store_error = worker.error
            self._store_ready.set()
            self.notify(
                f"roomscope could not start its data store: {worker.error}",
                severity="error",
                timeout=30,
            )
        elif event.state is WorkerState.ERROR and worker.error is not None:
            self.notify(f"{worker.description or worker.name}: {worker.error}", severity="error", timeout=8)

    async def ready(self) -> Store:
        """The store, once built (screens await this in their workers)."""
        await self._store_ready.wait()
        if self._store is None:
            raise RuntimeError(f"the data store is unavailable: {self._store_error}")
        return self._store

    @property
    def store(self) -> Store | None:
        return self._store

    def on_ready(self) -> None:
        self.first_frame_ms = (time.perf_counter() - self.started_at) * 1000
        self.log.info(f"roomscope first frame in {self.first_frame_ms:.0f} ms")
        if self._store is None:
            # The first frame is on screen: build the store now (Ready comes right after the
            # first frame; a callback after the next refresh came ~20 ms later, idle).
            self._build_store()

    # -- terminal size -------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        # This handler runs before App's own, which is what updates ``self.size``: use the
        # event's size, or a terminal enlarged from too small keeps the notice.
        self._check_size(event.size)

    def _check_size(self, size: Size | None = None) -> None:
        width, height = size or self.size
        self.set_class(width < MIN_WIDTH or height < MIN_HEIGHT, "-too-small")

    # -- actions -------------------------------------------------------------------------

    def action_help(self) -> None:
        from roomscope.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

    # -- navigation: screens post what they want shown, the app pushes it ------------------

    @on(OpenSession)
    def _open_session(self, message: OpenSession) -> None:
        from roomscope.screens.session import SessionScreen

        current = self.screen
        if isinstance(current, SessionScreen) and current.session.id == message.session.id:
            return  # Enter pressed twice before the first push was drawn
        self.push_screen(SessionScreen(message.session, window=message.window))

    @on(OpenParticipant)
    def _open_participant(self, message: OpenParticipant) -> None:
        from roomscope.screens.participant import ParticipantScreen

        if isinstance(self.screen, ParticipantScreen):
            return
        if message.at is not None:
            message.nav.at = message.at
        self.push_screen(ParticipantScreen(message.nav))

    @on(OpenQuality)
    def _open_quality(self, message: OpenQuality) -> None:
        from roomscope.screens.quality import QualityScreen

        if isinstance(self.screen, QualityScreen):
            return
        if message.at is not None:
            message.nav.at = message.at
        self.push_screen(QualityScreen(message.nav))

    def action_window(self) -> None:
        self.post_message(OpenWindow())

    @on(OpenWindow)
    def _open_window(self, message: OpenWindow) -> None:
        from roomscope.screens.window import WindowScreen

        if isinstance(self.screen, WindowScreen):
            if message.text:
                self.screen.show_window(message.text)
            return
        self.push_screen(WindowScreen(message.text))

    def _mark_candidate(self) -> tuple[Session, Participant] | None:
        """The participant the current screen shows or has under its cursor, if any: a
        participant or quality screen's, or the selected row of a session's participants."""
        screen = self.screen
        ask = getattr(screen, "mark_candidate", None)
        if callable(ask):  # the screen knows what is under its cursor (the session screen's tabs)
            found: tuple[Session, Participant] | None = ask()
            return found
        nav = getattr(screen, "nav", None)
        if isinstance(nav, ParticipantNav):
            return nav.session, nav.current
        session = getattr(screen, "session", None)
        people = getattr(screen, "participants", None)
        if session is None or not isinstance(people, list):
            return None
        from textual.widgets import DataTable

        try:
            table = screen.query_one("#participants-table", DataTable)
        except Exception:
            return None
        if not table.has_focus or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        found = next((p for p in people if getattr(p, "id", None) == key), None)
        return (session, found) if found is not None else None

    def action_mark(self) -> None:
        candidate = self._mark_candidate()
        if candidate is None:
            self.notify("Space marks a participant: on a session's participants, or a participant's screen.")
            return
        session, participant = candidate
        key = (session.profile, session.id, participant.id)
        if key in self.marks:
            del self.marks[key]
            verb = "Unmarked"
        else:
            self.marks[key] = candidate
            verb = "Marked"
        hint = " · C compares" if len(self.marks) >= 2 else ""
        self.notify(f"{verb} {participant.title} ({len(self.marks)} marked{hint})", timeout=3)

    def action_compare(self) -> None:
        from roomscope.screens.compare import CompareScreen

        if len(self.marks) < 2:
            self.notify("Mark two participants or more with space, then C compares them.", timeout=4)
            return
        if not isinstance(self.screen, CompareScreen):
            self.push_screen(CompareScreen(list(self.marks.values())))

    @on(ClearMarks)
    def _clear_marks(self) -> None:
        self.marks.clear()
        self.notify("Marks cleared.", timeout=2)

    @on(HandedOff)
    def _handed_off(self, message: HandedOff) -> None:
        """What a bundle or an export came to (b, e on any screen)."""
        if message.summary is not None:
            self.bundle_summary = message.summary
        severity: SeverityLevel = "error" if message.error else "information"
        self.notify(message.text, title=message.title, severity=severity, timeout=15)

    def action_copy_summary(self) -> None:
        if self.bundle_summary is None:
            self.notify("No bundle yet: b writes one (on the list, a session or the Window view).", timeout=4)
            return
        self.copy_text(self.bundle_summary, "bundle summary")

    @on(OpenGroups)
    def _open_groups(self, message: OpenGroups) -> None:
        from roomscope.screens.groups import GroupsScreen

        if not isinstance(self.screen, GroupsScreen):
            self.push_screen(GroupsScreen(message.source))

    def copy_text(self, text: str, what: str) -> None:
        """Copy to the clipboard with OSC 52 (through tmux or screen when they are in between);
        say what happened, and under a tmux that drops it, how to enable it."""
        copy = clipboard.osc52(text, os.environ)
        if copy is None:
            self.notify(f"{what} is too long for the terminal clipboard: {text[:60]}…", severity="warning")
            return
        self._clipboard = text
        if self._driver is not None:
            self._driver.write(copy.sequence)
        note = clipboard.copied_note(copy, text, what)
        if copy.doubtful:
            self.notify(note, title="Clipboard", severity="warning", timeout=15)
        else:
            self.notify(note, timeout=4)

    def deliver_screenshot(
        self,
        filename: str | None = None,
        path: str | None = None,
        time_format: str | None = None,
    ) -> str | None:
        """The palette's Screenshot: an SVG of the screen, saved in the Downloads folder when
        there is one, else under roomscope's user data directory, else here; the notice says
        where (Textual's own would fail on a server without ~/Downloads)."""
        from roomscope.tui.paths import screenshot_dir

        directory = Path(path) if path else screenshot_dir()
        try:
            saved = self.save_screenshot(filename, str(directory), time_format)
        except OSError as exc:
            self.notify(
                f"Could not save the screenshot in {directory}: {exc.strerror or exc}",
                title="Screenshot",
                severity="error",
            )
            return None
        self.notify(f"Screenshot saved to {saved}", title="Screenshot", timeout=10)
        return None

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice is plain text: messages carry provider strings (error bodies, names,
        ids) that must neither be read as markup (``[/]`` would crash the app) nor reach the
        terminal with control characters. ``markup`` is accepted and ignored."""
        super().notify(
            clean(message, 1000), title=clean(title, 200), severity=severity, timeout=timeout, markup=False
        )

    # -- failures ------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """No traceback on screen: write it to the crash log and exit with a sentence."""
        where = self._write_crash_log(error)
        if self.is_headless:
            super()._handle_exception(error)
            return
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        from rich.text import Text

        from roomscope.tui.redact import REDACTOR
        from roomscope.tui.text import terminal_safe

        hint = f" Details: {where}" if where else ""
        # Text, not a str: an error message is not markup; and it may carry provider strings.
        sentence = terminal_safe(REDACTOR(f"roomscope stopped after an internal error: {error}.{hint}"))
        self._exit_renderables.append(Text(sentence))
        self._close_messages_no_wait()

    def _write_crash_log(self, error: BaseException) -> str | None:
        from roomscope.tui.crashlog import write_crash_log

        return write_crash_log(self.crash_log, error)

    # -- the History view ------------------------------------------------------------------

    @on(OpenHistory)
    def _open_history(self, message: OpenHistory) -> None:
        from roomscope.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(message.kind, message.value, message.label))
