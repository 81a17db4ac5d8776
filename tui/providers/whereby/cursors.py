"""Whereby's paging behind opaque cursors.

Whereby has no global list of sessions: ``/insights/room-sessions`` needs a ``roomName``.
So the session list walks ``/insights/rooms`` and, room by room, that room's sessions,
behind one opaque cursor (:class:`Walk`) that records where the walk stands: the rooms
page, the current room and that room's own cursor. Event timelines page by offset
(``o<n>``), recordings by the API's own cursor (``c<cursor>``).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roomscope.tui.providers.base import BadPayloadError


@dataclass
class Walk:
    """Where the room-by-room session walk stands (the session list's opaque cursor)."""

    rooms_cursor: str | None = None
    """The API cursor that fetched the rooms page holding the current room (None: first)."""
    room_index: int = 0
    """Index of the current (or next) room in that page."""
    after: str | None = None
    """The last room finished, to find the place again if the rooms page moved."""
    room: str | None = None
    """The room being listed (None: pick the room at ``room_index``)."""
    sessions_cursor: str | None = None
    room_sort: bool = True
    session_sort: bool = True

    def encode(self) -> str:
        blob = {
            "v": 1,
            "rc": self.rooms_cursor,
            "ri": self.room_index,
            "ra": self.after,
            "rn": self.room,
            "sc": self.sessions_cursor,
            "rs": self.room_sort,
            "ss": self.session_sort,
        }
        raw = json.dumps(blob, separators=(",", ":"), ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> Walk:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            blob = json.loads(raw)
            if not isinstance(blob, dict) or blob.get("v") != 1:
                raise ValueError("unknown cursor version")
            walk = cls(
                rooms_cursor=_opt_str(blob.get("rc")),
                room_index=int(blob.get("ri") or 0),
                after=_opt_str(blob.get("ra")),
                room=_opt_str(blob.get("rn")),
                sessions_cursor=_opt_str(blob.get("sc")),
                room_sort=bool(blob.get("rs")),
                session_sort=bool(blob.get("ss")),
            )
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            raise BadPayloadError(
                f"Not a Whereby session cursor: {cursor[:40]!r}", provider="whereby"
            ) from None
        if walk.room_index < 0:
            raise BadPayloadError(f"Not a Whereby session cursor: {cursor[:40]!r}", provider="whereby")
        return walk


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("cursor field is not text")
    return value


def next_cursor(body: Mapping[str, Any]) -> str | None:
    """Whereby returns ``cursor: null`` (or leaves it out) on the last page."""
    cursor = body.get("cursor")
    if isinstance(cursor, str) and cursor.strip():
        return cursor
    return None


def read_offset_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.startswith("o") or not cursor[1:].isdigit():
        raise BadPayloadError(f"Not a Whereby list cursor: {cursor[:40]!r}", provider="whereby")
    return int(cursor[1:])


def read_recordings_cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    if not cursor.startswith("c") or len(cursor) < 2:
        raise BadPayloadError(f"Not a Whereby recordings cursor: {cursor[:40]!r}", provider="whereby")
    return cursor[1:]


def offset_cursor(offset: int) -> str:
    """The cursor of a list roomscope pages itself (an event timeline): ``o<offset>``."""
    return f"o{offset}"


def recordings_cursor(api_cursor: str) -> str:
    """The recordings cursor: the API's own cursor, marked ``c``."""
    return f"c{api_cursor}"
