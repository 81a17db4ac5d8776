"""Views derived from other collections: filtered, sorted in memory, merged across profiles.

Filtered and sorted views are built front to back as rows are asked for. The merged view
keeps a bounded window of merged rows and finds any position from the sources' splits
(:mod:`~roomscope.tui.store.merge`): its tail without reading what is before it, when
every source can seek.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from typing import Any, TypeVar

from roomscope.tui.errors import ProviderError
from roomscope.tui.limits import MAX_PAGES_IN_MEMORY
from roomscope.tui.models import Session, SortKey
from roomscope.tui.store.collections import Collection, PagedCollection
from roomscope.tui.store.merge import Blocked, MergeOrder, Split, backward, forward, select
from roomscope.tui.store.signals import (
    FilterProgress,
    Freshness,
    JumpProgress,
    JumpTracker,
    MergeProgress,
    SortProgress,
    ViewActivity,
)

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
    """The rows of ``base`` that satisfy ``predicate``, found by scanning ``base``.

    ``predicate`` may answer None ("cannot say from the row alone": the filter needs the
    session's participants or its diagnosis); ``resolve`` then decides the row, for up to
    ``concurrency`` rows at once, and the rows found are added in ``base``'s order as soon
    as everything before them is decided (the list fills as matches are found). Without
    ``resolve``, such a row is left out.

    ``past`` says that no row after this one can match (a newest-first list past the start
    of the time range): the scan stops there. ``position`` says how far through the list a
    row is (0 to 1), for the time left of a long scan.
    """

    def __init__(
        self,
        base: Collection[T],
        predicate: Callable[[T], bool | None],
        *,
        past: Callable[[T], bool] | None = None,
        position: Callable[[T], float | None] | None = None,
        resolve: Callable[[T], Awaitable[bool]] | None = None,
        concurrency: int = 4,
    ) -> None:
        super().__init__()
        self.base = base
        self.predicate = predicate
        self.past = past
        self.position = position
        self.resolve = resolve
        self.concurrency = max(1, concurrency)
        self.scanned = 0
        self._reached: float | None = None
        self._jump: JumpTracker | None = None
        base.changed.subscribe(self.changed.emit)

    @property
    def busy(self) -> bool:
        return self.base.busy

    @property
    def freshness(self) -> Freshness | None:
        return self.base.freshness

    @property
    def jump(self) -> JumpProgress | None:
        tracker = self._jump
        return None if tracker is None else tracker.progress(self.scanned, self.base.total, self._reached)

    @property
    def activity(self) -> FilterProgress | JumpProgress:
        return self.jump or FilterProgress(len(self.rows), self.scanned, self.base.total, self.done)

    async def ensure_all(self) -> None:
        self._jump = JumpTracker(self.scanned, self._reached)
        self.changed.emit()
        try:
            await super().ensure_all()
        finally:
            self._jump = None
            self.changed.emit()

    async def _step(self) -> bool:
        target = self.scanned + max(1, getattr(self.base, "page_size", 100))  # a page at a time
        await self.base.ensure(self.scanned, target)
        progressed = False
        pending: dict[int, asyncio.Task[bool]] = {}
        gate = asyncio.Semaphore(self.concurrency)
        try:
            ahead = self.scanned
            while self.scanned < target:
                item = self.base.row(self.scanned)
                if item is None:
                    break
                if self.past is not None and self.past(item):
                    self.done = True  # nothing after this row can match
                    return True
                # Start deciding the rows ahead that need it (bounded by ``gate``), then
                # decide this one: a row is added only once those before it are decided.
                ahead = self._look_ahead(max(ahead, self.scanned), target, pending, gate)
                task = pending.pop(self.scanned, None)
                keep = (await task) if task is not None else self.predicate(item) is True
                if keep:
                    self.rows.append(item)
                self.scanned += 1
                progressed = True
                if self.position is not None:
                    self._reached = self.position(item)
                if task is not None:
                    self.changed.emit()  # slow rows: show each one's outcome as it comes
        except ProviderError as exc:
            self._error = exc
            return progressed
        finally:
            for task in pending.values():
                task.cancel()
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

    def _look_ahead(
        self, start: int, stop: int, pending: dict[int, asyncio.Task[bool]], gate: asyncio.Semaphore
    ) -> int:
        """Start ``resolve`` for the undecided rows from ``start`` (at most ``concurrency``
        running or waiting); returns the index to continue from next time."""
        resolve = self.resolve
        index = start
        while index < stop and len(pending) < self.concurrency:
            item = self.base.row(index)
            if item is None or (self.past is not None and self.past(item)):
                break
            if resolve is not None and self.predicate(item) is None:
                pending[index] = asyncio.ensure_future(_gated(gate, resolve, item))
            index += 1
        return index

    def _base_more(self) -> bool:
        return len(self.base) > self.scanned

    async def stream(self, start: int = 0) -> AsyncGenerator[T, None]:
        """The matching rows of a stream of ``base`` (nothing is kept but the rows being
        decided: up to ``concurrency`` at once, in order)."""
        skipped = 0
        window: deque[tuple[T, bool | asyncio.Future[bool]]] = deque()
        running = 0
        try:
            async with contextlib.aclosing(self.base.stream()) as rows:
                async for item in rows:
                    if self.past is not None and self.past(item):
                        break
                    keep = self.predicate(item)
                    if keep is None and self.resolve is not None:
                        window.append((item, asyncio.ensure_future(self.resolve(item))))
                        running += 1
                    else:
                        window.append((item, keep is True))
                    while window and (
                        running >= self.concurrency or not isinstance(window[0][1], asyncio.Future)
                    ):
                        head, verdict = window.popleft()
                        if isinstance(verdict, asyncio.Future):
                            running -= 1
                            verdict = await verdict
                        if verdict:
                            if skipped < start:
                                skipped += 1
                            else:
                                yield head
            while window:
                head, verdict = window.popleft()
                if isinstance(verdict, asyncio.Future):
                    verdict = await verdict
                if verdict:
                    if skipped < start:
                        skipped += 1
                    else:
                        yield head
        finally:
            for _item, verdict in window:
                if isinstance(verdict, asyncio.Future):
                    verdict.cancel()

    def refresh(self) -> None:
        self.base.refresh()


async def _gated(gate: asyncio.Semaphore, resolve: Callable[[T], Awaitable[bool]], item: T) -> bool:
    async with gate:
        return await resolve(item)


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
        try:
            present = [item async for item in self.base.stream()]
        except ProviderError as exc:
            self._error = exc
            return False
        present.sort(key=self.key, reverse=self.descending)
        self.rows = present
        self._error = None
        self.done = True
        return True

    def refresh(self) -> None:
        self.done = False
        self.base.refresh()


class RankedCollection(_MaterializedView[T]):
    """All of ``base``: the rows ``rank`` has a value for first, sorted by it (highest
    first when ``descending``; ties keep ``base``'s order), then the others in ``base``'s
    order. The ranking is taken once, when the rows are first asked for (a list sorted by
    what is known so far, e.g. the sessions diagnosed: it does not reshuffle under the
    reader as more becomes known)."""

    def __init__(
        self, base: Collection[T], rank: Callable[[T], tuple[float, ...] | None], *, descending: bool = True
    ) -> None:
        super().__init__()
        self.base = base
        self.rank = rank
        self.descending = descending
        self.ranked = 0
        """Rows that had a rank."""
        base.changed.subscribe(self.changed.emit)

    @property
    def busy(self) -> bool:
        return self.base.busy

    @property
    def freshness(self) -> Freshness | None:
        return self.base.freshness

    @property
    def activity(self) -> ViewActivity | None:
        return self.base.activity

    async def _step(self) -> bool:
        known: list[tuple[tuple[float, ...], int, T]] = []
        rest: list[T] = []
        try:
            async with contextlib.aclosing(self.base.stream()) as rows:
                async for item in rows:
                    value = self.rank(item)
                    if value is None:
                        rest.append(item)
                    else:
                        known.append((value, len(known), item))
        except ProviderError as exc:
            self._error = exc
            return False
        sign = -1 if self.descending else 1
        known.sort(key=lambda k: (tuple(sign * v for v in k[0]), k[1]))
        self.rows = [item for _v, _i, item in known] + rest
        self.ranked = len(known)
        self._error = None
        self.done = True
        return True

    def refresh(self) -> None:
        self.base.refresh()


class MergedCollection(Collection[Session]):
    """Several profiles' session lists merged by start time, still paged from each.

    Merged rows are made a chunk at a time and kept in a bounded window; the split at each
    chunk's start is remembered (a few integers), so a chunk let go is made again from its
    split. When every source can seek, the merge can too: ``len()`` is the sum of the
    totals, the last rows come from merging the sources' last rows backward, and a chunk
    far from any known split is found by :func:`~roomscope.tui.store.merge.select`.
    """

    WALK_CHUNKS = 4
    """A chunk this close to a known split is reached by merging up to it; farther ones
    are found by selection."""

    def __init__(self, sources: Sequence[Collection[Session]], descending: bool) -> None:
        super().__init__()
        self.sources = list(sources)
        self.descending = descending
        self.order = MergeOrder(descending)
        sizes = [max(1, getattr(s, "page_size", 100)) for s in self.sources]
        self.chunk = max(20, min(200, min(sizes)))
        """Merged rows made at a time (no more than a source's page)."""
        self.window = max(4, MAX_PAGES_IN_MEMORY * max(sizes) // self.chunk)
        """Chunks kept in memory: as many rows as one list keeps."""
        for source in self.sources:
            if isinstance(source, PagedCollection):
                source.window = max(4, source.window // len(self.sources))
            source.changed.subscribe(self.changed.emit)
        self._chunks: dict[int, list[Session]] = {}
        self._sizes: dict[int, int] = {}
        """Chunks made at least once, and their sizes (kept when let go)."""
        self._splits: dict[int, Split] = {0: tuple(0 for _ in self.sources)}
        self._frontier = 0
        """Rows made front to back from the start (without seeking) so far."""
        self.done = False
        """Every row has been made (the merge walked to the end)."""
        self._lock = asyncio.Lock()
        self._error: ProviderError | None = None
        self._started = False
        self._jump: JumpTracker | None = None

    # -- shape ---------------------------------------------------------------------------

    @property
    def seekable(self) -> bool:
        return all(s.seekable for s in self.sources)

    def _length(self) -> int | None:
        """The merged length, when every source knows its own."""
        if self.seekable and self._started and all(s.started for s in self.sources):
            totals = [s.total for s in self.sources]
            if all(t is not None for t in totals):
                return sum(t for t in totals if t is not None)
        if self.done:
            return self._frontier
        return None

    def __len__(self) -> int:
        if not self._started:
            return 0
        length = self._length()
        if length is not None:
            return length
        return self._frontier + 1

    def row(self, index: int) -> Session | None:
        if index < 0:
            return None
        rows = self._chunks.get(index // self.chunk)
        offset = index % self.chunk
        return rows[offset] if rows is not None and offset < len(rows) else None

    def error_at(self, index: int) -> ProviderError | None:
        return self._error if self.row(index) is None else None

    @property
    def loaded(self) -> int:
        return sum(self._sizes.values())

    @property
    def total(self) -> int | None:
        length = self._length()
        if length is not None:
            return length
        totals = [s.total for s in self.sources]
        if all(t is not None for t in totals):
            return sum(t for t in totals if t is not None)
        return None

    @property
    def started(self) -> bool:
        return self._started

    @property
    def error(self) -> ProviderError | None:
        return self._error

    @property
    def busy(self) -> bool:
        return any(s.busy for s in self.sources)

    @property
    def freshness(self) -> Freshness | None:
        known = [f for f in (s.freshness for s in self.sources) if f is not None]
        return min(known, key=lambda f: f.fetched_at) if known else None

    @property
    def jump(self) -> JumpProgress | None:
        tracker = self._jump
        return None if tracker is None else tracker.progress(self.loaded, self.total)

    @property
    def activity(self) -> ViewActivity:
        jump = self.jump
        if jump is not None:
            return jump
        return MergeProgress(
            tuple(
                (s.provider.profile, s.error)
                for s in self.sources
                if isinstance(s, PagedCollection) and s.error is not None
            )
        )

    # -- loading -------------------------------------------------------------------------

    async def _start(self) -> None:
        if not self._started or not all(s.started for s in self.sources):
            await asyncio.gather(*(s.ensure(0, 1) for s in self.sources), return_exceptions=True)
            self._started = True

    async def ensure(self, start: int, stop: int) -> None:
        async with self._lock:
            await self._start()
            length = self._length()
            if length is not None:
                stop = min(stop, length)
            try:
                for c in range(max(0, start) // self.chunk, max(0, stop - 1) // self.chunk + 1):
                    if stop <= start:
                        break
                    if c not in self._chunks and not await self._make(c):
                        break
                    if self.done and (c + 1) * self.chunk >= self._frontier:
                        break
            finally:
                self.changed.emit()

    async def ensure_all(self) -> None:
        """Make every chunk once, front to back (the window still lets them go), reporting
        how far it got through :attr:`jump`."""
        self._jump = JumpTracker(self.loaded)
        self.changed.emit()
        try:
            c = 0
            while True:
                await self.ensure(c * self.chunk, (c + 1) * self.chunk)
                length = self._length()
                if self._error is not None or (length is not None and (c + 1) * self.chunk >= length):
                    return
                if c not in self._chunks and c not in self._sizes:
                    return
                c += 1
        finally:
            self._jump = None
            self.changed.emit()

    async def _make(self, c: int) -> bool:
        """Make chunk ``c``; False when it cannot be made now (``error`` says why)."""
        start = c * self.chunk
        length = self._length()
        end = start + self.chunk if length is None else min(start + self.chunk, length)
        try:
            if start in self._splits:
                await self._forward(c)
            elif end in self._splits:
                await self._backward(c)
            elif self.seekable and length is not None:
                await self._seek_to(c, length)
            else:
                await self._walk_forward_to(c)
        except Blocked as blocked:
            self._error = blocked.error or ProviderError("Could not load one profile's part of the list.")
            return False
        self._error = None
        return c in self._chunks

    async def _forward(self, c: int) -> None:
        start = c * self.chunk
        length = self._length()
        count = self.chunk if length is None else min(self.chunk, length - start)
        rows, split = await forward(self.sources, self._splits[start], count, self.order)
        self._keep(c, rows)
        self._splits[start + len(rows)] = split
        if self._frontier >= start:
            self._frontier = max(self._frontier, start + len(rows))
            if len(rows) < count or (length is not None and self._frontier >= length):
                self.done = True

    async def _backward(self, c: int) -> None:
        start = c * self.chunk
        length = self._length()
        end = start + self.chunk if length is None else min(start + self.chunk, length)
        rows, split = await backward(self.sources, self._splits[end], end - start, self.order)
        self._keep(c, rows)
        self._splits[start] = split

    async def _walk_forward_to(self, c: int) -> None:
        """Make the chunks from the last known split before chunk ``c`` up to it."""
        known = max(p for p in self._splits if p <= c * self.chunk)
        k = known // self.chunk
        while k <= c:
            if (k + 1) * self.chunk in self._splits and k != c:
                k += 1
                continue
            await self._forward(k)
            if self.done and (k + 1) * self.chunk >= self._frontier and k < c:
                return
            k += 1

    async def _seek_to(self, c: int, length: int) -> None:
        start = c * self.chunk
        tail = ((length - 1) // self.chunk) * self.chunk
        self._splits.setdefault(length, tuple(len(s) for s in self.sources))
        below = max(p for p in self._splits if p <= start)
        above = min((p for p in self._splits if p > start), default=length)
        if start - below <= self.WALK_CHUNKS * self.chunk:
            await self._walk_forward_to(c)
        elif above - start <= (self.WALK_CHUNKS + 1) * self.chunk:
            # walk back from the split above: chunk by chunk down to c
            k = (above - 1) // self.chunk if above == length else above // self.chunk - 1
            k = min(k, tail // self.chunk)
            while k >= c:
                if k * self.chunk not in self._splits or k not in self._chunks:
                    await self._backward(k)
                k -= 1
        else:
            self._splits[start] = await select(self.sources, start, self.order, walk=self.chunk)
            await self._forward(c)

    def _keep(self, c: int, rows: list[Session]) -> None:
        self._chunks[c] = rows
        self._sizes[c] = len(rows)
        self._started = True
        length = self._length()
        if length is not None and self.loaded >= length:
            self.done = True
        if len(self._chunks) > self.window:
            far = sorted(self._chunks, key=lambda j: abs(j - c), reverse=True)
            for j in far[: len(self._chunks) - self.window]:
                del self._chunks[j]

    async def stream(self, start: int = 0) -> AsyncGenerator[Session, None]:
        """Every merged row from ``start``: a k-way merge of the sources' own streams (each
        keeps its own bounded window), nothing else kept."""
        if start > 0 and not self.seekable:
            async with contextlib.aclosing(super().stream(start)) as rows:
                async for item in rows:
                    yield item
            return
        split: Split = tuple(0 for _ in self.sources)
        if start > 0:
            async with self._lock:
                await self._start()
                split = await select(self.sources, start, self.order, walk=self.chunk)
        streams = [s.stream(o) for s, o in zip(self.sources, split, strict=True)]
        try:
            heap: list[tuple[float, int, Session]] = []
            for i, rows in enumerate(streams):
                with contextlib.suppress(StopAsyncIteration):
                    item = await anext(rows)
                    heap.append((self.order.value(item), i, item))
            heapq.heapify(heap)
            while heap:
                _value, i, item = heapq.heappop(heap)
                yield item
                with contextlib.suppress(StopAsyncIteration):
                    following = await anext(streams[i])
                    heapq.heappush(heap, (self.order.value(following), i, following))
        finally:
            for rows in streams:
                with contextlib.suppress(Exception):
                    await rows.aclose()

    def refresh(self) -> None:
        """Revalidate the sources; merged rows are made again from them when next asked."""
        self._chunks.clear()
        self._splits = {0: tuple(0 for _ in self.sources)}
        self._frontier = 0
        self.done = False
        for source in self.sources:
            source.refresh()
