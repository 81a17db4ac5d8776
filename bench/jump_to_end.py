"""G (jump to the last row) to the last row painted, on 100,000 cached sessions.

1. A fresh process fills an empty cache directory with the whole list: the session
   collection the first screen opens (same query, same keys), every page loaded through
   the store from a DemoProvider with no latency.
2. ``--runs`` fresh processes each start the app on that cache (null-terminal driver,
   120x40), wait for the first rows, let it settle, press ``G`` once and time it to the
   first displayed frame in which the last row (the oldest session) has been painted
   with its data. Each process checks that the page came from the disk cache (the
   provider served no request for it).
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from datetime import UTC, datetime
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
    ms,
    not_measured,
    progress,
    run_child,
    summary_ms,
)

TARGET_MS = 300.0


async def prefill(size: int, cache_dir: Path, anchored_at: datetime) -> dict[str, Any]:
    from roomscope.screens.sessions import ListState
    from roomscope.tui.cache import Cache
    from roomscope.tui.demo.world import DemoWorld
    from roomscope.tui.providers.demo import DemoProvider
    from roomscope.tui.store import Store

    started = time.perf_counter()
    world = DemoWorld(size=size, now=anchored_at)
    store = Store([DemoProvider("demo", size=size, latency_s=0.0, world=world)], Cache.open(cache_dir))
    collection = store.sessions(ListState().query(store.clock()))
    await collection.ensure_all()
    loaded = collection.loaded
    await store.aclose()
    return {"loaded": loaded, "seconds": time.perf_counter() - started}


async def jump(size: int, cache_dir: Path, driver: str, anchored_at: datetime) -> dict[str, Any]:
    from _inapp import FrameWatch, run_app
    from _sessions import SessionList, make_app, pause

    app = make_app(size, cache_dir, anchored_at=anchored_at)
    watch = FrameWatch(app)
    out: dict[str, Any] = {"driver": driver}

    async def scenario(_app: Any) -> None:
        session_list = await SessionList.open(app, watch)
        await pause(0.5)
        store = app.store
        assert store is not None
        provider: Any = store.providers[0]
        requests = provider.requests
        latency = await session_list.key_to_frame("G", within=20.0)
        out["rows"] = session_list.rows
        out["cursor"] = session_list.table.cursor
        out["provider_requests"] = provider.requests - requests
        out["ms"] = None if latency is None else ms(latency)

    await run_app(app, scenario, driver=driver)
    return out


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=5, help="fresh processes pressing G (default 5)")
    parser.add_argument("--size", type=int, default=100_000, help="sessions (default 100000)")
    parser.add_argument("--driver", choices=("null", "headless"), default="null")
    parser.add_argument("--cache-dir", help="(child) the cache directory")
    parser.add_argument("--prefill", action="store_true", help="(child) fill the cache")
    parser.add_argument("--anchored-at", help="(child) the demo world's anchor moment (ISO 8601)")
    args = parser.parse_args()
    if args.child:
        try:
            cache_dir = Path(args.cache_dir)
            anchored_at = datetime.fromisoformat(args.anchored_at)
            if args.prefill:
                result = asyncio.run(prefill(args.size, cache_dir, anchored_at))
            else:
                result = asyncio.run(jump(args.size, cache_dir, args.driver, anchored_at))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return

    extra = [] if args.size == 100_000 else ["--size", str(args.size)]
    extra += [] if args.driver == "null" else ["--driver", args.driver]
    cmd = command("jump_to_end.py", "--runs", str(args.runs), *extra)
    title = f"G to last row painted, {args.size // 1000}k cached sessions"
    target = f"<= {TARGET_MS:.0f} ms"
    driver = "null-terminal driver" if args.driver == "null" else "headless run_test"
    tmp = Path(tempfile.mkdtemp(prefix="roomscope-bench-jump-"))
    anchor = ["--anchored-at", datetime.now(UTC).isoformat()]  # one anchor, one cache
    values: list[float] = []
    failures: list[str] = []
    uncached = 0
    try:
        progress(f"G: filling a cache with {args.size:,} sessions")
        try:
            filled = run_child(
                "jump_to_end.py",
                ["--prefill", "--size", str(args.size), "--cache-dir", str(tmp), *anchor],
                timeout=300,
            )
        except ChildError as exc:
            emit([not_measured(title, f"could not fill the cache: {exc}", cmd, target)], args.json)
            return
        for run in range(args.runs):
            progress(f"G: process {run + 1}/{args.runs}")
            try:
                result = run_child(
                    "jump_to_end.py",
                    ["--size", str(args.size), "--cache-dir", str(tmp), "--driver", args.driver, *anchor],
                    timeout=120,
                )
            except ChildError as exc:
                failures.append(str(exc))
                continue
            if result["ms"] is None:
                failures.append("no frame showed the last row within 20 s")
            elif result["cursor"] != result["rows"] - 1:
                failures.append(f"the cursor ended on row {result['cursor']} of {result['rows']}")
            else:
                values.append(result["ms"])
                uncached += 1 if result["provider_requests"] else 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if not values:
        emit([not_measured(title, failures[0] if failures else "no run finished", cmd, target)], args.json)
        return
    value = median(values)
    cached = f"{uncached} run(s) asked the provider" if uncached else "last page from the disk cache"
    failed = f"; {len(failures)} run(s) failed: {failures[0]}" if failures else ""
    text = (
        f"{summary_ms(values)} ({len(values)} fresh processes; {cached}; cache of "
        f"{filled['loaded']:,} sessions filled in {filled['seconds']:.1f} s; {driver}{failed})"
    )
    figure = Figure(title, text, cmd, target=target, met=value <= TARGET_MS, data={"ms": values})
    emit([figure], args.json)


if __name__ == "__main__":
    main()
