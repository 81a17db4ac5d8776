"""Fetching one answer: memory, then the disk cache, then the provider, each request once.

1. build a cache key from (provider identity, kind, parameters, cursor, page size);
2. share the request if the same key is already being fetched (single flight);
3. read the disk cache; a fresh entry is the answer;
4. a stale entry is the answer *now*, and is revalidated in the background
   (stale-while-revalidate) ``REVALIDATE_AFTER_S`` later, so that the stale answer is
   drawn before the request competes with the drawing; the result is announced through
   ``on_fresh``;
5. a miss goes to the provider; the answer is written to the cache with the expiry the
   caller's ``ttl`` gives it (None: never expires);
6. if the network is down, cached data (however old) is served and the status reports
   since when; ``offline=True`` never calls a provider at all, and neither does a read
   inside ``with cache_only():`` (only that task and the tasks it starts: the rest of the
   app goes on asking the providers).

Detail answers are also kept in a small in-memory memo; list pages live in their collections.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from roomscope.tui.cache import Cache, make_key
from roomscope.tui.errors import OfflineMissError, ProviderError, UnavailableError
from roomscope.tui.limits import REVALIDATE_AFTER_S
from roomscope.tui.providers.base import Provider
from roomscope.tui.store.signals import Freshness, Signal, StoreStatus

T = TypeVar("T")
M = TypeVar("M")

log = logging.getLogger("roomscope.store")

_CACHE_ONLY: ContextVar[bool] = ContextVar("roomscope_cache_only", default=False)
"""Set by :func:`cache_only`: reads in this context never call a provider."""


@contextlib.contextmanager
def cache_only(enabled: bool = True) -> Iterator[None]:
    """Inside the block, this task (and the tasks it starts) reads the cache only, as if
    offline: a miss raises :class:`OfflineMissError`. Other tasks are not affected, unlike
    setting ``Fetcher.offline``, which the whole store shares."""
    token = _CACHE_ONLY.set(enabled or _CACHE_ONLY.get())
    try:
        yield
    finally:
        _CACHE_ONLY.reset(token)


LIST_KINDS = frozenset({"sessions", "partitions", "partition-sessions"})
"""Pages of session lists: kept by their collections, not in the memo of details."""


def cache_identity(provider: Provider, kind: str) -> str:
    """The name of what answers ``kind`` in cache keys: the provider's ``list_identity`` for
    list pages, its ``identity`` for everything else (they differ for the demo world only:
    its lists are read by position from an anchor that live mode moves, its sessions'
    details are not)."""
    return provider.list_identity if kind in LIST_KINDS else provider.identity


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
        self.live_refreshed_at = 0.0
        """Answers that can still change (those with an expiry) fetched before this are asked
        again, and waited for, when next wanted (``refresh_live``)."""
        self._inflight: dict[str, asyncio.Task[Any]] = {}
        self._memory: OrderedDict[str, _Memo[Any]] = OrderedDict()
        self._background: set[asyncio.Task[Any]] = set()
        self._revalidating: set[str] = set()
        """Keys whose stale answer is waiting ``REVALIDATE_AFTER_S`` to be asked again."""

    def _stale(self, fetched_at: float, expires_at: float | None) -> bool:
        if fetched_at < self.refreshed_at or self.superseded(fetched_at, expires_at):
            return True
        return expires_at is not None and expires_at <= self.clock()

    def superseded(self, fetched_at: float, expires_at: float | None) -> bool:
        """Live mode asked for everything that can still change since this was fetched."""
        return expires_at is not None and fetched_at < self.live_refreshed_at

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
        identity = cache_identity(provider, kind)
        key = make_key(identity, kind, params, cursor, limit)
        offline = self.offline or _CACHE_ONLY.get()
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
            if offline:
                return value, freshness
            if self.swr and not self.superseded(fetched_at, expires_at):
                self._revalidate(key, identity, provider, kind, loader, adapter, ttl, on_fresh)
                return value, freshness
            try:
                return await self._network(key, identity, provider, kind, loader, adapter, ttl)
            except UnavailableError:
                return value, freshness
        if offline:
            why = "roomscope is offline (--offline)" if self.offline else "only the cache was read"
            raise OfflineMissError(f"Not in the cache, and {why}.", provider=provider.name)
        return await self._network(key, identity, provider, kind, loader, adapter, ttl)

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
        if kind in LIST_KINDS:
            return  # list pages live in their collections (and the disk cache)
        self._memory[key] = _Memo(value, freshness, expires_at)
        self._memory.move_to_end(key)
        while len(self._memory) > 256:
            self._memory.popitem(last=False)

    def _network(
        self,
        key: str,
        identity: str,
        provider: Provider,
        kind: str,
        loader: Callable[[], Awaitable[M]],
        adapter: TypeAdapter[M],
        ttl: Callable[[M], float | None],
    ) -> Awaitable[tuple[M, Freshness]]:
        running = self._inflight.get(key)
        if running is None:
            running = asyncio.ensure_future(self._load(key, identity, provider, kind, loader, adapter, ttl))
            self._inflight[key] = running
            running.add_done_callback(lambda _t: self._inflight.pop(key, None))
        return asyncio.shield(running)

    async def _load(
        self,
        key: str,
        identity: str,
        provider: Provider,
        kind: str,
        loader: Callable[[], Awaitable[M]],
        adapter: TypeAdapter[M],
        ttl: Callable[[M], float | None],
    ) -> tuple[M, Freshness]:
        self.status.in_flight += 1
        self.status_changed.emit()
        try:
            value = await loader()
        except ProviderError as exc:
            self._note_failure(provider, exc)
            raise
        finally:
            self.status.in_flight -= 1
            self.status_changed.emit()
        self._note_success(provider)
        now = self.clock()
        freshness = Freshness(fetched_at=now, from_cache=False, stale=False)
        if cache_identity(provider, kind) != identity:
            # The provider's world moved on while this was asked (the demo's anchor): the
            # answer may be the new world's, so it is not kept under the old world's name.
            return value, freshness
        lifetime = ttl(value)
        expires_at = None if lifetime is None else now + lifetime
        body = self._serialise(kind, value, adapter) if self.cache is not None else None
        if self.cache is not None and body is not None:
            await asyncio.to_thread(
                self.cache.put,
                key,
                profile=provider.profile,
                kind=kind,
                body=body,
                fetched_at=now,
                expires_at=expires_at,
            )
        self._remember(kind, key, value, freshness, expires_at)
        return value, freshness

    @staticmethod
    def _serialise(kind: str, value: M, adapter: TypeAdapter[M]) -> bytes | None:
        """The cache body for ``value``; None when it cannot be written (the answer is still
        served, only not cached: a value the encoder refuses must not cost the page)."""
        try:
            return adapter.dump_json(value)
        except (PydanticSerializationError, ValueError) as exc:
            log.info("not caching a %s answer (%s)", kind, type(exc).__name__)
            return None

    def _revalidate(
        self,
        key: str,
        identity: str,
        provider: Provider,
        kind: str,
        loader: Callable[[], Awaitable[M]],
        adapter: TypeAdapter[M],
        ttl: Callable[[M], float | None],
        on_fresh: Callable[[M, Freshness], None] | None,
    ) -> None:
        if key in self._inflight or key in self._revalidating:
            return
        self._revalidating.add(key)

        async def run() -> None:
            try:
                await asyncio.sleep(REVALIDATE_AFTER_S)  # the stale answer is drawn first
            finally:
                self._revalidating.discard(key)
            try:
                value, freshness = await self._network(key, identity, provider, kind, loader, adapter, ttl)
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

    def refresh_live(self) -> None:
        """Live mode's refresh: whatever can still change (an answer with an expiry: list
        pages, a live session's details) fetched before now is asked again when next wanted,
        and that answer is waited for rather than the cached one shown meanwhile; what can no
        longer change (an ended session's details) stays as it is."""
        self.live_refreshed_at = self.clock()
        for key in [k for k, memo in self._memory.items() if memo.expires_at is not None]:
            del self._memory[key]

    async def aclose(self) -> None:
        tasks = [*self._background, *self._inflight.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
