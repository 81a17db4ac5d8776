"""Read a chrome://webrtc-internals "Create dump" file, streaming.

The dump is one JSON object: ``getUserMedia``, ``PeerConnections`` (id → ``{url,
rtcConfiguration, constraints, updateLog, stats}``), ``UserAgent`` and, from Chrome 138,
``UserAgentData``. ``stats`` maps ``"<statsId>-<property>"`` to ``{startTime, endTime,
statsType, values}`` where ``values`` is a JSON-encoded array; computed properties look like
``"<statsId>-[bytesReceived_in_bits/s]"`` (not read: rates are computed from the counters).

Times: since Chrome 117 each statistic has its own ``"<statsId>-timestamp"`` series; before,
samples are taken as evenly spaced between ``startTime`` and ``endTime`` of the statistic's
longest series. webrtc-internals keeps at most 1,000 samples per series and a property that
appeared late has fewer: every series is right-aligned to its statistic's timestamps.

The object is walked key by key (:mod:`roomscope.tui.clientstats.jsonwalk`): only one series
is decoded at a time and only the properties the result needs are kept, so a 100 MB dump
never needs 100 MB of Python objects. A dump cut short, or broken part way, yields what came
before the break, with a note saying where it broke.
"""

from __future__ import annotations

import contextlib
import json
import math
from array import array
from datetime import datetime
from typing import Any

from roomscope.tui.clientstats import agent
from roomscope.tui.clientstats.detect import Detected
from roomscope.tui.clientstats.errors import NotADumpError, TruncatedDumpError, UnknownVersionError
from roomscope.tui.clientstats.jsonwalk import JsonEnded, JsonInvalid, JsonWalker, ValueTooLarge
from roomscope.tui.clientstats.rates import empty
from roomscope.tui.clientstats.raw import (
    KEPT_TYPES,
    NUMERIC,
    QLD,
    QLD_REASONS,
    STATIC,
    STATIC_ONLY,
    TEXT,
    WANTED,
    Collector,
    Notes,
    RawPeerConnection,
    RawStat,
    as_number,
    numbers,
    text_runs,
    time_problem,
)
from roomscope.tui.clientstats.stream import DumpStream
from roomscope.tui.text import clean

MAX_SAMPLES = 1000
"""webrtc-internals keeps this many samples per series (older ones are shifted out)."""
START_SLACK_MS = 5000.0
"""A full series whose first sample comes this long after the connection's first event has
lost its start."""
LEGACY_TYPES = frozenset(
    {
        "ssrc",
        "googCandidatePair",
        "googComponent",
        "googTrack",
        "VideoBwe",
        "localcandidate",
        "remotecandidate",
        "googCertificate",
        "googLibjingleSession",
    }
)
"""Statistic types of the legacy (non-standard, callback-based) getStats, which is not read."""
VERSION_117 = "per-report timestamps (Chrome 117 or later)"
VERSION_OLD = "no per-report timestamps (before Chrome 117): samples taken as evenly spaced"


def split_key(key: str) -> tuple[str, str]:
    """``("<statsId>", "<property>")`` from a ``stats`` key."""
    if "-[" in key:
        stat_id, _, prop = key.partition("-[")
        return stat_id, "[" + prop
    stat_id, _, prop = key.rpartition("-")
    return stat_id, prop


def _iso_ms(value: Any) -> float | None:
    if not isinstance(value, str):
        return as_number(value)
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp() * 1000.0
    except ValueError:
        return None


class _StatSeries:
    """The series of one statistic, as read, before they are aligned."""

    __slots__ = ("axis", "nums", "spans", "static", "texts", "type")

    def __init__(self, stat_type: str) -> None:
        self.type = stat_type
        self.axis: array[float] | None = None
        self.nums: dict[str, array[float]] = {}
        self.texts: dict[str, tuple[int, list[tuple[int, str]]]] = {}
        self.static: dict[str, Any] = {}
        self.spans: list[tuple[int, Any, Any]] = []


class _PeerConnectionReader:
    def __init__(self, pc: RawPeerConnection, collector: Collector) -> None:
        self.pc = pc
        self.collector = collector
        self.notes: Notes = collector.notes
        self.stats: dict[str, _StatSeries] = {}
        self.legacy = 0
        self.standard = 0
        self.evenly_spaced = False

    def add(self, key: str, entry: Any) -> None:
        where = f"{self.pc.id}/{key}"
        if not isinstance(entry, dict):
            self.notes.add(where, "not a statistics series (no object)")
            return
        stat_type = entry.get("statsType")
        if stat_type in LEGACY_TYPES:
            self.legacy += 1
            return
        self.standard += 1
        if stat_type not in KEPT_TYPES:
            return
        stat_id, prop = split_key(key)
        if prop != "timestamp" and prop not in WANTED[stat_type]:
            return
        raw = entry.get("values")
        try:
            values = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            self.notes.add(where, "values are not a JSON array")
            return
        if not isinstance(values, list):
            self.notes.add(where, "values are not an array")
            return
        series = self.stats.get(stat_id)
        if series is None or series.type != stat_type:
            series = self.stats[stat_id] = _StatSeries(stat_type)
        series.spans.append((len(values), entry.get("startTime"), entry.get("endTime")))
        at = f"{self.pc.id}/{stat_id}"
        if prop == "timestamp":
            series.axis = numbers(values, prop, at, self.notes)
        elif prop == QLD:
            self._limitation_durations(series, values, at)
        elif prop in NUMERIC.get(stat_type, ()):
            series.nums[prop] = numbers(values, prop, at, self.notes)
        elif prop in TEXT.get(stat_type, ()):
            series.texts[prop] = (len(values), text_runs(values))
        elif prop in STATIC[stat_type]:
            last = next((v for v in reversed(values) if v is not None), None)
            if last is not None:
                series.static[prop] = last

    def _limitation_durations(self, series: _StatSeries, values: list[Any], where: str) -> None:
        columns: dict[str, list[Any]] = {reason: [] for reason in QLD_REASONS}
        for value in values:
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    value = None
            for reason in QLD_REASONS:
                columns[reason].append(value.get(reason) if isinstance(value, dict) else None)
        for reason, column in columns.items():
            prop = f"{QLD}.{reason}"
            series.nums[prop] = numbers(column, prop, where, self.notes)

    def _axis(self, stat_id: str, series: _StatSeries) -> array[float] | None:
        if series.axis is not None:
            return series.axis
        count, start, end = max(series.spans, key=lambda span: span[0])
        start_ms, end_ms = _iso_ms(start), _iso_ms(end)
        if count == 0 or (start_ms is None and end_ms is None):
            self.notes.add(f"{self.pc.id}/{stat_id}", "no timestamps and no usable startTime/endTime")
            return None
        self.evenly_spaced = True
        if start_ms is None or end_ms is None or count == 1:
            anchor = end_ms if end_ms is not None else start_ms
            assert anchor is not None
            step = 1000.0
            start_ms = anchor - step * (count - 1) if end_ms is not None else anchor
        else:
            step = (end_ms - start_ms) / (count - 1)
        return array("d", (start_ms + i * step for i in range(count)))

    def _checked(self, stat_id: str, axis: array[float]) -> array[float]:
        where = f"{self.pc.id}/{stat_id}"
        last = -math.inf
        for i, t in enumerate(axis):
            problem = time_problem(t, self.collector.now_ms)
            if problem is None and t <= last:
                problem = "sample time goes backwards"
            if problem:
                self.notes.add(where, problem)
                axis[i] = math.nan
            else:
                last = t
        return axis

    def finish(self) -> None:
        """Align what was read and hand it to the peer connection."""
        pc = self.pc
        for stat_id, series in self.stats.items():
            if series.type in STATIC_ONLY:
                pc.stat(stat_id, series.type).static.update(series.static)
                continue
            axis = self._axis(stat_id, series)
            if axis is None:
                continue
            n = len(axis)
            stat = RawStat(stat_id, series.type)
            stat.times = self._checked(stat_id, axis)
            stat.static = series.static
            for prop, column in series.nums.items():
                stat.nums[prop] = self._aligned(stat_id, prop, column, n)
            for prop, (count, runs) in series.texts.items():
                shift = n - count
                kept = [(i + shift, v) for i, v in runs if i + shift >= 0]
                if shift < 0:
                    self.notes.add(f"{pc.id}/{stat_id}.{prop}", "more values than timestamps: oldest dropped")
                    first_kept = next((v for i, v in reversed(runs) if i + shift < 0), None)
                    if first_kept is not None and (not kept or kept[0][0] > 0):
                        kept.insert(0, (0, first_kept))
                stat.texts[prop] = kept
            if n >= MAX_SAMPLES and self._start_missing(stat.times):
                pc.stats_truncated = True
            pc.stats[stat_id] = stat
        self.stats.clear()
        if pc.stats_truncated:
            self.notes.add(
                pc.id,
                f"webrtc-internals kept only the last {MAX_SAMPLES:,} samples of each statistic: "
                "the start of the call is not in the dump",
            )

    def _start_missing(self, times: array[float]) -> bool:
        """Whether a full series (1,000 samples) starts well after the connection did (its
        first logged event): then older samples were shifted out."""
        first_sample = next((t for t in times if t == t), None)
        first_event = min((e.at_ms for e in self.pc.events if e.at_ms is not None), default=None)
        if first_sample is None or first_event is None:
            return True
        return first_sample - first_event > START_SLACK_MS

    def _aligned(self, stat_id: str, prop: str, column: array[float], n: int) -> array[float]:
        m = len(column)
        if m == n:
            return column
        if m > n:
            self.notes.add(f"{self.pc.id}/{stat_id}.{prop}", "more values than timestamps: oldest dropped")
            return column[m - n :]
        return empty(n - m) + column


def _event_time(entry: dict[str, Any]) -> float | None:
    stamp = as_number(entry.get("timestamp"))
    if stamp is not None:
        return stamp
    when = entry.get("time")
    if as_number(when) is not None:
        return as_number(when)
    if isinstance(when, str):
        try:
            return float(when)
        except ValueError:
            return _iso_ms(when)
    return None


class _Reader:
    def __init__(self, dump: DumpStream, collector: Collector) -> None:
        self.dump = dump
        self.collector = collector
        self.notes = collector.notes
        self.walker = JsonWalker(dump.stream, max_value_chars=dump.limits.max_line_bytes)
        self.place = "the top level"
        self.legacy = 0
        self.standard = 0
        self.evenly_spaced = False
        self.timed = False

    def run(self) -> None:
        walker = self.walker
        for key in walker.object_keys():
            if key == "PeerConnections":
                self.place = "PeerConnections"
                if walker.peek() != "{":
                    walker.value()
                    self.notes.add("PeerConnections", "not an object")
                    continue
                for pc_id in walker.object_keys():
                    self._peer_connection(str(pc_id))
                self.place = "the top level"
            elif key == "UserAgent":
                value = walker.value()
                if isinstance(value, str):
                    self.collector.user_agent = clean(value, 400)
                    self.collector.browser = self.collector.browser or agent.from_user_agent(value)
            elif key == "UserAgentData":
                brands = agent.from_brands(walker.value())
                self.collector.browser = brands or self.collector.browser
            else:
                walker.value()
        if not walker.at_end():
            self.notes.add("end of file", "text after the JSON document (not read)")

    def _peer_connection(self, pc_id: str) -> None:
        walker = self.walker
        pc = self.collector.pc(pc_id)
        self.place = f"PeerConnections/{clean(pc_id, 60)}"
        if walker.peek() != "{":
            walker.value()
            self.notes.add(self.place, "not an object")
            return
        reader = _PeerConnectionReader(pc, self.collector)
        try:
            for key in walker.object_keys():
                if key == "stats" and walker.peek() == "{":
                    self.place = f"PeerConnections/{clean(pc_id, 60)}/stats"
                    for stat_key in walker.object_keys():
                        reader.add(str(stat_key), walker.value())
                elif key == "updateLog" and walker.peek() == "[":
                    self.place = f"PeerConnections/{clean(pc_id, 60)}/updateLog"
                    for _ in walker.array_items():
                        self._event(pc, walker.value())
                elif key == "url":
                    url = walker.value()
                    pc.url = clean(url, 200) if isinstance(url, str) else None
                else:
                    walker.value()
        finally:
            reader.finish()
            self.legacy += reader.legacy
            self.standard += reader.standard
            self.evenly_spaced = self.evenly_spaced or reader.evenly_spaced
            self.timed = self.timed or any(s.type not in STATIC_ONLY for s in pc.stats.values())

    def _event(self, pc: RawPeerConnection, entry: Any) -> None:
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            self.notes.add(f"{pc.id}/updateLog", "entry without a type")
            return
        value = entry.get("value")
        if isinstance(value, str) and value.startswith('"'):
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        pc.event(_event_time(entry), entry["type"], value)


def read(dump: DumpStream, detected: Detected, collector: Collector) -> None:
    """Read a whole webrtc-internals dump into ``collector``."""
    reader = _Reader(dump, collector)
    name = dump.name
    try:
        reader.run()
    except (JsonEnded, JsonInvalid, ValueTooLarge) as err:
        truncated = isinstance(err, JsonEnded)
        if not collector.read_anything:
            if truncated:
                raise TruncatedDumpError(name, "ends before any statistics", where=reader.place) from None
            raise NotADumpError(name, str(err), where=reader.place) from None
        what = "the file ends here (truncated)" if truncated else str(err)
        collector.notes.add(reader.place, f"{what}: the rest of the dump was not read")
    if dump.truncated:
        collector.notes.add("end of file", "the gzip data ends early (truncated): read what came before")
    if reader.legacy and not reader.standard:
        raise UnknownVersionError(
            name, "uses the legacy (non-standard) getStats format of Chrome before 2020, which is not read"
        )
    if reader.legacy:
        collector.notes.add(
            "PeerConnections", "legacy (non-standard) getStats series (not read)", reader.legacy
        )
    collector.version = VERSION_OLD if reader.evenly_spaced else (VERSION_117 if reader.timed else "")
