"""Session lists a provider can only give part by part (Whereby: room by room).

A provider without a global, newest-first list of sessions may still list its *partitions*
(rooms), each with the time of its newest session, and each partition's sessions newest
first. From that the store shows the newest sessions of all partitions as soon as the
partitions that can hold them have been read, instead of reading everything and sorting
it. A provider offers this by implementing :class:`PartitionedSessions` besides
:class:`~roomscope.tui.providers.base.Provider`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from roomscope.tui.models import Session, SessionQuery


@dataclass(frozen=True)
class Partition:
    """One part of a provider's sessions, listed on its own (a Whereby room)."""

    key: str
    """What the provider needs to list it (a room name)."""
    newest: datetime | None
    """No session of this partition started later (None: unknown, so it must be read)."""
    oldest: datetime | None = None
    """No session of this partition started earlier (None: unknown)."""
    sessions: int | None = None
    """How many sessions it holds, as the provider says (it may be an estimate)."""


@dataclass(frozen=True)
class PartitionPage:
    """One page of partitions."""

    partitions: list[Partition]
    """Those that can hold sessions the query asks for (the others are left out)."""
    next_cursor: str | None
    ordered: bool
    """The provider lists partitions newest first (by ``newest``), so no partition on a later
    page holds a session newer than the last one here. When False, every page is read
    before any session is shown."""
    unreadable: list[Session] = field(default_factory=list)
    """Placeholder rows for partitions the provider sent but could not be read."""


@dataclass(frozen=True)
class PartitionSessions:
    """One page of a partition's sessions."""

    items: list[Session]
    next_cursor: str | None
    ordered: bool
    """These sessions (and the pages after them) come newest first. When False, the whole
    partition is read before its sessions are shown."""


@runtime_checkable
class PartitionedSessions(Protocol):
    """Listing sessions partition by partition."""

    partition_concurrency: int
    """How many partition requests may be in flight at once (what the rate limit allows)."""
    partition_page_size: int
    """The most sessions one request for a partition's sessions may ask for."""
    partition_noun: str
    """What a partition is called, plural (``rooms``), for the status line."""

    async def list_partitions(self, query: SessionQuery, cursor: str | None) -> PartitionPage: ...

    async def list_partition_sessions(
        self, query: SessionQuery, key: str, cursor: str | None, limit: int
    ) -> PartitionSessions:
        """``query``'s sessions of one partition, newest first when the provider can."""
        ...
