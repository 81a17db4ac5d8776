"""The reactive store: queries become lazily paged collections, served cache first.

Screens (and the headless commands) ask the store; the store asks the cache and the
providers. Nothing in this package knows about Textual. It hands out data;
:mod:`roomscope.tui.present` puts it into words for the screens and the headless output.

- :mod:`.signals`: change signals, the freshness of an answer, the store's status, what a
  derived view is doing;
- :mod:`.fetcher`: one answer from memory, the disk cache or the provider (single flight,
  stale-while-revalidate);
- :mod:`.collections`: the collection interface and the paged collection of one provider;
- :mod:`.views`: filtered, sorted and merged collections built from others;
- :mod:`.planner`: what a provider is asked for and what is filtered and sorted here;
- :mod:`.store`: the :class:`Store` itself.

The names other modules use are re-exported here.
"""

from __future__ import annotations

from roomscope.tui.limits import LIST_TTL_S, LIVE_TTL_S, MAX_PAGES_IN_MEMORY, RETRY_AFTER_S
from roomscope.tui.store.collections import Collection, PagedCollection
from roomscope.tui.store.fetcher import Fetcher
from roomscope.tui.store.planner import session_matches
from roomscope.tui.store.signals import Freshness, Signal, StoreStatus
from roomscope.tui.store.store import QualityReport, SessionRef, Store
from roomscope.tui.store.views import FilteredCollection, MergedCollection, SortedCollection

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
