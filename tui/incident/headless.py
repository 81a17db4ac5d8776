"""The incident commands of the headless twin: ``roomscope window``.

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
from roomscope.tui.incident import describe, output
from roomscope.tui.incident.window import UNAVAILABLE, IncidentWindow, WindowError, parse_window
from roomscope.tui.sources import UsageError

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
    chosen = read_window(args.window, now)
    progress = ScanProgress()
    rows = await scan(store, chosen, now, progress=progress)
    if args.json:
        output.write_json(
            {"window": describe.window_json(chosen), "sessions": [describe.row_json(r) for r in rows]}
        )
    elif args.jsonl:
        output.write_jsonl(describe.row_json(r) for r in rows)
    elif args.csv:
        output.write_csv(describe.WINDOW_CSV_HEADER, (describe.row_cells(r) for r in rows))
    else:
        multi = len(store.providers) > 1
        output.write_table(describe.table_header(multi), [describe.row_table(r, now, multi) for r in rows])
    poor = sum(1 for r in rows if r.verdict.value == "poor")
    diagnostics.note(f"{describe.window_heading(chosen, len(rows))}, {poor} with a poor participant")
    if progress.failed:
        diagnostics.warning(f"{progress.failed} session(s) could not be diagnosed (see their error)")
