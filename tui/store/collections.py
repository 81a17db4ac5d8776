"""Collections: what a table needs to draw row i without loading everything.

:class:`Collection` is the interface the screens read; :class:`PagedCollection` is one
provider's list for one query, fetched page by page on demand (by page number or cursor)
through the :class:`~roomscope.tui.store.fetcher.Fetcher`, keeping a bounded window of
pages in memory. Whatever reads a whole list (an export, a sort, a merge) goes through
:meth:`Collection.stream`, which walks it in order and lets the window evict behind it.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

from roomscope.tui.errors import AuthError, NotFoundError, ProviderError, RateLimitedError, UnsupportedError
from roomscope.tui.limits import MAX_PAGES_IN_MEMORY, RETRY_AFTER_S
from roomscope.tui.models import Page
from roomscope.tui.providers.base import Provider
from roomscope.tui.store.fetcher import Fetcher
from roomscope.tui.store.signals import Freshness, JumpProgress, JumpTracker, Signal, ViewActivity

log = logging.getLogger("roomscope.store")

T = TypeVar("T")

STREAM_FIRST = 50
STREAM_STEP = 800
"""Rows a stream asks a view for at a time: a screenful first, then more (a paged list
streams page by page instead)."""


class Collection(Generic[T]):
    """A lazily loaded, ordered list of rows.

    ``len()`` is the number of rows to draw: the total when it is known, otherwise what
    is loaded plus one "more" row while more may exist. ``row(i)`` is None while row i
    is not loaded; ``error_at(i)`` says why a row could not be loaded.
    """

    def __init__(self) -> None:
        self.changed = Signal()

    def __len__(self) -> int:
        raise NotImplementedError

    def row(self, index: int) -> T | None:
        raise NotImplementedError

    def error_at(self, index: int) -> ProviderError | None:
        return None

    @property
    def loaded(self) -> int:
        """Rows loaded so far."""
        raise NotImplementedError

    @property
    def total(self) -> int | None:
        """The exact number of rows, when known."""
        raise NotImplementedError

    @property
    def complete(self) -> bool:
        total = self.total
        return total is not None and self.loaded >= total

    @property
    def started(self) -> bool:
        """At least one load has finished (successfully or not)."""
        raise NotImplementedError

    @property
    def error(self) -> ProviderError | None:
        """The most recent load error, if the latest attempt failed."""
        return None

    @property
    def busy(self) -> bool:
        return False

    @property
    def freshness(self) -> Freshness | None:
        """The oldest loaded page's freshness."""
        return None

    @property
    def activity(self) -> ViewActivity | None:
        """What the view is doing beyond plain paging (filtering, sorting, merging)."""
        return None

    async def ensure(self, start: int, stop: int) -> None:
        """Load whatever is needed so rows ``start`` to ``stop - 1`` exist (if they do)."""
        raise NotImplementedError

    async def ensure_all(self) -> None:
        raise NotImplementedError

    @property
    def seekable(self) -> bool:
        """Any row can be loaded without loading the rows before it, and ``len()`` is the total."""
        return False

    @property
    def jump(self) -> JumpProgress | None:
        """How far a long load (to the end of a list that cannot seek) has got; None when
        none is running."""
        return None

    async def stream(self, start: int = 0) -> AsyncGenerator[T, None]:
        """Every row from ``start`` on, in order, loaded as the reader gets to it.

        Memory stays bounded: rows behind the reader may be evicted. The stream ends at
        the end of the list, or raises the :class:`ProviderError` that stopped it.
        """
        index = start
        stalls = 0
        step = STREAM_FIRST
        while True:
            await self.ensure(index, index + step)
            progressed = False
            while (item := self.row(index)) is not None:
                yield item
                index += 1
                progressed = True
            if progressed:
                stalls = 0
                step = min(STREAM_STEP, step * 2)  # a reader that goes on is given more at a time
                continue
            if index >= len(self):
                return
            error = self.error_at(index) or self.error
            if error is not None:
                raise error
            stalls += 1
            if stalls > 2:
                raise ProviderError(f"Row {index + 1:,} of the list could not be loaded.")

    def refresh(self) -> None:
        """Mark loaded pages stale; the next ``ensure`` revalidates them."""

    def index_of(self, predicate: Callable[[T], bool]) -> int | None:
        for i in range(self.loaded):
            item = self.row(i)
            if item is not None and predicate(item):
                return i
        return None


@dataclass
class _PageSlot(Generic[T]):
    items: list[T] | None = None
    """The rows, while in memory (None before loading, or after eviction)."""
    size: int | None = None
    """How many rows the page had when last loaded (kept after eviction)."""
    next_cursor: str | None = None
    task: asyncio.Task[None] | None = None
    error: ProviderError | None = None
    failed_at: float = 0.0
    freshness: Freshness | None = None
    stale: bool = False
    expires_at: float | None = None


class PagedCollection(Collection[T]):
    """One provider, one query: pages fetched on demand, by page number or cursor."""

    def __init__(
        self,
        *,
        provider: Provider,
        fetcher: Fetcher,
        kind: str,
        params: Any,
        load: Callable[[str | None, int], Awaitable[Page[T]]],
        adapter: TypeAdapter[Page[T]],
        ttl: Callable[[Page[T]], float | None],
        page_size: int,
        seek: Callable[[int, int], str | None] | None = None,
        clock: Callable[[], float] = time.time,
        window: int = MAX_PAGES_IN_MEMORY,
        position: Callable[[T], float | None] | None = None,
    ) -> None:
        super().__init__()
        self.provider = provider
        self.fetcher = fetcher
        self.kind = kind
        self.params = params
        self._load = load
        self.adapter = adapter
        self.ttl = ttl
        self.page_size = page_size
        self.seek = seek
        self.clock = clock
        self.window = max(2, window)
        """Pages whose rows are kept in memory."""
        self.position = position
        """How far through the whole list a row is (0 to 1), when a row can tell (for the
        time left of a long load of a list without a total)."""
        self.pages: dict[int, _PageSlot[T]] = {}
        self._total: int | None = None
        self._last_error: ProviderError | None = None
        self._started = False
        self._chain: tuple[list[int], int, bool] | None = None
        self._jump: JumpTracker | None = None
        self.pinned = False

    # -- shape ---------------------------------------------------------------------------

    @property
    def seekable(self) -> bool:
        return self.seek is not None

    def _contiguous(self) -> tuple[int, bool]:
        """(rows known in the unbroken run of pages from 0, whether more may follow)."""
        _starts, count, more = self._page_chain()
        return count, more

    def _page_chain(self) -> tuple[list[int], int, bool]:
        """The first row of each page in the unbroken run from page 0, the rows in it and
        whether more may follow (remembered until a page's shape changes)."""
        if self._chain is None:
            starts: list[int] = []
            count = 0
            k = 0
            more = True
            while True:
                slot = self.pages.get(k)
                if slot is None or slot.size is None:
                    break
                starts.append(count)
                count += slot.size
                if slot.next_cursor is None:
                    more = False
                    break
                k += 1
            self._chain = (starts, count, more)
        return self._chain

    def __len__(self) -> int:
        if self.seekable and self._total is not None:
            return self._total
        count, more = self._contiguous()
        if not self._started:
            return 0
        return count + (1 if more else 0)

    @property
    def loaded(self) -> int:
        """Rows fetched so far (pages evicted from memory still count)."""
        return sum(s.size for s in self.pages.values() if s.size is not None)

    @property
    def total(self) -> int | None:
        if self._total is not None:
            return self._total
        count, more = self._contiguous()
        return None if more else count

    @property
    def started(self) -> bool:
        return self._started

    @property
    def error(self) -> ProviderError | None:
        return self._last_error

    @property
    def busy(self) -> bool:
        return any(s.task is not None and not s.task.done() for s in self.pages.values())

    @property
    def freshness(self) -> Freshness | None:
        known = [s.freshness for s in self.pages.values() if s.freshness is not None]
        if not known:
            return None
        oldest = min(known, key=lambda f: f.fetched_at)
        return Freshness(oldest.fetched_at, any(f.from_cache for f in known), any(f.stale for f in known))

    @property
    def jump(self) -> JumpProgress | None:
        tracker = self._jump
        if tracker is None:
            return None
        return tracker.progress(self.loaded, self.total, self._position_reached())

    @property
    def activity(self) -> ViewActivity | None:
        return self.jump

    def _position_reached(self) -> float | None:
        """How far through the list the last loaded row of the run from page 0 is."""
        if self.position is None:
            return None
        starts, _count, _more = self._page_chain()
        for k in range(len(starts) - 1, -1, -1):
            items = self.pages[k].items
            if items:
                return self.position(items[-1])
        return None

    def _locate(self, index: int) -> tuple[int, int] | None:
        if self.seekable:
            return divmod(index, self.page_size)
        starts, count, _more = self._page_chain()
        if index < 0 or index >= count:
            return None
        k = bisect.bisect_right(starts, index) - 1
        return k, index - starts[k]

    def row(self, index: int) -> T | None:
        where = self._locate(index)
        if where is None:
            return None
        slot = self.pages.get(where[0])
        if slot is None or slot.items is None or where[1] >= len(slot.items):
            return None
        return slot.items[where[1]]

    def error_at(self, index: int) -> ProviderError | None:
        if self.seekable:
            slot = self.pages.get(index // self.page_size)
        else:
            count, _more = self._contiguous()
            if index < count:
                where = self._locate(index)
                slot = self.pages.get(where[0]) if where is not None else None
                return slot.error if slot is not None and slot.items is None else None
            k = len(self._page_chain()[0])
            slot = self.pages.get(k)
        if slot is not None and slot.items is None:
            return slot.error
        return None

    # -- loading -------------------------------------------------------------------------

    async def ensure(self, start: int, stop: int) -> None:
        if self.seekable:
            if self._total is None:
                await self._page(0)
                if self._total is None:
                    return
            stop = min(stop, self._total)
            first, last = start // self.page_size, max(start, stop - 1) // self.page_size
            await asyncio.gather(
                *(self._page(k) for k in range(first, last + 1) if k * self.page_size < max(self._total, 1)),
                return_exceptions=True,
            )
            return
        k = 0
        base = 0
        while True:
            slot = self.pages.get(k)
            known = slot is not None and slot.size is not None
            in_range = known and slot is not None and base + (slot.size or 0) > start
            if not known or (in_range and slot is not None and (slot.items is None or self._outdated(slot))):
                await self._page(k)
                slot = self.pages.get(k)
            if slot is None or slot.size is None:
                return  # failed: stop here
            base += slot.size
            if slot.next_cursor is None or base >= stop:
                return
            k += 1

    async def ensure_all(self) -> None:
        """Load every page (each at least once: the window still evicts), reporting how far
        the load has got through :attr:`jump`."""
        self._jump = JumpTracker(self.loaded, self._position_reached())
        self.changed.emit()
        try:
            if self.seekable:
                await self.ensure(0, 1)
                if self._total is not None:
                    pages = range((self._total + self.page_size - 1) // self.page_size)
                    for chunk_start in range(0, len(pages), 4):
                        await asyncio.gather(
                            *(self._page(k) for k in pages[chunk_start : chunk_start + 4]),
                            return_exceptions=True,
                        )
                return
            await self.ensure(0, 1 << 62)
        finally:
            self._jump = None
            self.changed.emit()

    async def stream(self, start: int = 0) -> AsyncGenerator[T, None]:
        """Page by page from the page holding ``start``, the next page loading while this
        one is read; pages behind the reader are let go."""
        k, skip = await self._page_at(start)
        ahead: asyncio.Future[None] | None = None
        try:
            while k is not None:
                slot = self.pages.get(k)
                items = slot.items if slot is not None else None
                if items is None:
                    await self._page(k)
                    slot = self.pages.get(k)
                    items = slot.items if slot is not None else None
                if slot is None or items is None:
                    if slot is not None and slot.error is not None:
                        raise slot.error
                    if self._last_error is not None:
                        raise self._last_error
                    return
                following = self._following(k, slot)
                for n, item in enumerate(items[skip:]):
                    yield item
                    if n == 0 and following is not None and ahead is None:
                        # the reader wants more than one row: load the next page meanwhile
                        ahead = asyncio.ensure_future(self._page(following))
                skip = 0
                if ahead is not None:
                    await ahead
                    ahead = None
                if k != following and not self.pinned and slot.items is items:
                    slot.items = None  # read: the reader will not come back for it
                k = following
        finally:
            if ahead is not None and not ahead.done():
                ahead.cancel()
                with contextlib.suppress(BaseException):
                    await ahead

    async def _page_at(self, index: int) -> tuple[int | None, int]:
        """The page holding row ``index`` and the row's place in it (None past the end)."""
        if index <= 0:
            return 0, 0
        await self.ensure(index, index + 1)
        where = self._locate(index)
        if where is None:
            if self._last_error is not None:
                raise self._last_error
            return None, 0
        return where

    def _following(self, k: int, slot: _PageSlot[T]) -> int | None:
        """The page after page ``k``, if the list goes on."""
        if self.seekable:
            total = self._total
            return k + 1 if total is not None and (k + 1) * self.page_size < total else None
        return k + 1 if slot.next_cursor is not None else None

    async def _page(self, k: int) -> None:
        slot = self.pages.setdefault(k, _PageSlot())
        if slot.task is not None and not slot.task.done():
            await asyncio.shield(slot.task)
            return
        if slot.items is not None and not self._outdated(slot):
            return
        if slot.error is not None and not self._retry_due(slot):
            return
        cursor = self._cursor_for(k)
        if cursor is _NO_CURSOR:
            return
        slot.task = asyncio.ensure_future(self._fetch(k, cursor))
        self.changed.emit()
        await asyncio.shield(slot.task)

    def _outdated(self, slot: _PageSlot[T]) -> bool:
        return slot.stale or (slot.expires_at is not None and slot.expires_at <= self.clock())

    def _retry_due(self, slot: _PageSlot[T]) -> bool:
        error = slot.error
        if isinstance(error, (AuthError, NotFoundError, UnsupportedError)):
            return False
        wait = RETRY_AFTER_S
        if isinstance(error, RateLimitedError) and error.retry_after:
            wait = max(wait, error.retry_after)
        return self.clock() - slot.failed_at >= wait

    def _cursor_for(self, k: int) -> Any:
        if k == 0:
            return None
        if self.seek is not None:
            return self.seek(k * self.page_size, self.page_size)
        previous = self.pages.get(k - 1)
        if previous is None or previous.size is None or previous.next_cursor is None:
            return _NO_CURSOR  # the page before has not been read: its cursor is not known
        return previous.next_cursor

    async def _fetch(self, k: int, cursor: str | None) -> None:
        slot = self.pages[k]
        try:
            page, freshness = await self.fetcher.fetch(
                provider=self.provider,
                kind=self.kind,
                params=self.params,
                cursor=cursor,
                limit=self.page_size,
                loader=lambda: self._load(cursor, self.page_size),
                adapter=self.adapter,
                ttl=self.ttl,
                on_fresh=lambda fresh, f: self._accept(k, cursor, fresh, f),
            )
        except ProviderError as exc:
            slot.error = exc
            slot.failed_at = self.clock()
            self._last_error = exc
            self._started = True
            self.changed.emit()
            return
        except Exception as exc:  # a bug in an adapter must not kill the list
            log.exception("loading page %s failed", k)
            slot.error = ProviderError(f"Could not load this page: {type(exc).__name__}: {exc}")
            slot.failed_at = self.clock()
            self._last_error = slot.error
            self._started = True
            self.changed.emit()
            return
        self._accept(k, cursor, page, freshness)

    def _accept(self, k: int, cursor: str | None, page: Page[T], freshness: Freshness) -> None:
        slot = self.pages.setdefault(k, _PageSlot())
        if slot.size is not None and not self.seekable and slot.next_cursor != page.next_cursor:
            for later in [j for j in self.pages if j > k]:
                del self.pages[later]  # the chain changed: later pages are no longer valid
        slot.items = list(page.items)
        slot.size = len(slot.items)
        slot.next_cursor = page.next_cursor
        slot.error = None
        slot.freshness = freshness
        slot.stale = False
        lifetime = self.ttl(page)
        slot.expires_at = None if lifetime is None else freshness.fetched_at + lifetime
        if page.total is not None and (self.seekable or k == 0):
            self._total = page.total
        elif self.seekable and page.next_cursor is None:
            self._total = k * self.page_size + len(page.items)
        self._chain = None
        self._last_error = None
        self._started = True
        self._evict(around=k)
        self.changed.emit()

    def pin(self) -> None:
        """Keep every page in memory (a view that needs all rows at once)."""
        self.pinned = True

    def _evict(self, around: int) -> None:
        """Drop the rows of the pages farthest from ``around`` beyond :attr:`window`; their
        shape stays known and they reload (from the cache) when needed again."""
        if self.pinned:
            return
        held = [j for j, slot in self.pages.items() if slot.items is not None and j != around]
        excess = len(held) + 1 - self.window
        if excess <= 0:
            return
        held.sort(key=lambda j: abs(j - around), reverse=True)
        for j in held[:excess]:
            self.pages[j].items = None

    def refresh(self) -> None:
        for slot in self.pages.values():
            slot.stale = True
            if slot.items is None:
                slot.error = None
        self._last_error = None
        self.changed.emit()


_NO_CURSOR = object()
