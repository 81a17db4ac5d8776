"""The provider abstraction: one async protocol, declared capabilities, typed errors.

A provider turns one page of its API into a :class:`~roomscope.tui.models.Page` of unified models
and an opaque cursor for the next page. What a provider does not have is a declared
missing capability with a sentence that says so; the UI shows that sentence instead of
an empty chart. Providers know nothing of Textual or of the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import ClassVar, Protocol, runtime_checkable

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


class Capability(StrEnum):
    PARTICIPANTS = "participants"
    EVENTS = "events"
    PARTICIPANT_EVENTS = "participant_events"
    RECORDINGS = "recordings"
    QUALITY = "quality"
    ARTIFACTS = "artifacts"
    DEVICE_INFO = "device_info"
    NETWORK_INFO = "network_info"
    SEEK = "seek"
    """Pages can be addressed directly (page numbers/offsets): see ``page_cursor``."""
    TOTAL = "total"
    """List pages report the total number of results."""
    STATUS_FILTER = "status_filter"
    TIME_FILTER = "time_filter"
    TEXT_SEARCH = "text_search"


# ---------------------------------------------------------------------------------------
# Errors: values the UI can show. Messages never hold credentials.


class ProviderError(Exception):
    """Base of every error a provider raises. ``str(error)`` is a user-facing sentence."""

    kind: ClassVar[str] = "error"
    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, *, provider: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.status = status

    def __str__(self) -> str:
        return self.message


class AuthError(ProviderError):
    """The credentials were refused (missing, wrong or expired token)."""

    kind = "auth"
    exit_code = 4


class ForbiddenError(AuthError):
    """The credentials are valid but may not read this (missing scope, wrong account)."""

    kind = "forbidden"


class NotFoundError(ProviderError):
    kind = "not_found"
    exit_code = 3


class RateLimitedError(ProviderError):
    kind = "rate_limited"
    exit_code = 6

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = 429,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, status=status)
        self.retry_after = retry_after


class UnavailableError(ProviderError):
    """The provider could not be reached or failed (network, timeout, 5xx, offline)."""

    kind = "unavailable"
    exit_code = 5

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        status: int | None = None,
        network: bool = False,
    ) -> None:
        super().__init__(message, provider=provider, status=status)
        self.network = network


class OfflineMissError(UnavailableError):
    """Offline mode, and the cache does not hold what was asked for."""

    kind = "offline_miss"


class BadPayloadError(ProviderError):
    """The provider answered something that could not be read."""

    kind = "bad_payload"
    exit_code = 7

    def __init__(self, message: str, *, provider: str = "", field: str | None = None) -> None:
        super().__init__(message, provider=provider)
        self.field = field


class UnsupportedError(ProviderError):
    """The provider has no such data (a declared missing capability)."""

    kind = "unsupported"
    exit_code = 8

    def __init__(self, message: str, *, provider: str = "", capability: Capability) -> None:
        super().__init__(message, provider=provider)
        self.capability = capability


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

    def has(self, capability: Capability) -> bool:
        return capability in self.capabilities

    def unsupported(self, capability: Capability) -> UnsupportedError:
        reason = self.missing.get(capability) or f"{self.label} does not provide {capability}."
        return UnsupportedError(reason, provider=self.name, capability=capability)

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
