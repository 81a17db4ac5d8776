"""Read the rtcstats client protocol as rtcstats servers (jitsi, fippo) store it.

One JSON array a line: ``[method, connection id, value, timestamp]`` (the connection id is
null for client-level events such as ``connectionInfo``; the timestamp is absolute, in ms).
``getstats`` values are delta-compressed against the previous report of the same connection:
a report carries only the properties that changed, ``timestamp: 0`` means the line's
top-level ``timestamp``, and a report left out did not change. The line is read, merged into
the connection's last state (only the statistics the result needs are kept), sampled, and
dropped: memory stays flat however long the dump is.

A line that cannot be read is skipped with a note naming it; a last line cut short (a
half-written dump) is noted as truncated.
"""

from __future__ import annotations

import json
from typing import Any

from roomscope.tui.clientstats import agent
from roomscope.tui.clientstats.detect import Detected
from roomscope.tui.clientstats.lines import read_lines
from roomscope.tui.clientstats.raw import KEPT_TYPES, Collector, as_number
from roomscope.tui.clientstats.stream import DumpStream
from roomscope.tui.text import clean


def _client_info(collector: Collector, value: Any) -> None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return
    if isinstance(value, dict):
        user_agent = value.get("userAgent")
        if isinstance(user_agent, str) and collector.user_agent is None:
            collector.user_agent = clean(user_agent, 400)
            collector.browser = agent.from_user_agent(user_agent)


def merge_delta(base: dict[str, dict[str, Any]], delta: dict[str, Any], line_t: float | None) -> float | None:
    """Merge one delta-compressed getStats value into ``base`` (the connection's state);
    return the line's time. Statistics of types the result does not need are kept as a
    ``{"type": ...}`` stub only."""
    top = as_number(delta.get("timestamp"))
    now = top if top is not None else line_t
    for stat_id, report in delta.items():
        if stat_id == "timestamp" or not isinstance(report, dict):
            continue
        old = base.get(stat_id)
        stat_type = report.get("type") or (old.get("type") if old else None)
        if stat_type not in KEPT_TYPES:
            if old is None:
                base[stat_id] = {"type": stat_type}
            continue
        stamp = report.get("timestamp")
        if old is None:
            merged = dict(report)
            base[stat_id] = merged
        else:
            merged = old
            merged.update(report)
        if stamp == 0 or (stamp is None and old is None):
            merged["timestamp"] = now
    return now


def read(dump: DumpStream, detected: Detected, collector: Collector) -> None:
    """Read a whole rtcstats dump into ``collector``."""
    notes = collector.notes
    collector.version = detected.version
    if detected.metadata:
        _client_info(collector, detected.metadata)
    bases: dict[str, dict[str, dict[str, Any]]] = {}
    max_bytes = dump.limits.max_line_bytes
    for line in read_lines(dump.stream, max_bytes):
        where = f"line {line.number}"
        if line.data is None:
            notes.add(where, f"line longer than {max_bytes >> 20} MiB")
            continue
        if not line.data.strip():
            continue
        try:
            item = json.loads(line.data)
        except ValueError:
            if line.last and not line.ended:
                notes.add(where, "the file ends inside this line (truncated)")
            else:
                notes.add(where, "not JSON")
            continue
        if isinstance(item, dict) and line.number == 1:
            continue  # the metadata line (read by detection)
        if not isinstance(item, list) or len(item) < 3 or not isinstance(item[0], str):
            notes.add(where, "not an rtcstats record [method, connection, value, time]")
            continue
        method, pc_id, value = item[0], item[1], item[2]
        at_ms = as_number(item[-1]) if len(item) >= 4 else None
        if pc_id is None:
            if method in ("connectionInfo", "userAgent"):
                _client_info(collector, {"userAgent": value} if method == "userAgent" else value)
            continue
        if not isinstance(pc_id, str | int) or isinstance(pc_id, bool):
            notes.add(where, "connection id is neither text nor a number")
            continue
        pc_key = str(pc_id)
        if method.lower() == "getstats":
            if not isinstance(value, dict):
                notes.add(where, "getstats value is not an object")
                continue
            base = bases.setdefault(pc_key, {})
            line_t = merge_delta(base, value, at_ms)
            collector.pc(pc_key).snapshot(base, line_t, notes, collector.now_ms)
        else:
            pc = collector.pc(pc_key)
            pc.event(at_ms, method, value)
            if method == "create" and isinstance(value, dict) and pc.url is None:
                url = value.get("url") or value.get("origin")
                pc.url = clean(url, 200) if isinstance(url, str) else None
    if dump.truncated:
        notes.add("end of file", "the gzip data ends early (truncated): read what came before")
