"""``roomscope`` with every "now" pinned to ``BENCH_NOW`` (ISO 8601), for benchmarks.

The demo world is read from its anchor (the newest session started by "now"), and its
cached pages are keyed by that anchor: fresh processes started over a minute or two (a
100,000-session world starts a session every 26 s) see one anchor, hence one warm cache,
only when they agree on "now". The clock is pinned before the package is imported, so
every module that takes ``roomscope.tui.clock.utcnow`` gets the pinned one. Usage:
``BENCH_NOW=2026-12-02T08:00:00+00:00 python bench/_pinned_cli.py sessions ...``.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime

import roomscope.tui.clock as clock

PINNED = datetime.fromisoformat(os.environ["BENCH_NOW"])
clock.utcnow = lambda: PINNED

from roomscope.tui.cli import main  # noqa: E402  (after the clock is pinned)

if __name__ == "__main__":
    sys.exit(main())
