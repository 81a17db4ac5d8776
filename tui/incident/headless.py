"""The incident commands of the headless twin: ``roomscope window``, ``groups``, ``bundle``,
``history``.

Each is ``async def command(store, args, clock)`` like the other headless commands
(:mod:`roomscope.tui.headless` dispatches to them). A window that cannot be read is a usage
error (exit 2); one longer than roomscope serves is unavailable (exit 5).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from roomscope.tui import diagnostics, fmt
from roomscope.tui import output as shapes
from roomscope.tui.incident import describe, output
from roomscope.tui.incident.window import UNAVAILABLE, IncidentWindow, WindowError, parse_window
from roomscope.tui.sources import UsageError
from roomscope.tui.text import terminal_safe

if TYPE_CHECKING:
    from roomscope.tui.store import Store


def read_window(text: str, now: datetime) -> IncidentWindow:
    """The window a command line names, in the shown zone; raises UsageError (exit 2) or
    UnavailableError (exit 5)."""
    from roomscope.tui.errors import UnavailableError

    try:
        return parse_window(text, now, fmt.shown_zone())
    except WindowError as exc:
        if exc.exit_code == UNAVAILABLE:
            raise UnavailableError(f"window: {exc}") from None
        raise UsageError(f"window: {exc}") from None


async def window(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    """Every session overlapping the window across every open profile, worst first."""
    from roomscope.tui.incident.scan import ScanProgress, scan

    now = clock()
    fields = shapes.fields_of(args, describe.WINDOW_CSV_HEADER if args.csv else describe.WINDOW_JSON_FIELDS)
    chosen = read_window(args.window, now)
    progress = ScanProgress()
    rows = await scan(store, chosen, now, progress=progress)
    if args.json:
        shapes.print_json(
            {
                "window": describe.window_json(chosen),
                "sessions": [shapes.pick(describe.row_json(r), fields) for r in rows],
            }
        )
    elif args.jsonl:
        shapes.print_jsonl(shapes.pick(describe.row_json(r), fields) for r in rows)
    elif args.csv:
        shapes.print_csv(
            *shapes.project(describe.WINDOW_CSV_HEADER, (describe.row_cells(r) for r in rows), fields)
        )
    else:
        multi = len(store.providers) > 1
        shapes.print_table(describe.table_header(multi), [describe.row_table(r, now, multi) for r in rows])
    poor = sum(1 for r in rows if r.verdict.value == "poor")
    diagnostics.note(f"{describe.window_heading(chosen, len(rows))}, {poor} with a poor participant")
    if progress.failed:
        diagnostics.warning(f"{progress.failed} session(s) could not be diagnosed (see their error)")


async def groups(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    """Participants grouped along ``--by``, the outlier first: of the sessions of a window,
    or of the sessions list (``--since``, ``--filter``, at most ``--limit`` sessions)."""
    from roomscope.tui.incident.gather import gather
    from roomscope.tui.incident.groups import Dimension, group
    from roomscope.tui.incident.scan import sessions_in
    from roomscope.tui.models import Session, SessionQuery
    from roomscope.tui.sources import parse_since

    now = clock()
    fields = shapes.fields_of(args, describe.GROUP_CSV_HEADER if args.csv else describe.GROUP_JSON_FIELDS)
    by = Dimension(args.by)
    chosen: IncidentWindow | None = None
    sessions: list[Session] = []
    if args.window:
        chosen = read_window(args.window, now)
        sessions = [row.session async for row in sessions_in(store, chosen, now)]
    else:
        since = parse_since(args.since, now) if args.since else None
        collection = store.sessions(SessionQuery(since=since, text=args.filter or ""))
        async for session in collection.stream():
            if not session.problem:
                sessions.append(session)
            if len(sessions) >= args.limit:
                break
    gathered = await gather(store, sessions, chosen)
    found = group(gathered.members, by)
    if args.json:
        shapes.print_json(
            {
                "by": by.value,
                "window": describe.window_json(chosen) if chosen is not None else None,
                "sessions": gathered.sessions,
                "participants": len(gathered.members),
                "left_out": gathered.failed,
                "groups": [shapes.pick(describe.group_json(g), fields) for g in found],
            }
        )
    elif args.jsonl:
        shapes.print_jsonl(shapes.pick(describe.group_json(g), fields) for g in found)
    elif args.csv:
        shapes.print_csv(
            *shapes.project(describe.GROUP_CSV_HEADER, (describe.group_cells(g) for g in found), fields)
        )
    else:
        shapes.print_table(describe.GROUP_TABLE_HEADER, [describe.group_table(g) for g in found])
    degraded = sum(1 for m in gathered.members if m.degraded)
    scope = describe.window_heading(chosen) if chosen is not None else f"{gathered.sessions:,} sessions"
    diagnostics.note(
        f"{len(gathered.members):,} participants ({degraded:,} degraded) of {scope}, "
        f"by {by.words}: {len(found):,} groups"
    )
    for failure in gathered.failed[:5]:
        diagnostics.warning(f"left out: {failure}")
    if len(gathered.failed) > 5:
        diagnostics.warning(f"{len(gathered.failed) - 5} more sessions left out")


async def bundle(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    """An incident bundle of one session or of a window, written under ``-o DIR``; its path
    goes to stdout."""
    from pathlib import Path

    from roomscope.tui.errors import UnavailableError
    from roomscope.tui.incident.bundle import BundleError, collect, collect_session, write
    from roomscope.tui.incident.scan import scan

    now = clock()
    if bool(args.session_id) == bool(args.window):
        raise UsageError("bundle: give a session id or --window FROM..TO (one of them)")
    target = Path(args.output or ".")
    if args.window:
        chosen = read_window(args.window, now)
        rows = await scan(store, chosen, now)
        data = await collect(store, rows, chosen, now, title=f"Window {describe.window_heading(chosen)}")
    else:
        session = await store.find_session(args.session_id)
        found = await collect_session(store, session, now)
        if found is None:
            raise UsageError(f"bundle: session {args.session_id} has no start time to place it")
        data = found
    try:
        path = write(data, target)
    except BundleError as exc:
        raise UnavailableError(f"bundle: {exc}") from None
    print(output_path(path))
    files = sum(1 for i in data.involved if i.file)
    diagnostics.note(f"wrote {path}: summary.md, bundle.json and {files} quality CSV file(s)")


def output_path(path: object) -> str:
    return terminal_safe(str(path))


async def history(store: Store, args: argparse.Namespace, clock: Callable[[], datetime]) -> None:
    """A person's, an ISP's or a room's verdicts session by session, from the cache unless
    ``--fetch``, and since when it went wrong."""
    from roomscope.tui.incident.history import MARK, Subject, mark_json, read_history, sentence, timeline
    from roomscope.tui.sources import parse_since

    now = clock()
    given = (("who", args.who), ("isp", args.isp), ("room", args.room), ("profile", args.of_profile))
    asked = [(kind, value) for kind, value in given if value]
    if len(asked) != 1:
        raise UsageError("history: give one of --who NAME, --isp ASN, --room NAME or --of-profile NAME")
    subject = Subject(*asked[0])
    since = parse_since(args.since or "7d", now)
    found = await read_history(store, subject, since, limit=args.limit, fetch=args.fetch)
    zone = fmt.local(now).tzinfo
    said = sentence(found, zone)
    point = found.first_bad
    if getattr(args, "jsonl", False):
        shapes.print_jsonl(mark_json(m) for m in found.marks)
        return
    if args.json:
        shapes.print_json(
            {
                "subject": {"kind": subject.kind, "value": subject.value},
                "since": output.iso(since),
                "sentence": said,
                "timeline": timeline(found.marks),
                "first_degraded": mark_json(found.marks[point]) if point is not None else None,
                "marks": [mark_json(m) for m in found.marks],
                "sessions_scanned": found.scanned,
                "sessions_unread": found.unread,
                "fetched": found.fetched,
            }
        )
    else:
        print(terminal_safe(said))
        if found.marks:
            print(timeline(found.marks))
            header = ["WHEN", "SESSION", "VERDICT", "DEGRADED", "CAUSE", "NETWORK", "ID"]
            rows = [
                [
                    fmt.when(m.at),
                    m.session_title,
                    f"{MARK[m.verdict]} {m.verdict.value}" + (" ← first" if i == point else ""),
                    f"{m.degraded}/{m.people}",
                    m.cause or "—",
                    m.isp,
                    m.session_id,
                ]
                for i, m in enumerate(found.marks)
            ]
            shapes.print_table(header, rows)
    cached = "" if args.fetch else " (cache only; --fetch asks the providers)"
    diagnostics.note(f"{found.scanned:,} sessions since {fmt.when(since)} looked at{cached}")
    if found.unread:
        diagnostics.warning(f"{found.unread} session(s) not read: {found.errors[0] if found.errors else ''}")
    if found.stopped:
        diagnostics.warning(f"the session list stopped early: {found.stopped}")
