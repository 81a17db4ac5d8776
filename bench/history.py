"""Since when: the History view over a week of sessions read from a warm cache.

A demo world of ``--sessions`` sessions spread over 7 days (seed 7, as it stands on
2026-11-22 10:00 UTC) is read once with fetching (``read_history`` of the profile, which
takes part in every session: every session page, participant list and diagnosis lands in a
disk cache). Then ``--procs`` fresh processes each open a new store over that cache (memory
cold, disk warm) and:

* read the history from the cache only (``roomscope.tui.incident.history.read_history``,
  ``fetch=False``): wall and process CPU time;
* run the app (null-terminal driver, 120x40) and post ``OpenHistory`` for the profile:
  the time from the post to the first displayed frame whose History view draws every mark.

Figures: the medians over processes, [min–max].
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import (
    ChildError,
    Figure,
    base_parser,
    child_result,
    command,
    emit,
    fmt_ms,
    median,
    ms,
    not_measured,
    progress,
    run_child,
    summary_ms,
)

NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)
SPAN = timedelta(days=7)
VIEW_TARGET_MS = 1000.0


def _store(directory: Path, sessions: int) -> Any:
    from roomscope.tui.cache import Cache
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import Store

    world = DemoWorld(seed=7, size=sessions, span=SPAN, now=NOW)
    provider = DemoProvider("demo", latency_s=0.0, clock=lambda: NOW, world=world)
    clock = NOW.timestamp
    return Store([provider], Cache.open(directory, clock=clock), clock=clock)


async def fill(directory: Path, sessions: int) -> dict[str, Any]:
    from roomscope.tui.incident.history import Subject, read_history

    store = _store(directory, sessions)
    began = time.perf_counter()
    found = await read_history(store, Subject("profile", "demo"), NOW - SPAN, fetch=True)
    await store.aclose()
    return {"fill_s": time.perf_counter() - began, "marks": len(found.marks), "unread": found.unread}


async def measure(directory: Path, sessions: int) -> dict[str, Any]:
    from _inapp import FrameWatch, run_app

    from roomscope.screens.history import HistoryScreen
    from roomscope.screens.navigation import OpenHistory
    from roomscope.tui import fmt
    from roomscope.tui.app import RoomscopeApp
    from roomscope.tui.incident.history import Subject, read_history

    fmt.set_utc(True)
    out: dict[str, Any] = {}
    store = _store(directory, sessions)
    wall, cpu = time.perf_counter(), time.process_time()
    found = await read_history(store, Subject("profile", "demo"), NOW - SPAN, fetch=False)
    out["read_ms"] = ms(time.perf_counter() - wall)
    out["read_cpu_ms"] = ms(time.process_time() - cpu)
    out["marks"] = len(found.marks)
    await store.aclose()
    store = _store(directory, sessions)
    app = RoomscopeApp(store=store, clock=lambda: NOW, source_label="demo world")
    watch = FrameWatch(app)

    def drawn() -> bool:
        screen = app.screen
        return isinstance(screen, HistoryScreen) and screen.history is not None and not screen.reading

    async def scenario(_app: Any) -> None:
        await asyncio.sleep(0.5)  # the session list's first load is done
        future = watch.expect(drawn)
        wall, cpu = time.perf_counter(), time.process_time()
        app.post_message(OpenHistory("profile", "demo"))
        frame = await watch.wait(future, 60.0)
        if frame is None:
            raise RuntimeError("the History view drew no history within 60 s")
        out["ms"] = ms(frame.wall - wall)
        out["cpu_ms"] = ms(frame.cpu - cpu)
        screen = app.screen
        assert isinstance(screen, HistoryScreen) and screen.history is not None
        out["shown"] = len(screen.history.marks)

    await run_app(app, scenario)
    await store.aclose()
    return out


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes (default 3)")
    parser.add_argument("--sessions", type=int, default=300, help="demo sessions in the week (default 300)")
    parser.add_argument("--mode", choices=("fill", "measure"), default="measure", help="(child)")
    parser.add_argument("--dir", help="(child) the cache directory")
    args = parser.parse_args()
    if args.child:
        try:
            directory = Path(args.dir)
            work = fill if args.mode == "fill" else measure
            result = asyncio.run(work(directory, args.sessions))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return
    cmd = command("history.py", "--procs", str(args.procs), "--sessions", str(args.sessions))
    title = f"History view of a week of {args.sessions:,} demo sessions, warm cache (post → drawn)"
    target = f"<= {VIEW_TARGET_MS:.0f} ms"
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-history-") as tmp:
        try:
            progress(f"filling the cache: {args.sessions:,} sessions diagnosed")
            filled = run_child(
                "history.py",
                ["--mode", "fill", "--dir", tmp, "--sessions", str(args.sessions)],
                timeout=1800,
            )
        except ChildError as exc:
            emit([not_measured(title, f"the cache could not be filled: {exc}", cmd, target)], args.json)
            return
        results: list[dict[str, Any]] = []
        failure = ""
        for proc in range(args.procs):
            progress(f"history view: process {proc + 1}/{args.procs}")
            try:
                results.append(
                    run_child("history.py", ["--dir", tmp, "--sessions", str(args.sessions)], timeout=600)
                )
            except ChildError as exc:
                failure = str(exc)
    if results:
        walls = [r["ms"] for r in results]
        text = (
            f"{summary_ms(walls)} (CPU {fmt_ms(median([r['cpu_ms'] for r in results]))}; "
            f"{results[0]['shown']:,} marks; cache fill {filled['fill_s']:.1f} s; {len(results)} procs)"
        )
        figures.append(
            Figure(title, text, cmd, target, median(walls) <= VIEW_TARGET_MS, data={"runs": results})
        )
        reads = [r["read_ms"] for r in results]
        text = (
            f"{summary_ms(reads)} (CPU {fmt_ms(median([r['read_cpu_ms'] for r in results]))}; "
            f"{results[0]['marks']:,} marks)"
        )
        figures.append(Figure(f"read_history of {args.sessions:,} sessions, cache only", text, cmd))
    else:
        figures.append(not_measured(title, failure or "no process finished", cmd, target))
    emit(figures, args.json)


if __name__ == "__main__":
    main()
