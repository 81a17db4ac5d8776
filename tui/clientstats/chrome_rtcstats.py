"""Read an RTCStatsDump (fileFormat 3): Chrome's built-in rtcstats export, rtcstats-server v3.

Line 1 is ``RTCStatsDump``, line 2 a metadata object (``{"fileFormat": 3}``; detection has
read and checked it), then one JSON array a line: ``[method, connection id, value, ...extra,
time delta]``. The last item is the time since the previous record (since the epoch for the
first), so times accumulate. Methods, statistic types and properties may be compressed and
getStats delta-compressed (:mod:`roomscope.tui.clientstats.compression`). Chrome names
connections ``<renderer id>-<local id>`` and also gives getUserMedia calls such ids; only
peer-connection methods create a connection here.
"""

from __future__ import annotations

import json
from typing import Any

from roomscope.tui.clientstats import agent
from roomscope.tui.clientstats.compression import merge_stats, method_name
from roomscope.tui.clientstats.detect import Detected
from roomscope.tui.clientstats.lines import read_lines
from roomscope.tui.clientstats.raw import STATE_EVENTS, Collector, as_number
from roomscope.tui.clientstats.stream import DumpStream
from roomscope.tui.text import clean

HEADER_LINES = 2
PEER_CONNECTION_METHODS = frozenset({"getStats", "create", "constraints", "close", "remove"})


def _client(collector: Collector, value: Any) -> None:
    if not isinstance(value, dict):
        return
    user_agent = value.get("userAgent")
    if isinstance(user_agent, str) and collector.user_agent is None:
        collector.user_agent = clean(user_agent, 400)
        collector.browser = agent.from_user_agent(user_agent)
    if collector.browser is None:
        collector.browser = agent.from_brands(value.get("userAgentData"))


def _is_pc_method(method: str) -> bool:
    key = method.lower()
    return method in PEER_CONNECTION_METHODS or key.removeprefix("on") in STATE_EVENTS


def read(dump: DumpStream, detected: Detected, collector: Collector) -> None:
    """Read a whole RTCStatsDump into ``collector``."""
    notes = collector.notes
    collector.version = detected.version
    _client(collector, detected.metadata)
    bases: dict[str, dict[str, dict[str, Any]]] = {}
    clock = 0.0
    max_bytes = dump.limits.max_line_bytes
    header = 0
    for line in read_lines(dump.stream, max_bytes):
        where = f"line {line.number}"
        if line.data is None:
            notes.add(where, f"line longer than {max_bytes >> 20} MiB")
            continue
        if not line.data.strip():
            continue
        if header < HEADER_LINES:
            header += 1
            continue
        try:
            item = json.loads(line.data)
        except ValueError:
            if line.last and not line.ended:
                notes.add(where, "the file ends inside this line (truncated)")
            else:
                notes.add(where, "not JSON")
            continue
        if not isinstance(item, list) or len(item) < 3:
            continue  # the format ignores lines that are not arrays
        method = method_name(item[0])
        delta = as_number(item[-1])
        if method is None or delta is None:
            notes.add(where, "not an RTCStatsDump record [method, connection, value, ..., time delta]")
            continue
        clock += delta
        pc_id, value = item[1], item[2]
        if pc_id is None:
            if method == "create":
                _client(collector, value)
            continue
        if not isinstance(pc_id, str | int) or isinstance(pc_id, bool) or not _is_pc_method(method):
            continue
        pc_key = str(pc_id)
        pc = collector.pc(pc_key)
        if method == "getStats":
            if not isinstance(value, dict):
                notes.add(where, "getStats value is not an object")
                continue
            base = bases.setdefault(pc_key, {})
            top_t = merge_stats(base, value)
            pc.snapshot(base, top_t if top_t is not None else clock, notes, collector.now_ms)
        elif method == "create":
            url = item[3] if len(item) > 4 and isinstance(item[3], str) else None
            pc.url = clean(url, 200) if url and pc.url is None else pc.url
        else:
            pc.event(clock, method, value)
    if dump.truncated:
        notes.add("end of file", "the gzip data ends early (truncated): read what came before")
