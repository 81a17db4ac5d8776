"""Command palette (ctrl+p): jump to a session by id or name, switch profile, list filter
and theme, and triage by symptom ('choppy 10:05 alice')."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from roomscope.screens.navigation import GroupsSource, OpenGroups, OpenHistory, OpenSession, OpenWindow
from roomscope.tui.symptom_names import SYMPTOM_NAMES
from roomscope.tui.text import clean

if TYPE_CHECKING:
    from roomscope.screens.navigation import Host
    from roomscope.tui.models import Session


def _highlight(matcher: Matcher, text: str) -> Content:
    """``matcher.highlight`` without reading ``text`` as markup: session names and what the
    user typed are not markup (a name like ``[/]`` would make the search fail)."""
    content = Content(text)
    score, offsets = matcher.fuzzy_search.match(matcher.query, text)
    if score:
        for offset in offsets:
            if not text[offset].isspace():
                content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


SYMPTOM_USAGE = "Type a symptom, then a time and a name if known: choppy 10:05 alice. Symptoms: " + ", ".join(
    SYMPTOM_NAMES
)
SYMPTOM_HITS = 8
"""Symptom matches the palette lists."""
SYMPTOM_PAUSE_S = 0.4
"""A symptom search starts once typing has paused this long."""


def _window_text(query: str) -> str | None:
    """The window in 'window 10:00-10:10' (or 'w 10:05±5m'), or None."""
    head, _, rest = query.partition(" ")
    if head.lower() in ("window", "w") and rest.strip():
        return rest.strip()
    return None


class RoomscopeCommands(Provider):
    """Commands that change with what the store holds (profiles, loaded sessions)."""

    @property
    def rs(self) -> Host:
        return cast("Host", self.app)

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        commands: list[tuple[str, Callable[[], object], str]] = []
        app = self.app
        for name in sorted(app.available_themes):
            commands.append(
                (f"Theme: {name}", partial(setattr, app, "theme", name), "Switch the colour theme")
            )
        store = self.rs.store
        if store is not None:
            if len(store.providers) > 1:
                commands.append(
                    ("Profile: all", partial(self._profiles, None), "Merge every profile's sessions")
                )
            for provider in store.providers:
                commands.append(
                    (
                        f"Profile: {provider.profile}",
                        partial(self._profiles, (provider.profile,)),
                        provider.label,
                    )
                )
        for status, label in (
            (None, "all sessions"),
            ("live", "live sessions only"),
            ("ended", "ended sessions only"),
        ):
            commands.append((f"Show {label}", partial(self._status, status), "Session list status filter"))
        for span in ("all time", "last 1h", "last 24h", "last 7d", "last 30d"):
            commands.append((f"Time range: {span}", partial(self._range, span), "Session list time range"))
        commands.append(("Refresh", self._refresh, "Revalidate what is on screen"))
        commands.append(("Triage by symptom…", self._symptom_usage, SYMPTOM_USAGE))
        commands.append(
            (
                "Group the list's participants",
                self._group_list,
                "Participants of the session list's loaded rows by ISP, country, device … (outlier first)",
            )
        )
        commands.append(
            (
                "Incident window…",
                partial(self.app.post_message, OpenWindow()),
                "Every session overlapping a time window, across every profile (w)",
            )
        )
        commands.append(
            ("Scan: diagnose every session of the list", self._scan, "Quality of every session (Esc cancels)")
        )
        commands.append(("Sort by quality, worst first", self._sort_quality, "Over the sessions diagnosed"))
        commands.extend(_history_commands(self.app.post_message))
        return commands

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            if text.startswith(("Profile", "Show", "Refresh", "Triage")):
                yield DiscoveryHit(text, callback, help=help_text)

    def _symptom_usage(self) -> None:
        self.app.notify(SYMPTOM_USAGE, title="Triage by symptom", timeout=10)

    async def _symptom_matches(self, query: str) -> AsyncIterator[Hit]:
        """'choppy 10:05 alice': the sessions, people and intervals whose findings explain
        the symptom, best first (every open profile; the last 24 h without a time)."""
        from roomscope.tui import symptoms
        from roomscope.tui.finding_rows import cause_words, when_words
        from roomscope.tui.triage import parse_at, parse_words, triage

        words = parse_words(query)
        if words is None:
            return
        # Typing on cancels this search: wait for a pause before asking for diagnoses.
        await asyncio.sleep(SYMPTOM_PAUSE_S)
        store = await self.rs.ready()
        now = self.rs.clock()
        try:
            at = parse_at(words.at, now) if words.at else None
        except ValueError as exc:
            yield Hit(1.0, Content(f"{words.symptom}: {clean(str(exc), 80)}"), self._symptom_usage)
            return
        ask = symptoms.Ask(symptoms.symptom(words.symptom), at, words.who)
        result = await triage(store, ask, now, since=now - timedelta(days=1) if at is None else None)
        for rank, match in enumerate(result.matches[:SYMPTOM_HITS]):
            person = match.person.name if match.person else "—"
            label = (
                f"{words.symptom}: {clean(match.session.title, 40)} · {clean(person, 30)} · "
                f"{when_words([match.window])} · {clean(cause_words(match.finding), 40)}"
            )
            yield Hit(
                1.0 - rank / 100,
                Content(label),
                partial(self._open_session, match.session),
                help=clean(f"{match.why} — {match.finding.explanation}", 200),
            )
        if not result.matches:
            text = f"{words.symptom}: no finding explains it in {result.sessions} sessions"
            yield Hit(1.0, Content(text), self._symptom_usage, help=SYMPTOM_USAGE)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        stripped = query.strip()
        if len(stripped) >= 4 and " " not in stripped:
            # Session ids carry digits; a plain word ("light", "standup") is more likely a
            # command or a name, so its "Open session" guess goes below those matches.
            looks_like_id = any(ch.isdigit() for ch in stripped)
            yield Hit(
                90.0 if looks_like_id else 0.01,
                _highlight(matcher, f"Open session {clean(stripped, 80)}"),
                partial(self._open_id, stripped),
                help="Look the id up in every profile",
            )
        window = _window_text(stripped)
        if window is not None:
            yield Hit(
                95.0,
                _highlight(matcher, f"Window {clean(window, 80)}"),
                partial(self.app.post_message, OpenWindow(window)),
                help="Every session overlapping this window, across every profile",
            )
        history = _history_hit(stripped)
        if history is not None:
            label, message = history
            yield Hit(
                95.0, _highlight(matcher, label), partial(self.app.post_message, message), help=HISTORY_HELP
            )
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
        async for hit in self._loaded_sessions(query):
            yield hit
        async for hit in self._symptom_matches(query):
            yield hit

    async def _loaded_sessions(self, query: str) -> AsyncIterator[Hit]:
        from roomscope.screens.sessions import SessionsScreen

        screen = self._sessions_screen()
        if not isinstance(screen, SessionsScreen) or screen.collection is None or not query.strip():
            return
        matcher = self.matcher(query)
        collection = screen.collection
        shown = 0
        for index in range(min(collection.loaded, 5000)):
            session = collection.row(index)
            if session is None or session.problem:
                continue
            label = (
                f"Open: {clean(session.title, 60)}  {session.started_at:%Y-%m-%d %H:%M}"
                if session.started_at
                else f"Open: {clean(session.title, 60)}"
            )
            score = matcher.match(label)
            if score > 0:
                yield Hit(
                    score * 0.8,
                    _highlight(matcher, label),
                    partial(self._open_session, session),
                    help=session.id,
                )
                shown += 1
                if shown >= 20:
                    return

    def _sessions_screen(self) -> object | None:
        from roomscope.screens.sessions import SessionsScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, SessionsScreen):
                return screen
        return None

    def _profiles(self, profiles: tuple[str, ...] | None) -> None:
        from roomscope.screens.sessions import SessionsScreen

        screen = self._sessions_screen()
        if isinstance(screen, SessionsScreen):
            self._to_list()
            screen.set_profiles(profiles)

    def _status(self, status: str | None) -> None:
        from roomscope.screens.sessions import SessionsScreen

        screen = self._sessions_screen()
        if isinstance(screen, SessionsScreen):
            self._to_list()
            screen.set_status(status)

    def _range(self, label: str) -> None:
        from roomscope.screens.sessions import SessionsScreen

        screen = self._sessions_screen()
        if isinstance(screen, SessionsScreen):
            self._to_list()
            screen.set_range(label)

    def _group_list(self) -> None:
        from roomscope.screens.sessions import SessionsScreen
        from roomscope.tui.limits import GROUP_LIST_MAX_SESSIONS

        screen = self._sessions_screen()
        if not isinstance(screen, SessionsScreen) or screen.collection is None:
            return
        collection = screen.collection
        sessions = []
        for index in range(collection.loaded):
            session = collection.row(index)
            if session is not None and not session.problem:
                sessions.append(session)
            if len(sessions) >= GROUP_LIST_MAX_SESSIONS:
                break
        if not sessions:
            self.app.notify("The session list has no rows to group yet.", timeout=3)
            return
        described = ", ".join(screen.state.describe())
        title = f"List ({described})" if described else "List"
        self.app.post_message(
            OpenGroups(GroupsSource(title=f"{title}: {len(sessions):,} sessions", sessions=sessions))
        )

    def _scan(self) -> None:
        from roomscope.screens.sessions import SessionsScreen

        screen = self._sessions_screen()
        if isinstance(screen, SessionsScreen):
            self._to_list()
            screen.action_scan()

    def _sort_quality(self) -> None:
        from roomscope.screens.sessions import SessionsScreen

        screen = self._sessions_screen()
        if isinstance(screen, SessionsScreen):
            self._to_list()
            screen.action_sort_quality()

    def _to_list(self) -> None:
        while len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def _refresh(self) -> None:
        store = self.rs.store
        if store is not None:
            store.refresh()
            self.app.notify("Refreshing…", timeout=2)

    def _open_session(self, session: Session) -> None:
        self.app.post_message(OpenSession(session))

    def _open_id(self, session_id: str) -> None:
        self.app.run_worker(
            self._find(session_id), group="palette", exit_on_error=False, description="Finding the session"
        )

    async def _find(self, session_id: str) -> None:
        from roomscope.tui.errors import ProviderError

        store = await self.rs.ready()
        try:
            session = await store.find_session(session_id)
        except ProviderError as exc:
            self.app.notify(str(exc), severity="warning", timeout=6)
            return
        self.app.post_message(OpenSession(session))


# -- the History view -------------------------------------------------------------------

HISTORY_HELP = "Since when: verdicts over the last 7 days' sessions, from the cache (f in the view fetches)"
HISTORY_KINDS = (("who", "a person"), ("isp", "an ISP"), ("room", "a room"), ("profile", "a profile"))


def _history_commands(post: Callable[[OpenHistory], object]) -> list[tuple[str, Callable[[], object], str]]:
    """'History of a person…' and the others: the view opens and asks whose."""
    return [
        (f"History of {words}…", partial(post, OpenHistory(kind)), HISTORY_HELP)
        for kind, words in HISTORY_KINDS
    ]


def _history_hit(query: str) -> tuple[str, OpenHistory] | None:
    """'history Ana Silva', 'history isp AS3320', 'history room standup': the label of the
    hit and the message that opens the view; None for anything else."""
    head, _, rest = query.partition(" ")
    if head.lower() != "history" or not rest.strip() or rest.lower().split()[0] == "of":
        return None  # 'history of a room' is the start of a command's name, not a name
    from roomscope.tui.incident.history import KIND_WORDS, SubjectError, parse_subject

    try:
        subject = parse_subject(rest)
    except SubjectError:
        return None
    label = f"History of {KIND_WORDS[subject.kind]} {clean(subject.value, 80)}"
    return label, OpenHistory(subject.kind, subject.value)
