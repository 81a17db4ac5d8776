"""Whereby at 50,000 sessions: time to the first rows, through the built-in fake API.

Whereby has no global list of sessions; roomscope reads its rooms (most recently used
first) and shows sessions newest first as soon as the rooms that can hold them are read.

* in the app: a fresh process builds the app as ``roomscope --demo-provider whereby
  --demo-size 50000`` does (the real adapter, the fake API in process, its default latency
  of 80 ms per request, an empty cache directory), runs it at 120x40 on the null-terminal
  driver and times from the start of the app to the first frame that paints the first
  session row with its data, and to the first frame in which a whole screenful of rows
  is there; it also counts the requests the fake served by then and reads ``ru_maxrss``;
* headless: ``roomscope sessions --demo-provider whereby --demo-size 50000 --limit 40
  --json`` from spawn to exit, with an empty cache directory each run.

Both include the fake's own work (it generates the demo world's sessions as they are asked
for, in the same process).
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from _common import (
    ROOT,
    ChildError,
    Figure,
    base_parser,
    bench_env,
    child_result,
    command,
    emit,
    median,
    ms,
    not_measured,
    progress,
    run_child,
    summary_ms,
)

TARGET_MS = 3000.0
LATENCY_S = 0.08


def make_app(size: int, cache_dir: Path) -> tuple[Any, Any]:
    from roomscope.tui.app import RoomscopeApp
    from roomscope.tui.clock import utcnow
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.fakes.whereby import DEMO_API_KEY, FakeWhereby
    from roomscope.tui.providers.whereby import WherebyProvider

    fake = FakeWhereby(DemoWorld(size=size, now=utcnow()), latency_s=LATENCY_S)

    def factory() -> Any:
        from roomscope.tui.cache import Cache
        from roomscope.tui.store import Store

        provider = WherebyProvider(
            "whereby-demo",
            api_key=DEMO_API_KEY,
            base_url="https://bench.whereby.fake.invalid/v1",
            transport=fake.transport(),
        )
        return Store([provider], Cache.open(cache_dir))

    return RoomscopeApp(store_factory=factory, source_label="whereby API (fake)"), fake


async def first_rows(size: int) -> dict[str, Any]:
    from _inapp import FrameWatch, run_app
    from _sessions import SessionList, peak_rss_mib

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-whereby-") as tmp:
        app, fake = make_app(size, Path(tmp))
        watch = FrameWatch(app)
        started = time.perf_counter()

        async def scenario(_app: Any) -> None:
            session_list = await SessionList.open(app, watch, within=60.0)
            out["first_ms"] = ms(time.perf_counter() - started)
            out["first_requests"] = len(fake.requests)
            table = session_list.table
            rows = max(1, table.scrollable_content_region.height)
            out["screen_rows"] = rows

            def full() -> bool:
                source = table.source
                return source is not None and all(source.row(i) is not None for i in range(rows))

            frame = await watch.wait(watch.expect(full), 60.0)
            if frame is None:
                raise RuntimeError(f"the first {rows} rows were not painted within 60 s")
            out["ms"] = ms(frame.wall - started)
            out["requests"] = len(fake.requests)
            out["rss_mib"] = peak_rss_mib()

        await run_app(app, scenario)
    return out


def headless(size: int) -> float:
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-whereby-") as tmp:
        argv = [str(ROOT / ".venv" / "bin" / "roomscope"), "sessions", "--demo-provider", "whereby"]
        argv += ["--demo-size", str(size), "--limit", "40", "--json", "--cache-dir", tmp]
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, env=bench_env(), capture_output=True, timeout=300, check=False)
        elapsed = time.perf_counter() - started
    if done.returncode != 0 or done.stdout.count(b'"provider"') != 40:
        raise RuntimeError(f"exit code {done.returncode}: {done.stderr.decode(errors='replace')[-200:]}")
    return elapsed


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes of each kind (default 3)")
    parser.add_argument("--size", type=int, default=50_000, help="sessions (default 50000)")
    args = parser.parse_args()
    if args.child:
        try:
            result = asyncio.run(first_rows(args.size))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return

    extra = [] if args.size == 50_000 else ["--size", str(args.size)]
    cmd = command("whereby_first_rows.py", "--runs", str(args.runs), *extra)
    title = f"Whereby (fake API, 80 ms per request) at {args.size // 1000}k sessions"
    target = f"<= {TARGET_MS:.0f} ms"
    values: list[float] = []
    firsts: list[float] = []
    screen = 0
    requests: list[int] = []
    rss: list[float] = []
    spawned: list[float] = []
    failures: list[str] = []
    for run in range(args.runs):
        progress(f"whereby: app, process {run + 1}/{args.runs}")
        try:
            result = run_child("whereby_first_rows.py", ["--size", str(args.size)], timeout=180)
        except ChildError as exc:
            failures.append(str(exc))
        else:
            values.append(result["ms"])
            firsts.append(result["first_ms"])
            screen = result["screen_rows"]
            requests.append(result["requests"])
            rss.append(result["rss_mib"])
        progress(f"whereby: headless, process {run + 1}/{args.runs}")
        try:
            spawned.append(ms(headless(args.size)))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            failures.append(str(exc))
    figures: list[Figure] = []
    name = f"{title}: app start to a screenful of rows painted"
    if values:
        figures.append(
            Figure(
                name,
                f"{summary_ms(values)} for {screen} rows, the first row at {summary_ms(firsts)} "
                f"({len(values)} fresh processes, empty cache; {median(requests):.0f} requests by then; "
                f"peak RSS {median(rss):.0f} MiB)",
                cmd,
                target=target,
                met=median(values) <= TARGET_MS,
                data={"ms": values, "requests": requests, "rss_mib": rss},
            )
        )
    else:
        figures.append(not_measured(name, failures[0] if failures else "no run finished", cmd, target))
    name = f"{title}: `roomscope sessions --limit 40 --json`, spawn to exit"
    if spawned:
        figures.append(
            Figure(
                name, f"{summary_ms(spawned)} ({len(spawned)} runs, empty cache)", cmd, data={"ms": spawned}
            )
        )
    else:
        figures.append(not_measured(name, failures[-1] if failures else "no run finished", cmd))
    emit(figures, args.json)


if __name__ == "__main__":
    main()
