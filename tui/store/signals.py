"""What the store tells its readers: change signals, the freshness of an answer, its status,
and what a derived view is doing beyond plain paging.

All of it is data; :mod:`roomscope.tui.present` puts it into words.

Nothing here knows about Textual: change notifications are plain callbacks that run on the
event loop.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from roomscope.tui.errors import ProviderError
from roomscope.tui.models import SortKey

log = logging.getLogger("roomscope.store")


class Signal:
    """A list of callbacks; ``emit`` calls them all (exceptions are logged, not raised)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a broken listener must not break the store
                log.exception("store listener failed")


@dataclass(frozen=True)
class Freshness:
    """Where an answer came from and how old it is."""

    fetched_at: float
    from_cache: bool
    stale: bool


@dataclass
class StoreStatus:
    """The store's state for the status line: offline or not, the latest errors, requests
    in flight, what happened to the disk cache."""

    offline_mode: bool = False
    """Started with ``--offline``: the cache is the only source."""
    offline_since: float | None = None
    """When the network (or provider) started failing; None while it works."""
    last_error: ProviderError | None = None
    cache_note: str | None = None
    in_flight: int = 0
    errors_by_profile: dict[str, ProviderError] = field(default_factory=dict)


@dataclass(frozen=True)
class FilterProgress:
    """A filter scanning the list under it."""

    matched: int
    """Rows that passed so far."""
    scanned: int
    """Rows of the list under it looked at so far."""
    of: int | None
    """Rows of the list under it, when known."""
    done: bool
    kind: Literal["filter"] = field(default="filter", init=False)


@dataclass(frozen=True)
class SortProgress:
    """A list sorted in memory, because the API cannot sort by this column."""

    by: SortKey
    descending: bool
    profile: str | None
    """Set when one profile's list is sorted on its own (before a merge)."""
    loaded: int
    """Rows of the list under it loaded so far."""
    of: int | None
    """Rows of the list under it, when known."""
    done: bool
    kind: Literal["sort"] = field(default="sort", init=False)


@dataclass(frozen=True)
class MergeProgress:
    """Several profiles' lists merged; the profiles whose latest load failed."""

    failures: tuple[tuple[str, ProviderError], ...]
    kind: Literal["merge"] = field(default="merge", init=False)


ViewActivity = FilterProgress | SortProgress | MergeProgress
"""What a derived view is doing beyond plain paging."""
