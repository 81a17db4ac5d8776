"""G on four merged profiles of 25,000 sessions each: time to the last row and peak RSS.

A fresh process builds the app over a store of four demo profiles (different worlds,
25,000 sessions each, page numbers and totals like Telnyx or RealtimeKit, the demo's
default latency of 80 ms per request) and an empty cache directory, runs it at 120x40 on
the null-terminal driver, waits for the first rows and presses ``G`` once. Figure: the
time from the key to the first frame that paints the last row (the oldest of all 100,000)
with its data, the requests the four providers served for it, and ``ru_maxrss`` at the
end. The merged list's length is the sum of the totals, and its tail comes from the four
last pages merged backward: nothing in the middle is read.
"""

from __future__ import annotations

import asyncio
import tempfile
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

TARGET_MS = 1000.0
TARGET_MIB = 100.0
PROFILES = 4


def make_app(size: int, cache_dir: Path, latency_s: float) -> Any:
    from roomscope.tui.app import RoomscopeApp

    def factory() -> Any:
        from roomscope.tui.cache import Cache
        from roomscope.tui.providers.demo import DemoProvider
        from roomscope.tui.store import Store

        providers = [
            DemoProvider(f"profile-{i + 1}", seed=20 + i, size=size, latency_s=latency_s)
            for i in range(PROFILES)
        ]
        return Store(providers, Cache.open(cache_dir))

    return RoomscopeApp(store_factory=factory, source_label=f"{PROFILES} profiles")


async def jump(size: int, latency_s: float) -> dict[str, Any]:
    from _inapp import FrameWatch, run_app
    from _sessions import SessionList, pause, peak_rss_mib

    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="roomscope-bench-merged-") as tmp:
        app = make_app(size, Path(tmp), latency_s)
        watch = FrameWatch(app)

        async def scenario(_app: Any) -> None:
            session_list = await SessionList.open(app, watch)
            await pause(0.5)
            store = app.store
            assert store is not None
            before = [p.requests for p in store.providers]
            latency = await session_list.key_to_frame("G", within=60.0)
            out["ms"] = None if latency is None else ms(latency)
            out["rows"] = session_list.rows
            out["cursor"] = session_list.table.cursor
            out["requests"] = [p.requests - b for p, b in zip(store.providers, before, strict=True)]
            out["rss_mib"] = peak_rss_mib()

        await run_app(app, scenario)
    return out


def main() -> None:
    parser = base_parser(__doc__ or "")
    parser.add_argument("--runs", type=int, default=3, help="fresh processes pressing G (default 3)")
    parser.add_argument("--size", type=int, default=25_000, help="sessions per profile (default 25000)")
    parser.add_argument("--latency", type=float, default=80.0, help="ms per request (default 80, the demo's)")
    args = parser.parse_args()
    if args.child:
        try:
            result = asyncio.run(jump(args.size, args.latency / 1000.0))
        except Exception as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        child_result(result)
        return

    extra = [] if args.size == 25_000 else ["--size", str(args.size)]
    extra += [] if args.latency == 80.0 else ["--latency", f"{args.latency:g}"]
    cmd = command("merged_jump.py", "--runs", str(args.runs), *extra)
    title = f"G on {PROFILES} merged profiles of {args.size // 1000}k sessions"
    values: list[float] = []
    rss: list[float] = []
    requests: list[int] = []
    failures: list[str] = []
    for run in range(args.runs):
        progress(f"merged G: process {run + 1}/{args.runs}")
        try:
            result = run_child(
                "merged_jump.py",
                ["--size", str(args.size), "--latency", str(args.latency)],
                timeout=180,
            )
        except ChildError as exc:
            failures.append(str(exc))
            continue
        total = PROFILES * args.size
        if result["ms"] is None:
            failures.append("no frame showed the last row within 60 s")
        elif result["rows"] != total or result["cursor"] != total - 1:
            failures.append(f"the cursor ended on row {result['cursor']} of {result['rows']}")
        else:
            values.append(result["ms"])
            rss.append(result["rss_mib"])
            requests.append(sum(result["requests"]))
    if not values:
        why = failures[0] if failures else "no run finished"
        emit(
            [
                not_measured(f"{title}: time", why, cmd, f"<= {TARGET_MS:.0f} ms"),
                not_measured(f"{title}: peak RSS", why, cmd, f"<= {TARGET_MIB:.0f} MiB"),
            ],
            args.json,
        )
        return
    failed = f"; {len(failures)} run(s) failed: {failures[0]}" if failures else ""
    figures = [
        Figure(
            f"{title}: G to the last row painted",
            f"{summary_ms(values)} ({len(values)} fresh processes, empty cache, {args.latency:g} ms per "
            f"request; {median(requests):.0f} requests for G across the profiles{failed})",
            cmd,
            target=f"<= {TARGET_MS:.0f} ms",
            met=median(values) <= TARGET_MS,
            data={"ms": values, "requests": requests},
        ),
        Figure(
            f"{title}: peak RSS",
            f"{median(rss):.0f} MiB [{min(rss):.0f}–{max(rss):.0f}] (ru_maxrss after G)",
            cmd,
            target=f"<= {TARGET_MIB:.0f} MiB",
            met=max(rss) <= TARGET_MIB,
            data={"rss_mib": rss},
        ),
    ]
    emit(figures, args.json)


if __name__ == "__main__":
    main()
