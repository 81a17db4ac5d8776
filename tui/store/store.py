"""The reactive store: queries become lazily paged collections, served cache first.

Screens (and the headless commands) ask the store; the store asks the cache and the
providers. Nothing here knows about Textual: change notifications are plain callbacks
(:class:`Signal`) that run on the event loop, and every slow step (sqlite, decoding,
generating) runs in a worker thread so the loop that draws the screen never waits.

Loading one page:

1. build a cache key from (provider identity, kind, parameters, cursor, page size);
2. share the request if the same key is already being fetched (single flight);
3. read the disk cache; a fresh entry is the answer;
4. a stale entry is the answer *now*, and is revalidated in the background
   (stale-while-revalidate), whose result is announced through the collection's signal;
5. a miss goes to the provider; the answer is written to the cache with an expiry that
   depends on whether the data can still change (ended sessions never expire);
6. if the network is down, cached data (however old) is served and the store reports
   "offline since <time>"; ``offline=True`` never calls a provider at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from roomscope.tui import fmt, quality
from roomscope.tui.cache import Cache, make_key
from roomscope.tui.limits import (
    LINK_TTL_S,
    LIST_TTL_S,
    LIVE_TTL_S,
    MAX_PAGES_IN_MEMORY,
    QUALITY_CONCURRENCY,
    RETRY_AFTER_S,
)
from roomscope.tui.models import (
    Artifact,
    Event,
    Page,
    Participant,
    QualitySeries,
    Recording,
    Session,
    SessionQuery,
    SessionStatus,
    SortKey,
)
from roomscope.tui.providers.base import (
    AuthError,
    Capability,
    NotFoundError,
    OfflineMissError,
    Provider,
    ProviderError,
    RateLimitedError,
    UnavailableError,
    UnsupportedError,
)

log = logging.getLogger("roomscope.store")

T = TypeVar("T")
M = TypeVar("M")


class Signal:
    """A list of callbacks; ``emit`` calls them all (exceptions are logged, not raised)."""

    def __init__(self) -> None:
        self._listeners: list[Callable[[], None]] = []

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a broken listener must not break the store
                log.exception("store listener failed")


@dataclass(frozen=True)
class Freshness:
    """Where an answer came from and how old it is."""

    fetched_at: float
    from_cache: bool
    stale: bool


@dataclass
class StoreStatus:
    offline_mode: bool = False
    """Started with ``--offline``: the cache is the only source."""
    offline_since: float | None = None
    """When the network (or provider) started failing; None while it works."""
    last_error: ProviderError | None = None
    cache_note: str | None = None
    in_flight: int = 0
    errors_by_profile: dict[str, ProviderError] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionRef:
    profile: str
    session_id: str


# ---------------------------------------------------------------------------------------
# Fetching: cache first, single flight, stale-while-revalidate.


class _Memo(Generic[T]):
    def __init__(self, value: T, freshness: Freshness, expires_at: float | None) -> None:
        self.value = value
        self.freshness = freshness
        self.expires_at = expires_at


class Fetcher:
    def __init__(
        self,
        cache: Cache | None,
        status: StoreStatus,
        status_changed: Signal,
        *,
        offline: bool,
        swr: bool,
        clock: Callable[[], float],
    ) -> None:
        self.cache = cache
        self.status = status
        self.status_changed = status_changed
        self.offline = offline
        self.swr = swr
        self.clock = clock
        self.refreshed_at = 0.0
        self._inflight: dict[str, asyncio.Task[Any]] = {}
        self._memory: OrderedDict[str, _Memo[Any]] = OrderedDict()
        self._background: set[asyncio.Task[Any]] = set()
        self.network_calls = 0

    def _stale(self, fetched_at: float, expires_at: float | None) -> bool:
        if fetched_at < self.refreshed_at:
            return True
        return expires_at is not None and expires_at <= self.clock()

    async def fetch(
        self,
        *,
        provider: Provider,
        kind: str,
        params: Any,
        cursor: str | None,
        limit: int | None,
        loader: Callable[[], Awaitable[M]],
        adapter: TypeAdapter[M],
        ttl: Callable[[M], float | None],
        on_fresh: Callable[[M, Freshness], None] | None = None,
    ) -> tuple[M, Freshness]:
        key = make_key(provider.identity, kind, params, cursor, limit)
        memo = self._memory.get(key)
        if memo is not None and not self._stale(memo.freshness.fetched_at, memo.expires_at):
            self._memory.move_to_end(key)
            return memo.value, memo.freshness
        running = self._inflight.get(key)
        if running is not None:
            result: tuple[M, Freshness] = await asyncio.shield(running)
            return result
        entry = await asyncio.to_thread(self._read, key, adapter) if self.cache else None
        if entry is not None:
            value, fetched_at, expires_at = entry
            stale = self._stale(fetched_at, expires_at)
            freshness = Freshness(fetched_at=fetched_at, from_cache=True, stale=stale)
            if not stale:
                self._remember(kind, key, value, freshness, expires_at)
                return value, freshness
            if self.offline:
                return value, freshness
            if self.swr:
                self._revalidate(key, provider, kind, loader, adapter, ttl, on_fresh)
                return value, freshness
            try:
                return await self._network(key, provider, kind, loader, adapter, ttl)
            except UnavailableError:
                return value, freshness
        if self.offline:
            raise OfflineMissError(
                "Not in the cache, and roomscope is offline (--offline).", provider=provider.name
            )
        return await self._network(key, provider, kind, loader, adapter, ttl)

    def _read(self, key: str, adapter: TypeAdapter[M]) -> tuple[M, float, float | None] | None:
        assert self.cache is not None
        entry = self.cache.get(key)
        if entry is None:
            return None
        try:
            value = adapter.validate_json(entry.body)
        except (ValidationError, ValueError):
            self.cache.delete(key)  # unreadable entry: a miss
            return None
        return value, entry.fetched_at, entry.expires_at

    def _remember(
        self, kind: str, key: str, value: Any, freshness: Freshness, expires_at: float | None
    ) -> None:
        if kind == "sessions":
            return  # list pages live in their collections (and the disk cache)
        self._memory[key] = _Memo(value, freshness, expires_at)
        self._memory.move_to_end(key)
        while len(self._memory) > 256:
            self._memory.popitem(last=False)

    def _network(
        self,
        key: str,
        provider: Provider,
        kind: str,
        loader: Callable[[], Awaitable[M]],
        adapter: TypeAdapter[M],
        ttl: Callable[[M], float | None],
    ) -> Awaitable[tuple[M, Freshness]]:
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.ensure_future(self._load(key, provider, kind, loader, adapter, ttl))
            self._inflight[key] = running
            running.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return asyncio.shield(running)

    async def _load(
        self,
        key: str,
        provider: Provider,
        kind: str,
        loader: Callable[[], Awaitable[M]],
        adapter: TypeAdapter[M],
        ttl: Callable[[M], float | None],
    ) -> tuple[M, Freshness]:
        self.status.in_flight += 1
        self.status_changed.emit()
        try:
            self.network_calls += 1
            value = await loader()
        except ProviderError as exc:
            self._note_failure(provider, exc)
            raise
        finally:
            self.status.in_flight -= 1
            self.status_changed.emit()
        self._note_success(provider)
        now = self.clock()
        lifetime = ttl(value)
        expires_at = None if lifetime is None else now + lifetime
        if self.cache is not None:
            body = adapter.dump_json(value)
            await asyncio.to_thread(
                self.cache.put,
                key,
                profile=provider.profile,
                kind=kind,
                body=body,
                fetched_at=now,
                expires_at=expires_at,
            )
        freshness = Freshness(fetched_at=now, from_cache=False, stale=False)
        self._remember(kind, key, value, freshness, expires_at)
        return value, freshness

    def _revalidate(
        self,
        key: str,
        provider: Provider,
        kind: str,
        loader: Callable[[], Awaitable[M]],
        adapter: TypeAdapter[M],
        ttl: Callable[[M], float | None],
        on_fresh: Callable[[M, Freshness], None] | None,
    ) -> None:
        if key in self._inflight:
            return

        async def run() -> None:
            try:
                value, freshness = await self._network(key, provider, kind, loader, adapter, ttl)
            except ProviderError:
                return  # already reported through the status; the stale data stays
            if on_fresh is not None:
                on_fresh(value, freshness)

        task = asyncio.ensure_future(run())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _note_failure(self, provider: Provider, exc: ProviderError) -> None:
        self.status.last_error = exc
        self.status.errors_by_profile[provider.profile] = exc
        if isinstance(exc, UnavailableError) and exc.network and self.status.offline_since is None:
            self.status.offline_since = self.clock()
        self.status_changed.emit()

    def _note_success(self, provider: Provider) -> None:
        changed = self.status.offline_since is not None or provider.profile in self.status.errors_by_profile
        self.status.offline_since = None
        self.status.errors_by_profile.pop(provider.profile, None)
        if changed:
            self.status.last_error = None
            self.status_changed.emit()

    def refresh(self) -> None:
        """Everything fetched before now is stale (kept on screen until replaced)."""
        self.refreshed_at = self.clock()
        self._memory.clear()

    async def aclose(self) -> None:
        tasks = [*self._background, *self._inflight.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task


# ---------------------------------------------------------------------------------------
# Collections: what a table needs to draw row i without loading everything.


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
    def note(self) -> str | None:
        """What the view is doing beyond plain paging (filtering, sorting)."""
        return None

    async def ensure(self, start: int, stop: int) -> None:
        """Load whatever is needed so rows ``start`` to ``stop - 1`` exist (if they do)."""
        raise NotImplementedError

    async def ensure_all(self) -> None:
        raise NotImplementedError

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
        self.pages: dict[int, _PageSlot[T]] = {}
        self._total: int | None = None
        self._last_error: ProviderError | None = None
        self._started = False
        self.pinned = False

    # -- shape ---------------------------------------------------------------------------

    @property
    def seekable(self) -> bool:
        return self.seek is not None

    def _contiguous(self) -> tuple[int, bool]:
        """(rows known in the unbroken run of pages from 0, whether more may follow)."""
        count = 0
        k = 0
        while True:
            slot = self.pages.get(k)
            if slot is None or slot.size is None:
                return count, True
            count += slot.size
            if slot.next_cursor is None:
                return count, False
            k += 1

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

    def _locate(self, index: int) -> tuple[int, int] | None:
        if self.seekable:
            return divmod(index, self.page_size)
        k = 0
        base = 0
        while True:
            slot = self.pages.get(k)
            if slot is None or slot.size is None:
                return None
            if index < base + slot.size:
                return k, index - base
            base += slot.size
            if slot.next_cursor is None:
                return None
            k += 1

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
                return None
            k = 0
            while (found := self.pages.get(k)) is not None and found.size is not None:
                k += 1
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
        if previous is None or previous.items is None or previous.next_cursor is None:
            return _NO_CURSOR
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
        if slot.items is not None and not self.seekable and slot.next_cursor != page.next_cursor:
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
        self._last_error = None
        self._started = True
        self._evict(around=k)
        self.changed.emit()

    def pin(self) -> None:
        """Keep every page in memory (a view that needs all rows at once)."""
        self.pinned = True

    def _evict(self, around: int) -> None:
        """Drop the rows of the pages farthest from ``around`` beyond ``MAX_PAGES_IN_MEMORY``;
        their shape stays known and they reload (from the cache) when needed again."""
        if self.pinned:
            return
        held = [j for j, slot in self.pages.items() if slot.items is not None and j != around]
        excess = len(held) + 1 - MAX_PAGES_IN_MEMORY
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

    def __init__(self, base: Collection[T], predicate: Callable[[T], bool], label: str) -> None:
        super().__init__()
        self.base = base
        self.predicate = predicate
        self.label = label
        self.scanned = 0
        base.changed.subscribe(self.changed.emit)

    @property
    def busy(self) -> bool:
        return self.base.busy

    @property
    def freshness(self) -> Freshness | None:
        return self.base.freshness

    @property
    def note(self) -> str:
        total = self.base.total
        if self.done:
            return f"{len(self.rows):,} match{'es' if len(self.rows) != 1 else ''} in {self.scanned:,}"
        of = f"{total:,}" if total is not None else f">{self.scanned:,}"
        return f"{len(self.rows):,} matches so far, {self.scanned:,} of {of} scanned"

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
    """All of ``base``, sorted in memory (the provider cannot sort by this column)."""

    def __init__(self, base: Collection[T], key: Callable[[T], Any], descending: bool, label: str) -> None:
        super().__init__()
        self.base = base
        self.key = key
        self.descending = descending
        self.label = label
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
    def note(self) -> str:
        if self.done:
            return self.label
        total = self.base.total
        of = f"{total:,}" if total is not None else "?"
        return f"{self.label}: loading all rows to sort ({self.base.loaded:,} of {of})"

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
    def note(self) -> str | None:
        failed = [s for s in self.sources if isinstance(s, PagedCollection) and s.error is not None]
        return "; ".join(f"{s.provider.profile}: {s.error}" for s in failed) or None

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


# ---------------------------------------------------------------------------------------
# Quality report


@dataclass(frozen=True)
class QualityReport:
    session_id: str
    participant_id: str
    series: list[QualitySeries]
    assessment: quality.QualityAssessment
    freshness: Freshness | None = None

    def summary_rows(self) -> list[tuple[str, ...]]:
        """Per metric: label, unit, min, avg, p95, max, poor condition, verdict (for the
        participant screen and the headless ``quality`` table alike)."""
        rows: list[tuple[str, ...]] = []
        for series in self.series:
            metric = self.assessment.metrics.get(str(series.metric))
            if metric is None:
                continue
            stats = metric.stats
            threshold = metric.threshold
            unit = series.unit if series.unit_documented else f"{series.unit or '?'} (as reported)"
            rows.append(
                (
                    threshold.label,
                    unit,
                    fmt.number(stats.min if stats else None),
                    fmt.number(stats.avg if stats else None),
                    fmt.number(stats.p95 if stats else None),
                    fmt.number(stats.max if stats else None),
                    threshold.condition(threshold.poor) if threshold.poor is not None else "—",
                    metric.verdict.value,
                )
            )
        return rows


# ---------------------------------------------------------------------------------------
# The store


def _sort_value(key: SortKey) -> Callable[[Session], Any]:
    def start(s: Session) -> Any:
        return s.started_at.timestamp() if s.started_at else 0.0

    getters: dict[SortKey, Callable[[Session], Any]] = {
        SortKey.START: start,
        SortKey.NAME: lambda s: (s.title.casefold(), start(s)),
        SortKey.STATUS: lambda s: (str(s.status), start(s)),
        SortKey.DURATION: lambda s: (s.duration_s or 0.0, start(s)),
        SortKey.PARTICIPANTS: lambda s: (s.participant_count or 0, start(s)),
        SortKey.PROVIDER: lambda s: (s.profile, s.provider, start(s)),
    }
    return getters[key]


def session_matches(session: Session, text: str) -> bool:
    """The live filter: case-insensitive substring of id, name, room, status, provider.
    A leading ``!`` inverts the match."""
    needle = text.strip()
    invert = needle.startswith("!")
    if invert:
        needle = needle[1:].strip()
    if not needle:
        return True
    folded = needle.casefold()
    haystack = " ".join(
        x
        for x in (
            session.id,
            session.name,
            session.room_name or "",
            session.room_id or "",
            str(session.status),
            session.provider,
            session.profile,
        )
        if x
    ).casefold()
    found = folded in haystack
    return found != invert


class Store:
    """Owns the providers, the cache and every collection built from them."""

    def __init__(
        self,
        providers: Sequence[Provider],
        cache: Cache | None,
        *,
        offline: bool = False,
        swr: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not providers:
            raise ValueError("a store needs at least one provider")
        self.providers = list(providers)
        self.cache = cache
        self.clock = clock
        self.status = StoreStatus(offline_mode=offline, cache_note=cache.note if cache else None)
        self.status_changed = Signal()
        self.updated = Signal()
        """Emitted when a background revalidation brought new detail data."""
        self.fetcher = Fetcher(cache, self.status, self.status_changed, offline=offline, swr=swr, clock=clock)
        self._collections: OrderedDict[tuple[SessionQuery, tuple[str, ...]], Collection[Session]] = (
            OrderedDict()
        )
        self._quality_gate = asyncio.Semaphore(QUALITY_CONCURRENCY)

    # -- providers -----------------------------------------------------------------------

    def provider(self, profile: str) -> Provider:
        for provider in self.providers:
            if provider.profile == profile:
                return provider
        raise NotFoundError(f"No profile named {profile!r}.")

    @property
    def profiles(self) -> list[str]:
        return [p.profile for p in self.providers]

    def describe(self) -> str:
        return ", ".join(
            p.label if len(self.providers) == 1 else f"{p.profile} ({p.name})" for p in self.providers
        )

    # -- session lists -------------------------------------------------------------------

    def sessions(self, query: SessionQuery, profiles: Sequence[str] | None = None) -> Collection[Session]:
        """The (memoised) collection for ``query`` over ``profiles`` (default: all of them),
        merged, filtered and sorted as needed."""
        chosen = tuple(profiles) if profiles else tuple(self.profiles)
        key = (query, chosen)
        found = self._collections.get(key)
        if found is not None:
            self._collections.move_to_end(key)
            return found
        providers = [self.provider(name) for name in chosen]
        collection = self._build(query, providers)
        self._collections[key] = collection
        while len(self._collections) > 8:
            self._collections.popitem(last=False)
        return collection

    @staticmethod
    def _server_sorts(provider: Provider, key: SortKey, descending: bool) -> bool:
        """Whether the API itself produces this order (newest first is the usual default)."""
        natural = key is SortKey.START and descending and provider.newest_first
        return natural or key in provider.sort_keys

    def _build(self, query: SessionQuery, providers: Sequence[Provider]) -> Collection[Session]:
        sources: list[Collection[Session]] = []
        client_text = client_status = client_time = False
        all_sorted = True
        by_start = query.sort is SortKey.START
        for provider in providers:
            caps = provider.capabilities
            sorts = self._server_sorts(provider, query.sort, query.descending)
            all_sorted &= sorts
            server = query.model_copy(
                update={
                    "text": query.text if Capability.TEXT_SEARCH in caps else "",
                    "status": query.status if Capability.STATUS_FILTER in caps else None,
                    "since": query.since if Capability.TIME_FILTER in caps else None,
                    "until": query.until if Capability.TIME_FILTER in caps else None,
                    "sort": query.sort if sorts else SortKey.START,
                    "descending": query.descending if sorts else True,
                }
            )
            client_text |= bool(query.text.strip()) and server.text != query.text
            client_status |= query.status is not None and server.status is None
            client_time |= (query.since or query.until) is not None and server.since is None
            source: Collection[Session] = self._paged_sessions(provider, server)
            if by_start and not sorts:
                # This API cannot list in start order: read it all and sort it here.
                arrow = "↓" if query.descending else "↑"
                label = f"{provider.profile}: sorted by start {arrow}"
                source = SortedCollection(source, _sort_value(SortKey.START), query.descending, label)
            sources.append(source)
        base: Collection[Session]
        if len(sources) == 1:
            base = sources[0]
            needs_sort = not by_start and not all_sorted
        else:
            base = MergedCollection(sources, descending=query.descending if by_start else True)
            needs_sort = not by_start
        if client_text or client_status or client_time:
            keep = self._predicate(query, client_text, client_status, client_time)
            base = FilteredCollection(base, keep, "filter")
        if needs_sort:
            label = f"sorted by {query.sort.value} {'↓' if query.descending else '↑'}"
            base = SortedCollection(base, _sort_value(query.sort), query.descending, label)
        return base

    @staticmethod
    def _predicate(query: SessionQuery, text: bool, status: bool, when: bool) -> Callable[[Session], bool]:
        def keep(s: Session) -> bool:
            if text and not session_matches(s, query.text):
                return False
            if status and query.status is not None and s.status is not query.status:
                return False
            if when and s.started_at is not None:
                if query.since and s.started_at < query.since:
                    return False
                if query.until and s.started_at > query.until:
                    return False
            return True

        return keep

    def _paged_sessions(self, provider: Provider, query: SessionQuery) -> PagedCollection[Session]:
        seekable = Capability.SEEK in provider.capabilities and Capability.TOTAL in provider.capabilities

        def ttl(page: Page[Session]) -> float | None:
            return LIVE_TTL_S if any(s.is_live for s in page.items) else LIST_TTL_S

        return PagedCollection(
            provider=provider,
            fetcher=self.fetcher,
            kind="sessions",
            params=query.model_dump(mode="json"),
            load=lambda cursor, limit: provider.list_sessions(query, cursor, limit),
            adapter=_session_page(),
            ttl=ttl,
            page_size=provider.page_size,
            seek=(lambda offset, limit: provider.page_cursor(query, offset, limit)) if seekable else None,
            clock=self.clock,
        )

    # -- one session and what hangs off it -----------------------------------------------

    @staticmethod
    def _detail_ttl(session: Session | None) -> float | None:
        if session is None or session.status is not SessionStatus.ENDED:
            return LIVE_TTL_S
        return None

    async def session(self, ref: SessionRef) -> Session:
        provider = self.provider(ref.profile)
        value, _f = await self.fetcher.fetch(
            provider=provider,
            kind="session",
            params=ref.session_id,
            cursor=None,
            limit=None,
            loader=lambda: provider.get_session(ref.session_id),
            adapter=_session(),
            ttl=self._detail_ttl,
            on_fresh=lambda _v, _f: self.updated.emit(),
        )
        return value

    async def _all_pages(
        self,
        provider: Provider,
        kind: str,
        params: Any,
        load: Callable[[str | None, int], Awaitable[Page[T]]],
        adapter: TypeAdapter[Page[T]],
        ttl: Callable[[Page[T]], float | None],
        limit: int,
    ) -> list[T]:
        items: list[T] = []
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page, _f = await self.fetcher.fetch(
                provider=provider,
                kind=kind,
                params=params,
                cursor=cursor,
                limit=limit,
                loader=functools.partial(load, cursor, limit),
                adapter=adapter,
                ttl=ttl,
                on_fresh=lambda _v, _f: self.updated.emit(),
            )
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None or cursor in seen:
                return items
            seen.add(cursor)

    def _require(self, provider: Provider, capability: Capability) -> None:
        if capability not in provider.capabilities:
            reason = provider.missing.get(capability) or f"{provider.label} does not provide {capability}."
            raise UnsupportedError(reason, provider=provider.name, capability=capability)

    async def participants(self, session: Session) -> list[Participant]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.PARTICIPANTS)
        ttl = self._detail_ttl(session)
        return await self._all_pages(
            provider,
            "participants",
            session.id,
            lambda cursor, limit: provider.list_participants(session.id, cursor, limit),
            _participant_page(),
            lambda _p: ttl,
            provider.page_size,
        )

    async def participant(self, session: Session, participant_id: str) -> Participant:
        provider = self.provider(session.profile)
        value, _f = await self.fetcher.fetch(
            provider=provider,
            kind="participant",
            params=[session.id, participant_id],
            cursor=None,
            limit=None,
            loader=lambda: provider.get_participant(session.id, participant_id),
            adapter=_participant(),
            ttl=lambda _p: self._detail_ttl(session),
            on_fresh=lambda _v, _f: self.updated.emit(),
        )
        return value

    async def events(self, session: Session, participant_id: str | None = None) -> list[Event]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.EVENTS)
        if participant_id is not None and Capability.PARTICIPANT_EVENTS not in provider.capabilities:
            every = await self.events(session)
            return [e for e in every if e.participant_id == participant_id]
        ttl = self._detail_ttl(session)
        return await self._all_pages(
            provider,
            "events",
            [session.id, participant_id],
            lambda cursor, limit: provider.list_events(session.id, cursor, limit, participant_id),
            _event_page(),
            lambda _p: ttl,
            max(provider.page_size, 100),
        )

    async def recordings(self, session: Session) -> list[Recording]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.RECORDINGS)
        ttl = LINK_TTL_S if session.status is SessionStatus.ENDED else LIVE_TTL_S
        return await self._all_pages(
            provider,
            "recordings",
            session.id,
            lambda cursor, limit: provider.list_recordings(session.id, cursor, limit),
            _recording_page(),
            lambda _p: ttl,
            provider.page_size,
        )

    async def artifacts(self, session: Session) -> list[Artifact]:
        provider = self.provider(session.profile)
        self._require(provider, Capability.ARTIFACTS)
        ttl = LINK_TTL_S if session.status is SessionStatus.ENDED else LIVE_TTL_S
        value, _f = await self.fetcher.fetch(
            provider=provider,
            kind="artifacts",
            params=session.id,
            cursor=None,
            limit=None,
            loader=lambda: provider.list_artifacts(session.id),
            adapter=_artifacts(),
            ttl=lambda _v: ttl,
            on_fresh=lambda _v, _f: self.updated.emit(),
        )
        return value

    async def quality(self, session: Session, participant_id: str) -> QualityReport:
        provider = self.provider(session.profile)
        self._require(provider, Capability.QUALITY)
        async with self._quality_gate:
            series, freshness = await self.fetcher.fetch(
                provider=provider,
                kind="quality",
                params=[session.id, participant_id],
                cursor=None,
                limit=None,
                loader=lambda: provider.get_quality(session.id, participant_id),
                adapter=_series(),
                ttl=lambda _v: self._detail_ttl(session),
                on_fresh=lambda _v, _f: self.updated.emit(),
            )
        return await asyncio.to_thread(self._report, session.id, participant_id, series, freshness)

    @staticmethod
    def _report(
        session_id: str, participant_id: str, series: list[QualitySeries], freshness: Freshness
    ) -> QualityReport:
        full = quality.order_series(quality.with_mos(series))
        return QualityReport(session_id, participant_id, full, quality.assess(full), freshness)

    async def find_session(self, session_id: str) -> Session:
        """Look a session id up in every profile (the palette's jump)."""
        errors: list[ProviderError] = []
        for provider in self.providers:
            try:
                return await self.session(SessionRef(provider.profile, session_id))
            except ProviderError as exc:
                errors.append(exc)
        not_found = [e for e in errors if isinstance(e, NotFoundError)]
        if len(not_found) == len(errors):
            raise NotFoundError(f"No session with id {session_id!r}.")
        raise next(e for e in errors if not isinstance(e, NotFoundError))

    # -- life cycle ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Revalidate everything: cached data stays on screen until fresh data replaces it."""
        self.fetcher.refresh()
        for collection in self._collections.values():
            collection.refresh()
        self.status.last_error = None
        self.status_changed.emit()

    def offline_text(self) -> str | None:
        if self.status.offline_mode:
            return "OFFLINE (cache only)"
        if self.status.offline_since is not None:
            stamp = datetime.fromtimestamp(self.status.offline_since, UTC).astimezone()
            return f"offline since {stamp:%H:%M:%S}"
        return None

    async def aclose(self) -> None:
        await self.fetcher.aclose()
        for provider in self.providers:
            with contextlib.suppress(Exception):
                await provider.aclose()
        if self.cache is not None:
            self.cache.close()


# Validators are built on first use: the first page should not pay for the quality models.
@functools.cache
def _session_page() -> TypeAdapter[Page[Session]]:
    return TypeAdapter(Page[Session])


@functools.cache
def _participant_page() -> TypeAdapter[Page[Participant]]:
    return TypeAdapter(Page[Participant])


@functools.cache
def _event_page() -> TypeAdapter[Page[Event]]:
    return TypeAdapter(Page[Event])


@functools.cache
def _recording_page() -> TypeAdapter[Page[Recording]]:
    return TypeAdapter(Page[Recording])


@functools.cache
def _session() -> TypeAdapter[Session]:
    return TypeAdapter(Session)


@functools.cache
def _participant() -> TypeAdapter[Participant]:
    return TypeAdapter(Participant)


@functools.cache
def _artifacts() -> TypeAdapter[list[Artifact]]:
    return TypeAdapter(list[Artifact])


@functools.cache
def _series() -> TypeAdapter[list[QualitySeries]]:
    return TypeAdapter(list[QualitySeries])
