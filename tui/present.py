"""Store data in words: the text the TUI screens and the headless output show alike.

The store hands data (a view's progress, its status, a quality report); the functions here
turn it into plain strings. Numbers, times and durations are formatted by :mod:`.fmt`;
styles (colours, markup) are the screens' business. This module imports nothing heavy at
run time, so the first screen can use it before the store exists.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from roomscope.tui import fmt

if TYPE_CHECKING:
    from roomscope.tui.diagnosis import SessionDiagnosis
    from roomscope.tui.models import QualitySeries
    from roomscope.tui.scan import ScanProgress
    from roomscope.tui.store import QualityReport, StoreStatus
    from roomscope.tui.store.signals import (
        FilterProgress,
        JumpProgress,
        MergeProgress,
        PartitionProgress,
        SortProgress,
        ViewActivity,
    )


def view_note(activity: ViewActivity | None) -> str | None:
    """What a derived view is doing, for the status line ('12 matches in 500', 'sorted by
    duration ↓'); None when there is nothing to say."""
    if activity is None:
        return None
    if activity.kind == "filter":
        return filter_note(activity)
    if activity.kind == "sort":
        return sort_note(activity)
    if activity.kind == "jump":
        return jump_note(activity)
    if activity.kind == "partitions":
        return partition_note(activity)
    return merge_note(activity)


def filter_note(progress: FilterProgress) -> str:
    matched, scanned = progress.matched, progress.scanned
    if progress.done:
        return f"{matched:,} match{'es' if matched != 1 else ''} in {scanned:,}"
    of = f"{progress.of:,}" if progress.of is not None else f">{scanned:,}"
    return f"{matched:,} matches so far, {scanned:,} of {of} scanned"


def sort_note(progress: SortProgress) -> str:
    arrow = "↓" if progress.descending else "↑"
    label = f"sorted by {progress.by.value} {arrow}"
    if progress.profile is not None:
        label = f"{progress.profile}: {label}"
    if progress.done:
        return label
    of = f"{progress.of:,}" if progress.of is not None else "?"
    return f"{label}: loading all rows to sort ({progress.loaded:,} of {of})"


def jump_note(progress: JumpProgress, what: str = "sessions") -> str:
    """A long load: 'loading 12,300 sessions… ~40 s left, Esc cancels' (the time left when
    it can be estimated, else the rate once known)."""
    count = f"{progress.loaded:,} of {progress.target:,}" if progress.target else f"{progress.loaded:,}"
    text = f"loading {count} {what}…"
    if progress.eta_s is not None:
        text += f" ~{_time_left(progress.eta_s)} left"
    elif progress.rate is not None:
        text += f" {progress.rate:,.0f}/s"
    return text + ", Esc cancels"


def partition_note(progress: PartitionProgress) -> str | None:
    """'1,200 sessions so far, newest first: 17 of 20 rooms still to read' (None once every
    room is read)."""
    if not progress.unread and not progress.more:
        return None
    of = f"{progress.listed:,}+" if progress.more else f"{progress.listed:,}"
    unread = f"{progress.unread:,}+" if progress.more else f"{progress.unread:,}"
    return f"{progress.shown:,} sessions so far, newest first: {unread} of {of} {progress.noun} still to read"


def _time_left(seconds: float) -> str:
    """'3 s', '40 s', '2 min', '1 h 5 min' (rounded up: an estimate, not a promise)."""
    whole = max(1, math.ceil(seconds))
    if whole < 90:
        return f"{whole} s"
    minutes = math.ceil(whole / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def merge_note(progress: MergeProgress) -> str | None:
    """The profiles whose part of a merged list failed, with why; None when none did."""
    return "; ".join(f"{profile}: {error}" for profile, error in progress.failures) or None


def offline_notice(status: StoreStatus) -> str | None:
    """'OFFLINE (cache only)' with ``--offline``, 'offline since 10:42:05' while the network
    is down, else None."""
    if status.offline_mode:
        return "OFFLINE (cache only)"
    if status.offline_since is not None:
        stamp = fmt.local(datetime.fromtimestamp(status.offline_since, UTC))
        return f"offline since {stamp:%H:%M:%S}"
    return None


def quality_summary_rows(report: QualityReport) -> list[tuple[str, ...]]:
    """Per metric: label, unit, min, avg, p95, max, poor condition, verdict (for the
    participant screen and the headless ``quality`` table alike)."""
    rows: list[tuple[str, ...]] = []
    for series in report.series:
        metric = report.assessment.of(series)
        if metric is None:
            continue
        stats = metric.stats
        threshold = metric.threshold
        unit = series.unit if series.unit_documented else f"{series.unit or '?'} (as reported)"
        rows.append(
            (
                _series_label(series, threshold.label),
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


def _series_label(series: QualitySeries, label: str) -> str:
    """The metric's label, and the dump it came from when a browser's dump was imported."""
    imported = series.extra.get("import_file")
    return f"{label} · dump {imported}" if imported else label


def bursts(spans: Sequence[tuple[datetime, datetime]]) -> str:
    """How long something lasted, in the shown zone: '21:58:52–22:02:32 (3m40s)' for one
    burst; several are added up and say so: '3 bursts, 3m40s in all, first at 21:58:52'."""
    if not spans:
        return "—"
    total = sum(max(0.0, (end - start).total_seconds()) for start, end in spans)
    first = min(start for start, _ in spans)

    def clock(moment: datetime) -> str:
        return fmt.when(moment, seconds=True, date=False)

    if len(spans) == 1:
        start, end = spans[0]
        return f"{clock(start)}–{clock(end)} ({fmt.duration(total)})"
    return f"{len(spans)} bursts, {fmt.duration(total)} in all, first at {clock(first)}"


def quality_table_rows(report: QualityReport) -> list[tuple[str, ...]]:
    """Per metric: label, unit, min, avg, p95, max, fair condition, poor condition, verdict
    (the headless ``quality`` table). A metric with no threshold (bitrate) has no verdict:
    '—', not 'good'."""
    rows: list[tuple[str, ...]] = []
    for series in report.series:
        metric = report.assessment.of(series)
        if metric is None:
            continue
        stats = metric.stats
        threshold = metric.threshold
        unit = series.unit if series.unit_documented else f"{series.unit or '?'} (as reported)"
        judged = threshold.poor is not None or threshold.fair is not None
        rows.append(
            (
                _series_label(series, threshold.label),
                unit,
                fmt.number(stats.min if stats else None),
                fmt.number(stats.avg if stats else None),
                fmt.number(stats.p95 if stats else None),
                fmt.number(stats.max if stats else None),
                threshold.condition(threshold.fair) if threshold.fair is not None else "—",
                threshold.condition(threshold.poor) if threshold.poor is not None else "—",
                metric.verdict.value if judged else "—",
            )
        )
    return rows


def quality_text(diagnosis: SessionDiagnosis, width: int, tz: tzinfo) -> str:
    """A session's Quality cell in ``width`` cells: its summary ('● 8/8 poor · shared
    20:55'); when that is too wide, the cause cut short ('● 1/19 poor · downlink Que…'), or
    the verdict alone ('● 8/8 poor'). The verdict is never cut."""
    from roomscope.tui.cellwidth import cell_len, set_cell_size

    full = diagnosis.summary_line(tz)
    if cell_len(full) <= width:
        return full
    head, sep, cause = full.partition(" · ")
    room = width - cell_len(head) - cell_len(sep) - 1
    if sep and room >= 4:
        return head + sep + set_cell_size(cause, room) + "…"
    return head


def scan_detail(progress: ScanProgress) -> str:
    """'1,234 of 5,000 sessions · 120/s · ~31 s left · 12 poor · 30 fair · Esc cancels'."""
    count = f"{progress.done:,} of {progress.target:,}" if progress.target else f"{progress.done:,}"
    parts = [f"{count} sessions"]
    if progress.rate is not None:
        parts.append(f"{progress.rate:,.1f}/s" if progress.rate < 10 else f"{progress.rate:,.0f}/s")
    if progress.eta_s is not None:
        parts.append(f"~{_time_left(progress.eta_s)} left")
    parts.append(f"{progress.poor:,} poor")
    parts.append(f"{progress.fair:,} fair")
    if progress.failed:
        parts.append(f"{progress.failed:,} failed")
    if progress.paced_by:
        parts.append(f"waiting on {progress.paced_by}")
    parts.append("Esc cancels")
    return " · ".join(parts)


def jump_detail(progress: JumpProgress, what: str = "sessions") -> str:
    """'12,300 of 50,000 sessions · 450/s · ~3 min left · Esc cancels' (a long ``G``)."""
    count = f"{progress.loaded:,} of {progress.target:,}" if progress.target else f"{progress.loaded:,}"
    parts = [f"{count} {what}"]
    if progress.rate is not None:
        parts.append(f"{progress.rate:,.0f}/s")
    if progress.eta_s is not None:
        parts.append(f"~{_time_left(progress.eta_s)} left")
    parts.append("Esc cancels")
    return " · ".join(parts)


def rank_note(ranked: int, rows: int, done: bool, worst_first: bool = True) -> str:
    """'sorted by quality, worst first: 240 of 5,000 diagnosed' (the sessions not diagnosed
    yet follow, newest first)."""
    if not done:
        return f"sorting by quality: reading the list ({rows:,} so far)"
    order = "worst first" if worst_first else "best first"
    return f"sorted by quality, {order}: {ranked:,} of {rows:,} diagnosed"
