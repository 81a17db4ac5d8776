"""The k-way merge of sorted session lists by start time: its order, steps forward and
backward from a split, and finding the split at any position without reading what is
before it.

A *split* is one offset per source: the rows before it in every source are exactly the
merged list's rows before position ``sum(split)``. From a split, merging forward (or
backward) a few rows at a time gives the merged rows after (or before) it and the next
split. The split at position 0 is all zeros and, when the sources know their lengths, the
split at the end is their lengths, so the last rows are found by merging the sources'
last rows backward. Any other split is found by :func:`select`: it looks for the start
time below which ``position`` rows lie, counting each source's rows by interpolation over
its pages, and merges the last few rows greedily.

The order is by start time (newest first when descending), then by source: ties go to the
earlier source. Each source is expected in that order already (a provider that cannot
list in start order is sorted before it is merged); a row without a start time counts as
the oldest.
"""

from __future__ import annotations

import asyncio
import bisect
import heapq
from collections.abc import Sequence
from dataclasses import dataclass

from roomscope.tui.errors import ProviderError
from roomscope.tui.models import Session
from roomscope.tui.store.collections import Collection

Split = tuple[int, ...]
"""Rows taken from each source."""

SELECT_ROUNDS = 40
"""At most this many guesses at the start time of a position (each halves the range at worst)."""


@dataclass(frozen=True)
class MergeOrder:
    """The merged order: ``value`` ascending (start time, negated when newest first comes
    first), ties to the earlier source."""

    descending: bool

    def value(self, item: Session) -> float:
        stamp = item.started_at.timestamp() if item.started_at else 0.0
        return -stamp if self.descending else stamp


class Blocked(Exception):
    """A source could not give the row a merge step needed (its error, when it has one)."""

    def __init__(self, source: int, error: ProviderError | None) -> None:
        super().__init__(source)
        self.source = source
        self.error = error


async def forward(
    sources: Sequence[Collection[Session]], split: Split, count: int, order: MergeOrder
) -> tuple[list[Session], Split]:
    """The next ``count`` merged rows after ``split`` (fewer at the end) and the split after
    them. Raises :class:`Blocked` when a source cannot give a row it has."""
    await asyncio.gather(
        *(s.ensure(o, o + count) for s, o in zip(sources, split, strict=True)), return_exceptions=True
    )
    offsets = list(split)
    heap: list[tuple[float, int]] = []
    for i, source in enumerate(sources):
        item = _head(source, i, offsets[i])
        if item is not None:
            heap.append((order.value(item), i))
    heapq.heapify(heap)
    out: list[Session] = []
    while heap and len(out) < count:
        _value, i = heapq.heappop(heap)
        item = sources[i].row(offsets[i])
        assert item is not None
        out.append(item)
        offsets[i] += 1
        if len(out) < count and (following := _head(sources[i], i, offsets[i])) is not None:
            heapq.heappush(heap, (order.value(following), i))
    return out, tuple(offsets)


async def backward(
    sources: Sequence[Collection[Session]], split: Split, count: int, order: MergeOrder
) -> tuple[list[Session], Split]:
    """The ``count`` merged rows before ``split`` (fewer at the start), in list order, and
    the split before them. Raises :class:`Blocked` when a source cannot give a row it has."""
    await asyncio.gather(
        *(s.ensure(max(0, o - count), o) for s, o in zip(sources, split, strict=True)),
        return_exceptions=True,
    )
    offsets = list(split)
    heap: list[tuple[float, int]] = []
    for i, source in enumerate(sources):
        if offsets[i] > 0:
            heap.append((-order.value(_tail(source, i, offsets[i] - 1)), -i))
    heapq.heapify(heap)
    out: list[Session] = []
    while heap and len(out) < count:
        _value, negative = heapq.heappop(heap)
        i = -negative
        offsets[i] -= 1
        out.append(_tail(sources[i], i, offsets[i]))
        if offsets[i] > 0 and len(out) < count:
            before = _tail(sources[i], i, offsets[i] - 1)
            heapq.heappush(heap, (-order.value(before), -i))
    out.reverse()
    return out, tuple(offsets)


def _head(source: Collection[Session], i: int, offset: int) -> Session | None:
    """Row ``offset`` of a source; None past its end, or when the source failed to load it
    (a profile that fails is left out of the merge, and says so, rather than stopping it);
    :class:`Blocked` when the row should be there and is not."""
    item = source.row(offset)
    if item is None and offset < len(source):
        total = source.total
        if (total is not None and offset >= total) or source.error_at(offset) or source.error:
            return None
        raise Blocked(i, None)
    return item


def _tail(source: Collection[Session], i: int, offset: int) -> Session:
    item = source.row(offset)
    if item is None:
        raise Blocked(i, source.error_at(offset) or source.error)
    return item


async def select(
    sources: Sequence[Collection[Session]], position: int, order: MergeOrder, *, walk: int = 200
) -> Split:
    """The split at ``position`` of the merge of seekable ``sources`` (whose ``len()`` is
    their total); ``walk``: how close a guess must come before the rest is merged greedily."""
    sizes = [len(s) for s in sources]
    everything = sum(sizes)
    if position <= 0:
        return tuple(0 for _ in sources)
    if position >= everything:
        return tuple(sizes)
    seen: list[dict[int, float]] = [{} for _ in sources]

    async def ends(i: int) -> None:
        # one page of a source at a time: a page read must not be let go by its sibling
        if sizes[i]:
            await _read(sources[i], i, 0, order, seen[i])
            await _read(sources[i], i, sizes[i] - 1, order, seen[i])

    await asyncio.gather(*(ends(i) for i in range(len(sources))))  # the range of values
    known = [v for values in seen for v in values.values()]
    low: tuple[float, int] = (min(known), 0)  # no row lies below the smallest value
    high: tuple[float, int] = (max(known) + 1.0, everything)  # every row lies below this
    guess = _proportional_guess(sizes, position, seen)
    counts = [0 for _ in sources]
    for _round in range(SELECT_ROUNDS):
        x = guess if guess is not None else _interpolate(low, high, position)
        guess = None
        counts = list(
            await asyncio.gather(
                *(_count_below(s, i, sizes[i], x, order, seen[i]) for i, s in enumerate(sources))
            )
        )
        found = sum(counts)
        if abs(found - position) <= walk:
            break
        if found < position:
            low = (x, found)
        else:
            high = (x, found)
        if high[0] - low[0] <= 1e-6:  # many rows share one start time: merge the rest
            break
    split: Split = tuple(counts)
    found = sum(split)
    while found != position:
        step = min(abs(position - found), 4 * walk)
        if found < position:
            rows, split = await forward(sources, split, step, order)
            found += len(rows)
        else:
            rows, split = await backward(sources, split, step, order)
            found -= len(rows)
        if not rows:
            break
    return split


def _proportional_guess(
    sizes: Sequence[int], position: int, seen: Sequence[dict[int, float]]
) -> float | None:
    """The value at the proportional offset of the largest source, when already read."""
    largest = max(range(len(sizes)), key=lambda i: sizes[i])
    offset = min(sizes[largest] - 1, position * sizes[largest] // max(1, sum(sizes)))
    return seen[largest].get(offset)


def _interpolate(low: tuple[float, int], high: tuple[float, int], position: int) -> float:
    """The value below which ``position`` rows should lie, on the line through the
    bracket's ends (kept off the ends, so the bracket shrinks every round)."""
    (x0, c0), (x1, c1) = low, high
    if c1 <= c0:
        return (x0 + x1) / 2
    t = min(0.95, max(0.05, (position - c0) / (c1 - c0)))
    return x0 + t * (x1 - x0)


async def _count_below(
    source: Collection[Session], index: int, size: int, x: float, order: MergeOrder, seen: dict[int, float]
) -> int:
    """How many rows of ``source`` (in order) have a value below ``x``: an interpolation
    search over its pages, reusing every row value read before."""
    lo, hi = 0, size  # the answer lies in [lo, hi]
    for pos, value in seen.items():
        if value < x:
            lo = max(lo, pos + 1)
        else:
            hi = min(hi, pos)
    while lo < hi:
        left, right = seen.get(lo - 1), seen.get(hi)
        if left is not None and right is not None and right > left:
            guess = lo + int((x - left) / (right - left) * (hi - lo))
        else:
            guess = (lo + hi) // 2
        start, values = await _read(source, index, min(hi - 1, max(lo, guess)), order, seen)
        if values[-1] < x:
            lo = max(lo, start + len(values))
        elif values[0] >= x:
            hi = min(hi, start)
        else:
            return start + bisect.bisect_left(values, x)
    return lo


async def _read(
    source: Collection[Session], index: int, position: int, order: MergeOrder, seen: dict[int, float]
) -> tuple[int, list[float]]:
    """Load the page of ``source`` holding ``position``; note each of its rows' values.
    Returns the page's first position and its values; :class:`Blocked` if it cannot load."""
    page = max(1, getattr(source, "page_size", 100))
    start = position // page * page
    await source.ensure(start, start + page)
    values: list[float] = []
    for pos in range(start, min(start + page, len(source))):
        item = source.row(pos)
        if item is None:
            break
        value = order.value(item)
        seen[pos] = value
        values.append(value)
    if not values or start + len(values) <= position:
        raise Blocked(index, source.error_at(position) or source.error)
    return start, values
