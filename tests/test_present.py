"""Store data in words (roomscope.tui.present): view notes and the offline notice."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

from roomscope.tui import present
from roomscope.tui.errors import UnavailableError
from roomscope.tui.models import SortKey
from roomscope.tui.store import StoreStatus
from roomscope.tui.store.signals import FilterProgress, MergeProgress, SortProgress


def test_filter_notes() -> None:
    assert present.view_note(FilterProgress(3, 200, 1000, done=False)) == (
        "3 matches so far, 200 of 1,000 scanned"
    )
    assert present.view_note(FilterProgress(3, 200, None, done=False)) == (
        "3 matches so far, 200 of >200 scanned"
    )
    assert present.view_note(FilterProgress(1, 1000, 1000, done=True)) == "1 match in 1,000"
    assert present.view_note(FilterProgress(0, 1000, 1000, done=True)) == "0 matches in 1,000"


def test_sort_notes() -> None:
    loading = SortProgress(SortKey.DURATION, True, None, 1200, 5000, done=False)
    assert present.view_note(loading) == "sorted by duration ↓: loading all rows to sort (1,200 of 5,000)"
    unknown = SortProgress(SortKey.NAME, False, None, 10, None, done=False)
    assert present.view_note(unknown) == "sorted by name ↑: loading all rows to sort (10 of ?)"
    one_profile = SortProgress(SortKey.START, True, "work", 40, 40, done=True)
    assert present.view_note(one_profile) == "work: sorted by start ↓"


def test_merge_notes() -> None:
    assert present.view_note(MergeProgress(())) is None
    failed = MergeProgress((("a", UnavailableError("down")), ("b", UnavailableError("gone"))))
    assert present.view_note(failed) == "a: down; b: gone"
    assert present.view_note(None) is None


def test_offline_notice() -> None:
    assert present.offline_notice(StoreStatus()) is None
    assert present.offline_notice(StoreStatus(offline_mode=True)) == "OFFLINE (cache only)"
    since = datetime(2026, 11, 22, 10, 42, 5, tzinfo=UTC).timestamp()
    stamp = datetime.fromtimestamp(since, UTC).astimezone()
    assert present.offline_notice(StoreStatus(offline_since=since)) == f"offline since {stamp:%H:%M:%S}"


def test_the_presentation_layer_stays_cheap_to_import() -> None:
    """The first screen uses it before the store (and pydantic) is loaded."""
    code = (
        "import sys, roomscope.tui.present; "
        "print(','.join(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'asyncio', 'textual') "
        "or m.startswith('roomscope.tui.store')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_offline_notice_follows_the_shown_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from roomscope.tui import fmt

    monkeypatch.setenv("TZ", "Asia/Kolkata")  # +05:30 all year
    time.tzset()
    since = datetime(2026, 11, 22, 10, 42, 5, tzinfo=UTC).timestamp()
    try:
        assert present.offline_notice(StoreStatus(offline_since=since)) == "offline since 16:12:05"
        fmt.set_utc(True)
        assert present.offline_notice(StoreStatus(offline_since=since)) == "offline since 10:42:05"
    finally:
        fmt.set_utc(False)
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
