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
# Session diagnoses kept in memory (the disk cache keeps every ended session's for good).
DIAGNOSIS_MEMO = 4096
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

# -- Live mode on the session list (tui/live.py; README "Live mode") ---------------------------
LIVE_MIN_REFRESH_S = 5.0
"""Live mode never refreshes more often than this, whatever a provider's budget allows."""
LIVE_BUDGET_SHARE = 0.5
"""The share of a provider's documented request budget live mode plans to use (the rest is
left to the user's own navigation and to a scan, which counts every request it sees)."""
LIVE_UNBUDGETED_REFRESH_S = 30.0
"""The interval for a provider that documents no request budget (SignalWire, Telnyx)."""
LIVE_DEMO_REFRESH_S = 10.0
"""The demo world's interval (it has no budget: as often as a live session screen reloads)."""
LIVE_NEAR_ROWS = 5
"""Live sessions just below the screen that live mode also diagnoses again (a step away)."""

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

# -- The network (every provider request; README "Reliability") -------------------------------
REQUEST_DEADLINE_S = 15.0
"""One attempt of a request: connecting, the answer's headers and its whole body."""
RETRY_BUDGET_S = 20.0
"""One request in all: every attempt and every wait between attempts. Nothing waits longer."""
HTTP_BUDGET_ENV = "ROOMSCOPE_HTTP_BUDGET_S"
"""Environment variable that replaces ``RETRY_BUDGET_S`` (seconds, within the bounds below);
each attempt then has at most the smaller of the two."""
HTTP_BUDGET_MIN_S = 0.1
HTTP_BUDGET_MAX_S = 600.0
MIN_ATTEMPT_S = 1.0
"""A retry is not started with less than this left of the budget (capped by the budget)."""
MAX_ATTEMPTS = 4
"""Attempts of one request (connection errors, 5xx and 429 are retried)."""
BACKOFF_BASE_S = 0.5
"""The first wait before a retry (then doubling, with full jitter in its upper half)."""
BACKOFF_CAP_S = 8.0
"""The longest wait between two attempts that is not a provider's own Retry-After."""
MAX_CONCURRENT_REQUESTS = 4
"""Requests in flight at once per provider profile."""
MAX_BODY_BYTES = 32 * 1024 * 1024
"""A larger answer (announced or received, after decompression) is unreadable."""
MAX_JSON_DEPTH = 64
"""JSON nested deeper than this (objects and arrays) is unreadable."""
REVALIDATE_AFTER_S = 0.25
"""A stale cached answer is shown at once and asked again this long after: the first screen
of rows is drawn before the request (and, for the demo, the world it builds) competes for
the interpreter."""

# -- Symptom-first triage (`roomscope triage`, the palette; README "Triage") -------------------
TRIAGE_LOOKBACK_S = 12 * 3600.0
"""With a time: sessions that started this long before it are still asked (a long call)."""
TRIAGE_MAX_SESSIONS = 200
"""At most this many candidate sessions are diagnosed for one triage (the rest are named)."""
TRIAGE_CONCURRENCY = 4
"""Sessions diagnosed at once by one triage."""

# -- Incidents (tui/incident) -------------------------------------------------------------------
INCIDENT_MAX_WINDOW_S = 24 * 3600
"""The longest incident window roomscope serves (a longer one exits 5: unavailable)."""
INCIDENT_LOOKBACK_S = 6 * 3600
"""How long before a window's start a session may have started and still be found in it."""
INCIDENT_DIAGNOSIS_CONCURRENCY = 8
"""Sessions of a window diagnosed at once."""
BUNDLE_MAX_PARTICIPANTS = 60
"""Participants whose quality samples go into one incident bundle (the rest are counted)."""
GROUP_LIST_MAX_SESSIONS = 500
"""Sessions of the session list (its loaded rows, from the top) the Groups view reads."""

# -- Triage over a list (the Quality column, the `/` filter's diagnosis terms, scans) ----------
FILTER_CONCURRENCY = 4
"""Sessions a filter that needs participants or a diagnosis decides at once."""
QUALITY_COLUMN_CONCURRENCY = 2
"""Sessions the list diagnoses at once for its Quality column (on screen, then a little ahead)."""
QUALITY_COLUMN_AHEAD = 1.0
"""Screenfuls past the rows on screen whose Quality the list computes before they are
scrolled to (so a page step shows them at once)."""
SCAN_CONCURRENCY = 8
"""Sessions a scan diagnoses at once: what is cached is read side by side; requests to a
provider stay at ``MAX_CONCURRENT_REQUESTS`` (the HTTP layer) and its documented budget
paces them further."""
