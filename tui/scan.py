"""Diagnosing many sessions: a full scan of a list, and the list's lazy Quality column.

:class:`Scan` walks a session collection (streamed: nothing but the sessions being
diagnosed is kept) and diagnoses each session through :meth:`Store.diagnosis
<roomscope.tui.store.Store.diagnosis>` with bounded concurrency, in list order, pacing
itself by each provider's documented request budget (:data:`BUDGETS`), and says how far it
got and how long is left (:class:`ScanProgress`). :class:`Lookahead` diagnoses the rows a
list shows (and a few ahead) for its Quality column, the newest request first.

No Textual here: the TUI runs both in workers, the headless ``scan`` command runs a Scan.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from roomscope.tui.errors import Capability, ProviderError
from roomscope.tui.limits import LIVE_TTL_S, QUALITY_COLUMN_CONCURRENCY, SCAN_CONCURRENCY
from roomscope.tui.store.signals import Signal

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import Session
    from roomscope.tui.providers.base import Provider
    from roomscope.tui.store import Store


# -- request budgets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestBudget:
    """A provider's documented request allowance: ``requests`` per ``window_s`` seconds."""

    requests: int
    window_s: float
    note: str


BUDGETS: dict[str, RequestBudget] = {
    "realtimekit": RequestBudget(
        3500, 300.0, "3,500 requests per 5 minutes (Cloudflare's documented RealtimeKit API limit)"
    ),
    "whereby": RequestBudget(
        100, 60.0, "100 points per minute, a GET costing 1 (Whereby's Build plan; Grow allows 1,000)"
    ),
}
"""Providers with a documented budget. The others (SignalWire, Telnyx) document none: a scan
keeps to the HTTP layer's four requests at a time, which also obeys any 429 and its wait."""

BUDGET_SHARE = 0.8
"""The share of a budget a scan uses, leaving room for the rest of the app and other tools."""


def requests_per_session(provider: Provider, participants: int) -> int:
    """What diagnosing one session asks of ``provider`` when nothing is cached: its
    participants (one page up to the provider's page size), its events where it has them
    (one page of up to 100), and each participant's quality where it has samples."""
    pages = max(1, -(-participants // max(1, provider.page_size)))
    events = 1 if Capability.EVENTS in provider.capabilities else 0
    quality = participants if Capability.QUALITY in provider.capabilities else 0
    return pages + events + quality


class RequestMeter:
    """Counts the requests the store sends to providers (from its in-flight count), in a
    sliding window, to pace a scan by a request budget."""

    def __init__(self, store: Store, timer: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.timer = timer
        self._seen = store.status.in_flight
        self._times: deque[float] = deque()
        self.total = 0
        self._unsubscribe = store.status_changed.subscribe(self._changed)

    def _changed(self) -> None:
        now = self.store.status.in_flight
        if now > self._seen:
            stamp = self.timer()
            for _ in range(now - self._seen):
                self._times.append(stamp)
            self.total += now - self._seen
        self._seen = now

    def count(self, window_s: float) -> int:
        """Requests sent in the last ``window_s`` seconds."""
        horizon = self.timer() - window_s
        while self._times and self._times[0] < horizon:
            self._times.popleft()
        return len(self._times)

    def wait_s(self, budget: RequestBudget) -> float:
        """How long to wait before the next session may start under ``budget`` (0: now)."""
        allowed = max(1, int(budget.requests * BUDGET_SHARE))
        self.count(budget.window_s)
        if len(self._times) < allowed:
            return 0.0
        oldest = self._times[len(self._times) - allowed]
        return max(0.05, oldest + budget.window_s - self.timer())

    def close(self) -> None:
        self._unsubscribe()


# -- the scan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScanRow:
    """One session of a scan: its diagnosis, or why there is none."""

    session: Session
    diagnosis: SessionDiagnosis | None
    error: str | None = None
    reconnects: int | None = None
    """Every participant's reconnects added up (None where the provider does not count them)."""


@dataclass(frozen=True)
class ScanProgress:
    """How far a scan is."""

    done: int
    """Sessions diagnosed (or failed) so far."""
    target: int | None
    """Sessions to diagnose, when known (the list's total, or the limit)."""
    rate: float | None
    """Sessions per second so far (None until there is enough to tell)."""
    eta_s: float | None
    elapsed_s: float
    poor: int
    fair: int
    failed: int
    paced_by: str | None = None
    """The budget the scan is waiting on right now, if any."""
    finished: bool = False
    kind: Literal["scan"] = "scan"

    @property
    def fraction(self) -> float | None:
        if self.target:
            return min(1.0, self.done / self.target)
        return None


MIN_ELAPSED_S = 0.5
"""No rate or estimate before this much time."""


class Scan:
    """Diagnoses every session of ``sessions`` (at most ``limit``), ``concurrency`` at a time,
    in list order. Iterate :meth:`rows`; read :attr:`progress` (``changed`` fires on each
    step). Cancelling the task that iterates stops it; sessions already diagnosed stay in
    the store's memory and cache."""

    def __init__(
        self,
        store: Store,
        sessions: AsyncIterable[Session],
        *,
        target: int | None = None,
        limit: int | None = None,
        concurrency: int = SCAN_CONCURRENCY,
        timer: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.limit = limit
        self.target = min(target, limit) if target is not None and limit is not None else (limit or target)
        self.concurrency = max(1, concurrency)
        self.timer = timer
        self.sleep = sleep
        self.changed = Signal()
        self.started = timer()
        self.done = 0
        self.poor = 0
        self.fair = 0
        self.failed = 0
        self.finished = False
        self._paced_by: str | None = None

    @property
    def progress(self) -> ScanProgress:
        elapsed = max(0.0, self.timer() - self.started)
        rate = self.done / elapsed if elapsed >= MIN_ELAPSED_S and self.done else None
        eta = None
        if rate and self.target is not None:
            eta = max(0.0, self.target - self.done) / rate
        return ScanProgress(
            self.done,
            self.target,
            rate,
            eta,
            elapsed,
            self.poor,
            self.fair,
            self.failed,
            self._paced_by,
            self.finished,
        )

    async def rows(self) -> AsyncGenerator[ScanRow, None]:
        meter = RequestMeter(self.store, self.timer)
        window: deque[tuple[Session, asyncio.Task[ScanRow]]] = deque()
        taken = 0
        try:
            async with contextlib.aclosing(_aiter(self.sessions)) as sessions:
                async for session in sessions:
                    if self.limit is not None and taken >= self.limit:
                        break
                    taken += 1
                    if self.store.known_diagnosis(session) is None:
                        await self._pace(meter, session)
                    window.append((session, asyncio.ensure_future(self._one(session))))
                    while len(window) >= self.concurrency or (window and window[0][1].done()):
                        yield await self._take(window)
            while window:
                yield await self._take(window)
        finally:
            for _session, task in window:
                task.cancel()
            meter.close()
            self.finished = True
            self._paced_by = None
            self.changed.emit()

    async def _take(self, window: deque[tuple[Session, asyncio.Task[ScanRow]]]) -> ScanRow:
        _session, task = window[0]
        row = await task
        window.popleft()
        from roomscope.tui.quality import Verdict  # loaded by the diagnosis by now; not for the list

        self.done += 1
        if row.diagnosis is None:
            self.failed += 1
        elif row.diagnosis.worst is Verdict.POOR:
            self.poor += 1
        elif row.diagnosis.worst is Verdict.FAIR:
            self.fair += 1
        self.changed.emit()
        return row

    async def _one(self, session: Session) -> ScanRow:
        try:
            diagnosis = await self.store.diagnosis(session)
        except ProviderError as exc:
            return ScanRow(session, None, str(exc))
        return ScanRow(session, diagnosis, reconnects=await self._reconnects(session))

    async def _reconnects(self, session: Session) -> int | None:
        """From the participants (in memory or on disk: the diagnosis has just read them)."""
        try:
            people = await self.store.participants(session)
        except ProviderError:
            return None
        counts = [p.reconnects for p in people if p.reconnects is not None]
        return sum(counts) if counts else None

    async def _pace(self, meter: RequestMeter, session: Session) -> None:
        """Wait while the provider's budget is spent (a provider without one never waits)."""
        provider = self.store.provider(session.profile)
        budget = BUDGETS.get(provider.name)
        if budget is None:
            return
        while (wait := meter.wait_s(budget)) > 0:
            if self._paced_by is None:
                self._paced_by = f"{provider.label}: {budget.note}"
                self.changed.emit()
            await self.sleep(min(wait, 1.0))
        if self._paced_by is not None:
            self._paced_by = None
            self.changed.emit()


async def _aiter(items: AsyncIterable[Session]) -> AsyncGenerator[Session, None]:
    async for item in items:
        yield item


# -- the Quality column ------------------------------------------------------------------------


def session_key(session: Session) -> tuple[str, str]:
    return (session.profile, session.id)


class Lookahead:
    """Diagnoses the sessions a list asks for (the rows on screen, then a few ahead), at most
    ``concurrency`` at once, the latest request first; remembers live sessions' diagnoses
    for ``LIVE_TTL_S`` (the store keeps only ended ones in memory) and what failed.

    :meth:`run` is the worker's body; ``on_done(session)`` is called (on the loop) when a
    session's diagnosis or failure is known."""

    def __init__(
        self,
        store: Store,
        on_done: Callable[[Session], None],
        *,
        concurrency: int = QUALITY_COLUMN_CONCURRENCY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.on_done = on_done
        self.concurrency = max(1, concurrency)
        self.clock = clock
        self._wanted: list[Session] = []
        self._running: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._live: dict[tuple[str, str], tuple[float, SessionDiagnosis]] = {}
        self.failures: dict[tuple[str, str], str] = {}
        self._wake = asyncio.Event()
        self.live_ttl_s = LIVE_TTL_S
        """How long a live session's diagnosis is shown before it is asked again (live mode
        stretches it to its own interval: it asks again itself, at its pace)."""

    def known(self, session: Session) -> SessionDiagnosis | None:
        """The session's diagnosis if it is known now (memory only: for painting)."""
        found = self.store.known_diagnosis(session)
        if found is not None:
            return found
        live = self._live.get(session_key(session))
        if live is not None and self.clock() - live[0] < self.live_ttl_s:
            return live[1]
        return None

    def remember(self, session: Session, diagnosis: SessionDiagnosis) -> None:
        """A live session's diagnosis made elsewhere (live mode's refresh): shown from now."""
        if self.store.known_diagnosis(session) is None:
            self._live[session_key(session)] = (self.clock(), diagnosis)
        self.failures.pop(session_key(session), None)

    def failure(self, session: Session) -> str | None:
        return self.failures.get(session_key(session))

    def want(self, sessions: Sequence[Session]) -> bool:
        """Diagnose these (in this order) before anything asked for earlier; True when there
        is something to do (the caller starts :meth:`run` unless it is running)."""
        fresh = [
            s
            for s in sessions
            if session_key(s) not in self._running
            and session_key(s) not in self.failures
            and self.known(s) is None
            and not s.problem
        ]
        self._wanted = fresh
        if fresh:
            self._wake.set()
        return bool(fresh)

    @property
    def idle(self) -> bool:
        return not self._wanted and not self._running

    def forget_failures(self) -> None:
        self.failures.clear()
        self._live.clear()

    async def run(self) -> None:
        """Diagnose what is wanted until nothing is (the worker then ends; :meth:`want`
        says when to start it again)."""
        try:
            while self._wanted or self._running:
                while self._wanted and len(self._running) < self.concurrency:
                    session = self._wanted.pop(0)
                    key = session_key(session)
                    if key in self._running or self.known(session) is not None:
                        continue
                    self._running[key] = asyncio.ensure_future(self._one(session))
                if self._running:
                    self._wake.clear()
                    await self._wake.wait()
        finally:
            for task in self._running.values():
                task.cancel()
            self._running.clear()

    async def _one(self, session: Session) -> None:
        key = session_key(session)
        try:
            diagnosis = await self.store.diagnosis(session)
            if self.store.known_diagnosis(session) is None:
                now = self.clock()
                self._live = {k: v for k, v in self._live.items() if now - v[0] < self.live_ttl_s}
                self._live[key] = (now, diagnosis)
        except ProviderError as exc:
            self.failures[key] = str(exc)
        finally:
            self._running.pop(key, None)
            self._wake.set()
        self.on_done(session)
