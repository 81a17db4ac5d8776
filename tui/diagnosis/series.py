"""Reading a provider's series safely, and finding held breaches in it quickly.

``read`` turns a ``QualitySeries`` into a ``Clean`` one (canonical unit, absolute times,
unusable samples set aside) or says why it cannot (``CannotSay``): one broken series costs
that series only. What is set aside is said, never hidden:

* NaN, infinite, negative or out-of-range samples become gaps when they are few (at most
  ``REPAIR_SHARE`` of the samples); more than that, and the whole series is unreadable
  (a wrong unit, a counter gone backwards). A negative sample in a series only its high
  values matter for (loss, jitter, RTT ...) cannot breach and is only looked for when the
  series is read sample by sample anyway (gaps, NaN, a unit to convert, samples adding up
  below zero);
* repeated timestamps keep their first sample; timestamps out of order, or a different
  number of offsets and values, make the series unreadable (which sample is when?);
* a unit the rule does not know makes it unreadable; a unit the provider does not document
  is read as given, with a caveat on every finding that uses it.

``held_spans`` finds the stretches where a threshold holds (``roomscope.tui.quality``'s
``held_mask`` and ``held_spans``: 3 of 5 samples) without walking clean series sample by
sample: a series whose extreme never crosses the level is done after one ``max``.
"""

from __future__ import annotations

import math
import operator
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import islice
from typing import cast

from roomscope.tui.diagnosis.findings import CannotSay, Person, Unsaid
from roomscope.tui.models import Metric, QualitySeries
from roomscope.tui.quality import HOLD_COUNT, held_indices, held_runs

REPAIR_SHARE = 0.1
"""At most this share of a series' samples may be set aside before it is unreadable."""

LOWER_IS_WORSE = frozenset(
    {Metric.MOS, Metric.FPS, Metric.FPS_SEND, Metric.BWE, Metric.BITRATE_SEND, Metric.BITRATE_RECV}
)
"""Metrics whose rules look for low values (MOS, frame rate, bandwidth, no media)."""
CHUNK = 128
"""Samples per slice when searching for breaches (one C-level max or min per slice)."""

CANONICAL: dict[str, str] = {
    Metric.LOSS_SEND: "%",
    Metric.LOSS_RECV: "%",
    Metric.BITRATE_SEND: "kbps",
    Metric.BITRATE_RECV: "kbps",
    Metric.JITTER: "ms",
    Metric.RTT: "ms",
    Metric.MOS: "",
    Metric.FPS: "fps",
    Metric.FPS_SEND: "fps",
    Metric.CPU_LIMITED: "%",
    Metric.BW_LIMITED: "%",
    Metric.BWE: "kbps",
    Metric.FREEZE: "%",
    Metric.CONCEALMENT: "%",
    Metric.RELAY: "",
    Metric.PATH_SWITCH: "",
    Metric.ICE_STATE: "",
}
"""The unit each metric is judged in (that of ``roomscope.tui.quality.THRESHOLDS``)."""

_FACTORS: dict[str, dict[str, float]] = {
    "%": {"%": 1.0, "percent": 1.0, "pct": 1.0, "fraction": 100.0, "ratio": 100.0},
    "ms": {"ms": 1.0, "milliseconds": 1.0, "s": 1000.0, "sec": 1000.0, "seconds": 1000.0, "us": 0.001},
    "kbps": {"kbps": 1.0, "kbit/s": 1.0, "kb/s": 1.0, "bps": 0.001, "bit/s": 0.001, "bits/s": 0.001},
    "": {"": 1.0, "mos": 1.0},
    "fps": {"fps": 1.0, "frames/s": 1.0, "": 1.0},
}
_FACTORS["kbps"].update({"mbps": 1000.0, "mbit/s": 1000.0})
_FACTORS["ms"]["µs"] = 0.001

PLAUSIBLE: dict[str, tuple[float, float]] = {
    "%": (0.0, 100.0),
    "ms": (0.0, 60_000.0),
    "kbps": (0.0, 10_000_000.0),
    "": (0.0, 5.0),
    "fps": (0.0, 240.0),
}
"""The range a sample must lie in (canonical unit) to be read at all."""


@dataclass(frozen=True)
class Clean:
    """A readable series: values in the canonical unit (``None`` = gap), absolute times."""

    participant_id: str
    metric: str
    peer_id: str | None
    unit: str
    t0: float
    """Epoch seconds of the series' start."""
    step: float
    """Seconds between samples (regular series), else 0."""
    offsets: list[float] | None
    values: list[float | None]
    low: float
    """The smallest sample; ``-inf`` (not looked for) where only high values matter."""
    high: float
    """The largest sample."""
    caveat: str = ""
    source: str = ""
    provider_score: bool = False
    """A score the provider computed (not roomscope's estimate)."""
    lower_is_worse: bool = False
    """The direction the metric's rules read it in."""
    scan: list[float] = field(default_factory=list)
    """``values`` with gaps as harmless numbers (-inf, or +inf where lower is worse), for
    searching breaches in C: ``values`` itself when there are no gaps."""
    peaks: list[float] = field(default_factory=list)
    """The worst of each ``CHUNK`` samples of ``scan`` (max, or min where lower is worse)."""

    def time(self, index: int) -> float:
        if self.offsets is not None:
            return self.t0 + self.offsets[index]
        return self.t0 + index * self.step

    def times(self, indices: list[int]) -> list[float]:
        """``time`` of each of ``indices``."""
        t0 = self.t0
        if self.offsets is not None:
            offsets = self.offsets
            return [t0 + offsets[i] for i in indices]
        step = self.step
        return [t0 + i * step for i in indices]

    @property
    def end(self) -> float:
        """Epoch seconds just after the last sample."""
        n = len(self.values)
        return self.time(n - 1) + self.step if n else self.t0

    def index_range(self, start: float, end: float) -> range:
        """Indices of the samples at ``start <= t < end``."""
        n = len(self.values)
        if self.offsets is None:
            if not self.step:
                return range(0)
            lo = max(0, math.ceil((start - self.t0) / self.step - 1e-9))
            hi = min(n, math.ceil((end - self.t0) / self.step - 1e-9))
            return range(lo, max(lo, hi))
        lo = bisect_left(self.offsets, start - self.t0)
        hi = bisect_left(self.offsets, end - self.t0)
        return range(lo, hi)

    def worst_between(self, start: float, end: float, higher_is_worse: bool = True) -> float | None:
        picked = [v for v in (self.values[i] for i in self.index_range(start, end)) if v is not None]
        if not picked:
            return None
        return max(picked) if higher_is_worse else min(picked)


def _unit_factor(metric: str, unit: str) -> float | None:
    canonical = CANONICAL.get(metric)
    if canonical is None:
        return None
    return _FACTORS[canonical].get(unit.strip().lower())


def read(series: QualitySeries, person: Person) -> tuple[Clean | None, list[CannotSay]]:
    """The readable form of ``series`` and what had to be said about it."""
    metric = str(series.metric)
    notes: list[CannotSay] = []

    def unreadable(detail: str, reason: Unsaid = Unsaid.BAD_SERIES) -> tuple[None, list[CannotSay]]:
        notes.append(CannotSay(reason, detail, person, None, metric))
        return None, notes

    factor = _unit_factor(metric, series.unit)
    if factor is None:
        return unreadable(f"{metric}: unit {series.unit!r} is not one roomscope can read")
    canonical = CANONICAL[metric]
    values: list[float | None] = series.values
    n = len(values)
    offsets = series.offsets_s
    if offsets is not None and len(offsets) != n:
        return unreadable(f"{metric}: {len(offsets)} timestamps for {n} samples")
    if offsets is None and n > 1 and not (series.interval_s and series.interval_s > 0):
        return unreadable(f"{metric}: no sample interval and no timestamps")
    if n == 0:
        return unreadable(f"no {metric} samples", Unsaid.NO_SAMPLES)
    lo_ok, hi_ok = PLAUSIBLE[canonical]
    if offsets is not None:
        if any(map(operator.gt, offsets, islice(offsets, 1, None))):
            return unreadable(f"{metric}: timestamps out of order")
        if not all(map(math.isfinite, (offsets[0], offsets[-1]))):
            return unreadable(f"{metric}: timestamps that are not numbers")
    lower = metric in LOWER_IS_WORSE
    gaps = 0
    readable = False
    try:  # the usual case: no gaps, no odd values, the unit as judged, in two C passes
        total = sum(cast("list[float]", values))
        if factor == 1.0 and math.isfinite(total) and total >= 0.0:
            scan = cast("list[float]", values)
            peaks = _peaks(scan, lower)
            if lower:
                low, high = min(peaks), max(scan)
                readable = lo_ok <= low and high <= hi_ok
            else:  # a negative sample cannot breach a high-is-bad rule: not looked for
                low, high = -math.inf, max(peaks)
                readable = high <= hi_ok
    except TypeError:
        gaps = values.count(None)
    set_aside = 0
    if not readable:
        if gaps == n:
            return unreadable(f"no {metric} samples", Unsaid.NO_SAMPLES)
        try:
            values, set_aside = _repaired(values, factor, lo_ok, hi_ok)
        except TypeError:
            return unreadable(f"{metric}: samples that are not numbers")
        if set_aside > REPAIR_SHARE * (n - gaps):
            return unreadable(
                f"{metric}: {set_aside} of {n - gaps} samples are not numbers or outside "
                f"{lo_ok:g}–{hi_ok:g} {canonical} (a wrong unit?)"
            )
        if set_aside:
            notes.append(
                CannotSay(
                    Unsaid.REPAIRED,
                    f"{metric}: {set_aside} sample(s) not numbers or outside {lo_ok:g}–{hi_ok:g} "
                    f"{canonical}, read as gaps",
                    person,
                    None,
                    metric,
                )
            )
        kept = [v for v in values if v is not None]
        if not kept:
            return unreadable(f"no readable {metric} samples")
        low, high = min(kept), max(kept)
        scan = _filled(values, lower) if len(kept) < n else cast("list[float]", values)
        peaks = _peaks(scan, lower)
    if offsets is not None and any(map(operator.eq, offsets, islice(offsets, 1, None))):
        offsets, values, dropped = _first_of_each_time(offsets, values)
        notes.append(
            CannotSay(
                Unsaid.REPAIRED,
                f"{metric}: {dropped} sample(s) repeat a timestamp, the first one kept",
                person,
                None,
                metric,
            )
        )
        scan = _filled(values, lower) if None in values else cast("list[float]", values)
        peaks = _peaks(scan, lower)
    caveat = "" if series.unit_documented else f"unit not documented by the provider, read as {series.unit!r}"
    source = series.source
    return (
        Clean(
            participant_id=series.participant_id,
            metric=metric,
            peer_id=series.peer_id,
            unit=canonical,
            t0=series.start.timestamp(),
            step=0.0 if offsets is not None else float(series.interval_s or 0.0),
            offsets=offsets,
            values=values,
            low=low,
            high=high,
            caveat=caveat,
            source=source,
            provider_score=metric == Metric.MOS and not source.startswith("estimated"),
            lower_is_worse=lower,
            scan=scan,
            peaks=peaks,
        ),
        notes,
    )


def _peaks(scan: list[float], lower: bool) -> list[float]:
    """The max (or min, where lower is worse) of each ``CHUNK`` samples."""
    pick = min if lower else max
    return [pick(scan[at : at + CHUNK]) for at in range(0, len(scan), CHUNK)]


def _filled(values: list[float | None], lower: bool) -> list[float]:
    """``values`` with each gap set to a number no rule can see as a breach: +inf where
    lower is worse, else -inf (C-level search for the gaps)."""
    fill = math.inf if lower else -math.inf
    out = cast("list[float]", list(values))
    i = -1
    try:
        while True:
            i = values.index(None, i + 1)
            out[i] = fill
    except ValueError:
        return out


def _repaired(
    values: list[float | None], factor: float, lo_ok: float, hi_ok: float
) -> tuple[list[float | None], int]:
    out: list[float | None] = []
    set_aside = 0
    for v in values:
        if v is None:
            out.append(None)
            continue
        x = v * factor
        if math.isfinite(x) and lo_ok <= x <= hi_ok:
            out.append(x)
        else:
            out.append(None)
            set_aside += 1
    return out, set_aside


def _first_of_each_time(
    offsets: list[float], values: list[float | None]
) -> tuple[list[float], list[float | None], int]:
    keep_o: list[float] = []
    keep_v: list[float | None] = []
    for o, v in zip(offsets, values, strict=True):
        if keep_o and o == keep_o[-1]:
            continue
        keep_o.append(o)
        keep_v.append(v)
    return keep_o, keep_v, len(offsets) - len(keep_o)


# ---------------------------------------------------------------------------------------
# Held breaches


def held(clean: Clean, level: float, higher_is_worse: bool = True) -> list[tuple[int, int]]:
    """(first, last) index of each stretch where ``level`` is breached in
    ``HOLD_COUNT`` of ``HOLD_WINDOW`` samples (stretches less than ``HOLD_WINDOW`` samples
    apart are one), as ``roomscope.tui.quality.held_mask``/``held_spans`` define them."""
    return held_from(breaches(clean, level, higher_is_worse))


def held_from(hits: list[int]) -> list[tuple[int, int]]:
    """``held`` from the indices of the breaching samples."""
    if len(hits) < HOLD_COUNT:
        return []
    return held_runs(held_indices(hits))


def breaches(clean: Clean, level: float, higher_is_worse: bool = True) -> list[int]:
    """Indices of the samples that breach ``level`` (none when the series' extreme is clear)."""
    if higher_is_worse and clean.high <= level:
        return []
    if not higher_is_worse and clean.low >= level:
        return []
    return _hits(clean, level, higher_is_worse)


def _hits(clean: Clean, level: float, higher_is_worse: bool) -> list[int]:
    """Indices of the samples that breach ``level``: slices whose extreme stays clear are
    skipped after one C-level ``max`` (or ``min``)."""
    values = clean.values
    if clean.lower_is_worse is not higher_is_worse and clean.peaks:
        scan = clean.scan
        out: list[int] = []
        for k, peak in enumerate(clean.peaks):
            at = k * CHUNK
            if higher_is_worse:
                if peak > level:
                    out.extend(i for i, v in enumerate(scan[at : at + CHUNK], at) if v > level)
            elif peak < level:
                out.extend(i for i, v in enumerate(scan[at : at + CHUNK], at) if v < level)
        return out
    if higher_is_worse:
        return [i for i, v in enumerate(values) if v is not None and v > level]
    return [i for i, v in enumerate(values) if v is not None and v < level]


def within(hits: list[int], span: tuple[int, int]) -> list[int]:
    """The indices of ``hits`` inside ``span`` (both ends included)."""
    return hits[bisect_left(hits, span[0]) : bisect_right(hits, span[1])]
