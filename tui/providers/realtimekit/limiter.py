"""Cloudflare RealtimeKit's documented request budget, kept on the client side.

The RealtimeKit limits page (cloudflare-docs ``realtime/realtimekit/limits.mdx``) gives
3,500 requests per 5 minutes for the RealtimeKit APIs and 1,000 per 50 seconds for the
recordings APIs. :class:`RequestLimiter` holds one sliding window per budget: a request
waits for its turn rather than earning a 429 that blocks the whole account for minutes.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from roomscope.tui.providers.realtimekit.payloads import log


@dataclass(frozen=True)
class Budget:
    requests: int
    window_s: float


API_BUDGET = Budget(3_500, 300.0)
"""All RealtimeKit APIs: 3,500 requests per 5 minutes."""
RECORDINGS_BUDGET = Budget(1_000, 50.0)
"""The recordings APIs: 1,000 requests per 50 seconds (also counted in the API budget)."""


class _Window:
    """The send times of the last ``budget.requests`` requests."""

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.sent: deque[float] = deque()

    def wait(self, now: float) -> float:
        """Seconds until one more request fits (0: now)."""
        while self.sent and now - self.sent[0] >= self.budget.window_s:
            self.sent.popleft()
        if len(self.sent) < self.budget.requests:
            return 0.0
        return self.sent[0] + self.budget.window_s - now


class RequestLimiter:
    """One API-wide window and one for recordings; ``acquire`` waits for room in both."""

    def __init__(
        self,
        api: Budget = API_BUDGET,
        recordings: Budget = RECORDINGS_BUDGET,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._api = _Window(api)
        self._recordings = _Window(recordings)
        self._clock = clock
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self.waited_s = 0.0
        """Seconds spent waiting for the budget so far (tests and logs read it)."""

    async def acquire(self, *, recordings: bool = False) -> None:
        windows = [self._api, self._recordings] if recordings else [self._api]
        async with self._lock:  # one waiter at a time: the order of requests is kept
            while True:
                now = self._clock()
                wait = max(window.wait(now) for window in windows)
                if wait <= 0:
                    for window in windows:
                        window.sent.append(now)
                    return
                log.info("realtimekit: request budget used up, waiting %.1fs", wait)
                self.waited_s += wait
                await self._sleep(wait)
