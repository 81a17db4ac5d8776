"""Cloudflare RealtimeKit's paging behind opaque cursors.

Lists page with ``page_no`` (from 1) and ``per_page``; the cursor is ``"<page_no>:<per_page>"``.
The recordings list pages through a time window of one meeting; its cursor is that window
and page as base64 JSON. ``paging.total_count`` says when the pages end.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from roomscope.tui.providers.base import BadPayloadError
from roomscope.tui.providers.parsing import number

MAX_PER_PAGE = 100
"""The API documents no maximum ``per_page``; roomscope never asks for more than this."""


def page_cursor(page_no: int, per_page: int) -> str:
    return f"{page_no}:{per_page}"


def read_page_cursor(cursor: str | None, limit: int) -> tuple[int, int]:
    """(page_no, per_page) of a cursor; the first page of ``limit`` records for None."""
    if cursor is None:
        return 1, max(1, min(limit, MAX_PER_PAGE))
    page, _, size = cursor.partition(":")
    try:
        page_no, per_page = int(page), int(size)
    except ValueError:
        raise BadPayloadError(
            f"Not a Cloudflare RealtimeKit cursor: {cursor[:40]!r}", provider="realtimekit"
        ) from None
    if page_no < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadPayloadError(f"Not a Cloudflare RealtimeKit cursor: {cursor[:40]!r}", provider="realtimekit")
    return page_no, per_page


def offset_cursor(offset: int, limit: int) -> str | None:
    """The cursor of the page starting at ``offset`` (None: the first page)."""
    per_page = max(1, min(limit, MAX_PER_PAGE))
    return page_cursor(offset // per_page + 1, per_page) if offset > 0 else None


def window_cursor(window: dict[str, Any]) -> str:
    """The recordings cursor: ``p`` page, ``n`` per page, ``m`` meeting, ``s``/``e`` times."""
    return base64.urlsafe_b64encode(json.dumps(window, separators=(",", ":")).encode()).decode()


def read_window_cursor(cursor: str) -> dict[str, Any]:
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict):
        raise BadPayloadError(f"Not a Cloudflare RealtimeKit cursor: {cursor[:40]!r}", provider="realtimekit")
    return value


def window_page(window: dict[str, Any]) -> tuple[int, int]:
    """(page_no, per_page) of a recordings window."""
    page_no, per_page = as_int(window.get("p")), as_int(window.get("n"))
    if page_no is None or per_page is None or page_no < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise BadPayloadError("Not a Cloudflare RealtimeKit recordings cursor.", provider="realtimekit")
    return page_no, per_page


def total_count(*holders: Any) -> int | None:
    """``paging.total_count`` from the first holder that has a ``paging`` object."""
    for holder in holders:
        paging = holder.get("paging") if isinstance(holder, dict) else None
        if isinstance(paging, dict):
            return as_int(paging.get("total_count"))
    return None


def next_page(page_no: int, per_page: int, count: int, total: int | None) -> str | None:
    """The next page's cursor: while the pages so far hold fewer than ``total_count``
    records (the same test as ``end_offset < total_count``), or, with no total, while
    pages come back full."""
    if count == 0:
        return None
    more = page_no * per_page < total if total is not None else count >= per_page
    return page_cursor(page_no + 1, per_page) if more else None


def as_int(value: Any) -> int | None:
    """An integral JSON number as an int (booleans, fractions and absurd counts are not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or number(value, "count") is None:
        return None
    if isinstance(value, int):
        return value
    return int(value) if value.is_integer() else None
