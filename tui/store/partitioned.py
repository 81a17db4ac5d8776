"""Sessions of a provider that lists them partition by partition (Whereby: room by room),
newest first as soon as the partitions that can hold them have been read.

Every partition says when its newest session started, and lists its sessions newest first.
A session can be shown once no partition can still hold a newer one: every partition not
read yet started its newest session earlier (or, when the provider lists partitions newest
first, every partition not even listed yet), and every partition being read has nothing
newer left. So the first rows need only the partitions with the newest sessions, and their
first pages: partitions are read side by side (as many at once as the provider's rate
limit allows), a few sessions at first and more as they are drawn on. Partitions whose
time span cannot meet the query's time range are left out by the provider.

The rows shown are kept in chunks; past a window the chunks go to a private temporary file
(:mod:`.spill`), so memory stays bounded however far the list is read.
"""

from __future__ import annotations

import asyncio
import functools
import heapq
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import TypeAdapter

from roomscope.tui.errors import AuthError, NotFoundError, ProviderError, RateLimitedError, UnsupportedError
from roomscope.tui.limits import LIST_TTL_S, LIVE_TTL_S, MAX_PAGES_IN_MEMORY, RETRY_AFTER_S
from roomscope.tui.models import Session, SessionQuery
from roomscope.tui.providers.base import Provider
from roomscope.tui.providers.partitioned import (
    Partition,
    PartitionedSessions,
    PartitionPage,
    PartitionSessions,
)
from roomscope.tui.store.collections import Collection
from roomscope.tui.store.fetcher import Fetcher
from roomscope.tui.store.signals import (
    Freshness,
    JumpProgress,
    JumpTracker,
    PartitionProgress,
    ViewActivity,
)
from roomscope.tui.store.spill import Spill

FIRST_PAGE = 10
"""Sessions asked of a partition at first (enough for a first screen across many rooms);
each further page asks for four times more, up to the provider's maximum."""
CHUNK = 200
"""Rows kept (and spilled) together."""
INF = math.inf


def _stamp(session: Session) -> float:
    return session.started_at.timestamp() if session.started_at is not None else -INF


@dataclass(eq=False)
class _Part:
    """One partition being read."""

    info: Partition
    seq: int
    bound: float
    """No session of it not received yet started later than this."""
    buffer: deque[Session] = field(default_factory=deque)
    cursor: str | None = None
    exhausted: bool = False
    ordered: bool = True
    limit: int = FIRST_PAGE
    task: asyncio.Task[None] | None = None
    error: ProviderError | None = None
    failed_at: float = 0.0

    def head(self) -> Session | None:
        """The next session it can give (an unordered partition gives none until read whole)."""
        return self.buffer[0] if self.buffer and (self.ordered or self.exhausted) else None

    @property
    def blocking(self) -> bool:
        """It may still hold a session newer than any shown: it has to be read further."""
        return not self.exhausted and (not self.buffer or not self.ordered)

    @property
    def in_flight(self) -> bool:
        return self.task is not None and not self.task.done()


class PartitionedCollection(Collection[Session]):
    """One partitioned provider's sessions for one query, newest first."""

    def __init__(
        self,
        *,
        provider: Provider,
        fetcher: Fetcher,
        query: SessionQuery,
        clock: Callable[[], float] = time.time,
        window: int = MAX_PAGES_IN_MEMORY,
    ) -> None:
        super().__init__()
        assert isinstance(provider, PartitionedSessions)
        self.provider = provider
        self.partitions: PartitionedSessions = provider
        self.fetcher = fetcher
        self.query = query
        self.params = query.model_dump(mode="json")
        self.clock = clock
        self.page_size = max(1, provider.page_size)
        self.window = max(4, window * self.page_size // CHUNK)
        """Chunks of rows kept in memory (as many rows as a paged list keeps)."""
        self.concurrency = max(1, provider.partition_concurrency)
        self._lock = asyncio.Lock()
        self._spill: Spill[Session] = Spill(_sessions())
        self._reset()

    def _reset(self) -> None:
        self._generation = getattr(self, "_generation", 0) + 1
        self._parts: list[_Part] = []
        self._ready: list[tuple[float, int, _Part]] = []
        """Partitions with a session to give: (-start, seq)."""
        self._blockers: list[tuple[float, int, _Part]] = []
        """Partitions to read further: (-bound, seq); stale entries are skipped."""
        self._listing_cursor: str | None = None
        self._listing_done = False
        self._listing_ordered = True
        self._listing_floor = INF
        """No partition not listed yet holds a session newer than this."""
        self._listing_task: asyncio.Task[None] | None = None
        self._listing_error: ProviderError | None = None
        self._listing_failed_at = 0.0
        self._untimed: list[Session] = []
        """Rows without a start time (unreadable records): shown last."""
        self._chunks: dict[int, list[Session]] = {}
        self._spill.clear()
        self._count = 0
        self.done = False
        self._started = False
        self._error: ProviderError | None = None
        self._freshness: Freshness | None = None
        self._jump: JumpTracker | None = None
        self._newest = -INF
        self._last_shown: float | None = None

    # -- shape ---------------------------------------------------------------------------

    def __len__(self) -> int:
        if not self._started:
            return 0
        return self._count + (0 if self.done else 1)

    def row(self, index: int) -> Session | None:
        if not 0 <= index < self._count:
            return None
        rows = self._chunks.get(index // CHUNK)
        return rows[index % CHUNK] if rows is not None else None

    def error_at(self, index: int) -> ProviderError | None:
        return self._error if index >= self._count else None

    @property
    def loaded(self) -> int:
        return self._count

    @property
    def total(self) -> int | None:
        return self._count if self.done else None

    @property
    def started(self) -> bool:
        return self._started

    @property
    def error(self) -> ProviderError | None:
        return self._error

    @property
    def busy(self) -> bool:
        return (self._listing_task is not None and not self._listing_task.done()) or any(
            p.in_flight for p in self._parts
        )

    @property
    def freshness(self) -> Freshness | None:
        return self._freshness

    @property
    def jump(self) -> JumpProgress | None:
        tracker = self._jump
        return None if tracker is None else tracker.progress(self._count, self.total, self._position())

    @property
    def activity(self) -> ViewActivity | None:
        jump = self.jump
        if jump is not None:
            return jump
        if not self._started or self.done:
            return None
        unread = sum(1 for p in self._parts if not p.exhausted)
        return PartitionProgress(
            shown=self._count,
            unread=unread,
            listed=len(self._parts),
            more=not self._listing_done,
            noun=self.partitions.partition_noun,
        )

    def _position(self) -> float | None:
        """How far back in time the rows shown reach, as a share of the partitions' span."""
        if self._last_shown is None or self._newest == -INF:
            return None
        oldest = [p.info.oldest.timestamp() for p in self._parts if p.info.oldest is not None]
        floor = self.query.since.timestamp() if self.query.since is not None else min(oldest, default=None)
        if floor is None or floor >= self._newest:
            return None
        return min(1.0, max(0.0, (self._newest - self._last_shown) / (self._newest - floor)))

    # -- loading -------------------------------------------------------------------------

    async def ensure(self, start: int, stop: int) -> None:
        async with self._lock:
            try:
                await self._advance(stop)
            finally:
                self._started = True
                self.changed.emit()
            await self._reload(start, stop)

    async def ensure_all(self) -> None:
        self._jump = JumpTracker(self._count, self._position())
        self.changed.emit()
        try:
            while not self.done:  # a step at a time, so rows asked for meanwhile get their turn
                before = self._count
                await self.ensure(before, before + CHUNK * 4)
                if self._count == before and not self.done:
                    return  # a request failed: ``error`` says which
        finally:
            self._jump = None
            self.changed.emit()

    async def _advance(self, target: int) -> None:
        """Show rows until there are ``target`` of them, or all, or a request failed."""
        while self._count < target and not self.done:
            self._show_ready(target)
            if self._count >= target or self.done:
                return
            waiting = self._request_needed()
            if not waiting:
                if self._blocked_by_errors():
                    return
                self._finish()
                return
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)

    def _limit(self) -> float:
        """No session not received yet started later than this."""
        limit = self._listing_floor if not self._listing_done else -INF
        while self._blockers:
            negative, _seq, part = self._blockers[0]
            if part.blocking and -negative == part.bound:
                return max(limit, part.bound)
            heapq.heappop(self._blockers)
        return limit

    def _show_ready(self, target: int) -> None:
        while self._ready and self._count < target:
            negative, _seq, part = self._ready[0]
            if -negative < self._limit():
                return
            heapq.heappop(self._ready)
            session = part.buffer.popleft()
            self._show(session)
            following = part.head()
            if following is not None:
                heapq.heappush(self._ready, (-_stamp(following), part.seq, part))
            elif part.blocking:
                heapq.heappush(self._blockers, (-part.bound, part.seq, part))

    def _request_needed(self) -> set[asyncio.Task[None]]:
        """Start the requests that can let the next row be shown (the listing, partitions
        not read yet, partitions read to their last page), most needed first, up to the
        concurrency allowed; returns every request in flight."""
        best = -self._ready[0][0] if self._ready else -INF
        flying = {p.task for p in self._parts if p.task is not None and p.in_flight}
        listing = self._listing_task
        if listing is not None and not listing.done():
            flying.add(listing)
        elif (
            not self._listing_done
            and self._listing_floor > best
            and self._retry_due(self._listing_error, self._listing_failed_at)
        ):
            self._listing_task = asyncio.ensure_future(self._list(self._generation))
            flying.add(self._listing_task)
        room = self.concurrency - len(flying)
        if room > 0:
            valid = [e for e in self._blockers if e[2].blocking and -e[0] == e[2].bound]
            for negative, _seq, part in heapq.nsmallest(len(valid), valid):
                if room <= 0 or -negative <= best:
                    break
                if part.in_flight or not self._retry_due(part.error, part.failed_at):
                    continue
                part.task = asyncio.ensure_future(self._read(part, self._generation))
                flying.add(part.task)
                room -= 1
        return {t for t in flying if t is not None}

    def _blocked_by_errors(self) -> bool:
        errors = [p.error for p in self._parts if p.blocking and p.error is not None]
        if self._listing_error is not None and not self._listing_done:
            errors.append(self._listing_error)
        if errors:
            self._error = errors[0]
            return True
        return False

    def _finish(self) -> None:
        for session in self._untimed:
            self._show(session)
        self._untimed.clear()
        self.done = True

    def _retry_due(self, error: ProviderError | None, failed_at: float) -> bool:
        if error is None:
            return True
        if isinstance(error, (AuthError, NotFoundError, UnsupportedError)):
            return False
        wait = RETRY_AFTER_S
        if isinstance(error, RateLimitedError) and error.retry_after:
            wait = max(wait, error.retry_after)
        return self.clock() - failed_at >= wait

    # -- requests ------------------------------------------------------------------------

    async def _list(self, generation: int) -> None:
        cursor = self._listing_cursor
        try:
            page, freshness = await self.fetcher.fetch(
                provider=self.provider,
                kind="partitions",
                params=self.params,
                cursor=cursor,
                limit=None,
                loader=lambda: self.partitions.list_partitions(self.query, cursor),
                adapter=_partition_page(),
                ttl=lambda _page: LIST_TTL_S,
            )
        except ProviderError as exc:
            if generation == self._generation:
                self._listing_error, self._listing_failed_at = exc, self.clock()
            return
        if generation != self._generation:
            return
        self._note(freshness)
        self._listing_error = None
        self._listing_ordered = self._listing_ordered and page.ordered
        for info in page.partitions:
            bound = info.newest.timestamp() if info.newest is not None else INF
            part = _Part(info, len(self._parts), bound)
            self._parts.append(part)
            heapq.heappush(self._blockers, (-bound, part.seq, part))
            self._newest = max(self._newest, bound if bound != INF else -INF)
        self._untimed.extend(page.unreadable)
        self._listing_cursor = page.next_cursor
        self._listing_done = page.next_cursor is None
        if self._listing_ordered and page.partitions:
            newest = [p.newest for p in page.partitions]
            self._listing_floor = min(t.timestamp() if t is not None else INF for t in newest)
        elif not self._listing_ordered:
            self._listing_floor = INF
        self.changed.emit()

    async def _read(self, part: _Part, generation: int) -> None:
        cursor, limit = part.cursor, part.limit
        key = part.info.key
        try:
            page, freshness = await self.fetcher.fetch(
                provider=self.provider,
                kind="partition-sessions",
                params=[self.params, key],
                cursor=cursor,
                limit=limit,
                loader=lambda: self.partitions.list_partition_sessions(self.query, key, cursor, limit),
                adapter=_partition_sessions(),
                ttl=lambda p: LIVE_TTL_S if any(s.is_live for s in p.items) else LIST_TTL_S,
            )
        except ProviderError as exc:
            if generation == self._generation:
                part.error, part.failed_at = exc, self.clock()
            return
        if generation != self._generation:
            return
        self._note(freshness)
        part.error = None
        had_head = part.head() is not None
        part.ordered = part.ordered and page.ordered
        timed = [s for s in page.items if s.started_at is not None]
        self._untimed.extend(s for s in page.items if s.started_at is None)
        part.buffer.extend(timed)
        part.cursor = page.next_cursor
        part.exhausted = page.next_cursor is None or page.next_cursor == cursor
        part.limit = min(self.partitions.partition_page_size, part.limit * 4)
        if part.exhausted:
            part.bound = -INF
            if not part.ordered:
                part.buffer = deque(sorted(part.buffer, key=_stamp, reverse=True))
        elif part.ordered and timed:
            part.bound = _stamp(timed[-1])
        head = part.head()
        if head is not None and not had_head:
            heapq.heappush(self._ready, (-_stamp(head), part.seq, part))
        if part.blocking:
            heapq.heappush(self._blockers, (-part.bound, part.seq, part))
        self.changed.emit()

    def _note(self, freshness: Freshness) -> None:
        known = self._freshness
        if known is None or freshness.fetched_at < known.fetched_at:
            self._freshness = freshness

    # -- rows kept -----------------------------------------------------------------------

    def _show(self, session: Session) -> None:
        c, offset = divmod(self._count, CHUNK)
        rows = self._chunks.get(c)
        if rows is None:
            rows = self._chunks[c] = []
        rows.append(session)
        self._count += 1
        if session.started_at is not None:
            self._last_shown = session.started_at.timestamp()
        if offset == CHUNK - 1:
            self._let_go(around=c)

    def _let_go(self, around: int) -> None:
        """Spill the chunks farthest from ``around`` beyond the window (the one being filled
        stays)."""
        if len(self._chunks) <= self.window:
            return
        filling = self._count // CHUNK
        far = sorted((c for c in self._chunks if c != filling), key=lambda c: abs(c - around), reverse=True)
        for c in far[: len(self._chunks) - self.window]:
            if c not in self._spill:
                self._spill.put(c, self._chunks[c])
            del self._chunks[c]

    async def _reload(self, start: int, stop: int) -> None:
        stop = min(stop, self._count)
        if stop <= start:
            return
        wanted = [c for c in range(start // CHUNK, (stop - 1) // CHUNK + 1) if c not in self._chunks]
        for c in wanted:
            rows = await asyncio.to_thread(self._spill.get, c)
            if rows is not None:
                self._chunks[c] = rows
        if wanted:
            self._let_go(around=start // CHUNK)
            self.changed.emit()

    def refresh(self) -> None:
        """Read everything again (rows are shown again as they arrive)."""
        for part in self._parts:
            if part.task is not None and not part.task.done():
                part.task.cancel()
        if self._listing_task is not None and not self._listing_task.done():
            self._listing_task.cancel()
        self._reset()
        self.changed.emit()


# Validators are built on first use.
@functools.cache
def _partition_page() -> TypeAdapter[PartitionPage]:
    return TypeAdapter(PartitionPage)


@functools.cache
def _partition_sessions() -> TypeAdapter[PartitionSessions]:
    return TypeAdapter(PartitionSessions)


@functools.cache
def _sessions() -> TypeAdapter[list[Session]]:
    return TypeAdapter(list[Session])
