"""The TUI's ``e`` on the session list: every row of a 100,000-session list streamed to a file,
rows per second and the memory it takes.

Each fresh process (``--procs``, CSV and JSON alternating) builds a store over the demo world
(``--size`` sessions, latency 0, an empty cache directory: pages are generated and cached as
the reader gets to them, as on a first visit), then runs what the list's ``e`` runs in its
worker, ``roomscope.screens.handoff.export_stream``, over ``store.sessions(...).stream()``
with the list's cells and records (``describe.session_cells``/``session_json``), into a file.
Timed: wall and CPU time of the export alone (the store is built before). Memory: the
process's ``ru_maxrss`` before and after the export (the growth is what the export kept).
Every row of the file is counted against ``--size``.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    ChildError,
    Figure,
    base_parser,
    child_result,
    command,
    emit,
    median,
    not_measured,
    progress,
    run_child,
)

TARGET_GROWTH_MB = 50.0
"""Bounded memory: what the export adds to the process stays small whatever the list's length."""


class Poster:
    """Stands for the screen: keeps the messages the export posts."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    def post_message(self, message: Any) -> bool:
        self.messages.append(message)
        return True


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


async def one_export(size: int, form: str) -> dict[str, Any]:
    from roomscope.screens.handoff import export_stream
    from roomscope.tui.cache import Cache
    from roomscope.tui.clock import utcnow
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.incident import describe
    from roomscope.tui.models import SessionQuery
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import Store

    now = utcnow()
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-list-export-") as tmp:
        world = DemoWorld(seed=7, size=size, now=now)
        provider = DemoProvider("demo", latency_s=0.0, clock=lambda: now, world=world)
        clock = now.timestamp
        store = Store([provider], Cache.open(Path(tmp) / "cache", clock=clock), clock=clock)
        collection = store.sessions(SessionQuery())
        target = Path(tmp) / f"list.{form}"
        poster: Any = Poster()
        before = rss_mb()
        cpu, began = time.process_time(), time.perf_counter()
        await export_stream(
            poster,
            str(target),
            collection.stream(),
            header=describe.SESSION_CSV_HEADER,
            cells=lambda s: describe.session_cells(s, store.known_diagnosis(s)),
            record=lambda s: describe.session_json(s, store.known_diagnosis(s)),
            noun="session",
        )
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        after = rss_mb()
        data = target.read_bytes() if target.exists() else b""
        rows = data.count(b'\n  {\n    "provider"') if form == "json" else data.count(b"\n") - 1
        said = [str(m.text) for m in poster.messages]
        await store.aclose()
    return {
        "wall": wall,
        "cpu": cpu,
        "rss_before": before,
        "rss_after": after,
        "rows": rows,
        "bytes": len(data),
        "said": said,
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--procs", type=int, default=2, help="fresh processes per format (default 2)")
    parser.add_argument("--size", type=int, default=100_000, help="sessions (default 100000)")
    parser.add_argument("--form", choices=("csv", "json"), default="csv", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        try:
            child_result(asyncio.run(one_export(args.size, args.form)))
        except Exception as exc:  # the parent says what failed
            child_result({"error": f"{type(exc).__name__}: {exc}"})
        return
    extra = [] if args.size == 100_000 else ["--size", str(args.size)]
    cmd = command("list_export.py", "--procs", str(args.procs), *extra)
    thousands = f"{args.size // 1000}k"
    results: dict[str, list[dict[str, Any]]] = {"csv": [], "json": []}
    failures: list[str] = []
    for run in range(args.procs):
        for form in ("csv", "json") if run % 2 == 0 else ("json", "csv"):
            progress(f"list export: {form}, process {run + 1}/{args.procs}")
            try:
                result = run_child("list_export.py", ["--size", str(args.size), "--form", form], timeout=900)
            except ChildError as exc:
                failures.append(str(exc))
                continue
            if result["rows"] != args.size:
                failures.append(f"{form} wrote {result['rows']:,} rows of {args.size:,}: {result['said']}")
                continue
            results[form].append(result)
    figures: list[Figure] = []
    for form, runs in results.items():
        name = f"e on the session list, {thousands} demo sessions as {form.upper()} (empty cache)"
        if not runs:
            figures.append(not_measured(name, failures[0] if failures else "no run finished", cmd))
            continue
        rates = [args.size / r["wall"] for r in runs]
        growth = [r["rss_after"] - r["rss_before"] for r in runs]
        wall, cpu = median([r["wall"] for r in runs]), median([r["cpu"] for r in runs])
        low, high = min(growth), max(growth)
        figures.append(
            Figure(
                f"{name}: rows/s",
                f"{median(rates):,.0f} rows/s [{min(rates):,.0f}–{max(rates):,.0f}] "
                f"({wall:.2f} s wall, {cpu:.2f} s CPU; "
                f"{median([r['bytes'] for r in runs]) / 1e6:.0f} MB written; {len(runs)} processes)",
                cmd,
                data={"rows_s": rates},
            )
        )
        figures.append(
            Figure(
                f"{name}: memory",
                f"peak RSS grew {median(growth):.0f} MB [{low:.0f}–{high:.0f}] during the export "
                f"(to {median([r['rss_after'] for r in runs]):.0f} MB; ru_maxrss)",
                cmd,
                target=f"<= {TARGET_GROWTH_MB:.0f} MB",
                met=max(growth) <= TARGET_GROWTH_MB,
                data={"growth_mb": growth},
            )
        )
    emit(figures, args.json)


if __name__ == "__main__":
    main()
