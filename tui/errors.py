"""What providers declare and raise, and what the store, the screens and the headless commands
handle: capabilities, and the typed errors that are values the UI can show.

Messages never hold credentials. Each error has an exit code for the headless commands.
:class:`ConfigError` (a configuration mistake) is here too: the configuration layer and the
provider registry both raise it, and neither imports the other for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Protocol


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


@dataclass(frozen=True)
class ConfigProblem:
    """One configuration mistake: ``path:line:column: field: reason``."""

    reason: str
    path: Path | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return where + (f"{self.field}: " if self.field else "") + self.reason


class ConfigError(Exception):
    """A configuration mistake (a bad file, an unknown provider, an unset environment variable):
    ``path:line: field: reason``, one line per problem."""

    exit_code: ClassVar[int] = 2

    def __init__(
        self,
        reason: str = "",
        *,
        path: Path | None = None,
        line: int | None = None,
        field: str | None = None,
        problems: Sequence[ConfigProblem] = (),
    ) -> None:
        self.problems: tuple[ConfigProblem, ...] = tuple(problems) or (
            ConfigProblem(reason, path, line, None, field),
        )
        first = self.problems[0]
        self.path = first.path
        self.line = first.line
        self.field = first.field
        super().__init__("\n".join(str(p) for p in self.problems))


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


class RejectedError(ProviderError):
    """The provider refused the request as it was made (HTTP 400, 405, 409, 418, 422 ..., or
    a failure its answer reports): not the network, not the credentials, not a missing id."""

    kind = "rejected"
    exit_code = 9


class InvalidIdError(NotFoundError):
    """An id that cannot name anything: empty, ``.``/``..``, or holding characters that
    would change the request's path (``/ ? # %``, whitespace, control characters).
    Checked before any request is made. Nothing has such an id (so it is not found), but
    the mistake is the caller's: a usage error, exit 2."""

    kind = "invalid_id"
    exit_code = 2


class UnsupportedError(ProviderError):
    """The provider has no such data (a declared missing capability)."""

    kind = "unsupported"
    exit_code = 8

    def __init__(self, message: str, *, provider: str = "", capability: Capability) -> None:
        super().__init__(message, provider=provider)
        self.capability = capability


class DeclaresCapabilities(Protocol):
    """What a provider declares about itself (the part of the provider protocol this needs)."""

    name: str
    label: str
    capabilities: frozenset[Capability]
    missing: Mapping[Capability, str]


def unsupported(provider: DeclaresCapabilities, capability: Capability) -> UnsupportedError:
    """The one sentence for "this provider lacks X": its declared reason, or a plain default."""
    reason = provider.missing.get(capability) or f"{provider.label} does not provide {capability}."
    return UnsupportedError(reason, provider=provider.name, capability=capability)


def exit_code_of(error: ProviderError) -> int:
    """The headless exit code of ``error``: its class's, except for a plain
    :class:`ProviderError` that names its provider. That is an adapter saying the provider
    reported a failure in an answer it sent (RealtimeKit's ``{"success": false}``), which
    is the provider rejecting the request (9); a plain one naming no provider is a wrapped
    bug (1, unexpected error)."""
    if type(error) is ProviderError and error.provider:
        return RejectedError.exit_code
    return error.exit_code


def missing(provider: DeclaresCapabilities, capability: Capability) -> str | None:
    """None when ``provider`` has ``capability``, else the sentence that says it does not."""
    return None if capability in provider.capabilities else str(unsupported(provider, capability))
