"""The demo world at 100,000 and at 10,000,000 sessions: what a page costs, ready, PgDn.

Each size runs in fresh processes (sizes alternating). A process:

* times the demo provider making pages of 200 sessions (``DemoProvider._sessions_page``,
  CPU time of the thread): the first five pages of the whole list, five pages from the
  middle and the last page; then the first page and the next four of ``status=live`` and
  of ``status=ended`` (the first of each includes building the table of starts and ends
  that tells live sessions from ended ones);
* runs the app as ``roomscope --provider demo --demo-latency 0 --cache-dir <empty>`` would,
  at 120x40 on the null-terminal driver, and times *ready* (the app started → the first
  session rows painted) and ``pagedown`` → the frame painting the row under the moved
  cursor with its session (``--pages`` presses from the top, 40-80 ms apart).

At 10,000,000 sessions the first ~39 pages hold live sessions (a session lasts up to
150 minutes, and the world starts one every 0.26 s); a live session's list row counts
who is there, which generates its participants. Figures: medians over processes (each
process's median), [min–max].
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import threading
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
    fmt_ms,
    median,
    ms,
    not_measured,
    progress,
    run_child,
    summary_ms,
)

TARGET_MS = 50.0
PAGE = 200


def page_costs(size: int) -> dict[str, list[float]]:
    """CPU ms per page of the provider, by kind of page."""
    from roomscope.tui.models import SessionQuery, SessionStatus
    from roomscope.tui.providers.demo import DemoProvider

    provider = DemoProvider("demo", size=size, latency_s=0.0)

    def cost(query: SessionQuery, offset: int) -> float:
        started = time.thread_time()
        provider._sessions_page(query, offset, PAGE)
        return ms(time.thread_time() - started)

    plain = SessionQuery()
    middle = (size // 2 // PAGE) * PAGE
    out: dict[str, list[float]] = {
        "top": [cost(plain, k * PAGE) for k in range(5)],
        "middle": [cost(plain, middle + k * PAGE) for k in range(5)],
        "last": [cost(plain, size - PAGE)],
    }
    for status in (SessionStatus.LIVE, SessionStatus.ENDED):
        query = SessionQuery(status=status)
        out[f"{status.value} first"] = [cost(query, 0)]
        out[f"{status.value} next"] = [cost(query, k * PAGE) for k in range(1, 5)]
    return out


async def in_app(size: int, pages: int) -> dict[str, Any]:
    from _inapp import FrameWatch, run_app
    from _sessions import SessionList, make_app, pause

    rng = random.Random()
    result: dict[str, Any] = {"pagedown": []}
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-demo-") as tmp:
        app = make_app(size, Path(tmp))
        watch = FrameWatch(app)
        started = time.perf_counter()

        async def scenario(_app: Any) -> None:
            session_list = await SessionList.open(app, watch, within=60.0)
            result["ready"] = ms(time.perf_counter() - started)
            await pause(0.3)
            for _ in range(pages):
                latency = await session_list.key_to_frame("pagedown", within=10.0)
                if latency is not None:
                    result["pagedown"].append(ms(latency))
                await pause(rng.uniform(0.04, 0.08))

        await run_app(app, scenario)
    return result


def measure(size: int, pages: int) -> dict[str, Any]:
    costs: dict[str, list[float]] = {}
    worker = threading.Thread(target=lambda: costs.update(page_costs(size)))
    worker.start()
    worker.join()
    return {"pages": costs, **asyncio.run(in_app(size, pages))}


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--sizes", default="100000,10000000", help="session counts")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes per size (default 3)")
    parser.add_argument("--pages", type=int, default=15, help="timed pagedown presses per process")
    parser.add_argument("--size", type=int, default=100_000, help="(child) the one size to run")
    args = parser.parse_args()
    if args.child:
        try:
            result = measure(args.size, args.pages)
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    cmd = command("demo_scale.py", "--procs", str(args.procs))
    results: dict[int, list[dict[str, Any]]] = {size: [] for size in sizes}
    errors: dict[int, str] = {}
    for proc in range(args.procs):
        for size in sizes if proc % 2 == 0 else list(reversed(sizes)):
            progress(f"demo scale: {size:,} sessions, process {proc + 1}/{args.procs}")
            try:
                results[size].append(
                    run_child("demo_scale.py", ["--size", str(size), "--pages", str(args.pages)], timeout=300)
                )
            except ChildError as exc:
                errors.setdefault(size, str(exc))

    figures: list[Figure] = []
    target = f"<= {TARGET_MS:.0f} ms"
    for size in sizes:
        runs = results[size]
        label = f"{size:,} sessions"
        if not runs:
            why = errors.get(size, "no process finished")
            figures.append(not_measured(f"demo page CPU, {label}", why, cmd, target))
            continue
        kinds = list(runs[0]["pages"])
        per_kind = {kind: [median(run["pages"][kind]) for run in runs] for kind in kinds}
        worst = max(max(run["pages"][kind]) for run in runs for kind in kinds if "first" not in kind)
        parts = ", ".join(f"{kind} {fmt_ms(median(values))}" for kind, values in per_kind.items())
        figures.append(
            Figure(
                f"demo page of 200 (CPU), {label}",
                f"{parts}; worst page after the first of a filter {fmt_ms(worst)}",
                cmd,
                target=target,
                met=worst <= TARGET_MS,
                data={"per_kind_ms": per_kind},
            )
        )
        ready = [run["ready"] for run in runs if "ready" in run]
        figures.append(
            Figure(f"demo ready (app start -> first rows painted), {label}", summary_ms(ready), cmd)
        )
        medians = [median(run["pagedown"]) for run in runs if run["pagedown"]]
        peaks = [max(run["pagedown"]) for run in runs if run["pagedown"]]
        presses = sum(len(run["pagedown"]) for run in runs)
        figures.append(
            Figure(
                f"demo PgDn -> frame from the top, {label}",
                f"{summary_ms(medians)} (peak {fmt_ms(max(peaks, default=float('nan')))}; {presses} presses)",
                cmd,
                target=target,
                met=bool(medians) and median(medians) <= TARGET_MS,
                data={"per_process_ms": medians, "peaks_ms": peaks},
            )
        )
    emit(figures, args.json)


if __name__ == "__main__":
    main()
