"""Checking an assumed list order: providers whose API documents no order (SignalWire,
Telnyx) are read as newest first, as they answer in practice; a page that contradicts it
is sorted here and the provider says so, and stops claiming the order (the store then
sorts whole lists itself)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime, timedelta

from roomscope.tui.lru import LRU
from roomscope.tui.models import Session

TOLERANCE = timedelta(seconds=1)
"""Starts this close are not an order violation (timestamps of different precision)."""


def _starts(sessions: Sequence[Session]) -> list[datetime]:
    return [s.started_at for s in sessions if s.started_at is not None and s.problem is None]


def newest_first(sessions: Sequence[Session]) -> list[Session]:
    """``sessions`` newest first (stable); rows with no start time keep their place at the end."""
    timed = [s for s in sessions if s.started_at is not None and s.problem is None]
    other = [s for s in sessions if not (s.started_at is not None and s.problem is None)]
    return sorted(timed, key=lambda s: s.started_at or datetime.min, reverse=True) + other


class OrderCheck:
    """Remembers the oldest start of each page by the cursor of the page after it, so the
    next page can be checked against it as well as within itself."""

    def __init__(self) -> None:
        self._tails: LRU[str, datetime] = LRU(256)

    def violated(self, cursor: str | None, sessions: Sequence[Session], next_cursor: str | None) -> bool:
        """Whether this page (asked for with ``cursor``) breaks newest-first order, within
        itself or against the page before it; remembers its tail for ``next_cursor``."""
        starts = _starts(sessions)
        inside = any(later > earlier + TOLERANCE for earlier, later in itertools.pairwise(starts))
        before = self._tails.get(cursor) if cursor is not None else None
        across = before is not None and bool(starts) and max(starts) > before + TOLERANCE
        if next_cursor is not None and starts:
            self._tails.put(next_cursor, min(starts))
        return inside or across
