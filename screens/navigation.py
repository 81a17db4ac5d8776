"""What a screen asks of the app: the navigation messages it posts, and the app services it uses.

Screens never import or push each other. A screen posts one of these messages; it bubbles up to
the app, which builds and pushes the next screen. ``Host`` is the part of the app a screen may
use (the store, the clock, the clipboard), so screens do not depend on the app module either.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from textual.message import Message

if TYPE_CHECKING:
    from roomscope.tui.first_screen import FirstScreenFile
    from roomscope.tui.incident.groups import Group
    from roomscope.tui.incident.window import IncidentWindow
    from roomscope.tui.models import Participant, Session
    from roomscope.tui.store import QualityReport, Store


class Host(Protocol):
    """The app services every screen may use."""

    clock: Callable[[], datetime]
    source_label: str
    first_screen: FirstScreenFile | None
    """The session list's first rows as the last run left them (None: not kept)."""

    @property
    def store(self) -> Store | None:
        """The store, or None while it is still being built after the first frame."""

    async def ready(self) -> Store:
        """The store, once built."""

    def copy_text(self, text: str, what: str) -> None:
        """Copy ``text`` to the terminal clipboard and say what was copied."""


@dataclass
class ParticipantNav:
    """The session's participants in the order the session screen showed them."""

    session: Session
    participants: list[Participant]
    index: int
    reports: dict[str, QualityReport] = field(default_factory=dict)
    at: datetime | None = None
    """The moment the screen that opened the participant pointed at (a finding's start, the
    heatmap's cursor); None: the participant as a whole."""

    @property
    def current(self) -> Participant:
        return self.participants[self.index]

    def step(self, delta: int) -> bool:
        target = self.index + delta
        if 0 <= target < len(self.participants):
            self.index = target
            return True
        return False


class OpenSession(Message):
    """Show one session (from the list, the palette, or a jump by id); with ``window`` (from
    the Window view: its start and end), the session at that window."""

    def __init__(self, session: Session, *, window: tuple[datetime, datetime] | None = None) -> None:
        super().__init__()
        self.session = session
        self.window = window


class OpenParticipant(Message):
    """Show the current participant of ``nav`` (at the moment ``at``, when given: it is kept
    in ``nav.at`` for the screens that follow)."""

    def __init__(self, nav: ParticipantNav, *, at: datetime | None = None) -> None:
        super().__init__()
        self.nav = nav
        self.at = at


class OpenQuality(Message):
    """Show the quality sparklines of the current participant of ``nav`` (at the moment
    ``at``, when given)."""

    def __init__(self, nav: ParticipantNav, *, at: datetime | None = None) -> None:
        super().__init__()
        self.nav = nav
        self.at = at


class ToggleHelp(Message):
    """Show the help for the current screen, or close it."""


class OpenWindow(Message):
    """Show the Window view of ``text`` (a window as typed: ``10:00-10:10``), or, with no
    text, the Window view asking for one."""

    def __init__(self, text: str | None = None) -> None:
        super().__init__()
        self.text = text


@dataclass
class GroupsSource:
    """What the Groups view groups: the sessions of a window (or of a list), and what Enter on
    a group does (``choose`` gets the group and the keys of the sessions it holds)."""

    title: str
    sessions: list[Session]
    window: IncidentWindow | None = None
    choose: Callable[[Group, set[tuple[str, str]]], None] | None = None


class OpenGroups(Message):
    """Show the Groups view of ``source``."""

    def __init__(self, source: GroupsSource) -> None:
        super().__init__()
        self.source = source


class ClearMarks(Message):
    """Forget every participant marked for comparison."""


class OpenHistory(Message):
    """Show the History view ("since when") of a subject: ``kind`` one of who, isp, room,
    profile; ``value`` as the core's ``Subject`` reads it (None: the view asks for it);
    ``label`` what to call it (a person's name when ``value`` is their user id)."""

    def __init__(self, kind: str, value: str | None = None, label: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.value = value
        self.label = label
