"""A cached page read + validate: ``Cache.get`` of a stored 200-session page, then
``TypeAdapter(Page[Session]).validate_json`` of its body.

Each fresh process opens a sqlite cache in an empty temporary directory, stores one page
of 200 sessions exactly as the store does (the DemoProvider page from the middle of a
100k world, serialised with the store's adapter, under the store's key), and times
``--reps`` rounds of get + validate after warm-up rounds, plus each half on its own. The
reads are warm (OS page cache), as they are in the app. Figure: the median over processes
of each process's median, [min–max of the process medians].
"""

from __future__ import annotations

import asyncio
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
    fmt_ms,
    median,
    ms,
    not_measured,
    progress,
    run_child,
    summary_ms,
)

TARGET_MS = 1.0
PAGE = 200


def measure(reps: int) -> dict[str, Any]:
    from pydantic import TypeAdapter

    from roomscope.tui.cache import Cache, make_key
    from roomscope.tui.models import Page, Session, SessionQuery
    from roomscope.tui.providers.demo import DemoProvider

    provider = DemoProvider("demo", size=100_000, latency_s=0.0)
    query = SessionQuery()
    cursor = provider.page_cursor(query, 50_000, PAGE)
    page = asyncio.run(provider.list_sessions(query, cursor, PAGE))
    adapter: TypeAdapter[Page[Session]] = TypeAdapter(Page[Session])
    body = adapter.dump_json(page)
    key = make_key(provider.identity, "sessions", query.model_dump(mode="json"), cursor, PAGE)
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-cache-") as tmp:
        cache = Cache.open(Path(tmp))
        cache.put(key, profile="demo", kind="sessions", body=body, expires_at=None)
        clock = time.perf_counter
        both: list[float] = []
        gets: list[float] = []
        validates: list[float] = []
        for i in range(reps + reps // 10):
            start = clock()
            entry = cache.get(key)
            assert entry is not None
            value = adapter.validate_json(entry.body)
            end = clock()
            if i >= reps // 10:
                both.append(ms(end - start))
        assert len(value.items) == PAGE
        for _ in range(reps):
            start = clock()
            entry = cache.get(key)
            gets.append(ms(clock() - start))
        for _ in range(reps):
            start = clock()
            adapter.validate_json(body)
            validates.append(ms(clock() - start))
        cache.close()
    return {
        "ms": median(both),
        "get_ms": median(gets),
        "validate_ms": median(validates),
        "bytes": len(body),
    }


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--procs", type=int, default=3, help="fresh processes (default 3)")
    parser.add_argument("--reps", type=int, default=500, help="timed rounds per process (default 500)")
    args = parser.parse_args()
    if args.child:
        try:
            result = measure(args.reps)
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return
    cmd = command("cache_read.py", "--procs", str(args.procs), "--reps", str(args.reps))
    title = f"cached page read + validate ({PAGE} sessions)"
    target = f"<= {TARGET_MS:.0f} ms"
    results: list[dict[str, Any]] = []
    failure = ""
    for proc in range(args.procs):
        progress(f"cache read: process {proc + 1}/{args.procs}")
        try:
            results.append(run_child("cache_read.py", ["--reps", str(args.reps)], timeout=120))
        except ChildError as exc:
            failure = str(exc)
    if not results:
        emit([not_measured(title, failure or "no process finished", cmd, target)], args.json)
        return
    values = [r["ms"] for r in results]
    value = median(values)
    get = median([r["get_ms"] for r in results])
    validate = median([r["validate_ms"] for r in results])
    text = (
        f"{summary_ms(values)} (get {fmt_ms(get)} + validate_json {fmt_ms(validate)}; "
        f"{results[0]['bytes'] / 1024:.0f} KiB of JSON; {len(results)} procs x {args.reps} reps)"
    )
    emit([Figure(title, text, cmd, target=target, met=value <= TARGET_MS, data={"ms": values})], args.json)


if __name__ == "__main__":
    main()
