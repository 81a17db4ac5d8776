"""An incident window: the span of time an incident is about, parsed from what a person types.

Accepted forms (``FROM..TO`` ends, or a short form):

- ``HH:MM`` or ``HH:MM:SS``: the most recent such time in the shown time zone (the local
  zone, or UTC under ``--utc``); as the end of a window, the first such time after its start
  (a window may cross midnight when it stays under 12 hours: ``23:50-00:10``);
- an ISO 8601 date-time, with or without an offset (without one: the shown zone);
- ``now``;
- ``10:00-10:10`` (two clock times) and ``10:05±5m`` / ``10:05+-5m`` (a moment and a
  margin in s, m or h on either side).

Mistakes are :class:`WindowError` values with one sentence and the exit code a headless
command gives them: 2 for a usage mistake (unreadable, the end before the start, the window
in the future), 5 for a window longer than roomscope serves (``INCIDENT_MAX_WINDOW_S``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from roomscope.tui.limits import INCIDENT_MAX_WINDOW_S

USAGE = 2
UNAVAILABLE = 5

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_MARGIN = re.compile(r"^(\d+(?:\.\d+)?)\s*([smh])$", re.IGNORECASE)
_MARGIN_SECONDS = {"s": 1, "m": 60, "h": 3600}
_HALF_DAY = timedelta(hours=12)


class WindowError(ValueError):
    """A window that cannot be used, and why (``exit_code``: 2 usage, 5 unavailable)."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IncidentWindow:
    """From ``start`` to ``end`` (timezone-aware, ``start < end``), and how it was asked for."""

    start: datetime
    end: datetime
    text: str = ""

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()

    def overlaps(self, start: datetime | None, end: datetime | None) -> bool:
        """Whether something from ``start`` to ``end`` (None: still going) meets the window."""
        if start is None:
            return False
        return start <= self.end and (end is None or end >= self.start)

    def clip(self, start: datetime, end: datetime) -> tuple[datetime, datetime] | None:
        """The part of ``start``–``end`` inside the window (None: no part)."""
        a, b = max(start, self.start), min(end, self.end)
        return (a, b) if a < b else None

    def as_argument(self) -> str:
        """The window as an exact ``FROM..TO`` argument (UTC, to the second): what a
        command to reproduce it is given, whatever zone it was typed in."""
        return f"{_iso(self.start)}..{_iso(self.end)}"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _in_zone(naive: datetime, zone: tzinfo | None) -> datetime:
    """A wall-clock time in ``zone`` (None: the system's local zone, daylight saving included)."""
    return naive.astimezone() if zone is None else naive.replace(tzinfo=zone)


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    return moment.astimezone() if zone is None else moment.astimezone(zone)


def _clock(text: str) -> tuple[int, int, int] | None:
    match = _CLOCK.match(text)
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)


def _on_day(day: datetime, hms: tuple[int, int, int], zone: tzinfo | None) -> datetime:
    hour, minute, second = hms
    naive = day.replace(tzinfo=None, hour=hour, minute=minute, second=second, microsecond=0)
    return _in_zone(naive, zone)


def _latest(hms: tuple[int, int, int], before: datetime, zone: tzinfo | None) -> datetime:
    """The most recent ``hms`` wall-clock time at or before ``before``."""
    local = _local(before, zone)
    candidate = _on_day(local, hms, zone)
    if candidate > before:
        candidate = _on_day(local - timedelta(days=1), hms, zone)
    return candidate


def _first_after(hms: tuple[int, int, int], after: datetime, zone: tzinfo | None) -> datetime:
    """The first ``hms`` wall-clock time after ``after``."""
    local = _local(after, zone)
    candidate = _on_day(local, hms, zone)
    if candidate <= after:
        candidate = _on_day(local + timedelta(days=1), hms, zone)
    return candidate


def _absolute(text: str, now: datetime, zone: tzinfo | None, which: str) -> datetime:
    if text.lower() == "now":
        return now
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise WindowError(
            f"the {which} {text!r} is not a time: write HH:MM, HH:MM:SS, now, or an ISO 8601 "
            "date-time such as 2026-11-22T10:05 or 2026-11-22T10:05:00+01:00"
        ) from None
    return moment if moment.tzinfo is not None else _in_zone(moment, zone)


def _margin(text: str) -> timedelta:
    match = _MARGIN.match(text.strip())
    if match is None:
        raise WindowError(f"the margin {text!r} is not a span: write it as 30s, 5m or 1h")
    seconds = float(match.group(1)) * _MARGIN_SECONDS[match.group(2).lower()]
    if seconds <= 0:
        raise WindowError(f"the margin {text!r} must be more than nothing")
    if seconds > INCIDENT_MAX_WINDOW_S:
        raise WindowError(
            f"a margin of {text} makes the window longer than roomscope serves "
            f"({_span(INCIDENT_MAX_WINDOW_S)} at most)",
            UNAVAILABLE,
        )
    return timedelta(seconds=seconds)


def _span(seconds: float) -> str:
    if seconds % 3600 == 0:
        return f"{seconds / 3600:g}h"
    if seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


def _split(text: str) -> tuple[str, str, str] | None:
    """(kind, left, right): kind is 'range' or 'margin'."""
    for mark in ("±", "+-"):
        if mark in text:
            left, _, right = text.partition(mark)
            return "margin", left.strip(), right.strip()
    if ".." in text:
        left, _, right = text.partition("..")
        return "range", left.strip(), right.strip()
    if text.count("-") == 1:
        left, _, right = text.partition("-")
        if _clock(left.strip()) and _clock(right.strip()):
            return "range", left.strip(), right.strip()
    return None


def parse_window(text: str, now: datetime, zone: tzinfo | None = None) -> IncidentWindow:
    """The window ``text`` names, with clock times read in ``zone`` (None: the local zone)
    relative to ``now``. Raises :class:`WindowError`."""
    typed = text.strip()
    if not typed:
        raise WindowError("the window is empty: write FROM..TO (10:00..10:10), 10:00-10:10 or 10:05±5m")
    parts = _split(typed)
    if parts is None:
        raise WindowError(
            f"{typed!r} is not a window: write FROM..TO (10:00..10:10, or ISO 8601 date-times), "
            "10:00-10:10 or 10:05±5m"
        )
    kind, left, right = parts
    if not left or not right:
        raise WindowError(f"{typed!r} is missing one end: write FROM..TO, 10:00-10:10 or 10:05±5m")
    if kind == "margin":
        hms = _clock(left)
        middle = _latest(hms, now, zone) if hms else _absolute(left, now, zone, "moment")
        margin = _margin(right)
        start, end = middle - margin, middle + margin
    else:
        start_hms, end_hms = _clock(left), _clock(right)
        if start_hms and end_hms:
            start = _latest(start_hms, now, zone)
            end = _on_day(_local(start, zone), end_hms, zone)
            if end <= start:  # past midnight
                end = _first_after(end_hms, start, zone)
                if end - start >= _HALF_DAY:
                    raise WindowError(
                        f"the end {right} is before the start {left} (a window crossing midnight "
                        "must be under 12 hours; write dates to mean more)"
                    )
        elif start_hms:
            end = _absolute(right, now, zone, "end")
            start = _latest(start_hms, end, zone)
        elif end_hms:
            start = _absolute(left, now, zone, "start")
            end = _first_after(end_hms, start, zone)
        else:
            start = _absolute(left, now, zone, "start")
            end = _absolute(right, now, zone, "end")
    return checked(start, end, now, typed)


def checked(start: datetime, end: datetime, now: datetime, text: str = "") -> IncidentWindow:
    """A window from two moments, or the :class:`WindowError` that says why not."""
    if end <= start:
        raise WindowError(
            f"the end ({_iso(end)}) is not after the start ({_iso(start)}): swap them or fix a date"
        )
    if start > now:
        raise WindowError(f"the window starts in the future ({_iso(start)}): nothing has happened in it yet")
    seconds = (end - start).total_seconds()
    if seconds > INCIDENT_MAX_WINDOW_S:
        raise WindowError(
            f"the window is {_span(round(seconds))} long: roomscope serves windows of "
            f"{_span(INCIDENT_MAX_WINDOW_S)} at most (look at one day at a time)",
            UNAVAILABLE,
        )
    return IncidentWindow(start.astimezone(UTC), end.astimezone(UTC), text)


def around(moment: datetime, margin_s: float, now: datetime) -> IncidentWindow:
    """``moment`` ± ``margin_s``, its end no later than ``now`` (the TUI's default window)."""
    start = moment - timedelta(seconds=margin_s)
    end = min(now, moment + timedelta(seconds=margin_s))
    if end <= start:
        end = start + timedelta(seconds=1)
    return IncidentWindow(start.astimezone(UTC), end.astimezone(UTC), "")
