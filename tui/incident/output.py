"""How the incident commands write their times: UTC to the second with a Z.

Everything else they write (JSON, JSON Lines, CSV, aligned tables) goes through
:mod:`roomscope.tui.output`, as every headless command's does.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso(moment: datetime | None) -> str | None:
    """UTC to the second with a Z ('2026-11-22T10:05:00Z'), or None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
