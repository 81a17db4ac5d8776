"""Command palette (ctrl+p): jump to a session by id or name, switch profile, list filter
and theme."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from roomscope.screens.navigation import OpenSession
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
        commands.append(
            ("Scan: diagnose every session of the list", self._scan, "Quality of every session (Esc cancels)")
        )
        commands.append(("Sort by quality, worst first", self._sort_quality, "Over the sessions diagnosed"))
        return commands

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            if text.startswith(("Profile", "Show", "Refresh")):
                yield DiscoveryHit(text, callback, help=help_text)

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
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), callback, help=help_text)
        async for hit in self._loaded_sessions(query):
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
