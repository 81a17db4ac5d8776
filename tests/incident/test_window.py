"""Parsing an incident window: every accepted form, the shown zone, and every mistake with its exit code."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from roomscope.tui.incident.window import UNAVAILABLE, USAGE, WindowError, checked, parse_window
from roomscope.tui.limits import INCIDENT_MAX_WINDOW_S

NOW = datetime(2026, 11, 22, 10, 5, 30, tzinfo=UTC)
CET = timezone(timedelta(hours=1), "CET")


def at(hour: int, minute: int, second: int = 0, day: int = 22) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("10:00..10:10", at(10, 0), at(10, 10)),
        ("10:00-10:10", at(10, 0), at(10, 10)),
        ("10:00:15..10:01:45", at(10, 0, 15), at(10, 1, 45)),
        ("10:05±5m", at(10, 0), at(10, 10)),
        ("10:05+-5m", at(10, 0), at(10, 10)),
        ("10:05 ± 90s", at(10, 3, 30), at(10, 6, 30)),
        ("09:00..now", at(9, 0), NOW),
        # the most recent such time: 10:06 has not come yet today
        ("10:06..10:30", at(10, 6, day=21), at(10, 30, day=21)),
        ("23:50-00:10", at(23, 50, day=21), at(0, 10)),
        ("00:00..23:59:59", at(0, 0), at(23, 59, 59)),
        ("2026-11-20T08:00..2026-11-20T09:00", at(8, 0, day=20), at(9, 0, day=20)),
        (
            "2026-11-20T08:00Z..2026-11-20T09:00+01:00",
            at(8, 0, day=20),
            at(8, 0, day=20) + timedelta(seconds=0),
        ),
        ("2026-11-20T08:00:00+00:00..09:00", at(8, 0, day=20), at(9, 0, day=20)),
        ("07:00..2026-11-21T08:00Z", at(7, 0, day=21), at(8, 0, day=21)),
        ("2026-11-22T10:00Z±1h", at(9, 0), at(11, 0)),
    ],
)
def test_forms(text: str, start: datetime, end: datetime) -> None:
    if start == end:  # the second ISO case: 09:00+01:00 is 08:00Z, the same as its start
        with pytest.raises(WindowError):
            parse_window(text, NOW, UTC)
        return
    window = parse_window(text, NOW, UTC)
    assert (window.start, window.end) == (start, end)
    assert window.text == text.strip()
    assert window.start.tzinfo is UTC


def test_clock_times_are_read_in_the_shown_zone() -> None:
    window = parse_window("10:00-10:10", NOW, CET)  # 10:00 CET is 09:00 UTC
    assert (window.start, window.end) == (at(9, 0), at(9, 10))
    naive_iso = parse_window("2026-11-20T08:00..2026-11-20T09:00", NOW, CET)
    assert naive_iso.start == at(7, 0, day=20)


def test_the_exact_argument_reproduces_the_window() -> None:
    window = parse_window("10:05±5m", NOW, CET)
    again = parse_window(window.as_argument(), NOW, UTC)
    assert (again.start, again.end) == (window.start, window.end)
    assert window.as_argument() == "2026-11-22T09:00:00Z..2026-11-22T09:10:00Z"


@pytest.mark.parametrize(
    ("text", "words", "code"),
    [
        ("", "empty", USAGE),
        ("   ", "empty", USAGE),
        ("yesterday", "not a window", USAGE),
        ("10:00..", "missing one end", USAGE),
        ("..10:00", "missing one end", USAGE),
        ("25:00..26:00", "not a time", USAGE),
        ("10:61-10:62", "not a window", USAGE),
        ("10:10-10:00", "before the start", USAGE),
        ("2026-11-20T09:00Z..2026-11-20T08:00Z", "not after the start", USAGE),
        ("2026-11-20T09:00Z..2026-11-20T09:00Z", "not after the start", USAGE),
        ("10:05±5x", "not a span", USAGE),
        ("10:05±0m", "more than nothing", USAGE),
        ("2026-11-23T09:00Z..2026-11-23T10:00Z", "in the future", USAGE),
        ("2026-11-18T00:00Z..2026-11-20T00:00Z", "24h at most", UNAVAILABLE),
        ("10:05±13h", "24h at most", UNAVAILABLE),
        ("10:05±99999999h", "longer than roomscope serves", UNAVAILABLE),
    ],
)
def test_mistakes(text: str, words: str, code: int) -> None:
    with pytest.raises(WindowError) as caught:
        parse_window(text, NOW, UTC)
    assert words in str(caught.value)
    assert caught.value.exit_code == code


def test_a_whole_day_is_served() -> None:
    start = NOW - timedelta(seconds=INCIDENT_MAX_WINDOW_S)
    assert checked(start, NOW, NOW).duration_s == INCIDENT_MAX_WINDOW_S


def test_overlap_and_clip() -> None:
    window = parse_window("10:00-10:10", NOW, UTC)
    assert window.overlaps(at(9, 0), at(10, 0))  # touching counts
    assert window.overlaps(at(10, 9), None)  # still going
    assert not window.overlaps(at(9, 0), at(9, 59))
    assert not window.overlaps(at(10, 11), None)
    assert not window.overlaps(None, None)
    assert window.clip(at(9, 0), at(10, 5)) == (at(10, 0), at(10, 5))
    assert window.clip(at(9, 0), at(9, 5)) is None
