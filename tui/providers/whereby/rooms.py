"""The rooms the Whereby session walk goes through: pages of rooms (a room that cannot be
read is kept as a :class:`BadRoom`), whether a room can hold the sessions asked for, where
a walk resumes, and whether a sort the spec does not list was seen to be honoured."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from roomscope.tui.providers.parsing import as_utc
from roomscope.tui.providers.whereby.cursors import Walk
from roomscope.tui.providers.whereby.payloads import WbRoom


@dataclass
class BadRoom:
    index: int
    raw: Any
    problem: str


@dataclass
class RoomsPage:
    rooms: list[WbRoom | BadRoom]
    next_cursor: str | None
    sorted: bool
    """The server accepted the "most recently used first" sort for this page."""
    fetched: float = 0.0


@dataclass
class SortEvidence:
    """Whether a sort the spec does not list was seen to be honoured (None: not yet known)."""

    honoured: bool | None = None

    def observe(self, values: Iterable[datetime | None]) -> None:
        present = [v for v in values if v is not None]
        if len(present) < 2 or self.honoured is False:
            return
        if any(a < b for a, b in itertools.pairwise(present)):
            self.honoured = False
        elif any(a > b for a, b in itertools.pairwise(present)):
            self.honoured = True


def as_room(room: WbRoom) -> WbRoom | BadRoom:
    return room


def no_sessions(room: WbRoom) -> bool:
    return room.totalSessions is not None and room.totalSessions <= 0


def room_verdict(
    room: WbRoom, since: datetime | None, until: datetime | None, *, newest_first: bool
) -> Literal["list", "skip", "stop"]:
    """ "list", "skip" (no session of this room can match) or "stop" (no later room can,
    which only a page known to list rooms most recently used first can tell)."""
    last = as_utc(room.lastSessionStartedAt)
    first = as_utc(room.firstSessionStartedAt)
    if no_sessions(room):
        return "skip"
    if since is not None and last is not None and last < since:
        return "stop" if newest_first else "skip"
    if until is not None and first is not None and first > until:
        return "skip"
    return "list"


def resume_index(page: RoomsPage, walk: Walk) -> int:
    """Where the walk continues in a (possibly re-fetched) rooms page: after the last finished
    room if it is still there, else at the recorded index."""
    if walk.after is not None:
        for index, room in enumerate(page.rooms):
            if isinstance(room, WbRoom) and room.roomName == walk.after:
                return index + 1
    return walk.room_index
