"""Operational limits and defaults, named once: freshness, refresh intervals, memory bounds, sizes.

Every tunable number that more than one module needs, or that a user may ask about, lives here.
Provider-specific API limits (a provider's maximum page size, its documented rate limit) stay
beside the adapter that obeys them.
"""

from __future__ import annotations

# -- Freshness of cached data (stale-while-revalidate) -----------------------------------------
LIST_TTL_S = 120.0
"""How long a page of a session list is fresh."""
LIVE_TTL_S = 10.0
"""How long anything about a live session is fresh."""
LINK_TTL_S = 600.0
"""Recordings and artifacts carry temporary download links."""
RETRY_AFTER_S = 5.0
"""A failed page is retried when asked again after this long."""

# -- Memory and concurrency --------------------------------------------------------------------
MAX_PAGES_IN_MEMORY = 48
"""Pages of one list kept in memory; the rest reload from the disk cache when scrolled to."""
QUALITY_CONCURRENCY = 4
"""Quality series fetched at once for one session."""

# -- The TUI -----------------------------------------------------------------------------------
MIN_WIDTH = 60
"""Below this many columns the app shows a "too small" notice instead of a screen."""
MIN_HEIGHT = 15
"""Below this many rows the app shows a "too small" notice instead of a screen."""
LIVE_REFRESH_S = 10.0
"""Screens showing a live session reload it this often."""
LIST_REVALIDATE_S = 5.0
"""The session list asks the store to revalidate stale pages this often."""

# -- The demo world ----------------------------------------------------------------------------
DEMO_SEED = 7
"""The same seed gives the same world."""
DEMO_SIZE = 5000
"""Sessions in the demo world by default."""
DEMO_MIN_SIZE = 1
DEMO_MAX_SIZE = 10_000_000
"""The demo world's size bounds (inclusive)."""
DEMO_LATENCY_MS = 80
"""Simulated network latency per demo request, in the TUI and the CLI."""
