"""The one clock: every "now" in roomscope comes from here, so tests can pin it in one place."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""What takes a clock: a function answering the current time (tests pass a fixed one)."""


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)
