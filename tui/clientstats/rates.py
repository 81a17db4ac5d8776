"""Cumulative counters turned into per-interval values, and series joined in time.

Every function works on ``array('d')`` columns aligned with a statistic's sample times, NaN
marking a missing sample. The interval of sample *i* runs from the previous sample that has
a value (a missing sample widens the next interval instead of faking a zero) and is at most
``MAX_GAP_MS`` long; a longer gap leaves the next sample without a per-interval value.

A counter that goes down was reset (a stream restarted, a Chrome bug): that interval has
no value, the count of resets goes up, and counting starts again from the new value (which
is what the restarted counter counted since the reset).
"""

from __future__ import annotations

import bisect
import math
from array import array
from collections.abc import Sequence
from dataclasses import dataclass

NAN = math.nan
MAX_GAP_MS = 60_000.0
"""The longest interval a rate is computed over (a longer gap is a gap in the result)."""


def empty(n: int) -> array[float]:
    return array("d", [NAN]) * n


@dataclass(frozen=True)
class Counted:
    """What one pass over a cumulative counter gives."""

    deltas: array[float]
    """The increase over each sample's interval (NaN: no interval, or a reset)."""
    per_second: array[float]
    """The increase per second over each interval, times the ``scale`` asked for."""
    resets: tuple[int, ...]
    """Sample indices at which the counter went down."""
    total: float | None
    """What the counter counted over the dump: its last value plus, for each reset, the value
    it had reached before it (None: no value at all)."""


def counted(
    times: array[float], counter: array[float], *, signed: bool = False, scale: float = 1.0
) -> Counted:
    """Per-interval increases and rates of a cumulative counter. ``signed``: decreases are
    values (a signed count such as ``packetsLost``), not resets."""
    out = empty(len(counter))
    rate = empty(len(counter))
    factor = 1000.0 * scale
    resets: list[int] = []
    before_reset = 0.0
    prev_t = prev_v = NAN
    started = False
    for i, (t, v) in enumerate(zip(times, counter, strict=True)):
        if t != t or v != v:
            continue
        if started:
            d = v - prev_v
            dt = t - prev_t
            if 0.0 < dt <= MAX_GAP_MS:
                if d >= 0.0 or signed:
                    out[i] = d
                    rate[i] = d * factor / dt
                else:
                    resets.append(i)
                    before_reset += prev_v
            elif d < 0.0 and not signed:
                resets.append(i)
                before_reset += prev_v
        prev_t = t
        prev_v = v
        started = True
    return Counted(out, rate, tuple(resets), before_reset + prev_v if started else None)


def total(counter: array[float], resets: Sequence[int] = ()) -> float | None:
    """The total a counter counted over the dump, summing over resets: the last value plus,
    for each reset, the value the counter had reached before it."""
    last = NAN
    before_reset = 0.0
    reset_at = set(resets)
    for i, v in enumerate(counter):
        if v != v:
            continue
        if i in reset_at and last == last:
            before_reset += last
        last = v
    return None if last != last else before_reset + last


def scaled(values: array[float], factor: float) -> array[float]:
    return array("d", [v * factor for v in values])


def ratio_pct(part: array[float], whole: array[float], *, clamp: bool = True) -> array[float]:
    """``part / whole * 100`` element-wise (NaN where ``whole`` is not positive)."""
    out = empty(len(part))
    for i, (p, w) in enumerate(zip(part, whole, strict=True)):
        if p == p and w == w and w > 0.0:
            value = p / w * 100.0
            out[i] = min(100.0, max(0.0, value)) if clamp else value
    return out


def loss_pct(lost: array[float], received: array[float]) -> array[float]:
    """Per-interval loss: lost / (received + lost) * 100 (negative lost counts as none)."""
    out = empty(len(lost))
    for i, (d_lost, d_recv) in enumerate(zip(lost, received, strict=True)):
        if d_lost == d_lost and d_recv == d_recv:
            d_lost = max(0.0, d_lost)
            whole = d_lost + d_recv
            if whole > 0.0:
                out[i] = d_lost / whole * 100.0
    return out


def share_of_interval_pct(times: array[float], seconds: array[float]) -> array[float]:
    """Per-interval seconds (deltas of a duration counter) as a share of each interval."""
    out = empty(len(seconds))
    prev_t = NAN
    for i, (t, s) in enumerate(zip(times, seconds, strict=True)):
        if t != t:
            continue
        if s == s and prev_t == prev_t and t > prev_t:
            out[i] = min(100.0, max(0.0, s * 1000.0 / (t - prev_t) * 100.0))
        prev_t = t
    return out


def as_of(src_times: array[float], src_values: array[float], at: array[float]) -> array[float]:
    """For each time in ``at``, the latest value of the source series at or before it (NaN
    when the source has none yet). Source times must increase (NaN times are skipped)."""
    times = [t for t, v in zip(src_times, src_values, strict=True) if t == t and v == v]
    values = [v for t, v in zip(src_times, src_values, strict=True) if t == t and v == v]
    out = empty(len(at))
    for i, t in enumerate(at):
        if t != t:
            continue
        k = bisect.bisect_right(times, t) - 1
        if k >= 0:
            out[i] = values[k]
    return out


def or_else(first: array[float], second: array[float]) -> array[float]:
    """``first`` where it has a value, else ``second``."""
    return array("d", (a if a == a else b for a, b in zip(first, second, strict=True)))


def clamp_min(values: array[float], low: float = 0.0) -> array[float]:
    return array("d", (v if v != v or v >= low else low for v in values))
