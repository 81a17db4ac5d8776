"""A small least-recently-used map: a bounded memory of recent answers that forgets the
entry used longest ago first (``functools.lru_cache`` memoises calls; this holds values
that are put, read and dropped by hand)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``size`` entries; reading or writing an entry makes it the most recent."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self._data: OrderedDict[K, V] = OrderedDict()

    def __contains__(self, key: object) -> bool:
        """Membership, without making the entry more recent."""
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def get(self, key: K) -> V | None:
        """The value (None when absent), made the most recent."""
        if key not in self._data:
            return None
        self._data.move_to_end(key)
        return self._data[key]

    def put(self, key: K, value: V) -> None:
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.size:
            self._data.popitem(last=False)

    def pop(self, key: K) -> None:
        self._data.pop(key, None)
