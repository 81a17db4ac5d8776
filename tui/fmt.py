"""Formatting of times, durations, sizes and counts for screens and the headless output.

Times show in the local time zone unless ``set_utc(True)`` (``--utc``) is in effect.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, tzinfo

_utc = False


def set_utc(enabled: bool) -> None:
    global _utc
    _utc = enabled


def local(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if _utc else moment.astimezone()


def when(moment: datetime | None, *, seconds: bool = False, date: bool = True) -> str:
    """'2026-11-22 10:05' (or '10:05:12' without date)."""
    if moment is None:
        return "—"
    shown = local(moment)
    clock = "%H:%M:%S" if seconds else "%H:%M"
    return shown.strftime(f"%Y-%m-%d {clock}" if date else clock)


def short_when(moment: datetime | None, now: datetime) -> str:
    """Compact start time for lists: time only today, 'Mon 10:05' this week, else date."""
    if moment is None:
        return "—"
    shown = local(moment)
    today = local(now).date()
    if shown.date() == today:
        return shown.strftime("today %H:%M")
    if timedelta(0) <= (local(now) - shown) < timedelta(days=6):
        return shown.strftime("%a %H:%M")
    return shown.strftime("%m-%d %H:%M")


def duration(seconds: float | None) -> str:
    """'42s', '12m05s', '1h03m'."""
    if seconds is None or math.isnan(seconds):
        return "—"
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def ago(then: float | None, now: float) -> str:
    """'just now', '42s ago', '5m ago', '3h ago', '2d ago'."""
    if then is None:
        return "never"
    delta = max(0.0, now - then)
    if delta < 5:
        return "just now"
    if delta < 60:
        return f"{int(delta)}s ago"
    if delta < 3600:
        return f"{int(delta // 60)}m ago"
    if delta < 86400:
        return f"{int(delta // 3600)}h ago"
    return f"{int(delta // 86400)}d ago"


def size(count: int | None) -> str:
    if count is None:
        return "—"
    value = float(count)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{value:.1f} GB"


def number(value: float | None, digits: int = 1) -> str:
    if value is None or math.isnan(value):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def offset(seconds: float) -> str:
    """'+12:05' (minutes:seconds from the session start), '+1:02:03' past an hour."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"+{hours}:{minutes:02d}:{secs:02d}" if hours else f"+{minutes}:{secs:02d}"


def zone(moment: datetime | None = None) -> str:
    """The zone times are shown in: 'UTC' with ``--utc``, else the local zone's name at
    ``moment`` (now by default): 'CET', or its offset ('+0530') where the zone has no name."""
    if _utc:
        return "UTC"
    shown = (moment or datetime.now(UTC)).astimezone()
    name = shown.strftime("%Z")
    return name if name and not name.startswith(("+", "-")) else shown.strftime("UTC%z")


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with its offset: in UTC ('...Z') for machines, whatever ``--utc`` says."""
    if moment is None:
        return None
    if moment.utcoffset() != _NO_OFFSET:  # already at UTC's offset: the same text without the move
        moment = moment.astimezone(UTC)
    return moment.isoformat().replace("+00:00", "Z")


_NO_OFFSET = timedelta(0)


def shown_zone() -> tzinfo | None:
    """The zone times are shown in: UTC under ``--utc``, else None (the system's local zone,
    daylight saving included)."""
    return UTC if _utc else None


def zone_name(moment: datetime) -> str:
    """The shown zone's name at ``moment`` ('UTC', 'CET')."""
    return local(moment).tzname() or "local time"
