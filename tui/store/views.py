"""Views derived from other collections: filtered, sorted in memory, merged across profiles.

They are built front to back as rows are asked for, from collections that page on demand.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from roomscope.tui.errors import ProviderError
from roomscope.tui.models import Session, SortKey
from roomscope.tui.store.collections import Collection, PagedCollection
from roomscope.tui.store.signals import FilterProgress, Freshness, MergeProgress, SortProgress

T = TypeVar("T")


class _MaterializedView(Collection[T]):
    """Rows computed from other collections, built up front to back as they are needed."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[T] = []
        self.done = False
        self._lock = asyncio.Lock()
        self._error: ProviderError | None = None
        self._started = False

    def __len__(self) -> int:
        if not self._started:
            return 0
        return len(self.rows) + (0 if self.done else 1)

    def row(self, index: int) -> T | None:
        return self.rows[index] if 0 <= index < len(self.rows) else None

    @property
    def loaded(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int | None:
        return len(self.rows) if self.done else None

    @property
    def started(self) -> bool:
        return self._started

    @property
    def error(self) -> ProviderError | None:
        return self._error

    def error_at(self, index: int) -> ProviderError | None:
        return self._error if index >= len(self.rows) else None

    async def ensure(self, start: int, stop: int) -> None:
        async with self._lock:
            while not self.done and len(self.rows) < stop:
                progressed = await self._step()
                self._started = True
                self.changed.emit()
                if not progressed:
                    break

    async def ensure_all(self) -> None:
        await self.ensure(0, 1 << 62)

    async def _step(self) -> bool:
        """Add rows; return False when no progress is possible right now."""
        raise NotImplementedError


class FilteredCollection(_MaterializedView[T]):
    """The rows of ``base`` that satisfy ``predicate``, found by scanning ``base``."""

    def __init__(self, base: Collection[T], predicate: Callable[[T], bool]) -> None:
        super().__init__()
        self.base = base
        self.predicate = predicate
        self.scanned = 0
        base.changed.subscribe(self.changed.emit)

    @property
    def busy(self) -> bool:
        return self.base.busy

    @property
    def freshness(self) -> Freshness | None:
        return self.base.freshness

    @property
    def activity(self) -> FilterProgress:
        return FilterProgress(len(self.rows), self.scanned, self.base.total, self.done)

    async def _step(self) -> bool:
        target = self.scanned + 4 * max(1, getattr(self.base, "page_size", 100))
        await self.base.ensure(self.scanned, target)
        progressed = False
        while self.scanned < target:
            item = self.base.row(self.scanned)
            if item is None:
                break
            if self.predicate(item):
                self.rows.append(item)
            self.scanned += 1
            progressed = True
        self._error = None
        total = self.base.total
        if total is not None and self.scanned >= total:
            self.done = True
        elif not progressed:
            if self.base.error is not None:
                self._error = self.base.error
            elif not self._base_more():
                self.done = True
        return progressed

    def _base_more(self) -> bool:
        return len(self.base) > self.scanned

    def refresh(self) -> None:
        self.base.refresh()


class SortedCollection(_MaterializedView[T]):
    """All of ``base``, sorted in memory (the provider cannot sort by this column).

    ``key`` gives each row's sort value; ``by`` (and ``profile``, when one profile's list is
    sorted on its own) say what the order is, for the status line.
    """

    def __init__(
        self,
        base: Collection[T],
        key: Callable[[T], Any],
        descending: bool,
        by: SortKey,
        profile: str | None = None,
    ) -> None:
        super().__init__()
        self.base = base
        self.key = key
        self.descending = descending
        self.by = by
        self.profile = profile
        if isinstance(base, PagedCollection):
            base.pin()
        base.changed.subscribe(self.changed.emit)

    @property
    def busy(self) -> bool:
        return self.base.busy

    @property
    def freshness(self) -> Freshness | None:
        return self.base.freshness

    @property
    def activity(self) -> SortProgress:
        return SortProgress(
            self.by, self.descending, self.profile, self.base.loaded, self.base.total, self.done
        )

    async def _step(self) -> bool:
        await self.base.ensure_all()
        if self.base.error is not None and not self.base.complete:
            self._error = self.base.error
            return False
        rows = [self.base.row(i) for i in range(self.base.loaded)]
        present = [r for r in rows if r is not None]
        present.sort(key=self.key, reverse=self.descending)
        self.rows = present
        self.done = True
        return True

    def refresh(self) -> None:
        self.done = False
        self.base.refresh()


class MergedCollection(_MaterializedView[Session]):
    """Several profiles' session lists merged by start time, still paged from each."""

    def __init__(self, sources: Sequence[Collection[Session]], descending: bool) -> None:
        super().__init__()
        self.sources = list(sources)
        self.descending = descending
        self.heads = [0] * len(self.sources)
        for source in self.sources:
            source.changed.subscribe(self.changed.emit)

    @property
    def busy(self) -> bool:
        return any(s.busy for s in self.sources)

    @property
    def total(self) -> int | None:
        if self.done:
            return len(self.rows)
        totals = [s.total for s in self.sources]
        if all(t is not None for t in totals):
            return sum(t for t in totals if t is not None)
        return None

    @property
    def freshness(self) -> Freshness | None:
        known = [f for f in (s.freshness for s in self.sources) if f is not None]
        return min(known, key=lambda f: f.fetched_at) if known else None

    @property
    def activity(self) -> MergeProgress:
        return MergeProgress(
            tuple(
                (s.provider.profile, s.error)
                for s in self.sources
                if isinstance(s, PagedCollection) and s.error is not None
            )
        )

    async def _step(self) -> bool:
        batch = 50
        await asyncio.gather(
            *(s.ensure(h, h + batch) for s, h in zip(self.sources, self.heads, strict=True)),
            return_exceptions=True,
        )
        added = 0
        while added < batch:
            best: int | None = None
            best_key: float = 0.0
            blocked = False
            for i, source in enumerate(self.sources):
                head = self.heads[i]
                item = source.row(head)
                if item is None:
                    if head < len(source) and source.error is None:
                        blocked = True  # this source has more rows, not loaded yet
                    continue
                stamp = item.started_at.timestamp() if item.started_at else 0.0
                if best is None or (stamp > best_key if self.descending else stamp < best_key):
                    best, best_key = i, stamp
            if blocked or best is None:
                break
            item = self.sources[best].row(self.heads[best])
            assert item is not None
            self.rows.append(item)
            self.heads[best] += 1
            added += 1
        if added == 0:
            exhausted = all(
                s.row(h) is None and (h >= len(s) or s.error is not None)
                for s, h in zip(self.sources, self.heads, strict=True)
            )
            if exhausted:
                self.done = True
            errors = [s.error for s in self.sources if s.error is not None]
            self._error = errors[0] if errors and len(errors) == len(self.sources) else None
        return added > 0

    def refresh(self) -> None:
        for source in self.sources:
            source.refresh()
