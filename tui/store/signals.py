"""What the store tells its readers: change signals, the freshness of an answer, its status,
and what a derived view is doing beyond plain paging.

All of it is data; :mod:`roomscope.tui.present` puts it into words.

Nothing here knows about Textual: change notifications are plain callbacks that run on the
event loop.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

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


class FilterProgress(NamedTuple):
    """A filter scanning the list under it."""

    matched: int
    """Rows that passed so far."""
    scanned: int
    """Rows of the list under it looked at so far."""
    of: int | None
    """Rows of the list under it, when known."""
    done: bool
    kind: Literal["filter"] = "filter"


class SortProgress(NamedTuple):
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
    kind: Literal["sort"] = "sort"


class MergeProgress(NamedTuple):
    """Several profiles' lists merged; the profiles whose latest load failed."""

    failures: tuple[tuple[str, ProviderError], ...]
    kind: Literal["merge"] = "merge"


class PartitionProgress(NamedTuple):
    """A provider read partition by partition (Whereby: room by room): rows are shown newest
    first as the partitions that can hold them are read."""

    shown: int
    """Sessions shown so far (newest first)."""
    unread: int
    """Partitions listed whose sessions have not all been read yet."""
    listed: int
    """Partitions listed so far."""
    more: bool
    """More partitions may be listed still."""
    noun: str = "rooms"
    kind: Literal["partitions"] = "partitions"


class JumpProgress(NamedTuple):
    """A long load in progress: to the end of a list that cannot seek (``G`` on a cursor-only
    provider), or every row for a sort or a merge. The UI can cancel it (its worker)."""

    loaded: int
    """Rows loaded so far."""
    target: int | None
    """Rows there are to load, when known."""
    rate: float | None
    """Rows per second so far (None until there is enough to tell)."""
    eta_s: float | None
    """Seconds left, when they can be estimated (from the total, or from how far through
    the time range the rows loaded so far reach)."""
    elapsed_s: float
    kind: Literal["jump"] = "jump"

    @property
    def fraction(self) -> float | None:
        """How much is done (0 to 1), when it can be told."""
        if self.target:
            return min(1.0, self.loaded / self.target)
        if self.eta_s is not None and self.elapsed_s > 0:
            return self.elapsed_s / (self.elapsed_s + self.eta_s)
        return None


class JumpTracker:
    """Times a long load and turns what it has loaded into a :class:`JumpProgress`."""

    MIN_ELAPSED_S = 0.5
    """No rate or estimate before this much time (the first pages say little)."""

    def __init__(
        self, loaded: int, position: float | None = None, *, timer: Callable[[], float] = time.monotonic
    ) -> None:
        self.timer = timer
        self.started = timer()
        self.start_loaded = loaded
        self.start_position = position

    def progress(self, loaded: int, target: int | None, position: float | None = None) -> JumpProgress:
        """``position``: how far through the whole list (0 to 1) the last row loaded is."""
        elapsed = max(0.0, self.timer() - self.started)
        gained = loaded - self.start_loaded
        rate = gained / elapsed if elapsed >= self.MIN_ELAPSED_S and gained > 0 else None
        eta: float | None = None
        if target is not None and rate:
            eta = max(0.0, target - loaded) / rate
        elif position is not None and elapsed >= self.MIN_ELAPSED_S:
            if self.start_position is None:
                self.start_position = 0.0
            done = position - self.start_position
            if done > 0:
                eta = elapsed * max(0.0, 1.0 - position) / done
        return JumpProgress(loaded, target, rate, eta, elapsed)


ViewActivity = FilterProgress | SortProgress | MergeProgress | JumpProgress | PartitionProgress
"""What a view is doing beyond plain paging."""
