"""The headless ``scan`` command, and the filter text the list commands accept.

``roomscope scan`` diagnoses every session of a list (:class:`roomscope.tui.scan.Scan`) and
prints one row per session: its verdict, poor and fair counts, reconnects and top finding,
as a table, JSON (an array), JSON Lines or CSV. Times carry their zone (ISO 8601 with the
offset of the shown zone: UTC under ``--utc``). Data goes to stdout, diagnostics to stderr.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from roomscope.tui import diagnostics, fmt, output
from roomscope.tui.query import QueryError, moment, parse
from roomscope.tui.sources import UsageError, parse_since
from roomscope.tui.text import clean, inert_json

if TYPE_CHECKING:
    from roomscope.tui.scan import ScanRow
    from roomscope.tui.store import Store


def checked_filter(text: str, now: datetime, option: str = "--filter") -> str:
    """``text`` if it is a valid ``/`` query; else a usage error saying what is wrong and
    where (column numbers from 1)."""
    try:
        parse(text, now)
    except QueryError as exc:
        raise UsageError(f"{option}: {exc} (at column {exc.position + 1} of {text!r})") from None
    return text


FIELDS = (
    "id",
    "profile",
    "provider",
    "name",
    "room",
    "status",
    "started_at",
    "ended_at",
    "duration_s",
    "participants",
    "verdict",
    "poor",
    "fair",
    "judged",
    "reconnects",
    "top_rule",
    "top_cause",
    "top_finding",
    "summary",
    "error",
)


def _when(value: datetime | None) -> str | None:
    """ISO 8601 with the offset of the shown zone."""
    return fmt.local(value).isoformat() if value is not None else None


def record(row: ScanRow) -> dict[str, Any]:
    """One scanned session as plain values (the JSON object; CSV cells in :data:`FIELDS` order)."""
    s = row.session
    d = row.diagnosis
    tz = fmt.local(datetime.now(UTC)).tzinfo  # the shown zone
    top = d.top if d is not None else None
    return {
        "id": s.id,
        "profile": s.profile,
        "provider": s.provider,
        "name": s.title,
        "room": s.room_name or s.room_id,
        "status": s.status.value,
        "started_at": _when(s.started_at),
        "ended_at": _when(s.ended_at),
        "duration_s": s.duration_s,
        "participants": len(d.verdicts) if d is not None else s.participant_count,
        "verdict": d.worst.value if d is not None else None,
        "poor": d.poor if d is not None else None,
        "fair": d.fair if d is not None else None,
        "judged": d.judged if d is not None else None,
        "reconnects": row.reconnects,
        "top_rule": top.rule if top is not None else None,
        "top_cause": top.cause.value if top is not None else None,
        "top_finding": top.short_cause(tz) if top is not None and tz is not None else None,
        "summary": d.summary_line(tz) if d is not None and tz is not None else None,
        "error": row.error,
    }


async def scan(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    from roomscope.tui.models import SessionQuery
    from roomscope.tui.scan import Scan

    now = clock()
    fields = output.fields_of(args, FIELDS)
    columns = tuple(fields) if fields is not None else FIELDS
    text = checked_filter(args.filter or "", now)
    until = _moment(args.until, now, "--until") if args.until else None
    if args.at:
        at = _moment(args.at, now, "--at")
        text = f"{text} at:{at.isoformat()}".strip()
    since = parse_since(args.since, now) if args.since is not None else None
    query = SessionQuery(since=since, until=until, text=text)
    collection = store.sessions(query)
    job = Scan(store, collection.stream(), target=collection.total, limit=args.limit)
    out = sys.stdout
    written = 0
    table: list[dict[str, Any]] = []
    if args.json:
        out.write("[")
    elif args.csv:
        csv.writer(out, lineterminator="\n").writerow(columns)
    async with contextlib.aclosing(job.rows()) as rows:
        async for row in rows:
            item = record(row)
            if fields is not None and (args.json or args.jsonl):
                item = output.pick(item, fields)
            if row.error:
                diagnostics.warning(f"{row.session.id}: {row.error}")
            if args.json:
                out.write(("\n" if written == 0 else ",\n") + _indented(inert_json(item, indent=2)))
            elif args.jsonl:
                out.write(inert_json(item, indent=None) + "\n")
            elif args.csv:
                output.write_csv_rows([[item[f] for f in columns]], out)
            else:
                table.append(item)
            written += 1
    if args.json:
        out.write("\n]\n" if written else "]\n")
    if not (args.json or args.jsonl or args.csv):
        _table(table, out)
        p = job.progress
        rate = f", {p.done / p.elapsed_s:,.0f}/s" if p.elapsed_s > 0 and p.done else ""
        failed = f", {p.failed} failed" if p.failed else ""
        diagnostics.note(
            f"scanned {p.done:,} sessions in {p.elapsed_s:.1f} s{rate}: {p.poor} poor, {p.fair} fair{failed}"
        )


def _moment(value: str, now: datetime, option: str) -> datetime:
    try:
        return moment(value, now, option)
    except QueryError as exc:
        raise UsageError(f"{option}: {str(exc).split(': ', 1)[-1]}") from None


def _indented(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def _table(items: list[dict[str, Any]], out: TextIO) -> None:
    from roomscope.tui.cellwidth import cell_len

    header = [
        "START",
        "SESSION",
        "STATUS",
        "PEOPLE",
        "VERDICT",
        "POOR",
        "FAIR",
        "RECONNECTS",
        "TOP FINDING",
        "ID",
    ]
    rows: list[list[str]] = []
    for item in items:
        started = item["started_at"]
        rows.append(
            [
                fmt.when(datetime.fromisoformat(started)) if started else "—",
                clean(item["name"], 40),
                item["status"],
                "—" if item["participants"] is None else str(item["participants"]),
                item["verdict"] or "error",
                _count(item["poor"]),
                _count(item["fair"]),
                _count(item["reconnects"]),
                clean(item["top_finding"] or item["error"] or "—", 60),
                clean(item["id"], 60),
            ]
        )
    widths = [cell_len(h) for h in header]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], cell_len(cell))

    def line(cells: list[str]) -> str:
        return "  ".join(c + " " * (widths[i] - cell_len(c)) for i, c in enumerate(cells)).rstrip() + "\n"

    out.write(line(header))
    for row in rows:
        out.write(line(row))


def _count(value: int | None) -> str:
    return "—" if value is None else str(value)
