"""The reactive store: queries become lazily paged collections, served cache first.

The names other modules use are re-exported here; the modules beside this one say where
each part lives.
"""

from __future__ import annotations

from roomscope.tui.limits import LIST_TTL_S, LIVE_TTL_S, MAX_PAGES_IN_MEMORY, RETRY_AFTER_S
from roomscope.tui.store.store import (
    Collection,
    Fetcher,
    FilteredCollection,
    Freshness,
    MergedCollection,
    PagedCollection,
    QualityReport,
    SessionRef,
    Signal,
    SortedCollection,
    Store,
    StoreStatus,
    session_matches,
)

__all__ = [
    "LIST_TTL_S",
    "LIVE_TTL_S",
    "MAX_PAGES_IN_MEMORY",
    "RETRY_AFTER_S",
    "Collection",
    "Fetcher",
    "FilteredCollection",
    "Freshness",
    "MergedCollection",
    "PagedCollection",
    "QualityReport",
    "SessionRef",
    "Signal",
    "SortedCollection",
    "Store",
    "StoreStatus",
    "session_matches",
]
