"""The demo world's sessions grouped by room, read lazily from either end.

A fake whose API lists rooms (Whereby) must not generate the whole world to answer its
first request: the newest sessions of every room are among the world's newest sessions,
its oldest among the oldest. :class:`RoomIndex` reads the world from the newest end as far
as a question needs, and from the oldest end likewise; it reads everything only when asked
for a whole room in an order neither end gives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from roomscope.tui.demo.world import DemoSession, DemoWorld


class RoomIndex:
    def __init__(self, world: DemoWorld, names: Iterable[str], key: Callable[[DemoSession], str]) -> None:
        self.world = world
        self.names = frozenset(names)
        """Every room a session can be in (a room exists once one of its sessions does)."""
        self.key = key
        self._newest: dict[str, list[DemoSession]] = {}
        """Room -> its sessions among the world's indices [0, front), newest first."""
        self._oldest: dict[str, list[DemoSession]] = {}
        """Room -> its sessions among the world's indices [back, size), oldest first."""
        self._front = 0
        self._back = world.size

    # -- reading ---------------------------------------------------------------------------

    @property
    def complete(self) -> bool:
        return self._front >= self._back

    @property
    def read(self) -> int:
        """World sessions read so far (from both ends)."""
        return self._front + self.world.size - self._back

    def _read_front(self, until: Callable[[], bool], step: int = 64) -> None:
        while not self.complete and not until():
            stop = min(self._back, self._front + step)
            for index in range(self._front, stop):
                session = self.world.session(index)
                self._newest.setdefault(self.key(session), []).append(session)
            self._front = stop
            step = min(step * 2, 4096)

    def _read_back(self, until: Callable[[], bool], step: int = 64) -> None:
        while not self.complete and not until():
            start = max(self._front, self._back - step)
            for index in range(self._back - 1, start - 1, -1):
                session = self.world.session(index)
                self._oldest.setdefault(self.key(session), []).append(session)
            self._back = start
            step = min(step * 2, 4096)

    # -- questions ---------------------------------------------------------------------------

    def rooms(self) -> list[str]:
        """Every room with a session, by name."""
        self._read_front(lambda: len(self._newest) >= len(self.names))
        return sorted(set(self._newest) | set(self._oldest))

    def newest_first(self, room: str, need: int) -> list[DemoSession]:
        """The room's newest sessions, newest first: at least ``need`` of them when it has."""
        self._read_front(lambda: len(self._newest.get(room, ())) >= need)
        front = self._newest.get(room, [])
        if not self.complete:
            return list(front)
        return front + self._oldest.get(room, [])[::-1]

    def oldest_first(self, room: str, need: int) -> list[DemoSession]:
        """The room's oldest sessions, oldest first: at least ``need`` of them when it has."""
        self._read_back(lambda: len(self._oldest.get(room, ())) >= need)
        back = self._oldest.get(room, [])
        if not self.complete:
            return list(back)
        return back + self._newest.get(room, [])[::-1]

    def everything(self, room: str) -> list[DemoSession]:
        """All of the room's sessions, oldest first (reads the whole world once)."""
        return self.oldest_first(room, self.world.size)

    def first(self, room: str) -> DemoSession | None:
        """The room's oldest session."""
        oldest = self.oldest_first(room, 1)
        return oldest[0] if oldest else None

    def last(self, room: str) -> DemoSession | None:
        """The room's newest session."""
        newest = self.newest_first(room, 1)
        return newest[0] if newest else None

    def sample(self, room: str) -> tuple[list[DemoSession], float]:
        """The room's sessions read so far and how many world sessions each stands for
        (1.0 once the whole world has been read): room totals are estimated from them."""
        seen = self._newest.get(room, []) + self._oldest.get(room, [])
        if self.complete:
            return seen, 1.0
        return seen, self.world.size / max(1, self.read)
