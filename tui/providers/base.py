"""The provider abstraction: one async protocol, declared capabilities, typed errors.

A provider turns one page of its API into a :class:`~roomscope.tui.models.Page` of unified models
and an opaque cursor for the next page. What a provider does not have is a declared
missing capability with a sentence that says so; the UI shows that sentence instead of
an empty chart. Providers know nothing of Textual or of the store.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from roomscope.tui.errors import (
    AuthError as AuthError,
)
from roomscope.tui.errors import (
    BadPayloadError as BadPayloadError,
)
from roomscope.tui.errors import (
    Capability as Capability,
)
from roomscope.tui.errors import (
    ForbiddenError as ForbiddenError,
)
from roomscope.tui.errors import (
    InvalidIdError as InvalidIdError,
)
from roomscope.tui.errors import (
    NotFoundError as NotFoundError,
)
from roomscope.tui.errors import (
    OfflineMissError as OfflineMissError,
)
from roomscope.tui.errors import (
    ProviderError as ProviderError,
)
from roomscope.tui.errors import (
    RateLimitedError as RateLimitedError,
)
from roomscope.tui.errors import (
    RejectedError as RejectedError,
)
from roomscope.tui.errors import (
    UnavailableError as UnavailableError,
)
from roomscope.tui.errors import (
    UnsupportedError as UnsupportedError,
)
from roomscope.tui.errors import unsupported
from roomscope.tui.models import (
    Artifact,
    Event,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SortKey,
)

# Capability and the typed errors live in roomscope.tui.errors (every layer uses them);
# they are re-exported here as part of the provider abstraction.

log = logging.getLogger("roomscope.providers")


# ---------------------------------------------------------------------------------------


@runtime_checkable
class Provider(Protocol):
    """What every provider implements. All methods are coroutines except ``page_cursor``."""

    name: str
    """Provider kind: ``demo``, ``signalwire``, ``telnyx``, ``whereby``, ``realtimekit``."""
    profile: str
    """The configuration profile this instance belongs to."""
    label: str
    """A human description, e.g. ``Telnyx Rooms``."""

    @property
    def identity(self) -> str:
        """Stable, secret-free string naming the data source (for cache keys)."""
        ...

    @property
    def list_identity(self) -> str:
        """The name of what answers its session lists, in cache keys: ``identity``, unless the
        lists depend on more than a session's records do (the demo world reads its lists from
        an anchor that live mode moves)."""
        ...

    capabilities: frozenset[Capability]
    sort_keys: frozenset[SortKey]
    """Session orderings the API itself can produce (besides newest first)."""
    newest_first: bool
    """The API lists sessions newest first by default (if not, the store sorts them)."""
    page_size: int
    missing: Mapping[Capability, str]
    """Why each missing capability is missing, as a sentence for the UI."""

    async def list_sessions(self, query: SessionQuery, cursor: str | None, limit: int) -> Page[Session]: ...

    def page_cursor(self, query: SessionQuery, offset: int, limit: int) -> str | None:
        """The cursor of the page starting at ``offset`` (only with ``Capability.SEEK``)."""
        ...

    async def get_session(self, session_id: str) -> Session: ...

    async def list_participants(
        self, session_id: str, cursor: str | None, limit: int
    ) -> Page[Participant]: ...

    async def get_participant(self, session_id: str, participant_id: str) -> Participant: ...

    async def list_events(
        self,
        session_id: str,
        cursor: str | None,
        limit: int,
        participant_id: str | None = None,
    ) -> Page[Event]: ...

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]: ...

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]: ...

    async def list_artifacts(self, session_id: str) -> list[Artifact]: ...

    async def check(self) -> str:
        """One real request; returns a short description of what answered."""
        ...

    async def aclose(self) -> None: ...


class BaseProvider:
    """Defaults shared by the adapters: missing capabilities raise ``UnsupportedError``."""

    name: str = "base"
    label: str = "provider"
    capabilities: frozenset[Capability] = frozenset()
    sort_keys: frozenset[SortKey] = frozenset()
    newest_first: bool = True
    page_size: int = 50
    missing: Mapping[Capability, str] = {}

    def __init__(self, profile: str) -> None:
        self.profile = profile

    @property
    def identity(self) -> str:
        return f"{self.name}:{self.profile}"

    @property
    def list_identity(self) -> str:
        return self.identity

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def unsupported(self, capability: Capability) -> UnsupportedError:
        return unsupported(self, capability)

    def page_cursor(self, query: SessionQuery, offset: int, limit: int) -> str | None:
        raise self.unsupported(Capability.SEEK)

    async def list_events(
        self,
        session_id: str,
        cursor: str | None,
        limit: int,
        participant_id: str | None = None,
    ) -> Page[Event]:
        raise self.unsupported(Capability.EVENTS)

    async def list_recordings(self, session_id: str, cursor: str | None, limit: int) -> Page[Recording]:
        raise self.unsupported(Capability.RECORDINGS)

    async def get_quality(self, session_id: str, participant_id: str) -> list[QualitySeries]:
        raise self.unsupported(Capability.QUALITY)

    async def list_artifacts(self, session_id: str) -> list[Artifact]:
        raise self.unsupported(Capability.ARTIFACTS)

    async def list_participants(self, session_id: str, cursor: str | None, limit: int) -> Page[Participant]:
        raise self.unsupported(Capability.PARTICIPANTS)

    async def get_participant(self, session_id: str, participant_id: str) -> Participant:
        """Default: walk the participant list."""
        cursor: str | None = None
        seen: set[str | None] = set()
        while True:
            page = await self.list_participants(session_id, cursor, self.page_size)
            for participant in page.items:
                if participant.id == participant_id:
                    return participant
            cursor = page.next_cursor
            if cursor is None or cursor in seen:
                break
            seen.add(cursor)
        raise NotFoundError(
            f"No participant {participant_id!r} in session {session_id!r}.", provider=self.name
        )

    async def aclose(self) -> None:
        return None

    @property
    def notices(self) -> tuple[str, ...]:
        """What the adapter found out about its API while reading it and the user should
        know (e.g. a list that came in another order than assumed), as sentences for the
        store, the status line or the headless output to show. Empty for most providers."""
        return tuple(self.__dict__.get("_notices", ()))

    def notice(self, sentence: str) -> None:
        """Record ``sentence`` once for :attr:`notices`, and log it as a warning."""
        found: list[str] = self.__dict__.setdefault("_notices", [])
        if sentence not in found:
            found.append(sentence)
            log.info("%s (%s): %s", self.label, self.profile, sentence)
